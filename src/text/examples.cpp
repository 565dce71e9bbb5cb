#include "text/examples.h"

#include "text/charset.h"
#include "text/encoder.h"

namespace z80lm {

ExampleSet build_examples(const std::vector<Pair>& pairs, std::string_view charset, Encoding encoding) {
  ExampleSet ex;
  ex.encoding = encoding;
  ex.n_in = input_size(encoding);
  const int n_query = query_buckets(encoding);
  for (const auto& p : pairs) ex.count += p.response.size() + 1;
  ex.inputs.resize(ex.count * static_cast<size_t>(ex.n_in));
  ex.targets.resize(ex.count);
  ex.pair_of.resize(ex.count);
  const int end = static_cast<int>(charset.size()) - 1;
  size_t row = 0;
  for (size_t pi = 0; pi < pairs.size(); ++pi) {
    const Pair& p = pairs[pi];
    int16_t query[kMaxQueryBuckets];
    encode_query(encoding, p.query, query);
    ContextWindow window;
    for (size_t j = 0; j <= p.response.size(); ++j, ++row) {
      int16_t* x = &ex.inputs[row * static_cast<size_t>(ex.n_in)];
      std::copy(query, query + n_query, x);
      encode_context(window, x + n_query);
      ex.targets[row] = j < p.response.size() ? charset_index(charset, p.response[j]) : end;
      ex.pair_of[row] = static_cast<uint32_t>(pi);
      if (j < p.response.size()) window.push(static_cast<uint8_t>(p.response[j]));
    }
  }
  return ex;
}

}  // namespace z80lm
