// tap_file.h — ZX Spectrum .TAP tape images: blocks, the 17-byte ROM header, checksums.
//
//   std::vector<TapBlock> tape;
//   append_tape_file(tape, {.type = TapeFileType::kCode, .name = "CHAT", .param1 = 0x6000}, code);
//   write_file_atomic("chat.tap", as_chars(serialize_tap(tape)));
//   for (const TapeFile& f : tape_files(parse_tap(bytes, "chat.tap"), "chat.tap")) ...
//
// Format (the standard one the ROM's SA-BYTES/LD-BYTES produce and every emulator reads): a
// sequence of blocks, each a little-endian length N (flag + data + checksum), a flag byte
// (00h header, FFh data), N-2 data bytes and a checksum = XOR of the flag and all data bytes.
// A ROM file is a header block (17 data bytes: type, 10-character name padded with spaces,
// data length, param1, param2, all words little-endian) followed by a data block whose data
// length equals the header's.
//   type 0 program:   param1 = autostart line (>= 32768: none), param2 = program length
//                     (the offset of the variables area; program length == data length here)
//   type 3 bytes:     param1 = load address, param2 = 32768 (unused)
// Invariants: serialize_tap(parse_tap(x)) == x for every valid x; parse_tap rejects a block
// with a wrong checksum or a truncated length, naming the block number and byte offset.
// Not modelled: TZX (turbo blocks, pauses), array types beyond reading their headers.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace z80lm::zx {

inline constexpr uint8_t kTapHeaderFlag = 0x00;
inline constexpr uint8_t kTapDataFlag = 0xFF;
inline constexpr size_t kTapHeaderBytes = 17;     // data bytes of a header block
inline constexpr size_t kTapNameChars = 10;       // file names are padded with spaces to this
inline constexpr uint16_t kNoAutostart = 0x8000;  // param1 of a program that does not auto-run
inline constexpr uint16_t kCodeParam2 = 0x8000;   // param2 of a bytes file

enum class TapeFileType : uint8_t { kProgram = 0, kNumberArray = 1, kCharacterArray = 2, kCode = 3 };

struct TapeHeader {
  TapeFileType type = TapeFileType::kCode;
  std::string name;               // at most 10 characters (printable ASCII); padded on write
  uint16_t data_length = 0;       // set by append_tape_file
  uint16_t param1 = 0;            // program: autostart line; code: load address
  uint16_t param2 = kCodeParam2;  // program: program length; code: 32768
};

struct TapBlock {
  uint8_t flag = kTapDataFlag;
  std::vector<uint8_t> data;  // without the flag and the checksum
};

struct TapeFile {
  TapeHeader header;
  std::vector<uint8_t> data;
  size_t header_block = 0;  // index of its header block in the tape (for messages)
};

// XOR of the flag and every data byte: the block's last byte on tape.
uint8_t tap_checksum(uint8_t flag, std::span<const uint8_t> data);

// The 17 bytes of a header block. Throws z80lm::Error if the name is longer than 10 characters
// or not printable ASCII.
std::vector<uint8_t> encode_tape_header(const TapeHeader& header);
// std::nullopt unless `block` is a 17-byte header block with a known type.
std::optional<TapeHeader> decode_tape_header(const TapBlock& block);

// Appends a header block and a data block; header.data_length is taken from data.size().
// Throws z80lm::Error if data is larger than 65535 bytes.
void append_tape_file(std::vector<TapBlock>& tape, TapeHeader header, std::span<const uint8_t> data);

std::vector<uint8_t> serialize_tap(std::span<const TapBlock> blocks);
// Throws z80lm::Error ("chat.tap: block 2 at byte 21: checksum 3Ah, expected 7Fh") on a bad or
// truncated block, or on an empty file.
std::vector<TapBlock> parse_tap(std::span<const uint8_t> bytes, std::string_view file_name);

// Pairs each header with the data block after it. Throws z80lm::Error if a header has no data
// block after it or the lengths differ. Headerless data blocks are skipped.
std::vector<TapeFile> tape_files(std::span<const TapBlock> blocks, std::string_view file_name);

// "Program: CHAT  (autostart line 10, 36 bytes)" / "Bytes: CHAT  (6000h, 40123 bytes)".
std::string describe_tape_header(const TapeHeader& header);

}  // namespace z80lm::zx
