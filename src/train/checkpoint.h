// checkpoint.h — the complete training state on disk, so that a resumed run continues bit
// for bit (also from the middle of an epoch).
//
//   z80lm::save_checkpoint("m.zlm.ckpt", {config, charset, data_hash, trainer.state()});  // atomic
//   z80lm::Checkpoint c = z80lm::load_checkpoint("m.zlm.ckpt");   // throws z80lm::Error
//
// Layout, version 2, little-endian (version 1, written before --ema, is read too: it is
// version 2 without the moving average):
//   offset 0  char[8]  magic "Z80LMCKP"
//          8  u16      format version (2)
//         10  u32      header size H, then H bytes of JSON: config (train_config.h), charset
//                      (byte values), data hash, counters (step, epoch, batch in epoch),
//                      RNG state, partial-epoch statistics, elapsed seconds, best-model
//                      summary, per-epoch history
//             u64      parameter count P, then f32[P] latent parameters, f32[P] Adam first
//                      moments, f32[P] Adam second moments (layout: qat_net.h), and with
//                      config.ema > 0 f32[P] their moving average
//             u32      layer count L, then f32[L] per-layer scales
//             u32      N, then u32[N] example order of the current epoch (N = 0 between epochs)
//             u32      B, then B bytes: the best integer model as a .zlm file (B = 0: none yet)
//             u32      CRC-32 (zlib) of every byte before it
// Invariants: doubles go through JSON with round-trip precision; floats are stored as raw
// IEEE bits; anything malformed (magic, version, sizes, CRC) is refused with the byte offset.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "train/train_config.h"
#include "train/trainer.h"

namespace z80lm {

inline constexpr char kCheckpointMagic[8] = {'Z', '8', '0', 'L', 'M', 'C', 'K', 'P'};
inline constexpr uint16_t kCheckpointVersion = 2;
inline constexpr uint16_t kCheckpointOldestVersion = 1;  // still read

struct Checkpoint {
  TrainConfig config;
  std::string charset;
  uint64_t data_hash = 0;
  TrainState state;
};

std::string serialize_checkpoint(const Checkpoint& c);
Checkpoint parse_checkpoint(std::string_view bytes, const std::string& name);
void save_checkpoint(const std::string& path, const Checkpoint& c);
Checkpoint load_checkpoint(const std::string& path);

}  // namespace z80lm
