// Fuzz target: reading the JSON an LLM meant to write (data/llm_json.h).
#include "data/llm_json.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return z80lm::fuzz::expect_errors_only([&] {
    std::string why;
    if (auto j = z80lm::extract_json(z80lm::fuzz::text(data, size), &why)) {
      (void)z80lm::json_pairs(*j);
      (void)z80lm::json_strings(*j, {"questions", "items"});
      (void)z80lm::json_strings(*j, {"words"}, z80lm::ListStyle::words);
    }
  });
}
