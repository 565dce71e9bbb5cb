#include "zx/tap_file.h"

#include <fmt/core.h>

#include "util/error.h"
#include "util/printable.h"

namespace z80lm::zx {

namespace {

uint16_t word_at(std::span<const uint8_t> bytes, size_t offset) {
  return static_cast<uint16_t>(bytes[offset] | (bytes[offset + 1] << 8));
}

void put_word(std::vector<uint8_t>& out, uint16_t value) {
  out.push_back(static_cast<uint8_t>(value & 0xFF));
  out.push_back(static_cast<uint8_t>(value >> 8));
}

const char* type_name(TapeFileType type) {
  switch (type) {
    case TapeFileType::kProgram:
      return "Program";
    case TapeFileType::kNumberArray:
      return "Number array";
    case TapeFileType::kCharacterArray:
      return "Character array";
    case TapeFileType::kCode:
      return "Bytes";
  }
  return "?";
}

}  // namespace

uint8_t tap_checksum(uint8_t flag, std::span<const uint8_t> data) {
  uint8_t sum = flag;
  for (uint8_t b : data) sum ^= b;
  return sum;
}

std::vector<uint8_t> encode_tape_header(const TapeHeader& header) {
  if (header.name.size() > kTapNameChars)
    throw Error(fmt::format("tape file name \"{}\" has {} characters; a tape header holds at most {}",
                            printable(header.name), header.name.size(), kTapNameChars),
                "choose a shorter name");
  for (char c : header.name)
    if (c < 0x20 || c > 0x7E)
      throw Error(fmt::format("tape file name \"{}\" contains a character outside printable ASCII",
                              printable(header.name)),
                  "use letters, digits and punctuation only");
  std::vector<uint8_t> out;
  out.push_back(static_cast<uint8_t>(header.type));
  for (size_t i = 0; i < kTapNameChars; ++i)
    out.push_back(i < header.name.size() ? static_cast<uint8_t>(header.name[i]) : ' ');
  put_word(out, header.data_length);
  put_word(out, header.param1);
  put_word(out, header.param2);
  return out;
}

std::optional<TapeHeader> decode_tape_header(const TapBlock& block) {
  if (block.flag != kTapHeaderFlag || block.data.size() != kTapHeaderBytes || block.data[0] > 3)
    return std::nullopt;
  TapeHeader header;
  header.type = static_cast<TapeFileType>(block.data[0]);
  header.name.assign(block.data.begin() + 1, block.data.begin() + 1 + kTapNameChars);
  while (!header.name.empty() && header.name.back() == ' ') header.name.pop_back();
  header.data_length = word_at(block.data, 11);
  header.param1 = word_at(block.data, 13);
  header.param2 = word_at(block.data, 15);
  return header;
}

void append_tape_file(std::vector<TapBlock>& tape, TapeHeader header, std::span<const uint8_t> data) {
  if (data.size() > 0xFFFF)
    throw Error(fmt::format("tape file \"{}\" has {} bytes; a tape file holds at most 65535",
                            printable(header.name), data.size()),
                "split the data into several files");
  header.data_length = static_cast<uint16_t>(data.size());
  tape.push_back({kTapHeaderFlag, encode_tape_header(header)});
  tape.push_back({kTapDataFlag, std::vector<uint8_t>(data.begin(), data.end())});
}

std::vector<uint8_t> serialize_tap(std::span<const TapBlock> blocks) {
  std::vector<uint8_t> out;
  for (const TapBlock& b : blocks) {
    put_word(out, static_cast<uint16_t>(b.data.size() + 2));
    out.push_back(b.flag);
    out.insert(out.end(), b.data.begin(), b.data.end());
    out.push_back(tap_checksum(b.flag, b.data));
  }
  return out;
}

std::vector<TapBlock> parse_tap(std::span<const uint8_t> bytes, std::string_view file_name) {
  if (bytes.empty()) throw Error(fmt::format("{}: the tape image is empty", file_name), "export it again");
  std::vector<TapBlock> blocks;
  size_t offset = 0;
  while (offset < bytes.size()) {
    const size_t number = blocks.size() + 1;
    if (bytes.size() - offset < 2)
      throw Error(
          fmt::format("{}: block {} at byte {}: the length word is cut off", file_name, number, offset),
          "the file is truncated; export it again");
    const size_t length = word_at(bytes, offset);
    if (length < 2)
      throw Error(
          fmt::format("{}: block {} at byte {}: length {} (a block has at least a flag and a checksum)",
                      file_name, number, offset, length),
          "this is not a .TAP file, or it is damaged");
    if (bytes.size() - offset - 2 < length)
      throw Error(fmt::format("{}: block {} at byte {}: {} bytes announced but only {} left", file_name,
                              number, offset, length, bytes.size() - offset - 2),
                  "the file is truncated; export it again");
    TapBlock block;
    block.flag = bytes[offset + 2];
    block.data.assign(bytes.begin() + static_cast<ptrdiff_t>(offset + 3),
                      bytes.begin() + static_cast<ptrdiff_t>(offset + 1 + length));
    const uint8_t stored = bytes[offset + 1 + length];
    const uint8_t expected = tap_checksum(block.flag, block.data);
    if (stored != expected)
      throw Error(fmt::format("{}: block {} at byte {}: checksum {:02X}h, expected {:02X}h", file_name,
                              number, offset, stored, expected),
                  "the tape image is damaged; export it again");
    blocks.push_back(std::move(block));
    offset += 2 + length;
  }
  return blocks;
}

std::vector<TapeFile> tape_files(std::span<const TapBlock> blocks, std::string_view file_name) {
  std::vector<TapeFile> files;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const std::optional<TapeHeader> header = decode_tape_header(blocks[i]);
    if (!header) continue;
    if (i + 1 == blocks.size() || blocks[i + 1].flag != kTapDataFlag)
      throw Error(fmt::format("{}: block {} ({}) has no data block after it", file_name, i + 1,
                              describe_tape_header(*header)),
                  "the tape image is incomplete; export it again");
    const TapBlock& data = blocks[i + 1];
    if (data.data.size() != header->data_length)
      throw Error(fmt::format("{}: block {} ({}) announces {} bytes but its data block has {}", file_name,
                              i + 1, describe_tape_header(*header), header->data_length, data.data.size()),
                  "the tape image is damaged; export it again");
    files.push_back({*header, data.data, i});
    ++i;
  }
  return files;
}

std::string describe_tape_header(const TapeHeader& header) {
  switch (header.type) {
    case TapeFileType::kProgram:
      if (header.param1 >= kNoAutostart)
        return fmt::format("Program: {}  (no autostart, {} bytes)", printable(header.name),
                           header.data_length);
      return fmt::format("Program: {}  (autostart line {}, {} bytes)", printable(header.name), header.param1,
                         header.data_length);
    case TapeFileType::kCode:
      return fmt::format("Bytes: {}  ({:04X}h, {} bytes)", printable(header.name), header.param1,
                         header.data_length);
    default:
      return fmt::format("{}: {}  ({} bytes)", type_name(header.type), printable(header.name),
                         header.data_length);
  }
}

}  // namespace z80lm::zx
