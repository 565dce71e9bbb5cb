#include "text/encoder.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstring>

#include "util/error.h"

namespace z80lm {

std::string_view query_span(std::string_view raw) {
  while (!raw.empty() && raw.front() == ' ') raw.remove_prefix(1);
  raw = raw.substr(0, std::min(raw.size(), kQueryMaxBytes));
  while (!raw.empty() && raw.back() == ' ') raw.remove_suffix(1);
  return raw;
}

std::string query_key(std::string_view raw) {
  std::string key(query_span(raw));
  for (char& c : key) c = static_cast<char>(fold_case(static_cast<uint8_t>(c)));
  return key;
}

std::string encoding_name(Encoding e) {
  return fmt::format("v{}", static_cast<int>(e));
}

std::string encoding_summary(Encoding e) {
  return fmt::format("{} ({} query {} buckets + {} context buckets)", encoding_name(e), query_buckets(e),
                     e == Encoding::v1 ? "count" : "presence", kContextBuckets);
}

Encoding parse_encoding(std::string_view name) {
  for (Encoding e : kEncodings)
    if (name == encoding_name(e)) return e;
  throw Error(fmt::format("unknown encoding '{}'", name),
              "choose v1 (the original's 128 count buckets), v2 (256 presence buckets, the default) or v3 "
              "(512 presence buckets)");
}

bool encoding_of_input_size(int n_in, Encoding* e) {
  for (Encoding c : kEncodings)
    if (input_size(c) == n_in) {
      *e = c;
      return true;
    }
  return false;
}

void encode_query(Encoding e, std::string_view raw_query, int16_t* q) {
  const int buckets = query_buckets(e);
  std::memset(q, 0, sizeof(int16_t) * static_cast<size_t>(buckets));
  std::string_view span = query_span(raw_query);
  if (span.empty()) return;
  // Sliding trigram over ' ' + span + ' ', exactly the Z80's TOKENIZE order.
  uint8_t c1 = ' ', c2 = fold_case(static_cast<uint8_t>(span[0]));
  auto hit = [&](uint8_t c3) {
    const uint16_t h = hash_step(hash_step(hash_step(0, c1), c2), c3);
    int16_t& bucket = q[h & (buckets - 1)];
    bucket = e == Encoding::v1 ? static_cast<int16_t>(bucket + kHitValue) : kHitValue;
    c1 = c2;
    c2 = c3;
  };
  for (size_t i = 1; i < span.size(); ++i) hit(fold_case(static_cast<uint8_t>(span[i])));
  hit(' ');
}

void ContextWindow::clear() {
  std::memset(bytes, ' ', sizeof bytes);
}

void ContextWindow::push(uint8_t generated) {
  std::memmove(bytes, bytes + 1, kContextLen - 1);
  bytes[kContextLen - 1] = fold_case(generated);
}

ContextWindow context_of(std::string_view generated) {
  ContextWindow w;
  size_t start = generated.size() > kContextLen ? generated.size() - kContextLen : 0;
  for (size_t i = start; i < generated.size(); ++i) w.push(static_cast<uint8_t>(generated[i]));
  return w;
}

void encode_context(const ContextWindow& window, int16_t* c) {
  std::memset(c, 0, sizeof(int16_t) * kContextBuckets);
  for (int n = 1; n <= 3; ++n) {
    for (int p = 0; p + n <= kContextLen; ++p) {
      uint16_t h = static_cast<uint16_t>(p * 7);
      for (int k = 0; k < n; ++k) h = hash_step(h, window.bytes[p + k]);
      c[h & (kContextBuckets - 1)] = static_cast<int16_t>(c[h & (kContextBuckets - 1)] + kHitValue);
    }
  }
}

void encode_input(Encoding e, std::string_view raw_query, std::string_view generated, int16_t* x) {
  encode_query(e, raw_query, x);
  encode_context(context_of(generated), x + query_buckets(e));
}

}  // namespace z80lm
