// file_io.h — whole-file reads and atomic writes.
//
//   std::string bytes = z80lm::read_file("model.zlm");          // throws z80lm::Error
//   std::string small = z80lm::read_file("d.txt", limits::kDataFileBytes);  // refuses bigger files
//   z80lm::write_file_atomic("model.zlm", bytes);                // temp file + fsync + rename
//
// Invariants: write_file_atomic never leaves a half-written file at `path`: it writes
// `path.tmp-<pid>` beside it, flushes it to disk and renames it into place, so a crash or a
// kill during the write leaves the previous file intact; the next write to `path` deletes
// such leftovers whose process is gone (path_guard.h). read_file("-") reads stdin.
// read_file refuses a directory or other non-regular file by name ("is a directory"), and a
// file (or stdin) longer than `max_bytes` (util/limits.h) before reading more than that.
#pragma once
#include <string>
#include <string_view>

#include "util/limits.h"

namespace z80lm {

std::string read_file(const std::string& path, uint64_t max_bytes = limits::kInputFileBytes);
void write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace z80lm
