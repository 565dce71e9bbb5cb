// Fuzz target: template files (data/template.h): parsing, and expansion of small templates.
#include "data/template.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return z80lm::fuzz::expect_errors_only([&] {
    const z80lm::TemplateSpec spec = z80lm::parse_template(z80lm::fuzz::text(data, size), "fuzz.facts");
    // Expansion is bounded per line (kMaxExpansions) but not cheap: expand small files only.
    if (size <= 2048) (void)z80lm::generate_from_template(spec, spec.options, true);
  });
}
