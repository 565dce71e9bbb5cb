// `data gen` logic with a scripted in-process LLM: cleaning, dedupe, target, stale stop,
// answer validation, seeds, and the guess/chat modes' exact output.
#include <gtest/gtest.h>

#include <functional>

#include "data/chat_mode.h"
#include "data/gen_session.h"
#include "data/guess_mode.h"
#include "util/error.h"

namespace z80lm {

namespace {

class FakeLlm : public LlmBackend {
 public:
  std::function<std::string(const LlmRequest&, int)> reply;
  std::vector<LlmRequest> requests;
  LlmReply complete(const LlmRequest& request) override {
    requests.push_back(request);
    return {reply(request, static_cast<int>(requests.size()) - 1), 100, 20, false};
  }
  std::string describe() const override { return "fake"; }
};

struct Harness {
  FakeLlm llm;
  std::vector<std::string> lines;
  std::vector<std::string> log;
  std::unique_ptr<GenSession> session;
  explicit Harness(GenOptions options = {}) {
    session = std::make_unique<GenSession>(
        llm, options, [this](const std::vector<std::string>& all, size_t) { lines = all; },
        [this](const std::string& line) { log.push_back(line); });
  }
  bool logged(const std::string& text) const {
    for (const auto& l : log)
      if (l.find(text) != std::string::npos) return true;
    return false;
  }
};

std::vector<std::string> without_fixed(const std::vector<std::string>& lines, const std::string& answer) {
  std::vector<std::string> out;
  for (const auto& l : lines)
    if (l.size() < answer.size() + 1 ||
        l.compare(l.size() - answer.size() - 1, std::string::npos, "|" + answer) != 0)
      out.push_back(l);
  return out;
}

}  // namespace

TEST(DataGen, EmitCleansDedupesAndRejects) {
  GenOptions o;
  o.target = 100;
  Harness h(o);
  GenSession& s = *h.session;
  EXPECT_TRUE(s.emit("  Is  it   BIG? ", "yes"));
  EXPECT_FALSE(s.emit("is it big?", "NO"));               // same query: first answer wins
  EXPECT_TRUE(s.emit("it\xE2\x80\x99s comfy", "maybe"));  // typographic apostrophe
  EXPECT_FALSE(s.emit("is it \xF0\x9F\x90\x98", "NO"));   // emoji: dropped
  EXPECT_FALSE(s.emit("a|b", "NO"));
  EXPECT_FALSE(s.emit("line\nbreak", "NO"));
  EXPECT_FALSE(s.emit("#hashtag", "NO"));                    // would read back as a comment
  EXPECT_FALSE(s.emit("x", "NO"));                           // too short
  EXPECT_FALSE(s.emit(std::string(61, 'q'), "NO"));          // too long
  EXPECT_FALSE(s.emit("fine query", std::string(51, 'A')));  // answer too long
  EXPECT_FALSE(s.emit("fine query", "A|B"));
  s.add_known("Known Query");
  EXPECT_FALSE(s.emit("known query", "YES"));
  s.finish();
  EXPECT_EQ(h.lines, (std::vector<std::string>{"is it big?|YES", "it's comfy|MAYBE"}));
  const auto& c = s.counters();
  EXPECT_EQ(c.duplicates, 2);
  EXPECT_EQ(c.rejected_ascii, 1);
  EXPECT_EQ(c.rejected_format, 4);
  EXPECT_EQ(c.rejected_length, 3);
}

TEST(DataGen, TargetIsExactAndTemplatesComeOnTop) {
  GenOptions o;
  o.target = 2;
  Harness h(o);
  GenSession& s = *h.session;
  EXPECT_TRUE(s.emit_fixed("hello", "IDK"));
  EXPECT_TRUE(s.emit("one", "A"));
  EXPECT_TRUE(s.emit("two", "A"));
  EXPECT_TRUE(s.target_reached());
  EXPECT_FALSE(s.emit("three", "A"));
  EXPECT_TRUE(s.emit_fixed("bye", "IDK"));
  EXPECT_EQ(s.written(), 4);
  EXPECT_EQ(s.target_pairs(), 2);
}

TEST(DataGen, SeedsAreOffsetPerCallAndOnlySentWhenGiven) {
  GenOptions o;
  o.seed = 100;
  Harness h(o);
  h.llm.reply = [](const LlmRequest&, int) { return "{}"; };
  for (int i = 0; i < 3; ++i) h.session->ask("x", "sys", "prompt");
  ASSERT_EQ(h.llm.requests.size(), 3u);
  EXPECT_EQ(h.llm.requests[0].seed, 100u);
  EXPECT_EQ(h.llm.requests[2].seed, 102u);
  EXPECT_EQ(h.llm.requests[0].system, "sys");
  Harness unseeded;
  unseeded.llm.reply = h.llm.reply;
  unseeded.session->ask("x", "", "p");
  EXPECT_FALSE(unseeded.llm.requests[0].seed.has_value());
}

TEST(DataGen, UnusableRepliesFailClearlyAfterStaleLimit) {
  GenOptions o;
  o.stale_limit = 3;
  Harness h(o);
  h.llm.reply = [](const LlmRequest&, int) { return "Sorry, I can't do that."; };
  GuessOptions g;
  g.topic = "chair";
  try {
    run_guess(*h.session, g);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "3 replies in a row had no usable JSON (no JSON in the reply); last reply: "
                  "'Sorry, I can't do that.'"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(h.llm.requests.size(), 3u);
  EXPECT_TRUE(h.logged("reply 1 (Q&A batch) has no usable JSON"));
}

TEST(DataGen, JsonWithoutPairsFailsAfterStaleLimit) {
  GenOptions o;
  o.stale_limit = 2;
  Harness h(o);
  h.llm.reply = [](const LlmRequest&, int) {
    return "{\"pairs\": [{\"q\": \"is it big\", \"a\": \"SOMETIMES\"}]}";
  };
  GuessOptions g;
  g.topic = "chair";
  EXPECT_THROW(run_guess(*h.session, g), Error);
  EXPECT_EQ(h.session->counters().rejected_answer, 2);
}

TEST(DataGen, StopsWhenTheModelRepeatsItself) {
  GenOptions o;
  o.target = 100;
  o.stale_limit = 3;
  Harness h(o);
  h.llm.reply = [](const LlmRequest&, int) {
    return "{\"pairs\": [{\"q\": \"is it big\", \"a\": \"YES\"}]}";
  };
  GuessOptions g;
  g.topic = "chair";
  g.distractors = 0;
  run_guess(*h.session, g);
  EXPECT_EQ(h.llm.requests.size(), 4u);  // one useful batch, then three stale ones
  EXPECT_TRUE(h.logged("stopping: 3 batches in a row without a new pair"));
  EXPECT_EQ(h.session->target_pairs(), 7);  // the question, 4 pronoun and 2 bare variants
}

TEST(DataGen, GuessModeGoldenOutput) {
  GenOptions o;
  o.target = 9;
  o.prompt_seed = 1;
  Harness h(o);
  h.llm.reply = [](const LlmRequest& r, int) -> std::string {
    if (r.prompt.find("WRONG guesses") != std::string::npos)
      return "{\"wrong\": \"table, office chair, stool\"}";  // a string, and one that contains the topic
    return "Here you go:\n```json\n{\"pairs\": [\n"
           "  {\"q\": \"Does it have legs?\", \"a\": \"Yes.\"},\n"
           "  {\"q\": \"is it alive\", \"a\": \"no\"},\n"
           "  {\"q\": \"can it sing\", \"a\": \"SOMETIMES\"},\n"
           "  {\"q\": \"is it comfy \xF0\x9F\x98\x80\", \"a\": \"YES\"},\n"
           "]}\n```";
  };
  GuessOptions g;
  g.topic = "Chair";
  g.distractors = 3;
  g.nonsense = true;
  run_guess(*h.session, g);
  h.session->finish();
  const auto& lines = h.lines;
  ASSERT_GE(lines.size(), 25u);
  EXPECT_EQ(lines[0], "chair|WIN");
  EXPECT_EQ(lines[3], "a chair|WIN");
  EXPECT_EQ(lines[24], "the answer is chair|WIN");
  std::vector<std::string> llm_part(lines.begin() + 25, lines.begin() + 34);
  EXPECT_EQ(llm_part, (std::vector<std::string>{"does it have legs?|YES", "does this have legs?|YES",
                                                "does that have legs?|YES", "do you have legs?|YES",
                                                "have legs|YES", "have legs?|YES", "is it alive|NO",
                                                "is this alive|NO", "is that alive|NO"}));
  EXPECT_EQ(h.session->target_pairs(), 9);
  EXPECT_EQ(lines[34], "table|NO");
  EXPECT_EQ(lines[43], "it must be a table|NO");
  EXPECT_EQ(lines[44], "stool|NO");
  EXPECT_EQ(lines[54], "hello|IDK");
  EXPECT_EQ(lines.size(), 54 + nonsense_phrases().size());
  EXPECT_EQ(h.session->counters().rejected_answer, 1);  // SOMETIMES; the emoji line came after the target
  EXPECT_TRUE(h.logged("2 distractors (table, stool): 20 NO pairs"));
  // One Q&A batch (9 pairs reached) and one distractor call.
  ASSERT_EQ(h.llm.requests.size(), 2u);
  EXPECT_NE(h.llm.requests[0].prompt.find("the secret thing is \"chair\""), std::string::npos);
  bool has_category = false;
  for (const auto& c : guess_categories())
    has_category |= h.llm.requests[0].prompt.find(c) != std::string::npos;
  EXPECT_TRUE(has_category);
}

TEST(DataGen, YesOnlyReservesWinPhrasesAndWritesNoTemplates) {
  GenOptions o;
  o.target = 4;
  Harness h(o);
  h.llm.reply = [](const LlmRequest&, int) {
    return "{\"questions\": [\"is it a chair\", \"can you sit on it\"]}";
  };
  GuessOptions g;
  g.topic = "chair";
  g.yes_only = true;
  g.nonsense = true;
  run_guess(*h.session, g);
  h.session->finish();
  // "is it a chair" and its bare form "chair" are WIN phrasings: reserved, so never YES.
  EXPECT_EQ(h.lines, (std::vector<std::string>{"is this a chair|YES", "is that a chair|YES",
                                               "is the thing a chair|YES", "can you sit on it|YES"}));
}

TEST(DataGen, ParaphrasesKeepTheAnswer) {
  GenOptions o;
  o.target = 3;
  Harness h(o);
  h.llm.reply = [](const LlmRequest& r, int) -> std::string {
    if (r.prompt.find("different ways to ask") != std::string::npos)
      return "{\"paraphrases\": [\"is it living\", \"does it live\", \"extra one\"]}";
    return "{\"pairs\": [{\"q\": \"alive?\", \"a\": \"NO\"}]}";
  };
  GuessOptions g;
  g.topic = "rock";
  g.paraphrases = 2;
  g.distractors = 0;
  run_guess(*h.session, g);
  EXPECT_EQ(without_fixed(h.lines, "WIN"),
            (std::vector<std::string>{"alive?|NO", "is it living|NO", "does it live|NO"}));
}

TEST(DataGen, WinOnly) {
  GenOptions o;
  o.target = 2;
  Harness h(o);
  h.llm.reply = [](const LlmRequest&, int) {
    return "{\"guesses\": [\"chair\", \"an armchair\", \"a seat\"]}";
  };
  GuessOptions g;
  g.topic = "chair";
  g.win_only = true;
  run_guess(*h.session, g);
  EXPECT_EQ(h.lines.size(), 27u);  // 25 templates + 2 new guesses ("chair" is a template already)
  EXPECT_EQ(h.lines[25], "an armchair|WIN");
}

TEST(DataGen, Variants) {
  EXPECT_EQ(pronoun_variants("is it red"),
            (std::vector<std::string>{"is this red", "is that red", "is the thing red", "are you red"}));
  EXPECT_EQ(pronoun_variants("has it wheels?"),
            (std::vector<std::string>{"has this wheels?", "have you wheels?"}));
  EXPECT_TRUE(pronoun_variants("what is it").empty());
  EXPECT_EQ(bare_variants("is it an animal?"), (std::vector<std::string>{"animal", "animal?"}));
  EXPECT_EQ(bare_variants("can you eat it"), (std::vector<std::string>{"eat it", "eat it?"}));
  EXPECT_TRUE(bare_variants("is it ok").empty());  // too short to stand alone
  EXPECT_EQ(win_phrases("apple")[6], "is it an apple");
  EXPECT_EQ(wrong_guess_phrases("owl")[3], "is it an owl");
  EXPECT_EQ(normalize_yes_no_maybe(" maybe! "), "MAYBE");
  EXPECT_EQ(normalize_yes_no_maybe("\"No.\""), "NO");
  EXPECT_EQ(normalize_yes_no_maybe("yes, mostly"), "");
}

TEST(DataGen, ChatModeValidatesAnswersAgainstTheVocabulary) {
  GenOptions o;
  o.target = 3;
  o.prompt_seed = 5;
  Harness h(o);
  h.llm.reply = [](const LlmRequest&, int) {
    return "{\"pairs\": [{\"q\": \"Hey there\", \"a\": \"hi\"}, {\"q\": \"why tho\", \"a\": \"Why?\"},"
           " {\"q\": \"sup\", \"a\": \"HELLO\"}, {\"q\": \"how come\", \"a\": \"WHY\"},"
           " {\"q\": \"cya\", \"a\": \"BYE\"}, {\"q\": \"later\", \"a\": \"BYE\"}]}";
  };
  ChatOptions c;
  c.persona = "a sleepy cat";
  c.vocab = parse_vocab("hi, bye ,why?", "test");
  c.intents = {"saying hello", "asking why"};
  run_chat(*h.session, c);
  h.session->finish();
  EXPECT_EQ(h.lines, (std::vector<std::string>{"hey there|HI", "why tho|WHY?", "cya|BYE"}));
  EXPECT_EQ(h.session->counters().rejected_answer, 2);
  ASSERT_EQ(h.llm.requests.size(), 1u);
  const std::string& prompt = h.llm.requests[0].prompt;
  EXPECT_NE(prompt.find("a sleepy cat"), std::string::npos);
  EXPECT_NE(prompt.find("[\"HI\",\"BYE\",\"WHY?\"]"), std::string::npos) << prompt;
  EXPECT_TRUE(prompt.find("saying hello") != std::string::npos ||
              prompt.find("asking why") != std::string::npos);
}

TEST(DataGen, ChatCyclesThroughAllIntents) {
  GenOptions o;
  o.target = 6;
  Harness h(o);
  h.llm.reply = [](const LlmRequest&, int n) {
    return "{\"pairs\": [{\"q\": \"message " + std::to_string(n) + "\", \"a\": \"OK\"}]}";
  };
  ChatOptions c;
  c.vocab = {"OK"};
  c.intents = {"i1", "i2", "i3"};
  run_chat(*h.session, c);
  ASSERT_EQ(h.llm.requests.size(), 6u);
  std::vector<std::string> seen;
  for (int i = 0; i < 3; ++i)
    for (const char* intent : {"i1", "i2", "i3"})
      if (h.llm.requests[i].prompt.find(std::string("when ") + intent + ".") != std::string::npos)
        seen.push_back(intent);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"i1", "i2", "i3"})) << "each intent once per pass";
}

TEST(DataGen, VocabularyParsing) {
  EXPECT_EQ(parse_vocab("OK\nhi, there\n# comment\n\nOK\n", "f"),
            (std::vector<std::string>{"OK", "HI, THERE"}));
  EXPECT_THROW(parse_vocab("A|B", "f"), Error);
  EXPECT_THROW(parse_vocab(std::string(51, 'A'), "f"), Error);
  EXPECT_THROW(parse_vocab(" , ", "f"), Error);
  EXPECT_EQ(parse_intents("greeting, asking the time"),
            (std::vector<std::string>{"greeting", "asking the time"}));
}

}  // namespace z80lm
