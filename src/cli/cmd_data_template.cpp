// `z80lm data template` — expand a hand-written template file into query|response pairs.
#include <fmt/core.h>

#include <filesystem>
#include <optional>

#include "cli/command.h"
#include "data/template.h"
#include "util/file_io.h"
#include "util/limits.h"
#include "util/path_guard.h"

namespace {

const char* const kFooter =
    R"(File format (version 1; full reference: src/data/template.h, examples/guess/README.md):
  # comment                      whole lines only; blank lines are ignored
  [options]                      seed = 7, typos = 20 (percent of phrasings that get a typo),
                                 per_class = 1500, holdout = 10 (1 in N held out), mash = 60
  [list it]                      a plain list, one pattern per line or `a | b | c`
  it | this | the thing
  [list adj]                     an answered list: ANSWER: pattern | pattern ...
  YES: big | (huge|enormous)
  NO: small | tiny
  [answer WIN]                   phrasings with a fixed answer (may use plain lists)
  i (think|guess) it is an elephant
  [ask]                          phrasings answered by the ONE answered list they use
  [please] is {it} {adj}[?]
Patterns: (a|b) one of, [a] optional, {name} a list, {mash} keyboard mash (needs `mash`),
\x a literal byte. Queries are deduplicated case-insensitively; two phrasings giving the same
query different answers are an error naming both lines.

Example:
  z80lm data template examples/guess/elephant.facts -o pairs.txt --heldout heldout.txt)";

std::string summary(const z80lm::TemplateSpec& spec, const z80lm::TemplateOutput& out, bool split) {
  const auto& st = out.stats;
  std::string s = fmt::format(
      "{}: {} distinct phrasings ({} duplicates merged), {} typo variants ({} dropped as collisions)",
      spec.source, st.phrasings, st.duplicates, st.typos, st.typos_dropped);
  if (st.too_long) s += fmt::format(", {} over 60 bytes dropped (e.g. {})", st.too_long, st.too_long_example);
  s += fmt::format("\n  {:<16} {:>9} {:>7} {:>8}\n", "answer", "available", "train", "held-out");
  for (const auto& [answer, c] : st.classes)
    s += fmt::format("  {:<16} {:>9} {:>7} {:>8}\n", answer, c.available, c.train,
                     split ? std::to_string(c.heldout) : "-");
  z80lm::DataCeiling ceiling = z80lm::data_ceiling(out.train);
  s += fmt::format(
      "  {} train pairs, {} held-out; teacher-forced ceiling on train {:.2f}% ({} of {} examples)",
      out.train.size(), out.heldout.size(), 100.0 * ceiling.accuracy(), ceiling.reachable, ceiling.examples);
  if (ceiling.ambiguous_queries)
    s += fmt::format("; {} of {} encoded queries have several answers", ceiling.ambiguous_queries,
                     ceiling.distinct_queries);
  return s;
}

z80lm::cli::Registration reg{
    "data template", "Expand a template / fact-sheet file into query|response pairs (no LLM)", 32,
    [](CLI::App& sub) {
      struct Opts {
        std::string input, output = "-", heldout;
        std::optional<uint64_t> seed;
        std::optional<int> typos, per_class, holdout, mash;
        bool quiet = false;
      };
      auto o = std::make_shared<Opts>();
      sub.add_option("TEMPLATE", o->input, "the template file (e.g. examples/guess/elephant.facts)")
          ->required();
      sub.add_option("-o,--output", o->output, "where the (train) pairs go; - = stdout")
          ->capture_default_str();
      sub.add_option("--heldout", o->heldout,
                     "split by distinct query: 1 in N (see --holdout) goes to this file, never to --output");
      sub.add_option("--seed", o->seed,
                     "PRNG seed for typos, keyboard mash and class sampling (overrides [options])");
      sub.add_option("--typos", o->typos,
                     "percent of phrasings that get a typo variant (overrides [options])")
          ->check(CLI::Range(0, 1000));
      sub.add_option("--per-class", o->per_class,
                     "at most N distinct queries per answer, 0 = all (overrides [options])")
          ->check(CLI::Range(0, 10000000));
      sub.add_option("--holdout", o->holdout, "hold out 1 in N distinct queries (overrides [options])")
          ->check(CLI::Range(2, 1000));
      sub.add_option("--mash", o->mash, "size of the {mash} keyboard-mash list (overrides [options])")
          ->check(CLI::Range(0, 100000));
      sub.add_flag("-q,--quiet", o->quiet, "no summary on stderr");
      sub.footer(kFooter);
      return [=] {
        z80lm::check_paths({{"the template", o->input}}, {{"-o", o->output}, {"--heldout", o->heldout}});
        z80lm::TemplateSpec spec =
            z80lm::parse_template(z80lm::read_file(o->input, z80lm::limits::kTemplateFileBytes), o->input);
        z80lm::TemplateOptions opt = spec.options;
        if (o->seed) opt.seed = *o->seed;
        if (o->typos) opt.typo_percent = *o->typos;
        if (o->per_class) opt.per_class = *o->per_class;
        if (o->holdout) opt.holdout_every = *o->holdout;
        if (o->mash) opt.mash = *o->mash;
        const bool split = !o->heldout.empty();
        z80lm::TemplateOutput out = z80lm::generate_from_template(spec, opt, split);

        // The header names the file, not its path, so the output is the same from any directory.
        std::string name = std::filesystem::path(o->input).filename().string();
        std::string settings = fmt::format("seed {}, typos {}%, per class {}, mash {}", opt.seed,
                                           opt.typo_percent, opt.per_class, opt.mash);
        auto header = [&](const char* part) {
          return std::vector<std::string>{
              fmt::format(
                  "Generated by `z80lm data template {}` (format {}): edit the template, not this file.",
                  name, z80lm::kTemplateFormatVersion),
              split ? fmt::format("{}; {} split: 1 in {} distinct queries held out.", settings, part,
                                  opt.holdout_every)
                    : settings + "."};
        };
        std::string train_text = z80lm::format_pairs_text(out.train, header("train"));
        if (o->output == "-")
          fmt::print("{}", train_text);
        else
          z80lm::write_file_atomic(o->output, train_text);
        if (split)
          z80lm::write_file_atomic(o->heldout, z80lm::format_pairs_text(out.heldout, header("held-out")));
        if (!o->quiet) fmt::print(stderr, "{}\n", summary(spec, out, split));
        return 0;
      };
    }};

}  // namespace
