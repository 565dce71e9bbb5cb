// `z80lm data analyze` — class balance, duplicates, conflicts and encoding collisions.
#include <fmt/core.h>

#include "cli/command.h"
#include "data/analyze.h"
#include "model/model_file.h"

namespace {
z80lm::cli::Registration reg{
    "data analyze", "Report answer balance, duplicates, conflicting answers and colliding query encodings",
    63, [](CLI::App& sub) {
      struct Opts {
        std::vector<std::string> files;
        bool json = false, strict = false;
        int show = 20, near_hits = 2;
        std::string encoding = "v2", model;
      };
      auto o = std::make_shared<Opts>();
      sub.footer(
          "Queries are compared as the model sees them (case-folded, at most 62 bytes). A collision is two "
          "different\n"
          "queries with different answers whose query inputs (--encoding: v2's 256 or v3's 512 presence "
          "buckets or\n"
          "v1's 128 count buckets; --model takes a model's) are identical (exact) or within --near-hits trigram hits "
          "(near).\nExample: z80lm data analyze chair.txt --show 5 --model my.zlm");
      sub.add_option("FILE", o->files, "query|response files (- for stdin)")->required();
      sub.add_flag("--json", o->json, "print the full report as JSON");
      sub.add_option("--show", o->show, "classes in the chart and examples per section")
          ->check(CLI::NonNegativeNumber)
          ->capture_default_str();
      sub.add_option("--near-hits", o->near_hits, "near collision radius in trigram hits (0 = exact only)")
          ->check(CLI::Range(0, 2))
          ->capture_default_str();
      sub.add_flag("--strict", o->strict, "fail on the first malformed line");
      sub.add_option("--encoding", o->encoding, "query encoding of the collision search: v2, v3 or v1")
          ->check(CLI::IsMember({"v1", "v2", "v3"}))
          ->capture_default_str();
      sub.add_option("--model", o->model, "take the encoding from this .zlm model (overrides --encoding)")
          ->check(CLI::ExistingFile);
      return [o] {
        std::vector<z80lm::Pair> pairs;
        std::vector<std::string> where;
        for (const auto& file : o->files) {
          auto set = z80lm::load_pairs({file}, {o->strict, o->json});
          const std::string name = file == "-" ? "<stdin>" : file;
          for (auto& p : set.pairs) {
            where.push_back(fmt::format("{}:{}", name, p.line));
            pairs.push_back(std::move(p));
          }
        }
        z80lm::AnalyzeOptions options{.near_hits = o->near_hits};
        options.encoding =
            o->model.empty() ? z80lm::parse_encoding(o->encoding) : z80lm::load_model(o->model).encoding;
        auto report = z80lm::analyze_pairs(pairs, where, options);
        if (o->json)
          fmt::print("{}\n", z80lm::analysis_json(report));
        else
          fmt::print("{}", z80lm::format_analysis(report, o->show));
        return 0;
      };
    }};
}  // namespace
