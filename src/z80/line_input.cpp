#include "z80/line_input.h"

namespace z80lm::z80 {

std::string_view line_keep_asm() {
  return R"(RL_KEEP:
        LD   A,H
        OR   A
        JR   NZ,RL_COUNT                ; 256 or more: past LINE_MAX
        LD   A,L
        CP   LINE_MAX
        JR   NC,RL_COUNT                ; past LINE_MAX: counted, not kept
        PUSH HL
        LD   BC,LINE_BUF
        ADD  HL,BC
        LD   (HL),E
        POP  HL
RL_COUNT:
        CALL INC_SAT
        LD   (LINE_LEN),HL
)";
}

std::string_view line_span_asm() {
  return R"(RL_DONE:
        LD   HL,(LINE_LEN)
        LD   A,H
        OR   A
        LD   A,L
        JR   NZ,RL_FULL
        CP   LINE_MAX
        JR   C,RL_LENGTH
RL_FULL:
        LD   A,LINE_MAX
RL_LENGTH:
        LD   B,A
        LD   HL,LINE_BUF
        RET

; INC_SAT: HL += 1, except that FFFFh stays. Clobbers A.
INC_SAT:
        INC  HL
        LD   A,H
        OR   L
        RET  NZ
        DEC  HL
        RET
)";
}

}  // namespace z80lm::z80
