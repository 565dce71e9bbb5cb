// chat_mode.h — `z80lm data gen --mode chat`: chatbot pairs for a persona whose replies
// come from a fixed answer vocabulary.
//
//   z80lm::ChatOptions c{.persona = "a grumpy robot", .vocab = z80lm::parse_vocab("HI,BYE,NO,WHY?")};
//   z80lm::run_chat(session, c);
//
// Each LLM call takes the next intent (the list is shuffled with the prompt seed, then
// reshuffled after each full pass) and asks for `batch` user messages with that intent,
// each with the reply the persona would pick from the vocabulary. A reply that is not in
// the vocabulary (compared after upper-casing and squeezing spaces, punctuation exact) is
// dropped and counted, never "corrected". Runs until --count pairs or the model is
// exhausted (see GenSession).
// Vocabulary entries must be valid responses: printable ASCII, no '|', 1..50 bytes; they
// are upper-cased (the model generates upper case) and deduplicated.
// Not modelled: multi-turn context (the Z80 model sees one line at a time anyway).
#pragma once
#include <string>
#include <vector>

#include "data/gen_session.h"

namespace z80lm {

struct ChatOptions {
  std::string persona = "a friendly chatbot of very few words that runs on an old 8-bit computer";
  std::vector<std::string> vocab;    // allowed replies, upper case
  std::vector<std::string> intents;  // empty = default_intents()
  int batch = 10;                    // user messages per LLM call
};

void run_chat(GenSession& session, const ChatOptions& options);

const std::vector<std::string>& default_intents();

// "HI, BYE ,ok" or one entry per line → {"HI", "BYE", "OK"}. Commas split only when the
// text has no newline (so replies may contain commas in a file). Throws z80lm::Error
// naming the bad entry when one cannot be a response.
std::vector<std::string> parse_vocab(const std::string& text, const std::string& source);
// Intents: one per line, or comma-separated on one line; blank lines and # comments skipped.
std::vector<std::string> parse_intents(const std::string& text);

}  // namespace z80lm
