// Data parsing, charset order and the byte-exact encoders.
#include <algorithm>
#include <numeric>

#include "test_support.h"
#include "text/charset.h"
#include "text/encoder.h"
#include "text/examples.h"
#include "text/pairs.h"
#include "util/error.h"

namespace z80lm {
using namespace z80lm::test;

namespace {
std::vector<int> hit_buckets(const int16_t* v, int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < v[i] / kHitValue; ++k) out.push_back(i);
  return out;
}
}  // namespace

TEST(Pairs, SplitsAtFirstPipeStripsAndUppercasesResponse) {
  PairSet s = parse_pairs("  Hello there |  hi | you \n", "t");
  ASSERT_EQ(s.pairs.size(), 1u);
  EXPECT_EQ(s.pairs[0].query, "Hello there");
  EXPECT_EQ(s.pairs[0].response, "HI | YOU");
  EXPECT_EQ(s.pairs[0].line, 1);
}

TEST(Pairs, SkipsBlankAndCommentLinesAndHandlesCrlf) {
  PairSet s = parse_pairs("# comment|with pipe\r\n\r\n   \nhello|hi\r\n  # indented\n", "t");
  ASSERT_EQ(s.pairs.size(), 1u);
  EXPECT_EQ(s.pairs[0].response, "HI");
  EXPECT_EQ(s.pairs[0].line, 4);
  EXPECT_EQ(s.skipped, 4);
  EXPECT_TRUE(s.issues.empty());
}

TEST(Pairs, TabsBecomeSpaces) {
  PairSet s = parse_pairs("\thow\tare you\t|\tfine\tthanks\n", "t");
  ASSERT_EQ(s.pairs.size(), 1u);
  EXPECT_EQ(s.pairs[0].query, "how are you");
  EXPECT_EQ(s.pairs[0].response, "FINE THANKS");
}

TEST(Pairs, RejectsMalformedLinesWithLineNumbers) {
  PairSet s = parse_pairs(
      "no pipe here\nx|too short query\nok query|\nfine|OK\nctl\x01q|A\nq\xC3\xA9|R\xC3\xA9SUM\n", "d.txt");
  ASSERT_EQ(s.pairs.size(), 1u);
  ASSERT_EQ(s.issues.size(), 5u);
  EXPECT_EQ(s.issues[0].line, 1);
  EXPECT_NE(s.issues[0].message.find("no '|'"), std::string::npos);
  EXPECT_EQ(s.issues[1].line, 2);
  EXPECT_NE(s.issues[1].message.find("shorter than 2"), std::string::npos);
  EXPECT_EQ(s.issues[2].line, 3);
  EXPECT_EQ(s.issues[3].line, 5);
  EXPECT_NE(s.issues[3].message.find("control byte 0x01"), std::string::npos);
  EXPECT_EQ(s.issues[4].line, 6);
  EXPECT_NE(s.issues[4].message.find("non-ASCII byte 0xC3 in the response"), std::string::npos);
  EXPECT_EQ(s.issues[0].source, "d.txt");
}

TEST(Pairs, NonAsciiQueryBytesAreKeptAsBytes) {
  PairSet s = parse_pairs("caf\xC3\xA9 au lait|YES\n", "t");
  ASSERT_EQ(s.pairs.size(), 1u);
  EXPECT_EQ(s.pairs[0].query, "caf\xC3\xA9 au lait");
}

TEST(Pairs, TruncatesLongQueriesAtWordBoundaryLikeTheOriginal) {
  std::string words = "aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee fffffffff ggggggggg";  // 69 bytes
  PairSet s = parse_pairs(words + "|" + std::string(55, 'x') + "\n", "t");
  ASSERT_EQ(s.pairs.size(), 1u);
  EXPECT_EQ(s.pairs[0].query, "aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee fffffffff");  // space at 59
  EXPECT_EQ(s.pairs[0].response, std::string(50, 'X'));  // no space: hard cut
  EXPECT_EQ(s.truncated, 1);
}

TEST(Pairs, LoadWithNoValidLineFailsWithHint) {
  TempDir dir;
  write_text(dir.file("bad.txt"), "# only comments\nno pipe\n");
  try {
    load_pairs({dir.file("bad.txt")}, {.strict = false, .quiet = true});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no valid `query|response` line"), std::string::npos);
    EXPECT_FALSE(e.hint().empty());
  }
}

TEST(Pairs, StrictFailsOnFirstIssueNamingFileAndLine) {
  TempDir dir;
  write_text(dir.file("d.txt"), "hello|HI\nbroken\n");
  try {
    load_pairs({dir.file("d.txt")}, {.strict = true, .quiet = true});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("d.txt:2:"), std::string::npos) << e.what();
  }
}

TEST(Charset, OriginalOrderSpaceLettersDigitsPunctuationEnd) {
  PairSet s = parse_pairs("aa|WHY?\nbb|R U 2!\ncc|OK\n", "t");
  EXPECT_EQ(build_charset(s.pairs), std::string(" HKORUWY2!?") + '\0');
  EXPECT_EQ(charset_problem(build_charset(s.pairs)), "");
}

TEST(Charset, NoSpaceWhenNoResponseHasOne) {
  PairSet s = parse_pairs("aa|YES\nbb|NO\n", "t");
  EXPECT_EQ(build_charset(s.pairs), std::string("ENOSY") + '\0');
}

TEST(Charset, ProblemsAreDescribed) {
  EXPECT_NE(charset_problem("AB"), "");                        // no end symbol
  EXPECT_NE(charset_problem(std::string("AA") + '\0'), "");    // duplicate
  EXPECT_NE(charset_problem(std::string("\x01") + '\0'), "");  // not printable
}

// Golden buckets computed independently from the original's Python definition.
TEST(Encoder, QueryTrigramBucketsGolden) {
  int16_t q[kQueryBucketsV1];
  encode_query(Encoding::v1, "hi", q);
  EXPECT_EQ(hit_buckets(q, kQueryBucketsV1), (std::vector<int>{33, 63}));
  encode_query(Encoding::v1, "Hello", q);
  EXPECT_EQ(hit_buckets(q, kQueryBucketsV1), (std::vector<int>{15, 29, 37, 111, 125}));
}

TEST(Encoder, V2QueryPresenceBucketsGolden) {
  int16_t q[kQueryBucketsV2];
  encode_query(Encoding::v2, "hi", q);
  EXPECT_EQ(hit_buckets(q, kQueryBucketsV2), (std::vector<int>{33, 63}));
  encode_query(Encoding::v2, "Hello", q);  // bucket h & 255: v1's 37, 111, 125 become 165, 239, 253
  EXPECT_EQ(hit_buckets(q, kQueryBucketsV2), (std::vector<int>{15, 29, 165, 239, 253}));
}

TEST(Encoder, V3QueryPresenceBucketsGolden) {
  int16_t q[kQueryBucketsV3];
  encode_query(Encoding::v3, "hi", q);  // bucket h & 511: bit 8 of both hashes is set
  EXPECT_EQ(hit_buckets(q, kQueryBucketsV3), (std::vector<int>{289, 319}));
  encode_query(Encoding::v3, "Hello", q);  // v2's 15 and 29 become 271 and 285; the others keep bit 8 clear
  EXPECT_EQ(hit_buckets(q, kQueryBucketsV3), (std::vector<int>{165, 239, 253, 271, 285}));
  int16_t x[kMaxInputSize];
  encode_input(Encoding::v3, "hi", "", x);
  EXPECT_EQ(input_size(Encoding::v3), 640);
  int16_t c[kContextBuckets];
  encode_context(context_of(""), c);
  EXPECT_TRUE(std::equal(c, c + kContextBuckets, x + kQueryBucketsV3));
}

TEST(Encoder, V2RepeatedTrigramIsPresentOnceV1CountsIt) {
  int16_t v1[kQueryBucketsV1], v2[kQueryBucketsV2];
  encode_query(Encoding::v1, "aaaa", v1);  // " aa", "aaa", "aaa", "aa "
  encode_query(Encoding::v2, "aaaa", v2);
  EXPECT_EQ(hit_buckets(v1, kQueryBucketsV1), (std::vector<int>{0, 64, 65, 65}));  // "aaa" twice
  EXPECT_EQ(hit_buckets(v2, kQueryBucketsV2), (std::vector<int>{0, 64, 65}));
}

TEST(Encoder, V2InputIsQueryThenContext) {
  int16_t x[kMaxInputSize], q[kQueryBucketsV2], c[kContextBuckets];
  encode_input(Encoding::v2, "hello there", "HI", x);
  encode_query(Encoding::v2, "hello there", q);
  encode_context(context_of("HI"), c);
  EXPECT_TRUE(std::equal(q, q + kQueryBucketsV2, x));
  EXPECT_TRUE(std::equal(c, c + kContextBuckets, x + kQueryBucketsV2));
  EXPECT_EQ(input_size(Encoding::v2), 384);
  EXPECT_EQ(input_size(Encoding::v1), 256);
}

TEST(Encoder, EncodingNamesParseAndUnknownIsRefusedWithChoices) {
  EXPECT_EQ(parse_encoding("v1"), Encoding::v1);
  EXPECT_EQ(parse_encoding(encoding_name(Encoding::v2)), Encoding::v2);
  EXPECT_EQ(parse_encoding("v3"), Encoding::v3);
  EXPECT_EQ(encoding_summary(Encoding::v3), "v3 (512 query presence buckets + 128 context buckets)");
  EXPECT_EQ(encoding_summary(Encoding::v1), "v1 (128 query count buckets + 128 context buckets)");
  try {
    parse_encoding("v4");
    FAIL() << "v4 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.hint()).find("v2"), std::string::npos);
  }
}

TEST(Encoder, ContextBucketsGolden) {
  int16_t c[kContextBuckets];
  encode_context(context_of(""), c);
  EXPECT_EQ(hit_buckets(c, kContextBuckets), (std::vector<int>{0,  4,  4,  14, 15, 28, 29, 32, 32,  42, 43,
                                                               54, 57, 71, 82, 82, 85, 93, 99, 107, 121}));
  encode_context(context_of("HI"), c);
  EXPECT_EQ(hit_buckets(c, kContextBuckets), (std::vector<int>{0,  4,  14, 28, 30, 32, 32, 43,  43,  43, 57,
                                                               71, 76, 82, 82, 85, 88, 93, 107, 121, 126}));
}

TEST(Encoder, ContextAlwaysHas21HitsAndKeepsLast8) {
  int16_t a[kContextBuckets], b[kContextBuckets];
  encode_context(context_of("ABCDEFGHIJ"), a);
  encode_context(context_of("cdefghij"), b);
  EXPECT_EQ(std::accumulate(a, a + kContextBuckets, 0), 21 * kHitValue);
  EXPECT_TRUE(std::equal(a, a + kContextBuckets, b));
}

TEST(Encoder, QuerySpanSkipsLeadingAndTrailingSpacesAndCapsAt62) {
  EXPECT_EQ(query_span("   hello  "), "hello");
  EXPECT_EQ(query_span(std::string(70, 'x')).size(), 62u);
  EXPECT_EQ(query_span(std::string(61, 'x') + "  y"), std::string(61, 'x'));
  EXPECT_EQ(query_span("   "), "");
  int16_t q[kQueryBucketsV1];
  encode_query(Encoding::v1, "    ", q);
  EXPECT_TRUE(std::all_of(q, q + kQueryBucketsV1, [](int16_t v) { return v == 0; }));
}

TEST(Encoder, FoldsOnlyAsciiLettersAndTabsAreHashedAsBytes) {
  int16_t a[kQueryBucketsV1], b[kQueryBucketsV1];
  encode_query(Encoding::v1, "HeLLo", a);
  encode_query(Encoding::v1, "hello", b);
  EXPECT_TRUE(std::equal(a, a + kQueryBucketsV1, b));
  encode_query(Encoding::v1, "caf\xC9", a);  // 0xC9 is not folded to 0xE9
  encode_query(Encoding::v1, "caf\xE9", b);
  EXPECT_FALSE(std::equal(a, a + kQueryBucketsV1, b));
  encode_query(Encoding::v1, "a\tb", a);
  encode_query(Encoding::v1, "a b", b);
  EXPECT_FALSE(std::equal(a, a + kQueryBucketsV1, b));
}

TEST(Examples, OnePerCharacterPlusEnd) {
  PairSet s = parse_pairs("hello|HI\nbye|BYE\n", "t");
  std::string cs = build_charset(s.pairs);
  ExampleSet ex = build_examples(s.pairs, cs, Encoding::v1);
  ASSERT_EQ(ex.count, 3u + 4u);
  EXPECT_EQ(ex.targets[0], charset_index(cs, 'H'));
  EXPECT_EQ(ex.targets[1], charset_index(cs, 'I'));
  EXPECT_EQ(ex.targets[2], static_cast<int>(cs.size()) - 1);
  EXPECT_EQ(ex.pair_of[3], 1u);
  int16_t x[kInputSizeV1];
  encode_input(Encoding::v1, "hello", "H", x);
  EXPECT_TRUE(std::equal(x, x + kInputSizeV1, &ex.inputs[1 * kInputSizeV1]));
}

TEST(Examples, CharacterMissingFromCharsetGetsMinusOne) {
  PairSet s = parse_pairs("hello|HI\n", "t");
  ExampleSet ex = build_examples(s.pairs, std::string("H") + '\0', Encoding::v1);
  EXPECT_EQ(ex.targets[1], -1);
}

}  // namespace z80lm
