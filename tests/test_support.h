// test_support.h — helpers shared by the tests: ../shared lookup, temp dirs, running the CLI.
#pragma once
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "util/error.h"

namespace z80lm::test {

// Path inside ../shared, or "" when the reference data is absent (the test should skip).
inline std::string shared_path(const std::string& rel) {
  std::filesystem::path p = std::filesystem::path(Z80LM_SHARED_DIR) / rel;
  return std::filesystem::exists(p) ? p.string() : std::string();
}

#define Z80LM_REQUIRE_SHARED(var, rel)                                                   \
  std::string var = ::z80lm::test::shared_path(rel);                                    \
  if (var.empty()) GTEST_SKIP() << "../shared/" << rel << " is absent: conformance test skipped"

// A fresh directory for one test, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = std::filesystem::path(Z80LM_TEST_TMP) / (std::string(info->test_suite_name()) + "." + info->name());
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

// Runs `z80lm ARGS` through the shell (args must be shell-quoted by the caller); stdin from
// `stdin_text` (written to a temp file), output captured.
inline RunResult run_cli(const std::string& args, const std::string& stdin_text = "") {
  std::filesystem::create_directories(Z80LM_TEST_TMP);
  static int counter = 0;
  std::string in = std::string(Z80LM_TEST_TMP) + "/stdin-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  FILE* f = std::fopen(in.c_str(), "wb");
  std::fwrite(stdin_text.data(), 1, stdin_text.size(), f);
  std::fclose(f);
  std::string cmd = std::string("'") + Z80LM_BIN + "' " + args + " < '" + in + "' 2>&1";
  RunResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::filesystem::remove(in);
  return r;
}

// The message of the z80lm::Error that f throws ("" if it throws none).
template <typename F>
std::string error_message_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

inline void write_text(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

}  // namespace z80lm::test
