// `z80lm chat` — talk to a model on the host with the exact reference inference.
#include <editline/readline.h>
#include <fmt/core.h>
#include <unistd.h>

#include <iostream>

#include "cli/command.h"
#include "infer/reference.h"
#include "model/model_file.h"

namespace {

// True when the line asks to leave: `!` as its first non-blank byte (like the Z80 programs).
bool is_quit(const std::string& line) {
  size_t i = line.find_first_not_of(' ');
  return i != std::string::npos && line[i] == '!';
}

int chat_loop(const z80lm::Model& m) {
  const bool tty = ::isatty(STDIN_FILENO);
  if (tty) fmt::print("z80lm chat (host reference). Type a message; `!` or Ctrl+D quits.\n");
  while (true) {
    std::string line;
    if (tty) {
      char* raw = readline("> ");
      if (!raw) break;
      line = raw;
      if (!line.empty()) add_history(raw);
      free(raw);
    } else {
      if (!std::getline(std::cin, line)) break;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      fmt::print("> {}\n", line);
    }
    if (is_quit(line)) break;
    if (line.find_first_not_of(' ') == std::string::npos) continue;
    fmt::print("{}\n", z80lm::generate_reference(m, line));
    std::fflush(stdout);
  }
  if (tty) fmt::print("\n");
  return 0;
}

z80lm::cli::Registration reg{
    "chat", "Chat with a model on the host (exact integer reference inference)", 10, [](CLI::App& sub) {
      auto model = std::make_shared<std::string>();
      auto query = std::make_shared<std::vector<std::string>>();
      sub.add_option("MODEL", *model, "a .zlm model")->required();
      sub.add_option("QUERY", *query, "one-shot: answer this query and exit");
      return [=] {
        z80lm::Model m = z80lm::load_model(*model);
        if (query->empty()) return chat_loop(m);
        std::string q;
        for (const auto& w : *query) q += (q.empty() ? "" : " ") + w;
        fmt::print("{}\n", z80lm::generate_reference(m, q));
        return 0;
      };
    }};

}  // namespace
