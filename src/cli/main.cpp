// main.cpp — the `z80lm` executable: builds the CLI from the subcommand registry.
#include <fmt/core.h>

#include <algorithm>
#include <csignal>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "util/error.h"

namespace z80lm::cli {
std::vector<CommandSpec>& registry() {
  static std::vector<CommandSpec> commands;
  return commands;
}
}  // namespace z80lm::cli

namespace {
std::string group_description(const std::string& group) {
  if (group == "data") return "Data tools: generate, template, balance and analyse query|response data";
  return group + " commands";
}
}  // namespace

int main(int argc, char** argv) {
  using namespace z80lm::cli;
  CLI::App app{"z80lm — train tiny 2-bit chat models and run them as real Z80 programs", "z80lm"};
  app.set_version_flag("--version", std::string("z80lm ") + Z80LM_VERSION);
  app.require_subcommand(1);
  app.footer("Run `z80lm COMMAND --help` for the options of a command.");

  auto& commands = registry();
  std::sort(commands.begin(), commands.end(), [](const CommandSpec& a, const CommandSpec& b) {
    return a.order != b.order ? a.order < b.order : a.name < b.name;
  });
  // "data gen" registers `gen` under the group `data` (created on first use).
  std::vector<std::pair<CLI::App*, std::shared_ptr<Action>>> actions;
  for (auto& spec : commands) {
    CLI::App* parent = &app;
    std::string name = spec.name;
    if (size_t space = name.find(' '); space != std::string::npos) {
      std::string group = name.substr(0, space);
      name = name.substr(space + 1);
      parent = nullptr;
      for (CLI::App* existing : app.get_subcommands([](CLI::App*) { return true; }))
        if (existing->get_name() == group) parent = existing;
      if (!parent) {
        parent = app.add_subcommand(group, group_description(group));
        parent->require_subcommand(1);
      }
    }
    CLI::App* sub = parent->add_subcommand(name, spec.description);
    actions.emplace_back(sub, std::make_shared<Action>(spec.setup(*sub)));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every bad option or argument exits 1, as documented
    // (CLI11's own codes, e.g. 105 for a failed check, are not part of our interface).
    return app.exit(e) == 0 ? 0 : 1;
  }
  try {
    for (auto& [sub, action] : actions)
      if (sub->parsed()) return (*action)();
  } catch (const z80lm::Error& e) {
    std::cout.flush();
    fmt::print(stderr, "error: {}\n", e.what());
    if (!e.hint().empty()) fmt::print(stderr, "hint: {}\n", e.hint());
    return 1;
  } catch (const std::exception& e) {
    std::cout.flush();
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 0;
}
