// error.h — the one exception type z80lm throws at its edges.
//
//   throw z80lm::Error(fmt::format("{}: byte {}: bad magic", path, 0), "re-import with `z80lm import`");
//
// Invariants: `what()` is a single line naming what went wrong and where (file, line or
// byte offset); `hint()` is an optional single line telling the user what to do about it.
// The CLI prints "error: <what>" and, when present, "hint: <hint>", then exits non-zero.
// The numeric core never throws: it works on validated inputs.
#pragma once
#include <stdexcept>
#include <string>

namespace z80lm {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, std::string hint = {})
      : std::runtime_error(what), hint_(std::move(hint)) {}
  const std::string& hint() const { return hint_; }

 private:
  std::string hint_;
};

}  // namespace z80lm
