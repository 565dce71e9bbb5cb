// npz.h — import the original Z80-μLM's numpy `.npz` model archives.
//
//   z80lm::Model m = z80lm::import_npz("model.npz");   // throws z80lm::Error naming the member
//
// Reads a ZIP archive (stored or deflated members, ZIP64 extra fields) of `.npy` arrays
// (format versions 1.0, 2.0 and 3.0; C order only): `fcN_weight` int8 (out, in) codes,
// `fcN_bias` int16 (out), `_charset` bytes including the trailing NUL, optionally
// `_architecture` (JSON, cross-checked). Layers are ordered by the number N, not by string
// sort, and must be numbered 1..L without gaps. The result passes model_problem().
// Hostile archives (docs/bad-input.md): every offset is checked by subtraction, never by an
// addition that could wrap; only the members a model uses are inflated, and each only after
// its .npy header (read from the first bytes) says how large it must be, within
// util/limits.h; the .npy header is parsed by hand (no regex), at most kNpyHeaderBytes.
// Member names in messages are escaped (util/printable.h).
// Not modelled: the original's PyTorch `.pt` checkpoints, pickled object arrays, big-endian
// or Fortran-ordered arrays (refused with a message).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"

namespace z80lm {

struct NpyArray {
  std::string descr;          // e.g. "|i1", "<i2", "|S40"
  std::vector<size_t> shape;  // empty for a 0-d array
  std::string data;           // raw little-endian element bytes
};

// The header of a .npy array: what parse_npy checks before it looks at the data.
struct NpyHeader {
  std::string descr;
  std::vector<size_t> shape;
  size_t data_offset = 0;   // bytes before the element data (magic, lengths, header text)
  size_t item_size = 0;     // bytes per element
  uint64_t data_bytes = 0;  // product of the shape times item_size (checked for overflow)
};

// One member of a ZIP archive, its offsets checked against the archive's size.
struct ZipEntry {
  std::string name;  // raw bytes from the archive: print with printable()
  uint32_t method = 0, crc = 0;
  uint64_t packed_size = 0, size = 0;
  uint64_t data_at = 0;  // offset of the packed bytes in the archive
};

// The central directory of a ZIP archive; `name` is used in errors. Inflates nothing.
std::vector<ZipEntry> list_zip(std::string_view archive, const std::string& name);
// The first min(n, e.size) bytes of a member (for reading a header before committing memory).
std::string peek_zip_member(std::string_view archive, const ZipEntry& e, size_t n, const std::string& name);
// The whole member, CRC-checked; refused before inflating when e.size exceeds max_bytes, and
// when the data inflates to anything but exactly e.size bytes.
std::string read_zip_member(std::string_view archive, const ZipEntry& e, uint64_t max_bytes,
                            const std::string& name);

// Parses the header of a .npy array (a Python dict literal) from its first bytes.
NpyHeader parse_npy_header(std::string_view bytes, const std::string& name);
NpyArray parse_npy(std::string_view bytes, const std::string& name);

Model import_npz_bytes(std::string_view archive, const std::string& name);
Model import_npz(const std::string& path);

}  // namespace z80lm
