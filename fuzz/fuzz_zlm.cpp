// Fuzz target: the .zlm model reader (model/model_file.h), and describe_model on what loads.
#include "fuzz_support.h"
#include "model/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return z80lm::fuzz::expect_errors_only([&] {
    const z80lm::Model m =
        z80lm::parse_model(z80lm::fuzz::with_trailing_crc(z80lm::fuzz::text(data, size)), "fuzz.zlm");
    (void)z80lm::describe_model(m);
  });
}
