// `z80lm data balance` — equalise answer classes by under- and oversampling.
#include <fmt/core.h>

#include "cli/command.h"
#include "data/balance.h"
#include "util/file_io.h"
#include "util/path_guard.h"

namespace {
z80lm::cli::Registration reg{
    "data balance", "Balance answer classes (undersample majorities, optionally oversample minorities)", 62,
    [](CLI::App& sub) {
      struct Opts {
        std::vector<std::string> files;
        std::optional<int64_t> target;
        bool oversample = false, stats = false, strict = false;
        uint64_t seed = 42;
        std::string output;
      };
      auto o = std::make_shared<Opts>();
      sub.footer(
          "Comments and blank lines are dropped; the output is shuffled and deterministic for a --seed.\n"
          "Example: cat *.txt | z80lm data balance - --target 5000 --oversample --stats > balanced.txt");
      sub.add_option("FILE", o->files, "query|response files (- for stdin)")->required();
      sub.add_option("-t,--target", o->target, "pairs per class (default: the smallest class)")
          ->check(CLI::PositiveNumber);
      sub.add_flag("--oversample", o->oversample,
                   "top smaller classes up to the target (drawing with replacement)");
      sub.add_option("-s,--seed", o->seed, "random seed")->capture_default_str();
      sub.add_flag("--stats", o->stats, "print the before/after class table to stderr");
      sub.add_flag("--strict", o->strict, "fail on the first malformed line");
      sub.add_option("-o,--output", o->output, "write to FILE (atomically) instead of stdout");
      return [o] {
        std::vector<z80lm::NamedPath> inputs;
        for (const auto& f : o->files) inputs.push_back({"the input file", f});
        z80lm::check_paths(inputs, {{"-o", o->output}});
        auto set = z80lm::load_pairs(o->files, {o->strict, false});
        auto result = z80lm::balance_pairs(set.pairs, {o->target, o->oversample, o->seed});
        if (o->stats) fmt::print(stderr, "{}", z80lm::format_balance_stats(result));
        std::string text = z80lm::format_pairs(result.pairs);
        if (o->output.empty())
          fmt::print("{}", text);
        else
          z80lm::write_file_atomic(o->output, text);
        return 0;
      };
    }};
}  // namespace
