#include "emu/console_timeline.h"

namespace z80lm::emu {

void ConsoleTimeline::record_output(uint64_t t_state, uint8_t byte) {
  last_output = {t_state, byte};
  if (output.size() < kTimelineMaxOutputBytes)
    output.push_back(last_output);
  else
    ++output_dropped;
}

void ConsoleTimeline::begin_input(uint64_t t_state, uint8_t function) {
  reading_input = true;
  if (inputs.size() >= kTimelineMaxInputs) {
    ++inputs_dropped;
    return;
  }
  InputRequest request;
  request.t_state = t_state;
  request.function = function;
  request.output_begin = output_count();
  inputs.push_back(std::move(request));
}

void ConsoleTimeline::end_input(std::string text, bool end_of_input) {
  reading_input = false;
  if (inputs_dropped > 0) return;  // the open request was not kept
  InputRequest& r = inputs.back();
  r.output_end = output_count();
  r.text = std::move(text);
  r.end_of_input = end_of_input;
}

}  // namespace z80lm::emu
