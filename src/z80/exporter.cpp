#include "z80/exporter.h"

#include <fmt/core.h>

#include "util/error.h"
#include "z80/engine.h"
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

BuiltProgram export_program(const Model& m, const ExportOptions& options) {
  if (std::string p = model_problem(m); !p.empty())
    throw Error(fmt::format("invalid model: {}", p), "re-train or re-import the model");
  std::unique_ptr<Engine> engine = make_engine(options.engine);
  // web: the same CP/M program, which `z80lm export` wraps in a page (web/web_page.h).
  if (options.target == "cpm" || options.target == "web")
    return build_cpm_program(m, *engine, options.min_tpa_top);
  if (options.target == "zx48") return build_zx48_program(m, *engine);
  if (options.target == "msx") return build_msx_program(m, *engine);
  throw Error(fmt::format("unknown export target '{}'", options.target),
              "choose one of: cpm, zx48, msx, web");
}

}  // namespace z80lm::z80
