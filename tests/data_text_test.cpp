// LLM text handling: JSON extraction, lenient list readers, ASCII cleaning.
#include <gtest/gtest.h>

#include "data/ascii_text.h"
#include "data/llm_json.h"

namespace z80lm {

using nlohmann::json;

json must_extract(const std::string& text) {
  std::string why;
  auto j = extract_json(text, &why);
  EXPECT_TRUE(j.has_value()) << why << " in: " << text;
  return j.value_or(json());
}

TEST(DataLlmJson, PlainObject) {
  EXPECT_EQ(must_extract("{\"a\": 1}"), json({{"a", 1}}));
}

TEST(DataLlmJson, CodeFenceWithInfoString) {
  EXPECT_EQ(must_extract("```json\n{\"pairs\": []}\n```"), json({{"pairs", json::array()}}));
  EXPECT_EQ(must_extract("Here you go:\n```\n[1, 2]\n```\nEnjoy!"), json({1, 2}));
}

TEST(DataLlmJson, ProseAroundTheJson) {
  EXPECT_EQ(must_extract("Sure! {\"q\": \"is it {big}?\", \"a\": \"YES\"} Hope that helps."),
            json({{"q", "is it {big}?"}, {"a", "YES"}}));
}

TEST(DataLlmJson, BracesInsideStringsAndEscapes) {
  EXPECT_EQ(must_extract("x {\"q\": \"a \\\"}\\\" b\"} y"), json({{"q", "a \"}\" b"}}));
}

TEST(DataLlmJson, SkipsAnUnparseableCandidateBeforeTheRealOne) {
  EXPECT_EQ(must_extract("{not json} then {\"ok\": true}"), json({{"ok", true}}));
}

TEST(DataLlmJson, TrailingCommas) {
  EXPECT_EQ(must_extract("{\"a\": [1, 2,], }"), json({{"a", {1, 2}}}));
}

TEST(DataLlmJson, ThinkBlocksAreIgnored) {
  EXPECT_EQ(must_extract("<think>maybe {\"wrong\": 1}</think>{\"right\": 2}"), json({{"right", 2}}));
}

TEST(DataLlmJson, TruncatedReplyKeepsCompleteElements) {
  json j = must_extract("{\"pairs\": [{\"q\": \"is it red\", \"a\": \"NO\"}, {\"q\": \"is it bl");
  EXPECT_EQ(j, json({{"pairs", {{{"q", "is it red"}, {"a", "NO"}}}}}));
}

TEST(DataLlmJson, NothingUsable) {
  std::string why;
  EXPECT_FALSE(extract_json("", &why));
  EXPECT_EQ(why, "empty reply");
  EXPECT_FALSE(extract_json("I cannot help with that.", &why));
  EXPECT_EQ(why, "no JSON in the reply");
  EXPECT_FALSE(extract_json("{\"a\": ", &why));
  EXPECT_EQ(why, "unparseable JSON");
}

TEST(DataLlmJson, StringsUnderKeyOnlyKeyOrTopLevel) {
  using V = std::vector<std::string>;
  EXPECT_EQ(json_strings(json({{"questions", {"a", "b"}}, {"note", "x"}}), {"questions"}), (V{"a", "b"}));
  EXPECT_EQ(json_strings(json({{"Questions", {"a"}}}), {"questions"}), (V{"a"}));
  EXPECT_EQ(json_strings(json({{"list", {"a"}}}), {"questions"}), (V{"a"}));
  EXPECT_EQ(json_strings(json({"a", "b"}), {"questions"}), (V{"a", "b"}));
}

TEST(DataLlmJson, StringWhereAListIsExpected) {
  using V = std::vector<std::string>;
  EXPECT_EQ(json_strings(json({{"questions", "1. is it big?\n2) can it fly, really?\n- \"is it red\""}}),
                         {"questions"}),
            (V{"is it big?", "can it fly, really?", "is it red"}));
  EXPECT_EQ(json_strings(json({{"wrong", "table, stool; bench"}}), {"wrong"}, ListStyle::words),
            (V{"table", "stool", "bench"}));
}

TEST(DataLlmJson, NumbersAndObjectsInLists) {
  using V = std::vector<std::string>;
  EXPECT_EQ(json_strings(json({{"g", {42, 2.0, 2.5, {{"text", "seven"}}, nullptr, true}}}), {"g"}),
            (V{"42", "2", "2.5", "seven"}));
}

TEST(DataLlmJson, PairsInEveryShape) {
  auto pairs = json_pairs(json::parse(R"({"pairs": [
      {"q": "is it big", "a": "YES"}, {"question": "can it fly", "answer": false},
      ["is it red", "NO"], {"q": "count", "a": 3}, {"q": "no answer"}, "junk"]})"));
  ASSERT_EQ(pairs.size(), 4u);
  EXPECT_EQ(pairs[0].query, "is it big");
  EXPECT_EQ(pairs[1].answer, "NO");
  EXPECT_EQ(pairs[2].query, "is it red");
  EXPECT_EQ(pairs[3].answer, "3");
  auto mapping = json_pairs(json({{"is it big", "YES"}, {"is it old", "MAYBE"}}));
  ASSERT_EQ(mapping.size(), 2u);
  EXPECT_EQ(mapping[0].query, "is it big");
  auto single_key_mapping = json_pairs(json({{"is it big", "YES"}}));
  ASSERT_EQ(single_key_mapping.size(), 1u);
  auto single = json_pairs(json({{"message", "hi"}, {"reply", "HI"}}));
  ASSERT_EQ(single.size(), 1u);
  EXPECT_EQ(single[0].answer, "HI");
}

TEST(DataAscii, TransliteratesTypography) {
  EXPECT_EQ(to_ascii("it\xE2\x80\x99s \xE2\x80\x9C"
                     "big\xE2\x80\x9D\xE2\x80\xA6 \xE2\x80\x94 ok"),
            "it's \"big\"... - ok");
  EXPECT_EQ(to_ascii("caf\xC3\xA9 na\xC3\xAFve \xC3\x9F \xC5\x93uvre \xC5\x81\xC3\xB3"
                     "d\xC5\xBA"),
            "cafe naive ss oeuvre Lodz");
  EXPECT_EQ(to_ascii("a\xC2\xA0"
                     "b\xE2\x80\x8B"
                     "c"),
            "a bc");  // no-break space, zero-width space
}

TEST(DataAscii, RefusesWhatHasNoAsciiSpelling) {
  EXPECT_FALSE(to_ascii("is it \xF0\x9F\x90\x98?"));  // elephant emoji
  EXPECT_FALSE(to_ascii("\xE7\x8C\xAB"));             // CJK
  EXPECT_FALSE(to_ascii("bad \xC3"));                 // truncated sequence
  EXPECT_FALSE(to_ascii("over\xC0\xAF"));             // overlong '/'
}

TEST(DataAscii, LineFieldProblems) {
  EXPECT_EQ(line_field_problem("fine text?"), "");
  EXPECT_EQ(line_field_problem("a|b"), "contains '|'");
  EXPECT_EQ(line_field_problem("a\tb"), "contains control byte 0x09");
  EXPECT_EQ(line_field_problem("caf\xC3\xA9"), "contains non-ASCII byte 0xC3");
}

TEST(DataAscii, CollapseSpaces) {
  EXPECT_EQ(collapse_spaces("  is   it  big  "), "is it big");
}

}  // namespace z80lm
