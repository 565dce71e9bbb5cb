// model_file.h — the `.zlm` model file: our own compact, checked binary format.
//
//   z80lm::save_model("m.zlm", model);            // atomic: temp file + rename
//   z80lm::Model m = z80lm::load_model("m.zlm");  // throws z80lm::Error naming the byte offset
//
// Layout, version 2, all integers little-endian:
//   offset 0   char[8]  magic "Z80LMMDL"
//          8   u16      format version (2)
//         10   u16      query encoding (1 = v1, 2 = v2; text/encoder.h)
//         12   u16      number of layers L (1..16)
//         14   u16      input size (input_size(encoding): 256 or 384)
//         16   u16[L]   output size of each layer
//              u16      charset size C (== last output size), then C bytes (last is NUL)
//              u32      provenance size P (<= 1 MiB), then P bytes of UTF-8 JSON (an object)
//              per layer: int8 codes (n_out x n_in, row-major, each -2..+1),
//                         int16 biases (n_out)
//              u32      CRC-32 (zlib) of every byte before it
// Version 1 (z80lm 0.1) is the same without the encoding field: it loads as encoding v1.
// Invariants: a file that loads satisfies model_problem() == ""; nothing may follow the
// CRC. Any violation is refused with one line naming the file, the byte offset and a hint.
#pragma once
#include <string>
#include <string_view>

#include "model/model.h"

namespace z80lm {

inline constexpr char kModelMagic[8] = {'Z', '8', '0', 'L', 'M', 'M', 'D', 'L'};
inline constexpr uint16_t kModelVersion = 2;
inline constexpr uint16_t kModelVersionNoEncoding = 1;  // still read: encoding v1
inline constexpr const char* kModelExtension = ".zlm";

std::string serialize_model(const Model& m);
Model parse_model(std::string_view bytes, const std::string& name);
Model load_model(const std::string& path);
void save_model(const std::string& path, const Model& m);

}  // namespace z80lm
