#include "train/metrics_log.h"

#include <cerrno>
#include <cmath>
#include <cstring>

#include "train/train_config.h"
#include "util/error.h"

namespace z80lm {

namespace {
nlohmann::json number_or_null(double v) {
  return std::isnan(v) ? nlohmann::json() : nlohmann::json(v);
}
double number_or_nan(const nlohmann::json& j) {
  return j.is_null() ? kNotMeasured : j.get<double>();
}
}  // namespace

nlohmann::json epoch_record_json(const EpochRecord& r) {
  return {{"epoch", r.epoch},
          {"step", r.step},
          {"time_s", r.elapsed},
          {"lr", float_json(r.lr)},
          {"quant_t", float_json(r.quant_t)},
          {"ce", r.ce},
          {"acc", r.acc},
          {"penalty", r.penalty},
          {"grid_gap", r.grid_gap},
          {"int_acc", number_or_null(r.int_acc)},
          {"int_correct", r.int_correct},
          {"max_abs_acc", r.max_abs_acc},
          {"wrapped", r.wrapped},
          {"best", r.best},
          {"val_int_acc", number_or_null(r.val_int_acc)},
          {"val_greedy", number_or_null(r.val_greedy)}};
}

EpochRecord epoch_record_from_json(const nlohmann::json& j) {
  EpochRecord r;
  j.at("epoch").get_to(r.epoch);
  j.at("step").get_to(r.step);
  j.at("time_s").get_to(r.elapsed);
  j.at("lr").get_to(r.lr);
  j.at("quant_t").get_to(r.quant_t);
  j.at("ce").get_to(r.ce);
  j.at("acc").get_to(r.acc);
  j.at("penalty").get_to(r.penalty);
  j.at("grid_gap").get_to(r.grid_gap);
  r.int_acc = number_or_nan(j.at("int_acc"));
  j.at("int_correct").get_to(r.int_correct);
  j.at("max_abs_acc").get_to(r.max_abs_acc);
  j.at("wrapped").get_to(r.wrapped);
  j.at("best").get_to(r.best);
  r.val_int_acc = number_or_nan(j.at("val_int_acc"));
  r.val_greedy = number_or_nan(j.at("val_greedy"));
  return r;
}

MetricsLog::MetricsLog(const std::string& path, const std::vector<EpochRecord>& history) : path_(path) {
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_)
    throw Error(path + ": cannot write the metrics log: " + std::strerror(errno),
                "check the directory exists, or choose another file with --log");
  for (const auto& r : history) append(r);
}

MetricsLog::~MetricsLog() {
  if (file_) std::fclose(file_);
}

void MetricsLog::append(const EpochRecord& r) {
  const std::string line = epoch_record_json(r).dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    throw Error(path_ + ": cannot write the metrics log: " + std::strerror(errno), "check free disk space");
}

}  // namespace z80lm
