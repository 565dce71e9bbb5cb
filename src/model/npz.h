// npz.h — import the original Z80-μLM's numpy `.npz` model archives.
//
//   z80lm::Model m = z80lm::import_npz("model.npz");   // throws z80lm::Error naming the member
//
// Reads a ZIP archive (stored or deflated members, ZIP64 extra fields) of `.npy` arrays
// (format versions 1.0, 2.0 and 3.0; C order only): `fcN_weight` int8 (out, in) codes,
// `fcN_bias` int16 (out), `_charset` bytes including the trailing NUL, optionally
// `_architecture` (JSON, cross-checked). Layers are ordered by the number N, not by string
// sort, and must be numbered 1..L without gaps. The result passes model_problem().
// Not modelled: the original's PyTorch `.pt` checkpoints, pickled object arrays, big-endian
// or Fortran-ordered arrays (refused with a message).
#pragma once
#include <map>
#include <string>
#include <string_view>

#include "model/model.h"

namespace z80lm {

struct NpyArray {
  std::string descr;          // e.g. "|i1", "<i2", "|S40"
  std::vector<size_t> shape;  // empty for a 0-d array
  std::string data;           // raw little-endian element bytes
};

// Members of a ZIP archive by name (decompressed, CRC-checked). `name` is used in errors.
std::map<std::string, std::string> read_zip(std::string_view archive, const std::string& name);
NpyArray parse_npy(std::string_view bytes, const std::string& name);

Model import_npz_bytes(std::string_view archive, const std::string& name);
Model import_npz(const std::string& path);

}  // namespace z80lm
