// Host responses per second of the exact reference engine.
// Uses the original's tinychat model when ../shared is present, otherwise a random model
// of the same shape (256→256→192→128→40), so the figure is comparable either way.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../tests/test_models.h"
#include "infer/reference.h"
#include "model/npz.h"
#include "text/encoder.h"

namespace {

const z80lm::Model& bench_model() {
  static const z80lm::Model model = [] {
    std::string npz = std::string(Z80LM_SHARED_DIR) + "/conformance/tinychat-model.npz";
    if (std::filesystem::exists(npz)) return z80lm::import_npz(npz);
    return z80lm::test::random_model(1, {256, 192, 128}, " ABCDEFGHIJKLMNOPQRSTUVWXYZ012345678!/?");
  }();
  return model;
}

const std::vector<std::string> kQueries = {
    "hello", "are you a robot", "do you dream",    "what is your name", "i am sad today", "tell me a joke",
    "bye",   "are you there",   "how old are you", "good morning"};

void BM_ReferenceResponses(benchmark::State& state) {
  const auto& m = bench_model();
  size_t i = 0, chars = 0;
  for (auto _ : state) {
    std::string answer = z80lm::generate_reference(m, kQueries[i++ % kQueries.size()]);
    chars += answer.size() + 1;
    benchmark::DoNotOptimize(answer);
  }
  state.counters["responses/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["evaluations/s"] =
      benchmark::Counter(static_cast<double>(chars), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReferenceResponses)->Unit(benchmark::kMillisecond);

void BM_ReferenceForward(benchmark::State& state) {
  const auto& m = bench_model();
  int16_t x[z80lm::kInputSizeV1];
  z80lm::encode_input(z80lm::Encoding::v1, "hello there", "HI", x);
  for (auto _ : state) benchmark::DoNotOptimize(z80lm::predict_reference(m, x));
  state.counters["evaluations/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReferenceForward)->Unit(benchmark::kMicrosecond);

}  // namespace
