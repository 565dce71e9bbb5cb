// `z80lm import` — convert the original's numpy .npz model into a .zlm file.
#include <fmt/core.h>

#include "cli/command.h"
#include "model/model_file.h"
#include "model/npz.h"
#include "util/path_guard.h"

namespace {
z80lm::cli::Registration reg{
    "import", "Import an original Z80-μLM model (.npz) as a .zlm model", 30, [](CLI::App& sub) {
      auto input = std::make_shared<std::string>();
      auto output = std::make_shared<std::string>();
      sub.add_option("NPZ", *input, "numpy archive written by the original's exportmodel.py")->required();
      sub.add_option("-o,--output", *output, "the .zlm model to write")->required();
      return [=] {
        z80lm::check_paths({{"the NPZ", *input}}, {{"-o", *output}});
        z80lm::Model m = z80lm::import_npz(*input);
        z80lm::save_model(*output, m);
        fmt::print("wrote {}\n{}\n", *output, z80lm::describe_model(m));
        return 0;
      };
    }};
z80lm::cli::Registration info_reg{"info", "Describe a .zlm model: architecture, charset, weights", 31,
                                   [](CLI::App& sub) {
                                     auto path = std::make_shared<std::string>();
                                     sub.add_option("MODEL", *path, "a .zlm model")->required();
                                     return [=] {
                                       fmt::print("{}\n{}\n", *path, z80lm::describe_model(z80lm::load_model(*path)));
                                       return 0;
                                     };
                                   }};
}  // namespace
