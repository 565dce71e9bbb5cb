// chat_questions.h — the fixed questions the chat benchmarks type (z80_bench for CP/M, zx_bench
// for the Spectrum), so their T-states per character compare the same answers.
#pragma once
#include <string>
#include <vector>

namespace z80lm::bench {

inline const std::vector<std::string> kChatQuestions = {
    "hello",
    "how are you",
    "whats up",
    "are you a robot",
    "tell me a joke",
    "what is your name",
    "good morning",
    "bye",
    "i am sad",
    "do you like music",
    "where are you from",
    "can you help me",
    "thank you",
    "who made you",
    "are you happy",
    "what time is it",
    "lol",
    "i love you",
    "ok",
    "why",
};

}  // namespace z80lm::bench
