#include "z80/exporter.h"

#include <fmt/core.h>

#include "util/error.h"
#include "z80/engine.h"
#include "z80/engine_fast.h"
#include "z80/program_cpm.h"
#include "z80/program_msx.h"
#include "z80/program_zx48.h"

namespace z80lm::z80 {

std::vector<std::string> target_names() {
  return {"cpm", "zx48", "msx", "web"};
}

std::string layer_widths_text(const Model& m) {
  std::string text = std::to_string(m.input_size());
  for (const Layer& layer : m.layers) text += " -> " + std::to_string(layer.n_out);
  return text;
}

namespace {

// The fast engine's pointer tables buy speed with up to kFastTableBudget bytes; a model that
// fits its target only without them is exported without them rather than refused (the
// memory map says so). When neither fits, the error is the smaller layout's.
template <typename Build>
BuiltProgram build_fitting(const ExportOptions& options, const Engine& engine, Build build) {
  if (options.engine != "fast") return build(engine);
  try {
    return build(engine);
  } catch (const Error&) {
    BuiltProgram lean = build(FastEngine(0));  // its error, if any: the smallest fast layout's
    lean.memory_map =
        "fast engine without the walks' pointer tables (the program did not fit with them)\n" + lean.memory_map;
    return lean;
  }
}

}  // namespace

BuiltProgram export_program(const Model& m, const ExportOptions& options) {
  if (std::string p = model_problem(m); !p.empty())
    throw Error(fmt::format("invalid model: {}", p), "re-train or re-import the model");
  std::unique_ptr<Engine> engine = make_engine(options.engine);
  // web: the same CP/M program, which `z80lm export` wraps in a page (web/web_page.h).
  if (options.target == "cpm" || options.target == "web")
    return build_fitting(options, *engine,
                         [&](const Engine& e) { return build_cpm_program(m, e, options.min_tpa_top); });
  if (options.target == "zx48")
    return build_fitting(options, *engine, [&](const Engine& e) { return build_zx48_program(m, e); });
  if (options.target == "msx")
    return build_fitting(options, *engine, [&](const Engine& e) { return build_msx_program(m, e); });
  throw Error(fmt::format("unknown export target '{}'", options.target),
              "choose one of: cpm, zx48, msx, web");
}

}  // namespace z80lm::z80
