#include "z80/query_columns_code.h"

#include <fmt/core.h>

namespace z80lm::z80 {

namespace {

// Encoding v3: NET_QUERY walks NET_IN's 256 query inputs, then NET_IN2's (inputs 256..511);
// the nibble columns simply continue.
constexpr std::string_view kNetQueryTailV3 = R"(JP   NZ,NQ_LOOP                 ; inputs 0..255 of a block
        LD   A,D
        CP   HIGH NET_IN2               ; Z: NET_IN2's inputs 256..511 are done too
        LD   D,HIGH NET_IN2             ; E = 0
        JP   NZ,NQ_LOOP)";

constexpr std::string_view kColumnsCode = R"(        LD   HL,{columns}
        LD   DE,NET_IN
NQ_LOOP:
        LD   A,(DE)                     ; x low
        LD   C,A
        INC  D
        LD   A,(DE)                     ; x high
        DEC  D
        LD   B,A
        OR   C
        JR   Z,NQ_SKIP
        LD   ({x}),BC
        PUSH HL
        LD   HL,0
        OR   A
        SBC  HL,BC
        LD   ({minus_x}),HL                  ; -x
        POP  HL
        PUSH DE
        LD   B,(HL)                     ; bytes of nibbles
        INC  HL
        LD   DE,{cache}+{cache_off}              ; output 0
        INC  B
        DEC  B
        CALL NZ,QCOL
        POP  DE
        JR   NQ_NEXT
NQ_SKIP:
        LD   C,(HL)                     ; x = 0 (so B = 0): skip the column
        INC  HL
        ADD  HL,BC
NQ_NEXT:
        INC  E
        {tail}
        RET

; QCOL: B (>= 1) bytes of nibbles at HL, high nibble first; DE = accumulator of output 0.
QCOL:
        LD   A,(HL)
        RRCA
        RRCA
        RRCA
        RRCA
        CALL QC_NIB
        LD   A,(HL)
        CALL QC_NIB
        INC  HL
        DJNZ QCOL
        RET
; QC_NIB: A & 0Fh = code << 2 | s: skip 4 (s + 1) outputs, or skip s and apply +1, -1, -2.
QC_NIB:
        LD   C,A
        AND  3
        BIT  3,C
        JR   NZ,QC_MINUS
        BIT  2,C
        JR   Z,QC_SKIP
        ADD  A,E
        LD   E,A
        PUSH HL
        LD   HL,({x})
        CALL QC_ACC                     ; +1: acc += x
        POP  HL
        INC  E
        RET
QC_SKIP:
        INC  A
        ADD  A,A
        ADD  A,A
        ADD  A,E
        LD   E,A
        RET
QC_MINUS:
        ADD  A,E
        LD   E,A
        PUSH HL
        LD   HL,({minus_x})
        CALL QC_ACC                     ; -1: acc -= x
        BIT  2,C
        CALL NZ,QC_ACC                  ; -2: once more
        POP  HL
        INC  E
        RET
; QC_ACC: the accumulator at DE (split pages) += HL. Keeps BC, DE, HL.
QC_ACC:
        LD   A,(DE)
        ADD  A,L
        LD   (DE),A
        INC  D
        LD   A,(DE)
        ADC  A,H
        LD   (DE),A
        DEC  D
        RET
)";

}  // namespace

std::string query_columns_code(const QueryColumnsCode& c) {
  return fmt::format(fmt::runtime(kColumnsCode), fmt::arg("columns", c.columns), fmt::arg("cache", c.cache),
                     fmt::arg("cache_off", 256 - c.n_out), fmt::arg("x", c.x), fmt::arg("minus_x", c.minus_x),
                     fmt::arg("tail", c.query_inputs == 128   ? "JP   P,NQ_LOOP                  ; inputs 0..127"
                                      : c.query_inputs == 256 ? "JP   NZ,NQ_LOOP                 ; inputs 0..255"
                                                              : kNetQueryTailV3));
}

}  // namespace z80lm::z80
