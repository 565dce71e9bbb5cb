// limits.h — the resource budget of every z80lm reader, named once.
//
//   if (header_len > z80lm::limits::kNpyHeaderBytes) fail("header too long");
//   std::string bytes = z80lm::read_file(path, z80lm::limits::kModelFileBytes);
//
// Invariants: no reader allocates, inflates, recurses or loops in proportion to a number it
// read from an untrusted file before checking it against one of these limits; each limit is
// far above what any file z80lm writes needs (the largest model the format allows: 16 layers
// of 4096 x 4096 codes) and far below what would exhaust a machine. Every limit has a test
// (tests/limits_test.cpp) that feeds a file one byte over it and expects a located error.
// Not modelled here: limits of running programs (`run --max-tstates`, output caps) and of
// HTTP transfers (data gen), which belong to those commands.
#pragma once
#include <cstddef>
#include <cstdint>

namespace z80lm::limits {

// Any whole file read with read_file() unless a tighter limit is given.
inline constexpr uint64_t kInputFileBytes = uint64_t{1} << 30;
// A .zlm model: 16 layers of 4096 x 4096 codes is 256 MiB; room for biases and provenance.
inline constexpr uint64_t kModelFileBytes = (uint64_t{257} << 20) + (uint64_t{1} << 20);
// The JSON provenance inside a .zlm.
inline constexpr uint32_t kProvenanceBytes = 1u << 20;
// A .npz archive as a whole, and one member once inflated (a 4096 x 4096 int8 layer + header).
inline constexpr uint64_t kNpzFileBytes = uint64_t{512} << 20;
inline constexpr uint64_t kNpzMemberBytes = (uint64_t{16} << 20) + 65536;
// Entries in a .npz central directory (an original model has about a dozen).
inline constexpr uint64_t kNpzEntries = 4096;
// A .npy header (numpy itself refuses headers over 10000 bytes by default).
inline constexpr size_t kNpyHeaderBytes = 10000;
// Dimensions of a .npy array, and the text of _architecture.npy.
inline constexpr size_t kNpyDims = 8;
inline constexpr size_t kArchitectureBytes = 65536;
// A training checkpoint: a model's float parameters x3 (Adam) at the largest trainable size.
inline constexpr uint64_t kCheckpointFileBytes = uint64_t{1} << 30;
inline constexpr uint32_t kCheckpointHeaderBytes = 64u << 20;
// Finite numbers in a checkpoint header must stay below this magnitude (before any cast).
inline constexpr double kCheckpointNumber = 1e15;
// A query|response data file, and one line of it (a longer line is reported and skipped).
inline constexpr uint64_t kDataFileBytes = uint64_t{256} << 20;
inline constexpr size_t kDataLineBytes = 4096;
// A template (.facts) file, and how deep `(` and `[` may nest in one of its patterns (the
// parser and the expansion recurse once per level).
inline constexpr uint64_t kTemplateFileBytes = uint64_t{16} << 20;
inline constexpr size_t kTemplateNesting = 32;
// An LLM reply handed to the JSON extractor.
inline constexpr size_t kLlmReplyBytes = size_t{1} << 20;
// A program for `z80lm run`: a .COM fits in 64 KiB; a .TAP or .z80 holds at most a 48K machine.
inline constexpr uint64_t kProgramFileBytes = uint64_t{1} << 20;

}  // namespace z80lm::limits
