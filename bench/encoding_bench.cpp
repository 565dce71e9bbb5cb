// encoding_bench — held-out greedy exact-match of the query encodings (v1, v2, v3) on the
// shipped examples: each example's own training recipe (the config in its model.zlm
// provenance), once per encoding (the same config otherwise), several seeds, trained on
// examples/<name>/pairs.txt and measured once, at the end, on examples/<name>/heldout.txt.
//
//   build/bench/encoding_bench [--epochs N] [--seeds K] [--jobs J] [--examples tinychat,guess]
//                              [--encodings v1,v2,v3]
//
// Prints mean and spread (min..max) per example and encoding, and the ratio of each mean to
// the first encoding's, measured in the same run. Trainings are deterministic for a seed (one thread each;
// --jobs runs that many at once), so the figures do not depend on the machine's load.
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "model/model_file.h"
#include "train/session.h"
#include "train/train_config.h"
#include "util/error.h"
#include "z80/exporter.h"

namespace {

using namespace z80lm;

struct Args {
  uint32_t epochs = 80;
  int seeds = 3;
  int jobs = 2;
  std::vector<std::string> examples = {"tinychat", "guess"};
  std::vector<Encoding> encodings = {Encoding::v1, Encoding::v2, Encoding::v3};
};

struct Run {
  std::string example;
  Encoding encoding = Encoding::v2;
  uint64_t seed = 1;
  TrainConfig config;
  double greedy = 0, int_acc = 0;
  size_t matched = 0, distinct = 0;
  std::string widths;
};

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

void train_one(Run& run, const std::string& dir, uint32_t epochs) {
  const std::string base = std::string(Z80LM_SOURCE_DIR) + "/examples/" + run.example + "/";
  SessionOptions o;
  o.data = {base + "pairs.txt"};
  o.val = {base + "heldout.txt"};
  o.model_path = fmt::format("{}/{}-{}-{}.zlm", dir, run.example, encoding_name(run.encoding), run.seed);
  o.max_epochs = epochs;
  o.checkpoint_every = 1e9;  // only the final save
  o.val_every = 1000000;     // held-out measured once, at the end
  o.config = run.config;
  o.command = "encoding_bench";
  std::FILE* sink = std::fopen("/dev/null", "w");
  o.out = o.err = sink;
  const SessionResult r = run_training_session(o, nullptr);
  std::fclose(sink);
  run.greedy = r.val_report.greedy_acc();
  run.int_acc = r.val_report.int_acc();
  run.matched = r.val_report.greedy_matched;
  run.distinct = r.val_report.distinct_queries;
  run.widths = z80::layer_widths_text(r.best.model);
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--epochs" && has_value)
      a.epochs = static_cast<uint32_t>(std::stoul(argv[++i]));
    else if (arg == "--seeds" && has_value)
      a.seeds = std::stoi(argv[++i]);
    else if (arg == "--jobs" && has_value)
      a.jobs = std::max(1, std::stoi(argv[++i]));
    else if (arg == "--examples" && has_value)
      a.examples = split_commas(argv[++i]);
    else if (arg == "--encodings" && has_value) {
      a.encodings.clear();
      try {
        for (const std::string& name : split_commas(argv[++i])) a.encodings.push_back(parse_encoding(name));
      } catch (const Error& e) {
        fmt::print(stderr, "encoding_bench: {} ({})\n", e.what(), e.hint());
        return 2;
      }
    } else {
      fmt::print(stderr,
                 "usage: encoding_bench [--epochs N] [--seeds K] [--jobs J] [--examples tinychat,guess] "
                 "[--encodings v1,v2,v3]\n");
      return 2;
    }
  }
  if (a.encodings.empty() || a.seeds < 1) {
    fmt::print(stderr, "encoding_bench: give at least one encoding and one seed\n");
    return 2;
  }
  std::vector<Run> runs;
  for (const std::string& example : a.examples) {
    const std::string model_path = std::string(Z80LM_SOURCE_DIR) + "/examples/" + example + "/model.zlm";
    const Model shipped = load_model(model_path);
    const TrainConfig recipe = config_from_json(nlohmann::json::parse(shipped.provenance).at("config"));
    for (Encoding e : a.encodings)
      for (int s = 1; s <= a.seeds; ++s) {
        Run r;
        r.example = example;
        r.encoding = e;
        r.seed = static_cast<uint64_t>(s);
        r.config = recipe;
        r.config.encoding = e;
        r.config.seed = r.seed;
        r.config.threads = 1;
        runs.push_back(r);
      }
  }
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("encoding_bench-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);
  fmt::print("encoding_bench: {} trainings of {} epochs, {} at a time\n", runs.size(), a.epochs, a.jobs);
  std::atomic<size_t> next{0};
  std::mutex print;
  std::vector<std::thread> workers;
  for (int j = 0; j < a.jobs; ++j)
    workers.emplace_back([&] {
      for (size_t k; (k = next++) < runs.size();) {
        train_one(runs[k], dir, a.epochs);
        std::lock_guard lock(print);
        fmt::print("  {:<9} {} seed {}  {:<22} held-out greedy {:6.2f}% ({} / {}), IntAcc {:6.2f}%\n",
                   runs[k].example, encoding_name(runs[k].encoding), runs[k].seed, runs[k].widths,
                   100 * runs[k].greedy, runs[k].matched, runs[k].distinct, 100 * runs[k].int_acc);
        std::fflush(stdout);
      }
    });
  for (auto& w : workers) w.join();
  std::filesystem::remove_all(dir);

  const std::string first = encoding_name(a.encodings.front());
  fmt::print("\n{:<10} {:<9} {:>12} {:>16} {:>10}\n", "example", "encoding", "mean", "spread", "/ " + first);
  for (const std::string& example : a.examples) {
    double first_mean = 0;
    for (Encoding e : a.encodings) {
      std::vector<double> g;
      for (const Run& r : runs)
        if (r.example == example && r.encoding == e) g.push_back(r.greedy);
      const double mean = std::accumulate(g.begin(), g.end(), 0.0) / static_cast<double>(g.size());
      if (e == a.encodings.front()) first_mean = mean;
      const auto [lo, hi] = std::minmax_element(g.begin(), g.end());
      fmt::print("{:<10} {:<9} {:>11.2f}% {:>7.2f}..{:.2f}% {:>10}\n", example, encoding_name(e), 100 * mean,
                 100 * *lo, 100 * *hi,
                 e == a.encodings.front() ? std::string("1") : fmt::format("{:.3f}x", mean / first_mean));
    }
  }
  return 0;
}
