#include "z80/chat_core.h"

#include <fmt/core.h>

#include "infer/reference.h"
#include "text/encoder.h"

namespace z80lm::z80 {

namespace {

constexpr std::string_view kCoreCode = R"(
; ======================================================================================
; chat core (chat_core.h): query span, tokenizer, context window, argmax, generate loop.
; Computes the network inputs exactly as text/encoder.h (encoding {encoding}): hashes are
; only needed modulo 256 (v2 query buckets) or 128, so they are computed modulo 256 in A.
; ======================================================================================

; QUERY_SPAN: HL = text, B = length -> HL = first non-space byte, B = bytes to hash
; (at most QUERY_MAX, trailing spaces dropped); Z set when nothing is left.
QUERY_SPAN:
        LD   A,B
        OR   A
        RET  Z                          ; nothing (left)
        LD   A,(HL)
        CP   ' '
        JR   NZ,QS_CAP
        INC  HL                         ; skip a leading space
        DEC  B
        JR   QUERY_SPAN
QS_CAP:
        LD   A,B
        CP   QUERY_MAX+1
        JR   C,QS_TRIM
        LD   B,QUERY_MAX                ; hash at most QUERY_MAX bytes
QS_TRIM:
        PUSH HL
        LD   E,B
        LD   D,0
        ADD  HL,DE                      ; one past the last byte
QS_TRIM_LOOP:
        DEC  HL
        LD   A,(HL)
        CP   ' '
        JR   NZ,QS_DONE
        DEC  B                          ; drop a trailing space (the first byte is not one)
        JR   QS_TRIM_LOOP
QS_DONE:
        POP  HL
        LD   A,B
        OR   A                          ; B >= 1: NZ
        RET

; ANSWER: HL = query span, B = its length (>= 1): generate and print the answer.
ANSWER:
        CALL TOKENIZE                   ; query buckets: NET_IN[0..N_QUERY-1]
        CALL NET_QUERY                  ; the engine may cache work on them
        CALL CTX_CLEAR
        LD   A,MAX_CHARS
GEN_LOOP:
        LD   (GEN_LEFT),A
        CALL CTX_ENCODE                 ; context buckets: NET_CTX[0..127]
        CALL NET_RUN
        CALL ARGMAX                     ; A = chosen symbol
        CP   END_INDEX
        RET  Z                          ; the end symbol: the answer is complete
        LD   E,A
        LD   D,0
        LD   HL,CHARTBL
        ADD  HL,DE
        LD   A,(HL)                     ; its byte
        PUSH AF
        CALL {put_char}
        POP  AF
        CALL CTX_PUSH                   ; it becomes context
        LD   A,(GEN_LEFT)
        DEC  A
        JR   NZ,GEN_LOOP                ; at most MAX_CHARS characters
        RET

; TOKENIZE: HL = span, B = length >= 1 -> query buckets NET_IN[0..N_QUERY-1]:
; every trigram of ' ' + folded span + ' ' {hit_rule}.
TOKENIZE:
        PUSH BC
        PUSH HL
        LD   HL,NET_IN
        LD   B,{clear_count}                      ; N_QUERY buckets (0: 256)
        CALL CLEAR_BUCKETS
        POP  HL
        POP  BC
        LD   C,' '                      ; c1: the space before the text
        LD   A,(HL)
        INC  HL
        CALL FOLD
        LD   D,A                        ; c2: the first byte
        DEC  B
        JR   Z,TOK_LAST
TOK_LOOP:
        LD   A,(HL)
        INC  HL
        CALL FOLD
        LD   E,A                        ; c3
        CALL TRIGRAM
        LD   C,D                        ; slide: c1 = c2, c2 = c3
        LD   D,E
        DJNZ TOK_LOOP
TOK_LAST:
        LD   E,' '                      ; the space after the text
; TRIGRAM: C, D, E = c1, c2, c3 -> h = (c1*31 + c2)*31 + c3: {trigram_rule}.
; Keeps BC, DE, HL.
TRIGRAM:
        LD   A,C
        CALL MUL31
        ADD  A,D
        CALL MUL31
        ADD  A,E
{trigram_tail}
; HIT: A = offset in NET_CTX's page pair (v1: the same pages as NET_IN) -> += HIT_VALUE
; (16 bits). Keeps BC, DE, HL.
HIT:
        PUSH HL
        LD   L,A
        LD   H,HIGH NET_CTX
        LD   A,(HL)
        ADD  A,HIT_VALUE
        LD   (HL),A
        JR   NC,HIT_DONE
        INC  H
        INC  (HL)                       ; carry into the high byte
HIT_DONE:
        POP  HL
        RET

; MUL31: A = A*31 modulo 256. Keeps BC, DE, HL.
MUL31:
        PUSH BC
        LD   B,A
        ADD  A,A
        ADD  A,A
        ADD  A,A
        ADD  A,A
        ADD  A,A                        ; A*32
        SUB  B                          ; A*32 - A
        POP  BC
        RET

; FOLD: 'A'..'Z' -> 'a'..'z'; every other byte unchanged.
FOLD:
        CP   'A'
        RET  C
        CP   'Z'+1
        RET  NC
        ADD  A,20h
        RET

; CLEAR_BUCKETS: HL = first bucket (low page), B = count -> zero, low and high bytes.
CLEAR_BUCKETS:
        XOR  A
CB_LOOP:
        LD   (HL),A
        INC  H
        LD   (HL),A
        DEC  H
        INC  L
        DJNZ CB_LOOP
        RET

; CTX_CLEAR: the window holds CTX_LEN spaces (nothing generated yet).
CTX_CLEAR:
        LD   HL,CTX_WIN
        LD   B,CTX_LEN
CC_LOOP:
        LD   (HL),' '
        INC  HL
        DJNZ CC_LOOP
        RET

; CTX_PUSH: A = generated byte -> the window shifts left and the folded byte enters last.
CTX_PUSH:
        CALL FOLD
        LD   HL,CTX_WIN+1
        LD   DE,CTX_WIN
        LD   BC,CTX_LEN-1
        LDIR
        LD   (DE),A
        RET

; CTX_ENCODE: context buckets NET_CTX[0..127]: for n = 1, 2, 3 and every position p with
; p + n <= CTX_LEN, h = p*7, then h = h*31 + byte for the n bytes; bucket h & 127, i.e.
; offset 128 + (h & 127) in NET_CTX's page pair.
CTX_ENCODE:
        LD   HL,NET_CTX
        LD   B,128
        CALL CLEAR_BUCKETS
        LD   C,1                        ; n = gram length
CE_LEN:
        LD   B,0                        ; p = position
CE_POS:
        LD   A,B
        ADD  A,A
        ADD  A,A
        ADD  A,A
        SUB  B                          ; h = p*7
        LD   HL,CTX_WIN
        LD   E,B
        LD   D,0
        ADD  HL,DE                      ; &window[p]
        LD   D,C                        ; n bytes to hash
CE_BYTE:
        CALL MUL31
        ADD  A,(HL)                     ; h = h*31 + byte
        INC  HL
        DEC  D
        JR   NZ,CE_BYTE
        OR   128                        ; offset 128 + (h & 127)
        CALL HIT
        INC  B
        LD   A,B
        ADD  A,C
        CP   CTX_LEN+1                  ; next position while p + n <= CTX_LEN
        JR   C,CE_POS
        INC  C
        LD   A,C
        CP   4
        JR   C,CE_LEN                   ; n = 1, 2, 3
        RET

; ARGMAX: A = index of the FIRST maximum of the N_OUT outputs at NET_OUT+OUT_FIRST.
; Values are int16 >> 2, within -8192..8191, so value - best never overflows.
ARGMAX:
        LD   HL,NET_OUT+OUT_FIRST
        LD   C,L                        ; offset of the best so far
        LD   E,(HL)
        INC  H
        LD   D,(HL)                     ; DE = best value
        DEC  H
AM_LOOP:
        INC  L                          ; next output; 0 after the last
        JR   Z,AM_DONE
        PUSH HL
        LD   A,(HL)
        INC  H
        LD   H,(HL)
        LD   L,A                        ; HL = value
        OR   A
        SBC  HL,DE                      ; value - best
        POP  HL
        JR   Z,AM_LOOP                  ; equal: the earlier one stays
        JP   M,AM_LOOP                  ; smaller
        LD   C,L                        ; greater: the new best
        LD   E,(HL)
        INC  H
        LD   D,(HL)
        DEC  H
        JR   AM_LOOP
AM_DONE:
        LD   A,C
        SUB  OUT_FIRST                  ; offset -> index
        RET
)";

}  // namespace

// v1 adds HIT_VALUE to bucket h & 127 (falling into HIT: NET_CTX shares NET_IN's pages);
// v2 marks bucket h & 255, the low byte of h, as present.
constexpr std::string_view kTrigramTailV1 =
    R"(        AND  127                        ; v1 bucket h & 127: falls into HIT)";
constexpr std::string_view kTrigramTailV2 = R"(        PUSH HL
        LD   L,A                        ; v2 bucket h & 255: the low byte
        LD   H,HIGH NET_IN
        LD   (HL),HIT_VALUE             ; present (the high byte stays 0)
        POP  HL
        RET)";

AsmPart chat_core_asm(const Model& m, const ChatCoreIo& io) {
  AsmPart part;
  const bool v1 = m.encoding == Encoding::v1;
  part.code = fmt::format(
      fmt::runtime(kCoreCode), fmt::arg("put_char", io.put_char),
      fmt::arg("encoding", encoding_name(m.encoding)),
      fmt::arg("hit_rule", v1 ? "adds HIT_VALUE to bucket h & 127" : "sets bucket h & 255 to HIT_VALUE"),
      fmt::arg("trigram_rule", v1 ? "bucket h & 127 += HIT_VALUE" : "bucket h & 255 = HIT_VALUE"),
      fmt::arg("clear_count", query_buckets(m.encoding) & 0xFF),
      fmt::arg("trigram_tail", v1 ? kTrigramTailV1 : kTrigramTailV2));
  const int n_out = m.output_size();
  part.data += "; --- chat core constants ---\n";
  part.data += equ_line("N_OUT", std::to_string(n_out), "output symbols (the charset)");
  part.data += equ_line("OUT_FIRST", std::to_string(256 - n_out), "offset of output 0 in NET_OUT");
  part.data += equ_line("END_INDEX", std::to_string(m.end_index()), "the end symbol: stop generating");
  part.data += equ_line("MAX_CHARS", std::to_string(kMaxGenerate), "longest answer");
  part.data += equ_line("QUERY_MAX", std::to_string(kQueryMaxBytes), "bytes of a query that are hashed");
  part.data += equ_line("HIT_VALUE", std::to_string(kHitValue), "added to a bucket per n-gram");
  part.data += equ_line("CTX_LEN", std::to_string(kContextLen), "generated bytes the context sees");
  part.data += equ_line("N_QUERY", std::to_string(query_buckets(m.encoding)),
                        "query buckets at NET_IN (encoding " + encoding_name(m.encoding) + ")");
  part.data += equ_line("NET_CTX", v1 ? "NET_IN+128" : "NET_CX+128", "the 128 context buckets (split pages)");
  part.data += "\n; CHARTBL: the byte printed for each output symbol (the last one is the end symbol)\n";
  part.data += "CHARTBL:\n" + db_text(m.charset);
  if (v1) {
    part.bss.push_back({"NET_IN", 512, true, "chat core: the 256 network inputs (split pages)"});
  } else {
    part.bss.push_back({"NET_IN", 512, true, "chat core: the 256 query inputs (split pages)"});
    part.bss.push_back({"NET_CX", 512, true, "chat core: the 128 context inputs at +128 (split pages)"});
  }
  part.bss.push_back(
      {"CTX_WIN", static_cast<uint32_t>(kContextLen), false, "chat core: last generated bytes"});
  part.bss.push_back({"GEN_LEFT", 1, false, "chat core: characters left to generate"});
  return part;
}

}  // namespace z80lm::z80
