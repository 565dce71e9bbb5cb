#include "data/llm_json.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "util/limits.h"

namespace z80lm {

namespace {

std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<nlohmann::json> try_parse(std::string_view text) {
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// Reasoning models wrap their thoughts in <think>...</think>; an unclosed block hides all.
std::string drop_think_blocks(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("<think>", pos);
    if (open == std::string_view::npos) break;
    out.append(text.substr(pos, open - pos));
    size_t close = text.find("</think>", open);
    if (close == std::string_view::npos) return out;
    pos = close + 8;
  }
  out.append(text.substr(pos));
  return out;
}

// The text inside the first ``` fence (after its info string line), or nullopt.
std::optional<std::string_view> fenced(std::string_view text) {
  size_t open = text.find("```");
  if (open == std::string_view::npos) return std::nullopt;
  size_t body = text.find('\n', open);
  if (body == std::string_view::npos) return std::nullopt;
  size_t close = text.find("```", body);
  return text.substr(body + 1, (close == std::string_view::npos ? text.size() : close) - body - 1);
}

// Walks JSON-ish text, tracking strings, so callers only see structural characters.
// `visit(i, c)` is called for every character outside a string.
template <typename Visit>
void scan_structure(std::string_view text, size_t from, Visit visit) {
  bool in_string = false, escaped = false;
  for (size_t i = from; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (!visit(i, c)) return;
  }
}

// End (exclusive) of the balanced value starting at text[start] ('{' or '['), or npos.
size_t balanced_end(std::string_view text, size_t start) {
  std::string stack;
  size_t end = std::string_view::npos;
  scan_structure(text, start, [&](size_t i, char c) {
    if (c == '{' || c == '[')
      stack.push_back(c == '{' ? '}' : ']');
    else if (c == '}' || c == ']') {
      if (stack.empty() || stack.back() != c) return false;  // mismatched: give up on this start
      stack.pop_back();
      if (stack.empty()) {
        end = i + 1;
        return false;
      }
    }
    return true;
  });
  return end;
}

// `[1, 2,]` → `[1, 2]`, outside strings.
std::string drop_trailing_commas(std::string_view text) {
  std::string out(text);
  std::vector<size_t> commas;
  scan_structure(text, 0, [&](size_t i, char c) {
    if (c == '}' || c == ']') {
      size_t j = i;
      while (j > 0 &&
             (text[j - 1] == ' ' || text[j - 1] == '\n' || text[j - 1] == '\r' || text[j - 1] == '\t'))
        --j;
      if (j > 0 && text[j - 1] == ',') commas.push_back(j - 1);
    }
    return true;
  });
  for (auto it = commas.rbegin(); it != commas.rend(); ++it) out.erase(*it, 1);
  return out;
}

// A reply cut off mid-value: keep it up to its last complete '}' or ']' and close every
// bracket still open there. Tries the latest cut points first.
std::optional<nlohmann::json> close_truncated(std::string_view text, size_t start) {
  std::vector<std::pair<size_t, std::string>> cuts;  // (end, closers still needed)
  std::string stack;
  scan_structure(text, start, [&](size_t i, char c) {
    if (c == '{' || c == '[')
      stack.push_back(c == '{' ? '}' : ']');
    else if (c == '}' || c == ']') {
      if (stack.empty() || stack.back() != c) return false;
      stack.pop_back();
      if (stack.empty()) return false;  // complete after all: not truncated
      cuts.emplace_back(i + 1, std::string(stack.rbegin(), stack.rend()));
    }
    return true;
  });
  int tries = 0;
  for (auto it = cuts.rbegin(); it != cuts.rend() && tries < 64; ++it, ++tries)
    if (auto j =
            try_parse(drop_trailing_commas(std::string(text.substr(start, it->first - start)) + it->second)))
      return j;
  return std::nullopt;
}

// Tries each '{' or '[' from the left (at most 64): a balanced value as written, then
// without trailing commas; an unbalanced one (cut off) closed after its last complete element.
std::optional<nlohmann::json> scan_for_json(std::string_view text) {
  int starts = 0;
  for (size_t i = 0; i < text.size() && starts < 64; ++i) {
    if (text[i] != '{' && text[i] != '[') continue;
    ++starts;
    size_t end = balanced_end(text, i);
    if (end == std::string_view::npos) {
      if (auto j = close_truncated(text, i)) return j;
      continue;
    }
    std::string_view candidate = text.substr(i, end - i);
    if (auto j = try_parse(candidate)) return j;
    if (auto j = try_parse(drop_trailing_commas(candidate))) return j;
  }
  return std::nullopt;
}

std::string number_text(const nlohmann::json& n) {
  if (n.is_number_integer() || n.is_number_unsigned()) return n.dump();
  double d = n.get<double>();
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15)
    return std::to_string(static_cast<long long>(d));
  return n.dump();
}

// A scalar as answer/query text; "" for anything else.
std::string scalar_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return number_text(v);
  if (v.is_boolean()) return v.get<bool>() ? "YES" : "NO";
  return "";
}

const nlohmann::json* member(const nlohmann::json& object, std::initializer_list<const char*> keys) {
  if (!object.is_object()) return nullptr;
  for (const char* k : keys)
    if (auto it = object.find(k); it != object.end()) return &*it;
  // Models capitalise keys ("Questions") now and then.
  for (const char* k : keys)
    for (auto it = object.begin(); it != object.end(); ++it) {
      std::string key = it.key();
      std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
      if (key == k) return &*it;
    }
  return nullptr;
}

// Where the list lives: under a named key, under the only key, the first array member, or
// the value itself.
const nlohmann::json& find_list(const nlohmann::json& value, std::initializer_list<const char*> keys) {
  if (!value.is_object()) return value;
  if (auto* m = member(value, keys)) return *m;
  if (value.size() == 1) return value.begin().value();
  for (auto it = value.begin(); it != value.end(); ++it)
    if (it->is_array()) return *it;
  return value;
}

// "1. foo", "- foo", "* foo", "\"foo\"," → "foo".
std::string strip_list_decoration(std::string_view s) {
  s = trim(s);
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  if (digits > 0 && digits < s.size() && (s[digits] == '.' || s[digits] == ')'))
    s.remove_prefix(digits + 1);
  else if (!s.empty() && (s.front() == '-' || s.front() == '*' || s.front() == '+') && s.size() > 1 &&
           s[1] == ' ')
    s.remove_prefix(2);
  s = trim(s);
  while (!s.empty() && (s.back() == ',' || s.back() == ';')) s.remove_suffix(1);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front())
    s = s.substr(1, s.size() - 2);
  return std::string(trim(s));
}

std::vector<std::string> split_list_text(std::string_view text, ListStyle style) {
  std::vector<std::string> out;
  std::string separators = style == ListStyle::words ? "\n;," : "\n;";
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find_first_of(separators, pos);
    if (end == std::string_view::npos) end = text.size();
    std::string item = strip_list_decoration(text.substr(pos, end - pos));
    if (!item.empty()) out.push_back(item);
    pos = end + 1;
  }
  return out;
}

constexpr std::initializer_list<const char*> kQueryKeys = {"q",    "question", "query", "message",
                                                           "user", "input",    "text",  "prompt"};
constexpr std::initializer_list<const char*> kAnswerKeys = {"a",     "answer", "response",
                                                            "reply", "output", "label"};

}  // namespace

std::optional<nlohmann::json> extract_json(std::string_view reply, std::string* why) {
  if (reply.size() > limits::kLlmReplyBytes) {
    if (why)
      *why = fmt::format("reply of {} bytes is longer than the {} z80lm reads", reply.size(),
                         limits::kLlmReplyBytes);
    return std::nullopt;
  }
  std::string text = drop_think_blocks(reply);
  std::string_view body = trim(text);
  if (body.empty()) {
    if (why) *why = "empty reply";
    return std::nullopt;
  }
  if (auto j = try_parse(body)) return j;
  if (auto inside = fenced(body)) {
    if (auto j = try_parse(trim(*inside))) return j;
    if (auto j = scan_for_json(*inside)) return j;
  }
  if (auto j = scan_for_json(body)) return j;
  if (why)
    *why = body.find_first_of("{[") == std::string_view::npos ? "no JSON in the reply" : "unparseable JSON";
  return std::nullopt;
}

std::vector<std::string> json_strings(const nlohmann::json& value, std::initializer_list<const char*> keys,
                                      ListStyle style) {
  const nlohmann::json& list = find_list(value, keys);
  std::vector<std::string> out;
  auto add = [&](const nlohmann::json& item) {
    if (item.is_string()) {
      for (auto& s : split_list_text(item.get<std::string>(), style)) out.push_back(std::move(s));
    } else if (item.is_number()) {
      out.push_back(number_text(item));
    } else if (item.is_object()) {
      if (auto* m = member(item, kQueryKeys)) {
        std::string s = scalar_text(*m);
        if (!s.empty()) out.push_back(s);
      }
    }
  };
  if (list.is_array()) {
    for (const auto& item : list) add(item);
  } else {
    add(list);
  }
  return out;
}

std::vector<RawPair> json_pairs(const nlohmann::json& value) {
  const nlohmann::json& found =
      find_list(value, {"pairs", "items", "examples", "data", "questions", "results"});
  const nlohmann::json& list = found.is_array() || found.is_object() ? found : value;
  std::vector<RawPair> out;
  auto add = [&](const nlohmann::json& item) {
    if (item.is_object()) {
      const auto* q = member(item, kQueryKeys);
      const auto* a = member(item, kAnswerKeys);
      if (q && a) out.push_back({scalar_text(*q), scalar_text(*a)});
    } else if (item.is_array() && item.size() == 2) {
      out.push_back({scalar_text(item[0]), scalar_text(item[1])});
    }
  };
  if (list.is_array()) {
    for (const auto& item : list) add(item);
  } else if (list.is_object()) {
    if (member(list, kQueryKeys) && member(list, kAnswerKeys)) {
      add(list);  // a single pair
    } else {
      for (const auto& [k, v] : list.items())  // {"is it big": "YES", ...}
        if (v.is_string() || v.is_boolean()) out.push_back({k, scalar_text(v)});
    }
  }
  std::erase_if(out, [](const RawPair& p) { return p.query.empty() || p.answer.empty(); });
  return out;
}

}  // namespace z80lm
