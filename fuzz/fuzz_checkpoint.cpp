// Fuzz target: the training checkpoint loader (train/checkpoint.h), then Trainer::restore of
// what loads against a fixed small data set (the example order, counters and shapes).
#include "fuzz_support.h"
#include "text/charset.h"
#include "text/examples.h"
#include "text/pairs.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return z80lm::fuzz::expect_errors_only([&] {
    z80lm::Checkpoint c =
        z80lm::parse_checkpoint(z80lm::fuzz::with_trailing_crc(z80lm::fuzz::text(data, size)), "fuzz.ckpt");
    // Restore into a trainer built for the checkpoint's own config and charset, on data
    // whose responses use that charset, when the network is small enough to build quickly.
    size_t width = 0;
    for (int h : c.config.hidden) width += static_cast<size_t>(h);
    if (width > 64) return;
    std::vector<z80lm::Pair> pairs;
    for (int i = 0; i < 6; ++i)
      pairs.push_back({"query " + std::to_string(i), std::string(1, 'A' + i % 3), i + 1});
    const z80lm::ExampleSet ex = z80lm::build_examples(pairs, c.charset, c.config.encoding);
    c.config.threads = 1;
    if (c.config.batch < 1) c.config.batch = 1;
    z80lm::Trainer tr(c.config, ex, c.charset);
    tr.restore(std::move(c.state));
    tr.step();
  });
}
