// command.h — self-registering `z80lm` subcommands.
//
//   // in src/cli/cmd_chat.cpp:
//   static z80lm::cli::Registration reg{"chat", "Chat with a model on the host", 10,
//       [](CLI::App& sub) { ... add options ...; return [=] { ...; return 0; }; }};
//
// Each subcommand lives in its own file under src/cli/ and registers itself at static-init
// time; main.cpp builds the CLI11 app from the registry, ordered by `order` then name. The
// setup function adds options to `sub` and returns the action to run when it is chosen;
// the action returns the process exit code. A name with a space ("data gen") registers a
// subcommand of a group ("data"), created on first use; describe new groups in main.cpp. z80lm::Error thrown by an action is printed as
// "error: …" / "hint: …" with exit code 1 by main.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace z80lm::cli {

using Action = std::function<int()>;
using Setup = std::function<Action(CLI::App& sub)>;

struct CommandSpec {
  std::string name;
  std::string description;
  int order;
  Setup setup;
};

std::vector<CommandSpec>& registry();

struct Registration {
  Registration(std::string name, std::string description, int order, Setup setup) {
    registry().push_back({std::move(name), std::move(description), order, std::move(setup)});
  }
};

}  // namespace z80lm::cli
