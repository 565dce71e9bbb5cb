// conformance_vectors.h — the tinychat conformance vectors for tests that type them into an
// exported chat (CP/M or ZX Spectrum).
//
//   for (const ConformanceVector& v : read_conformance_vectors(tsv))
//     if (typeable_query(v.query, z80::kCpmLineMax)) t.ask(v.query, v.response);
//
// The file (../shared/conformance/tinychat-vectors.tsv) has one `query<TAB>response` per line;
// lines without a tab are skipped.
#pragma once
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "text/encoder.h"

namespace z80lm::test {

struct ConformanceVector {
  std::string query, response;
};

inline std::vector<ConformanceVector> read_conformance_vectors(const std::string& path) {
  std::vector<ConformanceVector> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const size_t tab = line.find('\t');
    if (tab != std::string::npos) out.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return out;
}

// A chat line that is blank or starts with '!' (after spaces) is not a question: the program
// re-prompts or quits, so such a vector cannot be typed. `line_max`: the bytes a line holds.
inline bool typeable_query(const std::string& query, size_t line_max) {
  const std::string_view span = query_span(std::string_view(query).substr(0, line_max));
  return !span.empty() && span.front() != '!';
}

}  // namespace z80lm::test
