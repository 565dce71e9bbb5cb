#include "z80/engine.h"

#include <fmt/core.h>

#include "util/error.h"
#include "z80/engine_compact.h"
#include "z80/engine_fast.h"

namespace z80lm::z80 {

std::vector<std::string> engine_names() {
  return {"compact", "fast"};
}

std::unique_ptr<Engine> make_engine(std::string_view name) {
  if (name == "compact") return std::make_unique<CompactEngine>();
  if (name == "fast") return std::make_unique<FastEngine>();
  std::string known;
  for (const std::string& n : engine_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error(fmt::format("unknown Z80 engine '{}'", name), fmt::format("choose one of: {}", known));
}

}  // namespace z80lm::z80
