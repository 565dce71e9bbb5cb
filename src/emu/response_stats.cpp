#include "emu/response_stats.h"

#include <fmt/core.h>

#include <algorithm>

namespace z80lm::emu {

namespace {

bool printable(uint8_t byte) {
  return byte >= 0x20 && byte <= 0x7E;
}
bool line_break(uint8_t byte) {
  return byte == 0x0D || byte == 0x0A;
}

// The generated characters of output[begin, end) under the rules in the header.
void collect_text(const ConsoleTimeline& timeline, size_t begin, size_t end, bool ends_in_input,
                  Response& response) {
  const auto& out = timeline.output;
  // Positions count every byte of the run; only the first output.size() were kept.
  begin = std::min(begin, out.size());
  end = std::min(end, out.size());
  size_t first = begin;
  while (first < end && !printable(out[first].byte)) ++first;
  size_t last = end;  // one past the last byte that may count
  if (ends_in_input) {
    last = first;
    for (size_t i = end; i > first; --i)
      if (line_break(out[i - 1].byte)) {
        last = i - 1;
        break;
      }
  }
  for (size_t i = first; i < last; ++i) {
    if (!printable(out[i].byte)) continue;
    response.text += static_cast<char>(out[i].byte);
    response.char_t_states.push_back(out[i].t_state);
  }
}

double median(std::vector<uint64_t> values) {
  if (values.empty()) return 0;
  const size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle), values.end());
  const auto upper = static_cast<double>(values[middle]);
  if (values.size() % 2 == 1) return upper;
  const auto lower = static_cast<double>(
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle)));
  return (lower + upper) / 2;
}

std::string quoted(const std::string& text, size_t max_length) {
  std::string shown;
  for (char c : text) {
    if (shown.size() >= max_length) {
      shown += "...";
      break;
    }
    shown += printable(static_cast<uint8_t>(c)) ? c : '.';
  }
  return "\"" + shown + "\"";
}

}  // namespace

std::vector<Response> split_responses(const ConsoleTimeline& timeline) {
  std::vector<Response> responses;
  uint64_t span_begin_t = 0;
  size_t span_begin = 0;
  const InputRequest* previous = nullptr;
  // The line typed before the span: a BDOS 10 line, or keys read one at a time (BDOS 1,
  // Spectrum keys) with BS/DEL applied, up to their CR.
  std::string typed;
  bool line_done = false;
  auto take_input = [&](const InputRequest& input) {
    if (input.function == 10) {
      typed = input.text;
      line_done = true;
      return;
    }
    for (char c : input.text) {
      if (line_done) {
        typed.clear();
        line_done = false;
      }
      if (c == '\r' || c == '\n')
        line_done = true;
      else if (c == '\b' || c == '\x7f') {
        if (!typed.empty()) typed.pop_back();
      } else
        typed += c;
    }
  };
  auto close_span = [&](uint64_t end_t, size_t end, bool ends_in_input) {
    Response response;
    response.at_program_start = previous == nullptr;
    if (previous != nullptr) response.prompt = typed;
    response.begin_t_state = span_begin_t;
    response.end_t_state = end_t;
    collect_text(timeline, span_begin, end, ends_in_input, response);
    if (!response.text.empty()) responses.push_back(std::move(response));
  };
  for (const InputRequest& input : timeline.inputs) {
    close_span(input.t_state, input.output_begin, /*ends_in_input=*/true);
    span_begin_t = input.t_state;  // the host answers in zero emulated time
    span_begin = input.output_end;
    previous = &input;
    take_input(input);
    if (input.end_of_input) return responses;
  }
  // With requests dropped, the last kept span's end is unknown: leave it out.
  if (timeline.inputs_dropped == 0)
    close_span(timeline.end_t_state, timeline.output_count(), /*ends_in_input=*/false);
  return responses;
}

ResponseStats compute_response_stats(const ConsoleTimeline& timeline) {
  ResponseStats stats;
  stats.responses = split_responses(timeline);
  stats.total_t_states = timeline.end_t_state;
  stats.output_bytes = timeline.output_count();
  stats.input_requests = timeline.input_count();
  stats.truncated = timeline.truncated();
  const bool only_start = stats.responses.size() == 1 && stats.responses[0].at_program_start;
  std::vector<uint64_t> intervals;
  uint64_t measured_t_states = 0;
  for (Response& response : stats.responses) {
    response.measured = !response.at_program_start || only_start;
    if (!response.measured) continue;
    ++stats.measured_responses;
    measured_t_states += response.t_states();
    for (size_t i = 1; i < response.char_t_states.size(); ++i)
      intervals.push_back(response.char_t_states[i] - response.char_t_states[i - 1]);
  }
  stats.interval_count = intervals.size();
  stats.median_char_interval = median(std::move(intervals));
  if (stats.measured_responses > 0)
    stats.mean_response_t_states =
        static_cast<double>(measured_t_states) / static_cast<double>(stats.measured_responses);
  return stats;
}

std::string format_response_stats(const ResponseStats& stats, double mhz) {
  const double hz = mhz * 1e6;
  auto seconds = [hz](double t_states) { return t_states / hz; };
  std::string out = fmt::format("timing at {:.2f} MHz:\n", mhz);
  out += fmt::format("  {:>3}  {:<24} {:>6} {:>14} {:>14} {:>10}\n", "#", "after input", "chars",
                     "1st char (T)", "T-states", "seconds");
  for (size_t i = 0; i < stats.responses.size(); ++i) {
    const Response& r = stats.responses[i];
    out += fmt::format("  {:>3}  {:<24} {:>6} {:>14} {:>14} {:>10.3f}{}\n", i + 1,
                       r.at_program_start ? "(program start)" : quoted(r.prompt, 18), r.text.size(),
                       r.first_char_latency(), r.t_states(), seconds(static_cast<double>(r.t_states())),
                       r.measured ? "" : "  (not measured)");
  }
  if (stats.responses.empty()) out += "  no responses: the program printed no text outside its prompts\n";
  if (stats.interval_count > 0) {
    const double interval_s = seconds(stats.median_char_interval);
    out += fmt::format(
        "median T-states between characters: {:.0f} ({:.2f} ms, {:.1f} chars/s) over {} intervals\n",
        stats.median_char_interval, interval_s * 1e3, interval_s > 0 ? 1.0 / interval_s : 0.0,
        stats.interval_count);
  }
  if (stats.measured_responses > 0)
    out += fmt::format("mean T-states per response: {:.0f} ({:.3f} s) over {} response{}\n",
                       stats.mean_response_t_states, seconds(stats.mean_response_t_states),
                       stats.measured_responses, stats.measured_responses == 1 ? "" : "s");
  if (stats.truncated)
    out += fmt::format(
        "note: the run printed {} bytes and made {} input requests; only the first {} bytes and {} requests "
        "were kept (kTimelineMaxOutputBytes, kTimelineMaxInputs), so these figures cover only those\n",
        stats.output_bytes, stats.input_requests, kTimelineMaxOutputBytes, kTimelineMaxInputs);
  out += fmt::format("whole run: {} T-states ({:.3f} s)\n", stats.total_t_states,
                     seconds(static_cast<double>(stats.total_t_states)));
  return out;
}

}  // namespace z80lm::emu
