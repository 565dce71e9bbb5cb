#include "z80/chat_core.h"

#include <fmt/core.h>

#include "infer/reference.h"
#include "text/encoder.h"

namespace z80lm::z80 {

namespace {

// The context n-grams per character (encoder.h): every one may hit a bucket of its own.
constexpr int kContextHits = 3 * kContextLen - 3;
static_assert(kContextHits == 21 && kContextHits < 256);

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

; CTX_CLEAR: the window holds CTX_LEN spaces (nothing generated yet); every context bucket
; is 0 and CTX_HITS lists none (CTX_ENCODE then zeroes only the buckets it listed).
CTX_CLEAR:
        LD   HL,CTX_WIN
        LD   B,CTX_LEN
CC_LOOP:
        LD   (HL),' '
        INC  HL
        DJNZ CC_LOOP
        LD   HL,NET_CTX
        LD   B,128
        CALL CLEAR_BUCKETS              ; A = 0
        LD   (CTX_HITS),A
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
; offset 128 + (h & 127) in NET_CTX's page pair, += HIT_VALUE. The grams of one position
; share their prefix, so each position's 1-, 2- and 3-gram are one chain of CE_STEPs. Only
; the buckets the previous call hit (CTX_HITS) are zeroed, not all 128; CTX_HITS then lists
; this call's buckets, each once (engine.h: an engine may walk only them).
CTX_ENCODE:
        LD   HL,CTX_HITS
        LD   B,(HL)                     ; buckets hit last time (CTX_CLEAR: none)
        INC  B
        DEC  B
        JR   Z,CE_HASH
        LD   D,HIGH NET_CTX
        XOR  A
CE_ZERO:
        INC  HL                         ;  6
        LD   E,(HL)                     ;  7  a bucket hit last time
        LD   (DE),A                     ;  7
        INC  D                          ;  4
        LD   (DE),A                     ;  7
        DEC  D                          ;  4
        DJNZ CE_ZERO                    ; 13
CE_HASH:
        EXX
        LD   HL,CTX_HITS+1              ; HL' = where the next new bucket is listed
        EXX
        LD   D,HIGH NET_CTX
        LD   HL,CTX_WIN                 ; &window[p]
        LD   C,0                        ; p*7
        LD   B,CTX_LEN-2                ; the positions with all three grams
CE_POS:
        PUSH HL
        LD   A,C                        ; h = p*7
        CALL CE_STEP                    ; 1-gram
        CALL CE_STEP                    ; 2-gram
        CALL CE_STEP                    ; 3-gram
        POP  HL
        INC  HL
        LD   A,C
        ADD  A,7
        LD   C,A
        DJNZ CE_POS
        PUSH HL                         ; p = CTX_LEN-2: the 1- and 2-gram
        CALL CE_STEP
        CALL CE_STEP
        POP  HL
        INC  HL
        LD   A,C
        ADD  A,7                        ; p = CTX_LEN-1: the 1-gram
        CALL CE_STEP
        EXX
        LD   DE,-(CTX_HITS+1)
        ADD  HL,DE                      ; buckets listed
        LD   A,L
        LD   (CTX_HITS),A
        EXX
        RET
; CE_STEP: A = h, HL = &byte, D = HIGH NET_CTX -> A = h*31 + byte, HL + 1, its bucket
; += HIT_VALUE, listed in CTX_HITS (HL') when it was 0. Keeps BC, D, HL'.
CE_STEP:
        LD   E,A                        ;  4
        ADD  A,A                        ;  4
        ADD  A,A                        ;  4
        ADD  A,A                        ;  4
        ADD  A,A                        ;  4
        ADD  A,A                        ;  4  h*32
        SUB  E                          ;  4  h*31
        ADD  A,(HL)                     ;  7  + byte
        INC  HL                         ;  6
        LD   E,A                        ;  4
        SET  7,E                        ;  8  offset 128 + (h & 127)
        EX   AF,AF'                     ;  4  keep h
        LD   A,(DE)                     ;  7
        ADD  A,HIT_VALUE                ;  7
        LD   (DE),A                     ;  7
        JR   C,CE_CARRY                 ;  7  into the high byte: rare
        CP   HIT_VALUE                  ;  7
        JR   Z,CE_NEW                   ;  7  low byte was 0: the bucket may have been 0
CE_STEP_END:
        EX   AF,AF'                     ;  4
        RET                             ; 10
CE_CARRY:
        INC  D
        LD   A,(DE)
        INC  A
        LD   (DE),A                     ; not listed: the low byte was not 0
        DEC  D
        EX   AF,AF'
        RET
CE_NEW:
        INC  D
        LD   A,(DE)                     ; the high byte
        DEC  D
        OR   A
        JR   NZ,CE_STEP_END             ; 256 or 512 before: listed already
        LD   A,E
        EXX
        LD   (HL),A                     ; list the bucket
        INC  HL
        EXX
        EX   AF,AF'
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
    R"(        AND  127                        ; v1 bucket h & 127: falls into HIT
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
        RET)";
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
  part.bss.push_back({"CTX_HITS", static_cast<uint32_t>(1 + kContextHits), false,
                      "chat core: the context buckets hit (count, then their offsets)"});
  return part;
}

}  // namespace z80lm::z80
