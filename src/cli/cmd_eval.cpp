// `z80lm eval` — exact integer accuracy of a model on query|response data.
#include <fmt/core.h>

#include "cli/command.h"
#include "infer/evaluate.h"
#include "model/model_file.h"

namespace {
z80lm::cli::Registration reg{
    "eval", "Measure a model on query|response data (IntAcc, greedy exact-match, classes)", 20, [](CLI::App& sub) {
      struct Opts {
        std::string model;
        std::vector<std::string> data;
        bool json = false, strict = false;
        int top = 8;
      };
      auto o = std::make_shared<Opts>();
      sub.add_option("MODEL", o->model, "a .zlm model")->required();
      sub.add_option("DATA", o->data, "query|response files (- for stdin)")->required();
      sub.add_flag("--json", o->json, "print the report as JSON");
      sub.add_flag("--strict", o->strict, "fail on the first malformed data line");
      sub.add_option("--top", o->top, "answer classes in the confusion table")->capture_default_str();
      return [=] {
        z80lm::Model m = z80lm::load_model(o->model);
        auto set = z80lm::load_pairs(o->data, {o->strict, o->json});
        z80lm::EvalReport r = z80lm::evaluate(m, set.pairs, o->top);
        fmt::print("{}\n", o->json ? z80lm::report_json(r) : z80lm::format_report(r));
        return 0;
      };
    }};
}  // namespace
