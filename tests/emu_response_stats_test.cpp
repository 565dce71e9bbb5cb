// Tests for responses and timing statistics: synthetic timelines and a program with known intervals.
#include <gtest/gtest.h>

#include "emu/response_stats.h"
#include "emu_test_support.h"

namespace z80lm::emu {
namespace {

using testing::run_cpm;

// Builds a timeline by "printing" strings and "reading" lines at given T-states.
struct TimelineBuilder {
  ConsoleTimeline timeline;
  TimelineBuilder& print(uint64_t t, std::string_view bytes) {
    for (char c : bytes) timeline.output.push_back({t, static_cast<uint8_t>(c)});
    return *this;
  }
  TimelineBuilder& read(uint64_t t, std::string line, bool eof = false) {
    InputRequest r;
    r.t_state = t;
    r.function = 10;
    r.output_begin = timeline.output.size();
    if (!eof) print(t, line + "\r");  // the BDOS echo
    r.output_end = timeline.output.size();
    r.text = std::move(line);
    r.end_of_input = eof;
    timeline.inputs.push_back(r);
    return *this;
  }
};

TEST(ResponseStats, ChatTranscriptMeasuresOnlyTheAnswers) {
  TimelineBuilder b;
  b.print(10, "Banner\r\n").print(20, "\r\n> ").read(30, "hi");
  b.print(40, "\r\n").print(100, "H").print(200, "e").print(400, "y").print(500, "\r\n> ").read(600, "more");
  b.print(610, "\r\n")
      .print(700, "A")
      .print(800, "\r\n")
      .print(900, "B")
      .print(950, "\r\n> ")
      .read(1000, "", true);
  b.timeline.end_t_state = 1000;
  const ResponseStats stats = compute_response_stats(b.timeline);
  ASSERT_EQ(stats.responses.size(), 3u);
  EXPECT_TRUE(stats.responses[0].at_program_start);
  EXPECT_FALSE(stats.responses[0].measured);
  EXPECT_EQ(stats.responses[0].text, "Banner");
  EXPECT_EQ(stats.responses[1].prompt, "hi");
  EXPECT_EQ(stats.responses[1].text, "Hey");  // not the "> " prompt, not the echo
  EXPECT_EQ(stats.responses[1].begin_t_state, 30u);
  EXPECT_EQ(stats.responses[1].end_t_state, 600u);
  EXPECT_EQ(stats.responses[1].first_char_latency(), 70u);
  EXPECT_EQ(stats.responses[2].text, "AB");  // two lines; line breaks are not characters
  EXPECT_EQ(stats.measured_responses, 2u);
  // Intervals: 100, 200 (response 1) and 200 (response 2): median 200.
  EXPECT_EQ(stats.interval_count, 3u);
  EXPECT_DOUBLE_EQ(stats.median_char_interval, 200.0);
  EXPECT_DOUBLE_EQ(stats.mean_response_t_states, (570.0 + 400.0) / 2);
  EXPECT_EQ(stats.total_t_states, 1000u);
}

TEST(ResponseStats, OneShotProgramIsMeasuredFromProgramStart) {
  TimelineBuilder b;
  b.print(100, "O").print(300, "K").print(350, "\r\n");
  b.timeline.end_t_state = 400;
  const ResponseStats stats = compute_response_stats(b.timeline);
  ASSERT_EQ(stats.responses.size(), 1u);
  EXPECT_TRUE(stats.responses[0].measured);
  EXPECT_EQ(stats.responses[0].text, "OK");
  EXPECT_DOUBLE_EQ(stats.median_char_interval, 200.0);
  EXPECT_DOUBLE_EQ(stats.mean_response_t_states, 400.0);
}

TEST(ResponseStats, TextWithoutLineBreakBeforeAnInputIsAPrompt) {
  TimelineBuilder b;
  b.print(10, "Name? ").read(20, "Bob").print(30, "Hi Bob").read(40, "", true);
  const ResponseStats stats = compute_response_stats(b.timeline);
  EXPECT_TRUE(stats.responses.empty());
  EXPECT_EQ(stats.interval_count, 0u);
  EXPECT_NE(format_response_stats(stats, 4.0).find("no responses"), std::string::npos);
}

TEST(ResponseStats, EvenIntervalCountUsesTheMeanOfTheMiddleTwo) {
  TimelineBuilder b;
  b.print(0, "a").print(10, "b").print(40, "c").print(100, "d").print(200, "e");  // 10, 30, 60, 100
  b.timeline.end_t_state = 200;
  EXPECT_DOUBLE_EQ(compute_response_stats(b.timeline).median_char_interval, 45.0);
}

// Prompt, read a line, then print "abc" with a fixed delay loop between characters.
constexpr std::string_view kPacedProgram = R"(
        org 100h
main:   ld c,9
        ld de,prompt
        call 5
        ld c,10
        ld de,buf
        call 5
        ld c,9
        ld de,crlf
        call 5
        ld hl,text
next:   ld a,(hl)
        or a
        jr z,main
        ld e,a
        ld c,2
        push hl
        call 5
        pop hl
        inc hl
        ld b,100
wait:   djnz wait
        jr next
prompt: db 13,10,"> $"
crlf:   db 13,10,"$"
text:   db "abc",0
buf:    db 20,0
        ds 20
)";

TEST(ResponseStats, PacedProgramHasExactIntervals) {
  auto run = run_cpm(kPacedProgram, "go\n");
  EXPECT_EQ(run.result.reason, ExitReason::kEndOfInput);
  EXPECT_EQ(run.text, "\n> go\nabc\n> ");
  const ResponseStats stats = compute_response_stats(run.timeline);
  ASSERT_EQ(stats.responses.size(), 1u);
  const Response& r = stats.responses[0];
  EXPECT_EQ(r.prompt, "go");
  EXPECT_EQ(r.text, "abc");
  // From one BDOS 2 entry to the next: emulated RET 10, POP HL 10, INC HL 6, LD B,n 7,
  // DJNZ 99 x 13 + 8 = 1295, JR 12, LD A,(HL) 7, OR A 4, JR Z not taken 7, LD E,A 4, LD C,n 7,
  // PUSH HL 11, CALL 17.
  constexpr uint64_t kInterval = 10 + 10 + 6 + 7 + 1295 + 12 + 7 + 4 + 7 + 4 + 7 + 11 + 17;
  static_assert(kInterval == 1397);
  ASSERT_EQ(r.char_t_states.size(), 3u);
  EXPECT_EQ(r.char_t_states[1] - r.char_t_states[0], kInterval);
  EXPECT_EQ(r.char_t_states[2] - r.char_t_states[1], kInterval);
  EXPECT_DOUBLE_EQ(stats.median_char_interval, 1397.0);
  // From the BDOS 10 entry to the first character: RET 10, LD C 7, LD DE 10, CALL 17 (CRLF),
  // RET 10 + 2 x 10 (BDOS 9's characters), LD HL 10, LD A,(HL) 7, OR A 4, JR Z 7, LD E,A 4,
  // LD C 7, PUSH 11, CALL 17.
  EXPECT_EQ(r.first_char_latency(), 10u + 7 + 10 + 17 + 10 + 20 + 10 + 7 + 4 + 7 + 4 + 7 + 11 + 17);
  // After "c": RET 10, POP 10, INC 6, LD B 7, DJNZ 1295, JR 12, LD A 7, OR 4, JR Z taken 12,
  // then LD C 7, LD DE 10, CALL 17 (prompt), RET 10 + 4 x 10 (BDOS 9's characters), LD C 7,
  // LD DE 10, CALL 17 (next read).
  EXPECT_EQ(r.end_t_state - r.char_t_states[2],
            10u + 10 + 6 + 7 + 1295 + 12 + 7 + 4 + 12 + 7 + 10 + 17 + 10 + 40 + 7 + 10 + 17);

  const std::string report = format_response_stats(stats, 4.0);
  EXPECT_NE(report.find("median T-states between characters: 1397 (0.35 ms"), std::string::npos) << report;
  EXPECT_NE(report.find("\"go\""), std::string::npos) << report;
  EXPECT_NE(report.find("timing at 4.00 MHz"), std::string::npos) << report;
}

}  // namespace
}  // namespace z80lm::emu
