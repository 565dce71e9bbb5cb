#include "z80/engine_fast.h"

#include <fmt/core.h>

#include "model/z80_limits.h"
#include "z80/fast_records.h"

namespace z80lm::z80 {

namespace {

constexpr int kQueryInputs = 128;  // NET_IN buckets 0..127: fixed for a whole response
constexpr int kUnroll = 8;         // slots per pass of an add/subtract loop
constexpr int kSlotBytes = 7;      // LD E,(HL) / INC HL / LD A,(DE) / op A,C / LD (DE),A / JR C,e

// Where layer k keeps its accumulators: NET_A, NET_B, NET_A, ...
std::string buffer_of(size_t k) {
  return k % 2 == 0 ? "NET_A" : "NET_B";
}

// The add or subtract list routine: ADD_LIST / SUB_LIST, slots, out-of-line carry fixes.
struct ListOp {
  std::string_view name;     // ADD or SUB
  std::string_view op;       // ADD A,C or SUB C
  std::string_view fix;      // INC A or DEC A: the carry or borrow into the high byte
  std::string_view meaning;  // for comments
};

constexpr ListOp kAdd{"ADD", "ADD  A,C", "INC  A", "+= x"};
constexpr ListOp kSub{"SUB", "SUB  C  ", "DEC  A", "-= x"};

std::string list_routine(const ListOp& o) {
  std::string out = fmt::format(
      R"(
; {0}_LIST: acc[e] {1} for each of A entries e at HL (Duff's device, {2} slots per pass).
; In: A = count 0..253, HL = entries, D = low page of the accumulators (high page D+1),
; C = x (1..255). Out: HL after the entries, B = 0 unless A = 0. Keeps C, D.
{0}_LIST:
        OR   A                          ;  4
        RET  Z                          ; 5/11  no entries
        DEC  A                          ;  4
        LD   B,A                        ;  4
        CPL                             ;  4
        AND  7                          ;  7  7 - (count-1) mod 8: slots to skip
        LD   E,A                        ;  4
        ADD  A,A                        ;  4
        ADD  A,A                        ;  4
        ADD  A,A                        ;  4
        SUB  E                          ;  4  times {3} bytes per slot
        LD   ({0}_JR+1),A               ; 13  the entry: a relative jump (self-modifying)
        SRL  B                          ;  8
        SRL  B                          ;  8
        SRL  B                          ;  8
        INC  B                          ;  4  passes = ceil(count / 8)
{0}_JR:
        JR   {0}_S0                     ; 12  patched above
)",
      o.name, o.meaning, kUnroll, kSlotBytes);
  for (int s = 0; s < kUnroll; ++s)
    out += fmt::format(
        R"({0}_S{1}:
        LD   E,(HL)                     ;  7  entry: accumulator offset
        INC  HL                         ;  6
        LD   A,(DE)                     ;  7  low byte
        {2}                       ;  4
        LD   (DE),A                     ;  7
        JR   C,{0}_F{1}                   ; 7/12  carry into the high byte: rare
)",
        o.name, s, o.op);
  out += fmt::format("{0}_N{1}:\n        DJNZ {0}_S0                     ; 13/8\n        RET\n", o.name,
                     kUnroll - 1);
  for (int s = 0; s < kUnroll; ++s) {
    const std::string back =
        s + 1 < kUnroll ? fmt::format("{}_S{}", o.name, s + 1) : fmt::format("{}_N{}", o.name, s);
    out += fmt::format(
        R"({0}_F{1}:
        INC  D                          ;  4  high page
        LD   A,(DE)                     ;  7
        {2}                         ;  4
        LD   (DE),A                     ;  7
        DEC  D                          ;  4
        JP   {3}                   ; 10
)",
        o.name, s, o.fix, back);
  }
  return out;
}

// x >= 256 or x < 0 (never from the chat core's context, rare in hidden layers): the low bytes
// with carries as above (when x low != 0), then x high added to or subtracted from the high bytes.
std::string wide_routine(const ListOp& o) {
  return fmt::format(
      R"(
; WIDE_{0}: acc[e] {1} for each of A entries e at HL, any 16-bit x in FX_XLO/FX_XHI.
WIDE_{0}:
        OR   A
        RET  Z
        PUSH HL                         ; the entries again, for the high bytes
        PUSH AF                         ; the count
        LD   B,A
        LD   A,(FX_XLO)
        OR   A
        JR   Z,WIDE_{0}_HIGH              ; x low = 0: the low bytes do not change
        LD   C,A
        LD   A,B
        CALL {0}_LIST
WIDE_{0}_HIGH:
        POP  BC                         ; B = count
        POP  HL
        LD   A,(FX_XHI)
        LD   C,A
        INC  D                          ; high page
WIDE_{0}_LOOP:
        LD   E,(HL)
        INC  HL
        LD   A,(DE)
        {2}
        LD   (DE),A
        DJNZ WIDE_{0}_LOOP
        DEC  D
        RET
)",
      o.name, o.meaning, o.op);
}

constexpr std::string_view kColumn = R"(
; ======================================================================================
; fast engine (engine_fast.h): index lists, layer 1's query half cached per response.
; A record (fast_records.h): [L][P] P plus entries, M = L-2-P minus entries (-2 twice);
; an entry is the offset of an accumulator in its split page (low bytes; high bytes +256).
; ======================================================================================

; COLUMN: one nonzero input x: acc[plus] += x, acc[minus] -= x.
; In: HL = record, D = low page of the accumulators, A = x high, C = x low (x != 0).
; Out: HL = next record. Clobbers AF, AF', BC, DE.
COLUMN:
        OR   A                          ;  4  x high
        JP   NZ,COL_WIDE                ; 10  x >= 256 or negative: two passes
        LD   A,(HL)                     ;  7  L
        INC  HL                         ;  6
        SUB  (HL)                       ;  7  L - P
        SUB  2                          ;  7  M
        EX   AF,AF'                     ;  4
        LD   A,(HL)                     ;  7  P
        INC  HL                         ;  6
        CALL ADD_LIST                   ; 17
        EX   AF,AF'                     ;  4
        JP   SUB_LIST                   ; 10  returns to COLUMN's caller

COL_WIDE:
        LD   (FX_XHI),A
        LD   A,C
        LD   (FX_XLO),A
        LD   A,(HL)                     ; L
        INC  HL
        SUB  (HL)
        SUB  2
        LD   (FX_NMINUS),A              ; M
        LD   A,(HL)                     ; P
        INC  HL
        CALL WIDE_ADD
        LD   A,(FX_NMINUS)
        JP   WIDE_SUB
)";

// A walk over raw int16 inputs in NET_IN (the query or the context half of layer 1).
std::string input_walk(std::string_view label, int first, std::string_view records, std::string_view target,
                       bool last_wraps) {
  return fmt::format(
      R"(
; {0}: for each input x = NET_IN[{1}..]: x = 0 skips its record, else COLUMN into {3}.
        LD   HL,{2}
        LD   DE,NET_IN+{1}
        LD   B,0                        ; B = 0 while walking: BC = a record's length
{0}_LOOP:
        LD   A,(DE)                     ;  7  x low
        INC  D                          ;  4
        EX   DE,HL                      ;  4
        OR   (HL)                       ;  7  | x high
        EX   DE,HL                      ;  4
        JR   NZ,{0}_USE                 ; 12/7
        DEC  D                          ;  4
        LD   C,(HL)                     ;  7  x = 0: skip the record
        ADD  HL,BC                      ; 11
{0}_NEXT:
        INC  E                          ;  4
        JP   {4},{0}_LOOP               ; 10
        JP   {0}_DONE
{0}_USE:
        PUSH DE
        LD   A,(DE)                     ; x high
        DEC  D
        EX   DE,HL
        LD   C,(HL)                     ; x low
        EX   DE,HL
        LD   D,HIGH {3}
        CALL COLUMN
        POP  DE
        DEC  D
        LD   B,0
        JP   {0}_NEXT
{0}_DONE:
)",
      label, first, records, target, last_wraps ? "NZ" : "P");
}

// Layer k+1 (0-based k+1 = next) from layer k's accumulators: ReLU and >> 2 on the fly.
std::string hidden_walk(size_t k, int n_prev, int n_next) {
  const std::string src = buffer_of(k), dst = buffer_of(k + 1);
  const std::string w = fmt::format("W{}", k + 2);
  std::string out = fmt::format(
      R"(
; --- layer {0} ({1} -> {2}): accumulators = biases, then each output y of layer {3} (ReLU, >> 2):
; y = 0 skips its record, else COLUMN with x = y into {4}.
)",
      k + 2, n_prev, n_next, k + 1, dst);
  out += fmt::format(
      "        LD   HL,L{0}_BIAS\n        LD   DE,{1}+{2}\n        LD   BC,{3}\n        LDIR\n"
      "        LD   HL,L{0}_BIAS+{3}\n        LD   DE,{1}+{4}\n        LD   BC,{3}\n        LDIR\n",
      k + 2, dst, 256 - n_next, n_next, 512 - n_next);
  out += fmt::format(
      R"(        LD   HL,L{0}_REC
        LD   DE,{1}+{2}                ; high bytes of layer {3}
{4}_LOOP:
        LD   A,(DE)                     ;  7  acc high
        ADD  A,A                        ;  4  carry: negative
        JR   NC,{4}_NNEG                ; 7/12
{4}_SKIP:
        LD   C,(HL)                     ;  7  y = 0: skip the record (B = 0)
        ADD  HL,BC                      ; 11
        INC  E                          ;  4
        JP   NZ,{4}_LOOP                ; 10
        JP   {4}_DONE
{4}_NNEG:
        JR   NZ,{4}_USE                 ; acc >= 256
        DEC  D
        LD   A,(DE)                     ; acc low (high = 0)
        INC  D
        CP   4
        JR   C,{4}_SKIP                 ; 0..3 >> 2 = 0
{4}_USE:
        PUSH DE
        LD   A,(DE)                     ; acc high
        DEC  D
        EX   DE,HL
        LD   C,(HL)                     ; acc low
        EX   DE,HL
        SRL  A
        RR   C
        SRL  A
        RR   C                          ; A:C = y = acc >> 2 >= 1
        LD   D,HIGH {5}
        CALL COLUMN
        POP  DE
        LD   B,0
        INC  E
        JP   NZ,{4}_LOOP
{4}_DONE:
)",
      k + 2, src, 512 - n_prev, k + 1, w, dst);
  return out;
}

std::string copy_vector(std::string_view from, std::string_view to, int n) {
  return fmt::format(
      "        LD   HL,{0}+{2}\n        LD   DE,{1}+{2}\n        LD   BC,{3}\n        LDIR\n"
      "        LD   HL,{0}+{4}\n        LD   DE,{1}+{4}\n        LD   BC,{3}\n        LDIR\n",
      from, to, 256 - n, n, 512 - n);
}

std::string engine_code(const Model& m) {
  const size_t n_layers = m.layers.size();
  const int n1 = m.layers[0].n_out;
  std::string out(kColumn);
  out += list_routine(kAdd) + list_routine(kSub) + wide_routine(kAdd) + wide_routine(kSub);

  out += R"(
; NET_QUERY: the query half of layer 1, once per response: QCACHE = biases + sum over 0..127.
NET_QUERY:
)";
  out += fmt::format(
      "        LD   HL,L1_BIAS\n        LD   DE,QCACHE+{0}\n        LD   BC,{1}\n        LDIR\n"
      "        LD   HL,L1_BIAS+{1}\n        LD   DE,QCACHE+{2}\n        LD   BC,{1}\n        LDIR\n",
      256 - n1, n1, 512 - n1);
  out += input_walk("WQ", 0, "L1_QREC", "QCACHE", false);
  out += "        RET\n";

  out += R"(
; NET_RUN: layer 1 = the cached query half + the context half, then every further layer.
NET_RUN:
)";
  out += copy_vector("QCACHE", "NET_A", n1);
  out += input_walk("WC", kQueryInputs, "L1_CREC", "NET_A", true);
  for (size_t k = 0; k + 1 < n_layers; ++k)
    out += hidden_walk(k, m.layers[k].n_out, m.layers[k + 1].n_out);
  const int n_out = m.layers.back().n_out;
  out += fmt::format(
      R"(
; --- the output layer: y = acc >> 2 (rounded down, no ReLU), in place at NET_OUT
        LD   HL,NET_OUT+{0}
FIN_LOOP:
        LD   E,(HL)                     ;  7
        INC  H                          ;  4
        LD   D,(HL)                     ;  7
        SRA  D                          ;  8
        RR   E                          ;  8
        SRA  D                          ;  8
        RR   E                          ;  8
        LD   (HL),D                     ;  7
        DEC  H                          ;  4
        LD   (HL),E                     ;  7
        INC  L                          ;  4
        JR   NZ,FIN_LOOP                ; 12/7
        RET
)",
      256 - n_out);
  return out;
}

std::vector<uint8_t> split_biases(const Layer& layer) {
  std::vector<uint8_t> bias(2 * static_cast<size_t>(layer.n_out));
  for (int o = 0; o < layer.n_out; ++o) {
    const auto v = static_cast<uint16_t>(layer.b[o]);
    bias[o] = static_cast<uint8_t>(v & 0xFF);
    bias[layer.n_out + o] = static_cast<uint8_t>(v >> 8);
  }
  return bias;
}

}  // namespace

std::string FastEngine::problem(const Model& m) const {
  if (std::string p = z80_shape_problem(m.hidden_sizes(), m.output_size()); !p.empty()) return p;
  return fast_records_problem(m);
}

uint32_t FastEngine::model_bytes(const Model& m) const {
  uint32_t bytes = 0;
  for (size_t k = 0; k < m.layers.size(); ++k) {
    const Layer& layer = m.layers[k];
    bytes += static_cast<uint32_t>(2 * layer.n_out);
    for (int i = 0; i < layer.n_in; ++i)
      bytes += static_cast<uint32_t>(kFastRecordHeaderBytes + fast_record_entries(layer, i));
  }
  return bytes;
}

AsmPart FastEngine::generate(const Model& m) const {
  AsmPart part;
  part.code = engine_code(m);
  const size_t n_layers = m.layers.size();
  part.data += "; --- fast engine data: biases and records (fast_records.h) ---\n";
  part.data += equ_line("NET_OUT", buffer_of(n_layers - 1), "the last layer's outputs");
  part.data += "FX_MODEL:\n";
  for (size_t k = 0; k < n_layers; ++k) {
    const Layer& layer = m.layers[k];
    part.data += fmt::format("\n; layer {}: {} -> {}{}; biases: {} low bytes, then {} high bytes\n", k + 1,
                             layer.n_in, layer.n_out, k + 1 < n_layers ? ", ReLU" : ", output", layer.n_out,
                             layer.n_out);
    part.data += db_lines(split_biases(layer), fmt::format("L{}_BIAS", k + 1));
    if (k == 0) {
      part.data += "; layer 1 records of the query inputs 0..127 (used by NET_QUERY)\n";
      part.data += db_lines(fast_records(layer, 0, kQueryInputs), "L1_QREC");
      part.data += "; layer 1 records of the context inputs 128..255\n";
      part.data += db_lines(fast_records(layer, kQueryInputs, layer.n_in - kQueryInputs), "L1_CREC");
    } else {
      part.data += fmt::format("; layer {} records, one per input\n", k + 1);
      part.data += db_lines(fast_records(layer, 0, layer.n_in), fmt::format("L{}_REC", k + 1));
    }
  }
  part.bss.push_back({"FX_XLO", 1, false, "fast engine: x low byte (wide path)"});
  part.bss.push_back({"FX_XHI", 1, false, "fast engine: x high byte (wide path)"});
  part.bss.push_back({"FX_NMINUS", 1, false, "fast engine: minus entries left (wide path)"});
  part.bss.push_back({"QCACHE", 512, true, "fast engine: layer 1 over the query (split pages)"});
  part.bss.push_back({"NET_A", 512, true, "fast engine: accumulators of layers 1, 3, ... (split pages)"});
  if (n_layers > 1)
    part.bss.push_back({"NET_B", 512, true, "fast engine: accumulators of layers 2, 4, ... (split pages)"});
  return part;
}

}  // namespace z80lm::z80
