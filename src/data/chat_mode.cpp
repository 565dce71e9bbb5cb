#include "data/chat_mode.h"

#include <fmt/core.h>

#include <unordered_set>

#include "data/ascii_text.h"
#include "data/llm_json.h"
#include "text/pairs.h"
#include "util/error.h"

namespace z80lm {

namespace {

const char* kSystem =
    "You write training data for a tiny chatbot that runs on an 8-bit computer. "
    "Reply with one JSON object and nothing else: no prose, no markdown.";

std::string chat_prompt(const ChatOptions& o, const std::string& intent) {
  return fmt::format(
      "The chatbot's persona: {0}.\n"
      "It can only ever reply with one of these exact replies: {1}\n"
      "Write {2} different short messages (1 to 8 words) a user might type to it when {3}.\n"
      "Vary them like real chat: lower case, slang, typos, with or without punctuation.\n"
      "For each message pick the reply from the list that this persona would give. Copy the reply exactly.\n"
      "JSON: {{\"pairs\": [{{\"q\": \"user message\", \"a\": \"REPLY\"}}, ...]}}",
      o.persona, nlohmann::json(o.vocab).dump(), o.batch, intent);
}

// Splits at newlines, or at commas when there is no newline; trims; skips blanks/comments.
std::vector<std::string> split_entries(const std::string& text) {
  const char separator = text.find('\n') != std::string::npos ? '\n' : ',';
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(separator, pos);
    if (end == std::string::npos) end = text.size();
    std::string item = collapse_spaces(text.substr(pos, end - pos));
    while (!item.empty() && (item.back() == '\r' || item.back() == '\t')) item.pop_back();
    size_t first = item.find_first_not_of(" \t");
    item = first == std::string::npos ? "" : item.substr(first);
    if (!item.empty() && item[0] != '#') out.push_back(item);
    pos = end + 1;
  }
  return out;
}

}  // namespace

std::vector<std::string> parse_vocab(const std::string& text, const std::string& source) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (const auto& entry : split_entries(text)) {
    auto answer = normalize_answer(entry);
    std::string problem = !answer ? "has no plain ASCII spelling" : line_field_problem(*answer);
    if (problem.empty() && answer->size() > kMaxResponseChars)
      problem = fmt::format("is longer than {} characters", kMaxResponseChars);
    if (!problem.empty())
      throw Error(fmt::format("{}: vocabulary entry '{}' {}", source, entry, problem),
                  "replies must be printable ASCII without '|', at most 50 characters");
    if (seen.insert(*answer).second) out.push_back(*answer);
  }
  if (out.empty())
    throw Error(fmt::format("{}: the answer vocabulary is empty", source),
                "pass --vocab 'HI,BYE,OK,...' or --vocab FILE with one reply per line");
  return out;
}

std::vector<std::string> parse_intents(const std::string& text) {
  return split_entries(text);
}

const std::vector<std::string>& default_intents() {
  static const std::vector<std::string> kIntents = {
      "saying hello",
      "saying goodbye",
      "asking how the bot is doing",
      "saying thank you",
      "apologising",
      "asking the bot's name",
      "asking whether the bot is a robot or a person",
      "asking how old the bot is",
      "asking where the bot lives",
      "asking what the bot can do",
      "asking for help",
      "complimenting the bot",
      "insulting the bot",
      "saying they are bored",
      "saying they are sad",
      "saying they are happy or excited",
      "saying they are tired",
      "saying they are hungry",
      "asking the bot for a joke",
      "telling the bot a joke",
      "asking a yes/no question about the bot's feelings",
      "asking whether the bot likes something",
      "asking the bot's opinion about food",
      "asking about the weather",
      "asking what time or day it is",
      "asking a simple maths question",
      "asking a big philosophical question",
      "asking about love or friendship",
      "asking whether the bot is smart",
      "asking the bot to keep a secret",
      "agreeing with the bot",
      "disagreeing with the bot",
      "asking why",
      "being confused by the bot's last answer",
      "saying yes",
      "saying no",
      "typing nonsense or random letters",
      "testing whether the bot works",
      "asking about computers or old video games",
      "asking about animals or pets",
      "asking about music or films",
      "asking about sport",
      "making small talk about their day",
      "asking the bot to do something it cannot do",
      "asking if the bot is alive",
      "asking the bot to repeat itself",
      "saying something rude and then sorry",
      "asking the bot what it wants",
      "asking whether the bot sleeps or dreams",
      "asking about the future",
  };
  return kIntents;
}

void run_chat(GenSession& s, const ChatOptions& o) {
  std::vector<std::string> intents = o.intents.empty() ? default_intents() : o.intents;
  std::unordered_set<std::string> allowed(o.vocab.begin(), o.vocab.end());
  size_t next = intents.size();  // forces a shuffle before the first call
  while (!s.target_reached()) {
    if (next == intents.size()) {
      shuffle(s.rng(), intents);
      next = 0;
    }
    const std::string& intent = intents[next++];
    int64_t before = s.written();
    if (auto j = s.ask(intent, kSystem, chat_prompt(o, intent))) {
      for (const auto& p : json_pairs(*j)) {
        auto answer = normalize_answer(p.answer);
        if (!answer || !allowed.count(*answer))
          s.reject_answer(p.query, p.answer);
        else
          s.emit(p.query, *answer);
      }
    }
    if (!s.end_batch(s.written() - before)) break;
  }
}

}  // namespace z80lm
