// make_npz_seed — writes a .zlm model as the original's .npz layout (fcN_weight/fcN_bias int8
// and int16 arrays, _charset, _architecture; stored ZIP members), as a seed for fuzz_npz.
// Usage: make_npz_seed MODEL.zlm OUT.npz
#include <fmt/core.h>
#include <zlib.h>

#include <map>
#include <string>

#include "model/model_file.h"
#include "util/error.h"
#include "util/file_io.h"

namespace {

void put(std::string& s, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}

std::string npy(const std::string& descr, const std::string& shape, const std::string& data) {
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, shape);
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  put(out, header.size(), 2);
  return out + header + data;
}

std::string zip(const std::map<std::string, std::string>& members) {
  std::string out, central;
  for (const auto& [name, data] : members) {
    const auto crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
    const uint64_t offset = out.size();
    put(out, 0x04034b50, 4), put(out, 20, 2), put(out, 0, 2), put(out, 0, 2), put(out, 0, 4);
    put(out, crc, 4), put(out, data.size(), 4), put(out, data.size(), 4), put(out, name.size(), 2),
        put(out, 0, 2);
    out += name + data;
    put(central, 0x02014b50, 4), put(central, 20, 2), put(central, 20, 2), put(central, 0, 2),
        put(central, 0, 2);
    put(central, 0, 4), put(central, crc, 4), put(central, data.size(), 4), put(central, data.size(), 4);
    put(central, name.size(), 2), put(central, 0, 2), put(central, 0, 2), put(central, 0, 2),
        put(central, 0, 2);
    put(central, 0, 4), put(central, offset, 4);
    central += name;
  }
  const uint64_t cd_offset = out.size();
  out += central;
  put(out, 0x06054b50, 4), put(out, 0, 4), put(out, members.size(), 2), put(out, members.size(), 2);
  put(out, central.size(), 4), put(out, cd_offset, 4), put(out, 0, 2);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fmt::print(stderr, "usage: make_npz_seed MODEL.zlm OUT.npz\n");
    return 2;
  }
  try {
    const z80lm::Model m = z80lm::load_model(argv[1]);
    std::map<std::string, std::string> members;
    for (size_t k = 0; k < m.layers.size(); ++k) {
      const z80lm::Layer& l = m.layers[k];
      std::string b;
      for (int16_t v : l.b) put(b, static_cast<uint16_t>(v), 2);
      members[fmt::format("fc{}_weight.npy", k + 1)] =
          npy("|i1", fmt::format("({}, {})", l.n_out, l.n_in), std::string(l.w.begin(), l.w.end()));
      members[fmt::format("fc{}_bias.npy", k + 1)] = npy("<i2", fmt::format("({},)", l.n_out), b);
    }
    members["_charset.npy"] = npy(fmt::format("|S{}", m.charset.size()), "()", m.charset);
    std::string hidden;
    for (int h : m.hidden_sizes()) hidden += (hidden.empty() ? "" : ", ") + std::to_string(h);
    const std::string arch = fmt::format(R"({{"input_size": 256, "hidden_sizes": [{}], "num_classes": {}}})",
                                         hidden, m.output_size());
    members["_architecture.npy"] = npy(fmt::format("|S{}", arch.size()), "()", arch);
    z80lm::write_file_atomic(argv[2], zip(members));
  } catch (const z80lm::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 0;
}
