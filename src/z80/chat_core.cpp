#include "z80/chat_core.h"

#include <fmt/core.h>

#include "infer/reference.h"
#include "text/encoder.h"

namespace z80lm::z80 {

namespace {

constexpr std::string_view kTrigram8 =
    R"(; TRIGRAM: C, D, E = c1, c2, c3 -> h = (c1*31 + c2)*31 + c3: {trigram_rule}.
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

)";

constexpr std::string_view kHashNote8 =
    R"(; Computes the network inputs exactly as text/encoder.h (encoding {}): hashes are
; only needed modulo 256 (v2 query buckets) or 128, so they are computed modulo 256 in A.
)";
constexpr std::string_view kHashNoteV3 =
    R"(; Computes the network inputs exactly as text/encoder.h (encoding v3): query hashes are
; needed modulo 512 (16-bit arithmetic in HL), the context's modulo 128 (computed in A).
)";

// Encoding v3: bucket h & 511 needs bit 8 of the hash, so TRIGRAM hashes in HL; buckets 0..255
// are NET_IN's, 256..511 NET_IN2's (two split-page blocks; presence: the high bytes stay 0).
constexpr std::string_view kTrigramV3 =
    R"(; TRIGRAM: C, D, E = c1, c2, c3 -> h = (c1*31 + c2)*31 + c3: bucket h & 511 = HIT_VALUE,
; buckets 0..255 at NET_IN, 256..511 at NET_IN2. Keeps BC, DE, HL.
TRIGRAM:
        PUSH HL
        LD   L,C
        LD   H,0                        ; h = c1
        LD   A,D
        CALL MUL31_ADD                  ; h = h*31 + c2
        LD   A,E
        CALL MUL31_ADD                  ; h = h*31 + c3 (bits 9..15 are not needed)
        BIT  0,H                        ; bit 8 of h: which block
        LD   H,HIGH NET_IN              ; buckets 0..255 (L = h & 255)
        JR   Z,TRI_SET
        LD   H,HIGH NET_IN2             ; buckets 256..511
TRI_SET:
        LD   (HL),HIT_VALUE             ; present (the high byte stays 0)
        POP  HL
        RET
; MUL31_ADD: HL = HL*31 + A (modulo 65536). Keeps BC, DE.
MUL31_ADD:
        PUSH DE
        LD   D,H
        LD   E,L
        ADD  HL,HL
        ADD  HL,HL
        ADD  HL,HL
        ADD  HL,HL
        ADD  HL,HL                      ; h*32
        AND  A                          ; no borrow; A kept
        SBC  HL,DE                      ; h*32 - h
        LD   E,A
        LD   D,0
        ADD  HL,DE                      ; + the byte
        POP  DE
        RET

)";
constexpr std::string_view kClearNetIn2 = R"(        LD   HL,NET_IN2
        LD   B,0                        ; NET_IN2's 256 buckets (v3)
        CALL CLEAR_BUCKETS
)";

constexpr std::string_view kCoreCode = R"(
; ======================================================================================
; chat core (chat_core.h): query span, tokenizer, context window, argmax, generate loop.
{hash_note}; ======================================================================================

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
{clear_more}        POP  HL
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
{trigram}; FOLD: 'A'..'Z' -> 'a'..'z'; every other byte unchanged.
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
; is 0 and CTX_LIST lists none (CTX_ENCODE then zeroes only the buckets it listed).
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
; the buckets the previous call hit (CTX_LIST) are zeroed, not all 128; CTX_LIST then lists
; this call's buckets, each once, CTX_HITS of them (engine.h: an engine may walk only them).
CTX_ENCODE:
        LD   A,(CTX_HITS)               ; buckets hit last time (CTX_CLEAR: none)
        OR   A
        JR   Z,CE_HASH
        LD   B,A
        LD   HL,CTX_LIST-1
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
        LD   HL,CTX_LIST                ; HL' = where the next new bucket is listed
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
        LD   DE,-CTX_LIST
        ADD  HL,DE                      ; buckets listed
        LD   A,L
        LD   (CTX_HITS),A
        EXX
        RET
; CE_STEP: A = h, HL = &byte, D = HIGH NET_CTX -> A = h*31 + byte, HL + 1, its bucket
; += HIT_VALUE, listed in CTX_LIST (HL') when it was 0. Keeps BC, D, HL'.
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

; ARGMAX: A = index of the FIRST maximum of the N_OUT outputs y = floor(v / OUT_STEP) of the
; values v at NET_OUT+OUT_FIRST (engine.h). A value beats the best so far iff v >= t, the
; threshold t = (best v AND -OUT_STEP) + OUT_STEP; DE = t + 8000h, so that unsigned compares
; order signed values, and most values are passed over on their high byte alone.
ARGMAX:
        LD   HL,NET_OUT+256+OUT_FIRST   ; the high bytes
        JR   AM_NEW                     ; output 0 is the first best
AM_LOOP:
        INC  L                          ;  4  next output; 0 after the last
        JR   Z,AM_DONE                  ;  7
        LD   A,(HL)                     ;  7  v high
        XOR  80h                        ;  7
        CP   D                          ;  4
        JR   C,AM_LOOP                  ; 12/7  v < t: y is not greater
        JR   NZ,AM_NEW                  ;  v > t
        DEC  H
        LD   A,(HL)                     ; v low
        INC  H
        CP   E
        JR   C,AM_LOOP                  ; v < t
AM_NEW:                                 ; y beats the best (or is the first): the new best
        LD   C,L
        LD   A,(HL)
        XOR  80h
        LD   D,A
        DEC  H
        LD   A,(HL)
        INC  H
        AND  100h-OUT_STEP
        ADD  A,OUT_STEP
        LD   E,A                        ; DE = t + 8000h
        JR   NC,AM_LOOP
        INC  D
        JR   NZ,AM_LOOP                 ; t > 7FFFh: no later value can beat the best
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
  const bool v3 = m.encoding == Encoding::v3;
  const std::string trigram =
      v3 ? std::string(kTrigramV3)
         : fmt::format(
               fmt::runtime(kTrigram8),
               fmt::arg("trigram_rule", v1 ? "bucket h & 127 += HIT_VALUE" : "bucket h & 255 = HIT_VALUE"),
               fmt::arg("trigram_tail", v1 ? kTrigramTailV1 : kTrigramTailV2));
  part.code = fmt::format(
      fmt::runtime(kCoreCode), fmt::arg("put_char", io.put_char),
      fmt::arg("hash_note", v3 ? std::string(kHashNoteV3)
                               : fmt::format(fmt::runtime(kHashNote8), encoding_name(m.encoding))),
      fmt::arg("hit_rule", v1   ? "adds HIT_VALUE to bucket h & 127"
                           : v3 ? "sets bucket h & 511 to HIT_VALUE"
                                : "sets bucket h & 255 to HIT_VALUE"),
      fmt::arg("clear_count", query_buckets(m.encoding) & 0xFF),
      fmt::arg("clear_more", v3 ? kClearNetIn2 : ""), fmt::arg("trigram", trigram));
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
  if (!v1) {  // the context buckets use only the upper halves of NET_CX's two pages
    part.data += equ_line("CTX_LIST", "NET_CX", "the nonzero context buckets' offsets (128 bytes)");
    part.data += equ_line("CTX_HITS", "NET_CX+256", "how many CTX_LIST lists");
  }
  part.data += "\n; CHARTBL: the byte printed for each output symbol (the last one is the end symbol)\n";
  part.data += "CHARTBL:\n" + db_text(m.charset);
  if (v1) {
    part.bss.push_back({"NET_IN", 512, true, "chat core: the 256 network inputs (split pages)"});
  } else if (v3) {
    part.bss.push_back({"NET_IN", 512, true, "chat core: query inputs 0..255 (split pages)"});
    part.bss.push_back({"NET_IN2", 512, true, "chat core: query inputs 256..511 (split pages)"});
    part.bss.push_back({"NET_CX", 512, true, "chat core: the 128 context inputs at +128 (split pages)"});
  } else {
    part.bss.push_back({"NET_IN", 512, true, "chat core: the 256 query inputs (split pages)"});
    part.bss.push_back({"NET_CX", 512, true, "chat core: the 128 context inputs at +128 (split pages)"});
  }
  part.bss.push_back(
      {"CTX_WIN", static_cast<uint32_t>(kContextLen), false, "chat core: last generated bytes"});
  part.bss.push_back({"GEN_LEFT", 1, false, "chat core: characters left to generate"});
  if (v1) {  // v2 keeps them in NET_CX's unused halves (above)
    part.bss.push_back({"CTX_HITS", 1, false, "chat core: how many context buckets CTX_LIST lists"});
    part.bss.push_back({"CTX_LIST", static_cast<uint32_t>(kContextBuckets), false,
                        "chat core: the nonzero context buckets' offsets"});
  }
  return part;
}

}  // namespace z80lm::z80
