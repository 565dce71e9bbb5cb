// base64.h — RFC 4648 base64 (standard alphabet, '=' padding), for bytes embedded in a web page.
//
//   std::string text = z80lm::web::base64_encode(bytes);   // "SGk=" for {'H','i'}
//
// Invariants: the output is 4 * ceil(n / 3) characters of [A-Za-z0-9+/=], no line breaks;
// atob() in a browser and Buffer.from(text, "base64") in Node give the bytes back exactly.
// Not modelled: decoding (the page decodes), URL-safe alphabets, line wrapping.
#pragma once
#include <cstdint>
#include <span>
#include <string>

namespace z80lm::web {

std::string base64_encode(std::span<const uint8_t> bytes);

}  // namespace z80lm::web
