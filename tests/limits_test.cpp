// The resource budget (util/limits.h): one test per limit, each feeding input just over it
// and expecting a one-line error that names the limit, never an allocation of that size.
#include "util/limits.h"

#include <fmt/core.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <functional>

#include "data/llm_json.h"
#include "data/template.h"
#include "model/model_file.h"
#include "model/npz.h"
#include "test_models.h"
#include "test_support.h"
#include "text/charset.h"
#include "text/examples.h"
#include "text/pairs.h"
#include "train/checkpoint.h"
#include "train/trainer.h"
#include "util/error.h"
#include "util/file_io.h"

namespace z80lm {
namespace {

using test::run_cli;
using test::TempDir;
using test::write_text;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    return e.what();
  }
  return "accepted";
}

// A sparse file of `size` bytes: costs no disk, and the readers must refuse it by its size.
std::string sparse_file(const TempDir& dir, const std::string& name, uint64_t size) {
  const std::string path = dir.file(name);
  write_text(path, "");
  std::filesystem::resize_file(path, size);
  return path;
}

void expect_too_large(const std::string& e, uint64_t limit) {
  EXPECT_NE(e.find("larger than " + std::to_string(limit) + " bytes"), std::string::npos) << e;
}

TEST(Limits, InputFileBytes) {
  TempDir dir;
  const std::string p = sparse_file(dir, "big", limits::kInputFileBytes + 1);
  expect_too_large(error_of([&] { read_file(p); }), limits::kInputFileBytes);
  EXPECT_EQ(read_file(sparse_file(dir, "small", 10), 10).size(), 10u);
  expect_too_large(error_of([&] { read_file(p, 10); }), 10);
}

TEST(Limits, ModelFileBytes) {
  TempDir dir;
  const std::string p = sparse_file(dir, "m.zlm", limits::kModelFileBytes + 1);
  expect_too_large(error_of([&] { load_model(p); }), limits::kModelFileBytes);
}

TEST(Limits, ProvenanceBytes) {
  std::string bytes = serialize_model(test::random_model(1, {4}, "AB"));
  const size_t at = bytes.find('{') - 4;
  const uint32_t huge = limits::kProvenanceBytes + 1;
  std::memcpy(bytes.data() + at, &huge, 4);
  const std::string e = error_of([&] { parse_model(bytes, "m.zlm"); });
  EXPECT_NE(e.find(fmt::format("m.zlm: byte {}: provenance size {} exceeds {}", at, huge,
                               limits::kProvenanceBytes)),
            std::string::npos)
      << e;
}

TEST(Limits, NpzFileBytes) {
  TempDir dir;
  const std::string p = sparse_file(dir, "m.npz", limits::kNpzFileBytes + 1);
  expect_too_large(error_of([&] { import_npz(p); }), limits::kNpzFileBytes);
}

std::string npy_with_header(const std::string& header) {
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += static_cast<char>(header.size() & 0xFF);
  out += static_cast<char>(header.size() >> 8);
  return out + header;
}

TEST(Limits, NpzMemberBytes) {
  // 4113 x 4096 int8 is one row more than a member may hold.
  const std::string e =
      error_of([] { parse_npy_header(npy_with_header("{'descr': '|i1', 'shape': (4113, 4096)}"), "w.npy"); });
  EXPECT_NE(e.find(std::to_string(limits::kNpzMemberBytes)), std::string::npos) << e;
  ZipEntry big;
  big.name = "w.npy";
  big.size = limits::kNpzMemberBytes + 1;
  const std::string e2 = error_of([&] { read_zip_member("", big, limits::kNpzMemberBytes, "m.npz"); });
  EXPECT_NE(e2.find("more than the " + std::to_string(limits::kNpzMemberBytes)), std::string::npos) << e2;
}

TEST(Limits, NpzEntries) {
  std::string eocd = "PK\x05\x06";
  eocd += std::string(4, '\0');
  const uint16_t n = static_cast<uint16_t>(limits::kNpzEntries + 1);
  eocd +=
      std::string(reinterpret_cast<const char*>(&n), 2) + std::string(reinterpret_cast<const char*>(&n), 2);
  eocd += std::string(10, '\0');
  const std::string e = error_of([&] { list_zip(eocd, "m.npz"); });
  EXPECT_NE(e.find(fmt::format("{} archive members, more than the {}", n, limits::kNpzEntries)),
            std::string::npos)
      << e;
}

TEST(Limits, NpyHeaderBytes) {
  std::string header = "{'descr': '|i1', 'shape': (1,)}";
  header += std::string(limits::kNpyHeaderBytes - header.size(), ' ');
  EXPECT_EQ(parse_npy_header(npy_with_header(header), "a.npy").data_bytes, 1u);
  const std::string e = error_of([&] { parse_npy_header(npy_with_header(header + " "), "a.npy"); });
  EXPECT_NE(e.find("longer than the " + std::to_string(limits::kNpyHeaderBytes) + " allowed"),
            std::string::npos)
      << e;
}

TEST(Limits, NpyDims) {
  std::string dims;
  for (size_t i = 0; i <= limits::kNpyDims; ++i) dims += "1,";
  const std::string e = error_of(
      [&] { parse_npy_header(npy_with_header("{'descr': '|i1', 'shape': (" + dims + ")}"), "a.npy"); });
  EXPECT_NE(e.find("more than " + std::to_string(limits::kNpyDims) + " dimensions"), std::string::npos) << e;
}

TEST(Limits, ArchitectureBytes) {
  const std::string descr = "|S" + std::to_string(limits::kArchitectureBytes + 1);
  const std::string e = error_of(
      [&] { parse_npy_header(npy_with_header("{'descr': '" + descr + "', 'shape': ()}"), "a.npy"); });
  EXPECT_NE(e.find("is not a bytes type of 1.." + std::to_string(limits::kArchitectureBytes)),
            std::string::npos)
      << e;
}

TEST(Limits, CheckpointFileBytes) {
  TempDir dir;
  const std::string p = sparse_file(dir, "m.ckpt", limits::kCheckpointFileBytes + 1);
  expect_too_large(error_of([&] { load_checkpoint(p); }), limits::kCheckpointFileBytes);
}

TEST(Limits, CheckpointHeaderBytes) {
  std::string bytes(kCheckpointMagic, sizeof kCheckpointMagic);
  bytes += std::string("\x01\x00", 2);
  const uint32_t size = limits::kCheckpointHeaderBytes + 1;
  bytes += std::string(reinterpret_cast<const char*>(&size), 4) + "{}";
  // The CRC check comes first: give the file a valid one.
  const auto crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
  bytes.append(reinterpret_cast<const char*>(&crc), 4);
  const std::string e = error_of([&] { parse_checkpoint(bytes, "m.ckpt"); });
  EXPECT_NE(e.find(fmt::format("m.ckpt: byte 10: header size {} is more than the {} allowed", size,
                               limits::kCheckpointHeaderBytes)),
            std::string::npos)
      << e;
}

TEST(Limits, CheckpointNumber) {
  std::vector<Pair> pairs;
  for (int i = 0; i < 8; ++i) pairs.push_back({"query " + std::to_string(i), i % 2 ? "YES" : "NO", i + 1});
  const std::string charset = build_charset(pairs);
  const ExampleSet ex = build_examples(pairs, charset, kDefaultEncoding);  // TrainConfig's
  TrainConfig c;
  c.hidden = {4};
  c.batch = 2;
  c.threads = 1;
  Trainer tr(c, ex, charset);
  tr.state().elapsed = limits::kCheckpointNumber / 2;
  EXPECT_EQ(parse_checkpoint(serialize_checkpoint({c, charset, 1, tr.state()}), "m.ckpt").state.elapsed,
            limits::kCheckpointNumber / 2);
  tr.state().elapsed = limits::kCheckpointNumber * 2;
  const std::string e = error_of([&] {
    parse_checkpoint(serialize_checkpoint({c, charset, 1, tr.state()}), "m.ckpt");
  });
  EXPECT_NE(e.find("header field elapsed: expected a finite number below 1e+15"), std::string::npos) << e;
}

TEST(Limits, DataFileBytes) {
  TempDir dir;
  const std::string p = sparse_file(dir, "d.txt", limits::kDataFileBytes + 1);
  expect_too_large(error_of([&] { load_pairs({p}); }), limits::kDataFileBytes);
}

TEST(Limits, DataLineBytes) {
  const std::string ok = std::string(limits::kDataLineBytes - 3, 'a') + "|OK";
  EXPECT_EQ(parse_pairs(ok + "\n", "d.txt").pairs.size(), 1u);
  const PairSet set = parse_pairs(ok + "K\nnext|ONE\n", "d.txt");
  ASSERT_EQ(set.issues.size(), 1u);
  EXPECT_EQ(set.issues[0].line, 1);
  EXPECT_NE(set.issues[0].message.find("longer than the " + std::to_string(limits::kDataLineBytes)),
            std::string::npos);
  EXPECT_EQ(set.pairs.size(), 1u);
}

TEST(Limits, TemplateFileBytes) {
  TempDir dir;
  const std::string p = sparse_file(dir, "t.facts", limits::kTemplateFileBytes + 1);
  auto r = run_cli("data template '" + p + "' -o '" + dir.file("out.txt") + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  expect_too_large(r.out, limits::kTemplateFileBytes);
}

TEST(Limits, TemplateNesting) {
  auto parse = [](size_t depth) {
    parse_template("[answer YES]\n" + std::string(depth, '(') + "a" + std::string(depth, ')') + "\n",
                   "t.facts");
  };
  EXPECT_NO_THROW(parse(limits::kTemplateNesting));
  const std::string e = error_of([&] { parse(limits::kTemplateNesting + 1); });
  EXPECT_NE(e.find(fmt::format("t.facts:2:{}: `(` nested more than {} deep", limits::kTemplateNesting + 1,
                               limits::kTemplateNesting)),
            std::string::npos)
      << e;
}

TEST(Limits, LlmReplyBytes) {
  std::string why;
  std::string reply = "[\"a\"]" + std::string(limits::kLlmReplyBytes - 5, ' ');
  EXPECT_TRUE(extract_json(reply, &why).has_value());
  EXPECT_FALSE(extract_json(reply + " ", &why).has_value());
  EXPECT_NE(why.find("longer than the " + std::to_string(limits::kLlmReplyBytes)), std::string::npos) << why;
}

TEST(Limits, ProgramFileBytes) {
  TempDir dir;
  const std::string p = sparse_file(dir, "BIG.COM", limits::kProgramFileBytes + 1);
  auto r = run_cli("run '" + p + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  expect_too_large(r.out, limits::kProgramFileBytes);
}

}  // namespace
}  // namespace z80lm
