#include "data/ascii_text.h"

#include <fmt/core.h>

#include "util/printable.h"

namespace z80lm {

namespace {

// ASCII spellings of U+00C0..U+00FF: the Latin-1 letters, plus × → x and ÷ → /.
constexpr const char* kLatin1[64] = {
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I",  "I",   // C0-CF
    "D", "N", "O", "O", "O", "O", "O",  "x", "O", "U", "U", "U", "U", "Y", "TH", "ss",  // D0-DF
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",   // E0-EF
    "d", "n", "o", "o", "o", "o", "o",  "/", "o", "u", "u", "u", "u", "y", "th", "y",   // F0-FF
};

struct Spelling {
  char32_t code_point;
  const char* ascii;
};

// Spaces, invisible characters, quotes, dashes and a few letters outside the blocks below.
constexpr Spelling kSpecial[] = {
    {0xA0, " "},     {0x2000, " "},  {0x2001, " "},  {0x2002, " "}, {0x2003, " "},  {0x2004, " "},
    {0x2005, " "},   {0x2006, " "},  {0x2007, " "},  {0x2008, " "}, {0x2009, " "},  {0x200A, " "},
    {0x202F, " "},   {0x205F, " "},  {0x3000, " "},  {0xAD, ""},    {0x200B, ""},   {0x200C, ""},
    {0x200D, ""},    {0x2060, ""},   {0xFEFF, ""},   {0x2018, "'"}, {0x2019, "'"},  {0x201A, "'"},
    {0x201B, "'"},   {0x2032, "'"},  {0xB4, "'"},    {0x2BC, "'"},  {0x201C, "\""}, {0x201D, "\""},
    {0x201E, "\""},  {0x201F, "\""}, {0x2033, "\""}, {0xAB, "\""},  {0xBB, "\""},   {0x2010, "-"},
    {0x2011, "-"},   {0x2012, "-"},  {0x2013, "-"},  {0x2014, "-"}, {0x2015, "-"},  {0x2212, "-"},
    {0x2026, "..."}, {0xA1, "!"},    {0xBF, "?"},    {0x152, "OE"}, {0x153, "oe"},  {0x141, "L"},
    {0x142, "l"},    {0x131, "i"},   {0x178, "Y"},
};

// Transliteration of one code point >= 0x80; nullopt when there is none.
std::optional<std::string_view> transliterate(char32_t cp) {
  if (cp >= 0xC0 && cp <= 0xFF) return kLatin1[cp - 0xC0];
  for (const auto& s : kSpecial)
    if (s.code_point == cp) return s.ascii;
  // Latin Extended-A pairs (upper, lower) whose base letter is plain: ā ă ą ć ĉ ċ č ď đ ē ...
  static constexpr struct {
    char32_t first, last;
    char upper;
  } kBases[] = {
      {0x100, 0x105, 'A'}, {0x106, 0x10D, 'C'}, {0x10E, 0x111, 'D'}, {0x112, 0x11B, 'E'}, {0x11C, 0x123, 'G'},
      {0x124, 0x127, 'H'}, {0x128, 0x130, 'I'}, {0x134, 0x135, 'J'}, {0x136, 0x137, 'K'}, {0x139, 0x13E, 'L'},
      {0x143, 0x148, 'N'}, {0x14C, 0x151, 'O'}, {0x154, 0x159, 'R'}, {0x15A, 0x161, 'S'}, {0x162, 0x167, 'T'},
      {0x168, 0x173, 'U'}, {0x174, 0x175, 'W'}, {0x176, 0x177, 'Y'}, {0x179, 0x17E, 'Z'},
  };
  static constexpr std::string_view kLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  for (const auto& b : kBases)
    if (cp >= b.first && cp <= b.last) {
      // Within each block upper and lower case alternate, upper first.
      bool lower = (cp - b.first) % 2 == 1;
      return kLetters.substr(static_cast<size_t>(b.upper - 'A') + (lower ? 26 : 0), 1);
    }
  return std::nullopt;
}

// Decodes one UTF-8 sequence at text[i]; returns its length, 0 when malformed.
size_t decode_utf8(std::string_view text, size_t i, char32_t& cp) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b = byte(i);
  size_t len = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b <= 0xDF ? 2 : 0;
  if (len == 0 || i + len > text.size()) return 0;
  cp = b & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  const char32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

std::optional<std::string> to_ascii(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    auto b = static_cast<unsigned char>(utf8[i]);
    if (b < 0x80) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    char32_t cp = 0;
    size_t len = decode_utf8(utf8, i, cp);
    if (len == 0) return std::nullopt;
    auto mapped = transliterate(cp);
    if (!mapped) return std::nullopt;
    out += *mapped;
    i += len;
  }
  return out;
}

std::string line_field_problem(std::string_view text) {
  for (unsigned char c : text) {
    if (c == '|') return "contains '|'";
    if (c < 0x20 || c == 0x7F) return fmt::format("contains control byte 0x{:02X}", c);
    if (c >= 0x80) return fmt::format("contains non-ASCII byte 0x{:02X}", c);
  }
  return "";
}

std::string collapse_spaces(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string one_line_excerpt(std::string_view text, size_t limit) {
  std::string s;
  for (char c : text.substr(0, limit)) s += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  s = printable(s);  // no ESC or other control byte from a server reaches the terminal
  if (text.size() > limit) s += "...";
  return s;
}

}  // namespace z80lm
