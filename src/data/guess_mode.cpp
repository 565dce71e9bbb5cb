#include "data/guess_mode.h"

#include <fmt/core.h>

#include <cctype>

#include "data/llm_json.h"
#include "text/pairs.h"

namespace z80lm {

namespace {

const char* kSystem =
    "You write training data for a tiny 20-questions game that runs on an 8-bit computer. "
    "Reply with one JSON object and nothing else: no prose, no markdown.";

std::string article_for(const std::string& noun) {
  return !noun.empty() && std::string("aeiou").find(noun[0]) != std::string::npos ? "an" : "a";
}

bool contains_word(const std::string& text, const std::string& word) {
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    bool left = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
    size_t end = at + word.size();
    bool right = end == text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
    if (left && right) return true;
  }
  return false;
}

std::string qa_prompt(const std::string& topic, int n, const std::string& category) {
  return fmt::format(
      "In a game of 20 questions the secret thing is \"{0}\".\n"
      "Write {1} different short yes/no questions a player might ask {2},\n"
      "each with the correct answer for \"{0}\".\n"
      "Answer YES, NO or MAYBE (MAYBE only when it depends or is a matter of opinion).\n"
      "Questions: lower case, at most 8 words, plain ASCII, like \"is it heavy?\" or \"can you eat it?\".\n"
      "JSON: {{\"pairs\": [{{\"q\": \"is it alive?\", \"a\": \"NO\"}}, ...]}}",
      topic, n, category);
}

std::string yes_prompt(const std::string& topic, int n, const std::string& category) {
  return fmt::format(
      "In a game of 20 questions the secret thing is \"{0}\".\n"
      "Write {1} different short yes/no questions {2} whose answer for \"{0}\" is clearly YES.\n"
      "Lower case, at most 8 words, plain ASCII.\n"
      "JSON: {{\"questions\": [\"...\", ...]}}",
      topic, n, category);
}

std::string win_prompt(const std::string& topic, int n) {
  return fmt::format(
      "In a game of 20 questions the secret thing is \"{0}\".\n"
      "Write {1} different ways a player might guess it: the bare name, questions (\"is it {2} {0}?\"),\n"
      "sure and unsure guesses (\"it must be {2} {0}\", \"maybe {2} {0}\"), synonyms and kinds of {0}.\n"
      "Short, lower case, plain ASCII.\n"
      "JSON: {{\"guesses\": [\"...\", ...]}}",
      topic, n, article_for(topic));
}

std::string distractor_prompt(const std::string& topic, int n) {
  return fmt::format(
      "In a game of 20 questions the secret thing is \"{0}\".\n"
      "List {1} specific WRONG guesses a player might make: other concrete things,\n"
      "not categories that include \"{0}\" (for \"chair\": \"table\" or \"stool\", not \"furniture\").\n"
      "Lower case, 1 to 3 words each, plain ASCII.\n"
      "JSON: {{\"wrong\": [\"...\", ...]}}",
      topic, n);
}

std::string paraphrase_prompt(const std::string& question, int n) {
  return fmt::format(
      "Write {} different ways to ask this yes/no question with the same meaning,\n"
      "at most 8 words each, lower case: \"{}\"\n"
      "JSON: {{\"paraphrases\": [\"...\", ...]}}",
      n, question);
}

// Writes a question, its free variants and its paraphrases; returns how many were new.
int64_t emit_question(GenSession& s, const GuessOptions& o, const std::string& question,
                      const std::string& answer) {
  int64_t before = s.written();
  auto q = normalize_query(question);
  if (!q) return 0;
  s.emit(*q, answer);
  if (o.variants) {
    for (const auto& v : pronoun_variants(*q)) s.emit(v, answer);
    for (const auto& v : bare_variants(*q)) s.emit(v, answer);
  }
  if (o.paraphrases > 0 && !s.target_reached())
    if (auto j = s.ask("paraphrases", kSystem, paraphrase_prompt(*q, o.paraphrases))) {
      auto list = json_strings(*j, {"paraphrases"});
      if (list.size() > static_cast<size_t>(o.paraphrases)) list.resize(o.paraphrases);
      for (const auto& p : list) s.emit(p, answer);
    }
  return s.written() - before;
}

void llm_loop(GenSession& s, const GuessOptions& o) {
  const auto& categories = guess_categories();
  while (!s.target_reached()) {
    int64_t before = s.written();
    const std::string& category = categories[s.rng().below(categories.size())];
    if (o.win_only) {
      if (auto j = s.ask("WIN guesses", kSystem, win_prompt(o.topic, o.batch)))
        for (const auto& g : json_strings(*j, {"guesses"})) s.emit(g, "WIN");
    } else if (o.yes_only) {
      if (auto j = s.ask("YES questions", kSystem, yes_prompt(o.topic, o.batch, category)))
        for (const auto& q : json_strings(*j, {"questions"})) emit_question(s, o, q, "YES");
    } else if (auto j = s.ask("Q&A batch", kSystem, qa_prompt(o.topic, o.batch, category))) {
      for (const auto& p : json_pairs(*j)) {
        std::string answer = normalize_yes_no_maybe(p.answer);
        if (answer.empty())
          s.reject_answer(p.query, p.answer);
        else
          emit_question(s, o, p.query, answer);
      }
    }
    if (!s.end_batch(s.written() - before)) break;
  }
}

}  // namespace

std::string normalize_yes_no_maybe(const std::string& answer) {
  std::string a = to_upper_ascii(answer);
  size_t first = a.find_first_not_of(" \"'");
  size_t last = a.find_last_not_of(" .!\"'");
  if (first == std::string::npos || last == std::string::npos || last < first) return "";
  a = a.substr(first, last - first + 1);
  return a == "YES" || a == "NO" || a == "MAYBE" ? a : "";
}

std::vector<std::string> pronoun_variants(const std::string& question) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kSwaps = {
      {"is it ", {"is this ", "is that ", "is the thing ", "are you "}},
      {"does it ", {"does this ", "does that ", "do you "}},
      {"can it ", {"can this ", "can that ", "can you "}},
      {"has it ", {"has this ", "have you "}},
      {"was it ", {"was this ", "were you "}},
      {"will it ", {"will this ", "will you "}},
      {"would it ", {"would this ", "would you "}},
      {"could it ", {"could this ", "could you "}},
  };
  std::vector<std::string> out;
  for (const auto& [prefix, swaps] : kSwaps)
    if (question.rfind(prefix, 0) == 0)
      for (const auto& swap : swaps) out.push_back(swap + question.substr(prefix.size()));
  return out;
}

std::vector<std::string> bare_variants(const std::string& question) {
  // Longest prefixes first: "is it a " must win over "is it ".
  static const std::vector<std::string> kPrefixes = {
      "is it a ", "is it an ", "is this a ", "is this an ", "are you a ", "are you an ", "is it ",
      "is this ", "is that ",  "are you ",   "is the ",     "does it ",   "do you ",     "can it ",
      "can you ", "has it ",   "have you ",  "will it ",    "would it ",  "could it ",
  };
  std::string q = question;
  while (!q.empty() && q.back() == '?') q.pop_back();
  for (const auto& prefix : kPrefixes)
    if (q.rfind(prefix, 0) == 0) {
      std::string bare = q.substr(prefix.size());
      if (bare.size() <= 2) return {};
      return {bare, bare + "?"};
    }
  return {};
}

std::vector<std::string> win_phrases(const std::string& topic) {
  const std::string a = article_for(topic);
  std::vector<std::string> out;
  for (const char* f : {"{t}",
                        "{t}?",
                        "{t}!",
                        "{a} {t}",
                        "the {t}",
                        "is it {t}",
                        "is it {a} {t}",
                        "is it {a} {t}?",
                        "are you {a} {t}",
                        "are you {a} {t}?",
                        "its {a} {t}",
                        "it's {a} {t}",
                        "it is {a} {t}",
                        "it must be {a} {t}",
                        "it has to be {a} {t}",
                        "i think its {a} {t}",
                        "i think it is {a} {t}",
                        "i guess {t}",
                        "my guess is {t}",
                        "my guess is {a} {t}",
                        "maybe {a} {t}",
                        "{a} {t}?",
                        "you are {a} {t}",
                        "is the answer {t}",
                        "the answer is {t}"})
    out.push_back(fmt::format(fmt::runtime(f), fmt::arg("t", topic), fmt::arg("a", a)));
  return out;
}

std::vector<std::string> wrong_guess_phrases(const std::string& wrong) {
  const std::string a = article_for(wrong);
  std::vector<std::string> out;
  for (const char* f : {"{t}", "{t}?", "is it {t}", "is it {a} {t}", "are you {a} {t}", "its {a} {t}",
                        "i think its {a} {t}", "i guess {t}", "my guess is {t}", "it must be {a} {t}"})
    out.push_back(fmt::format(fmt::runtime(f), fmt::arg("t", wrong), fmt::arg("a", a)));
  return out;
}

const std::vector<std::string>& nonsense_phrases() {
  static const std::vector<std::string> kPhrases = {
      // greetings and chat
      "hello",
      "hi",
      "hey there",
      "good morning",
      "yo",
      "how are you",
      "what's up",
      "who are you",
      "what are you",
      "are you a computer",
      "how do you work",
      "what is your name",
      // giving up, asking for the answer
      "i give up",
      "no idea",
      "tell me",
      "just tell me",
      "what is the answer",
      "what is it",
      "give me a hint",
      "hint please",
      "i dont know",
      "this is hard",
      "too hard",
      // keyboard noise
      "asdf",
      "qwerty",
      "jkl",
      "zzz",
      "aaaa",
      "123",
      "test",
      "testing",
      "lol",
      "haha",
      "hmm",
      "ok",
      "sure",
      "whatever",
      // commands
      "help",
      "quit",
      "exit",
      "stop",
      "start over",
      "reset",
      "again",
  };
  return kPhrases;
}

const std::vector<std::string>& guess_categories() {
  static const std::vector<std::string> kCategories = {
      // size, shape, substance
      "about how big or small it is",
      "about its shape",
      "about its colour or colours",
      "about how much it weighs",
      "about what it is made of",
      "about whether it is soft, hard or squishy",
      "about its surface or texture",
      "about whether you can see through it",
      "about whether it floats in water",
      "about its temperature",
      "about whether it is solid, liquid or gas",
      "about whether it has moving parts",
      // living or not
      "about whether it is alive or was ever alive",
      "about whether it is natural or made by people",
      "about whether it is an animal, a plant or neither",
      "about whether it eats, sleeps or breathes",
      "about whether it has legs, wings, fins or wheels",
      "about whether it grows or changes over time",
      "about whether it has a face or eyes",
      // where
      "about where you usually find it",
      "about whether it is found indoors or outdoors",
      "about which room of a house it belongs in",
      "about whether it is found in an office",
      "about whether it is found in a school",
      "about whether it is found in a kitchen",
      "about whether it is found in a bathroom",
      "about whether it is found in a garden",
      "about whether it is found in a hospital",
      "about whether it is found on a farm",
      "about whether it is found at the beach",
      "about whether it is found in a car or on a bus",
      "about whether it is found in a shop or a restaurant",
      "about whether it is found in cities or in the wild",
      "about whether it is found in a particular country or climate",
      "about whether it is found in space",
      "about whether it lives in water, on land or in the air",
      // use and function
      "about what it is used for",
      "about how it works",
      "about whether it needs electricity or batteries",
      "about whether it needs fuel or food",
      "about whether you can switch it on and off",
      "about whether it is a tool",
      "about whether it is furniture",
      "about whether it is a vehicle",
      "about whether it is a machine or a gadget",
      "about whether it is clothing or something you wear",
      "about whether it is food or drink",
      "about whether it is a toy or a game",
      "about whether it is a building or a structure",
      "about whether it is used for work",
      "about whether it is used for fun or sport",
      "about whether it is used for cooking or eating",
      "about whether it is used for cleaning",
      "about whether it is used for travel",
      "about whether it is used to communicate",
      "about whether it stores or holds other things",
      // people and handling
      "about whether you can hold it in one hand",
      "about whether you can lift it alone",
      "about whether it fits in a pocket",
      "about whether you can sit or stand on it",
      "about whether you can carry it around",
      "about whether you can throw it",
      "about whether you can fold it",
      "about whether you can open or close it",
      "about whether you can wash it",
      "about whether you can take it apart",
      "about whether you can make one yourself",
      "about whether children use it",
      "about whether old people use it",
      "about whether everyone has one",
      "about whether people own more than one",
      "about whether it comes in pairs or sets",
      "about whether it comes in different sizes or colours",
      // professions
      "about whether a doctor would use it",
      "about whether a teacher would use it",
      "about whether a cook would use it",
      "about whether a farmer would use it",
      "about whether a builder would use it",
      "about whether an artist or musician would use it",
      "about whether an athlete would use it",
      "about whether an office worker would use it",
      // senses
      "about whether it makes a sound",
      "about whether it smells",
      "about whether you can eat or drink it",
      "about whether it tastes good",
      "about whether it is nice to touch",
      "about whether it glows or gives light",
      // value and time
      "about how much it costs",
      "about whether it is rare or common",
      "about whether you can buy it in a shop",
      "about whether it is a good present",
      "about how old the idea of it is",
      "about whether it existed a hundred years ago",
      "about whether it is modern technology",
      "about whether it lasts a long time or wears out",
      "about whether it needs looking after",
      "about whether you use it every day",
      "about whether it belongs to a season or holiday",
      // safety
      "about whether it is dangerous",
      "about whether it is sharp or pointed",
      "about whether it breaks easily",
      "about whether it can burn, melt or freeze",
      "about whether it can get wet",
      // comparisons and classification
      "about whether it is bigger than a person",
      "about whether it is bigger than a house",
      "about whether it is smaller than a coin",
      "about whether it is heavier than a car",
      "about whether it is a single thing or a kind of thing",
      "about whether it is famous",
      "about whether it appears in films, songs or stories",
      "about whether it has a brand name",
      "about whether it is connected to a religion or a tradition",
      "about whether it is a status symbol",
      // feelings
      "about whether people like it",
      "about whether it is comfortable",
      "about whether it is boring or exciting",
      "about whether people get attached to it",
      "about whether it can be scary",
  };
  return kCategories;
}

void run_guess(GenSession& s, const GuessOptions& o) {
  const std::string topic = to_lower_ascii(o.topic);
  GuessOptions opts = o;
  opts.topic = topic;
  // WIN phrasings first (reserved but not written in --yes-only runs).
  int64_t wins = 0;
  for (const auto& phrase : win_phrases(topic)) {
    if (o.yes_only)
      s.add_known(phrase);
    else
      wins += s.emit_fixed(phrase, "WIN") ? 1 : 0;
  }
  if (wins) s.note(fmt::format("{} WIN phrasings of '{}'", wins, topic));
  llm_loop(s, opts);
  if (o.yes_only || o.win_only) return;

  if (o.distractors > 0) {
    int64_t before = s.written();
    std::vector<std::string> kept;
    if (auto j = s.ask("distractors", kSystem, distractor_prompt(topic, o.distractors))) {
      for (const auto& raw : json_strings(*j, {"wrong", "guesses", "distractors"}, ListStyle::words)) {
        auto wrong = normalize_query(raw);
        if (!wrong || wrong->size() < 2 || contains_word(*wrong, topic) || contains_word(topic, *wrong))
          continue;
        if (kept.size() >= static_cast<size_t>(o.distractors)) break;
        kept.push_back(*wrong);
        for (const auto& phrase : wrong_guess_phrases(*wrong)) s.emit_fixed(phrase, "NO");
      }
    }
    std::string names;
    for (const auto& k : kept) names += (names.empty() ? "" : ", ") + k;
    s.note(fmt::format("{} distractors ({}): {} NO pairs", kept.size(), names, s.written() - before));
  }
  if (o.nonsense) {
    int64_t before = s.written();
    for (const auto& phrase : nonsense_phrases()) s.emit_fixed(phrase, o.nonsense_answer);
    s.note(fmt::format("{} nonsense pairs -> {}", s.written() - before, o.nonsense_answer));
  }
}

}  // namespace z80lm
