// guess_mode.h — `z80lm data gen --mode guess`: 20-questions data about one secret topic.
//
//   z80lm::GuessOptions g{.topic = "chair", .batch = 10, .distractors = 10, .nonsense = true};
//   z80lm::run_guess(session, g);
//
// A run writes, in this order (every query once, first writer wins):
// 1. WIN: fixed guess phrasings of the topic ("chair", "is it a chair", "my guess is
//    chair", ...), written first so that no later question can claim them;
// 2. the LLM part, until --count pairs: batches of YES/NO/MAYBE questions, each batch steered
//    by a question category drawn with the prompt seed (or YES-only questions with
//    --yes-only; or LLM-written WIN guesses with --win-only), each question followed by its
//    free variants: pronoun swaps ("is it" → "is this"/"is that"/"is the thing"/"are you")
//    and bare forms ("is it heavy?" → "heavy", "heavy?"), then --paraphrase N LLM
//    paraphrases with the same answer;
// 3. NO: --distractors N wrong guesses from the LLM (never containing the topic), each in
//    ten guess phrasings;
// 4. --nonsense: fixed off-topic phrases → --nonsense-answer (IDK).
// --yes-only and --win-only skip 3 and 4 (and --yes-only writes no WIN lines, though it
// keeps the WIN phrasings reserved). Not modelled: multi-topic games.
#pragma once
#include <string>
#include <vector>

#include "data/gen_session.h"

namespace z80lm {

struct GuessOptions {
  std::string topic;
  int batch = 10;        // questions per LLM call
  int distractors = 10;  // wrong guesses to ask for (0 = none)
  bool nonsense = false;
  std::string nonsense_answer = "IDK";
  int paraphrases = 0;   // LLM paraphrases per question (costs one call per question)
  bool variants = true;  // pronoun and bare variants
  bool yes_only = false;
  bool win_only = false;
};

void run_guess(GenSession& session, const GuessOptions& options);

// The pieces, exposed for tests and documentation.
const std::vector<std::string>& guess_categories();
const std::vector<std::string>& nonsense_phrases();
std::vector<std::string> win_phrases(const std::string& topic);
std::vector<std::string> wrong_guess_phrases(const std::string& wrong);
std::vector<std::string> pronoun_variants(const std::string& question);  // lower-case input
std::vector<std::string> bare_variants(const std::string& question);     // lower-case input
// "YES", "no.", "Maybe!" → YES / NO / MAYBE; "" for anything else.
std::string normalize_yes_no_maybe(const std::string& answer);

}  // namespace z80lm
