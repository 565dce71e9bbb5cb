// metrics_log.h — one JSON object per epoch: the metrics log (JSONL) and checkpoint history.
//
//   z80lm::MetricsLog log("m.zlm.metrics.jsonl", state.history);   // rewrites what is known
//   log.append(record);                                             // one line, flushed
//
// Line format: {"epoch", "step", "time_s", "lr", "quant_t", "ce", "acc", "penalty",
// "grid_gap", "int_acc", "int_correct", "max_abs_acc": [per layer], "wrapped", "best",
// "val_int_acc", "val_greedy"}; a quantity not measured at that epoch is null.
// Invariants: after a resume the file holds exactly the checkpoint's history followed by
// the new epochs (lines written after the last checkpoint of an interrupted run are
// replaced, never duplicated).
#pragma once
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "train/trainer.h"

namespace z80lm {

nlohmann::json epoch_record_json(const EpochRecord& r);
EpochRecord epoch_record_from_json(const nlohmann::json& j);

class MetricsLog {
 public:
  // Truncates `path` and writes `history`; throws z80lm::Error when it cannot be written.
  MetricsLog(const std::string& path, const std::vector<EpochRecord>& history);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;
  void append(const EpochRecord& r);

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace z80lm
