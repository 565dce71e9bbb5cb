#include "z80/engine_fast.h"

#include <fmt/core.h>

#include <algorithm>
#include <optional>

#include "model/z80_limits.h"
#include "z80/fast_query_columns.h"
#include "z80/fast_records.h"
#include "z80/query_columns_code.h"

namespace z80lm::z80 {

namespace {

// Layer 1's query inputs (NET_IN, v3 also NET_IN2; fixed for a whole response): 128 (v1),
// 256 (v2) or 512 (v3); the context inputs follow them (NET_CTX).
int query_inputs(const Model& m) {
  return query_buckets(m.encoding);
}

// How the lists are read: SP streaming (POP, two entries per 10 T-states; interrupts disabled
// during NET_RUN) or portable (LD E,(HL) / INC HL).
struct Flavor {
  bool sp = false;
  int table_budget = kFastTableBudget;  // bytes the walks' pointer tables may take
};

// Where layer k keeps its accumulators: NET_A, NET_B, NET_A, ...
std::string buffer_of(size_t k) {
  return k % 2 == 0 ? "NET_A" : "NET_B";
}

// One list operation of the unrolled loops: acc += x (plus entries) or acc -= x (minus).
struct ListOp {
  std::string_view name;   // ADD or SUB
  std::string_view alu;    // the low byte: ADD A,C or SUB C
  std::string_view carry;  // the high byte on a carry or borrow: INC or DEC
  int stub_offset;         // its stubs in FX_STUBS
};

constexpr ListOp kAdd{"ADD", "ADD  A,C", "INC", 0};
constexpr ListOp kSub{"SUB", "SUB  C  ", "DEC", 256};

// The bytes between two stubs: 16, so that a count byte's top 4 bits are the stub's low byte as
// they are (no shift in the dispatch); ADD's stubs fill one page, SUB's the next.
constexpr int kStubBytes = 16;

// kFastFarMarker's slots to skip: its ADD stub checks for no passes (a far record).
constexpr int kFarSlot = kFastFarMarker >> 4;
static_assert(kFarSlot % 2 == 0, "the far stub has no DEC SP / POP DE before its jump");

// The accumulators of hidden layers 2, 3, ... start at bias + 128 (and their walks subtract it):
// a random walk of +-x from the middle of the low byte's range carries into the high byte less
// often than one from a small bias near 0 or 0FFh (tinychat, per evaluation: layer 2 75 instead
// of 261 carries, layer 3 275 instead of 350). Not layer 1: its values cluster near 0, so more of
// them would need their low byte tested by the walk (209 instead of 60) than carries saved;
// not the output layer, where the saving is smaller than the extra subtraction.
constexpr int kCenter = 128;

int center_of(const Model& m, size_t k) {
  return k > 0 && k + 1 < m.layers.size() ? kCenter : 0;
}

// The high byte every stored bias (bias + centre) of layer k shares, if they all share one (the
// trained examples' biases are small): then only the low bytes are stored and the high bytes of
// the accumulators are filled (FX_FILL, 12 T-states a byte instead of LDI's 16.6). Not for
// layer 1, whose biases are copied once per response.
std::optional<uint8_t> common_bias_high(const Model& m, size_t k) {
  if (k == 0) return std::nullopt;
  const Layer& layer = m.layers[k];
  const auto high = [&](int o) {
    return static_cast<uint8_t>(static_cast<uint16_t>(layer.b[o] + center_of(m, k)) >> 8);
  };
  for (int o = 1; o < layer.n_out; ++o)
    if (high(o) != high(0)) return std::nullopt;
  return high(0);
}

// Pointer tables: the walk over layer k's values (k = 0 .. layers - 2) may find layer k+1's
// records through a table (W<k+2>_T, two pages: the address of input i's record's Mc, low byte at
// offset 256 - n + i of the first page, high byte at the same offset of the second), so that a
// zero value costs only its test: no record skip. Tables are given to the walks in layer order
// while all of them take at most the engine's table budget (kFastTableBudget unless given) (the examples' 384 -> 192 -> 192 -> 128: all
// three walks, 1,024 bytes; their programs keep fitting a 40K CP/M TPA). A tabled layer's records
// lose their L byte (lean: n bytes back), unless the layer has a far record (whose offset counts
// from its L). The first 256 - n bytes of both pages hold records of that layer (first fit;
// padding where none fits, and none in a block with a far record, whose offsets count on the
// block's order).
std::vector<bool> tabled_walks(const Model& m, int budget) {
  std::vector<bool> tabled(m.layers.size(), false);
  int bytes = 0;
  for (size_t k = 0; k + 1 < m.layers.size(); ++k)
    if (const int need = 2 * m.layers[k + 1].n_in; bytes + need <= budget) {
      tabled[k] = true;
      bytes += need;
    }
  return tabled;
}

// A layer's records one by one, then the far bodies after them (fast_records.h).
// With no far record the block is lean: the records without their L byte (a table finds them).
struct RecordBlock {
  std::vector<std::vector<uint8_t>> records;
  std::vector<uint8_t> tail;
  bool far = false;
};

RecordBlock record_block(const Layer& layer) {
  const std::vector<uint8_t> bytes = fast_records(layer, 0, layer.n_in);
  RecordBlock b;
  size_t at = 0;
  for (int i = 0; i < layer.n_in; ++i) {
    const size_t len = bytes[at];
    b.records.emplace_back(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                           bytes.begin() + static_cast<std::ptrdiff_t>(at + len));
    if (bytes[at + 2] == kFastFarMarker) b.far = true;
    at += len;
  }
  b.tail.assign(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.end());
  if (!b.far)
    for (std::vector<uint8_t>& r : b.records) r.erase(r.begin());
  return b;
}

// Which records fill the two gaps in front of a table's halves (first fit), and the padding left.
struct TableLayout {
  std::vector<int> gap[2];
  std::vector<bool> moved;
  int padding = 0;
};

TableLayout table_layout(const RecordBlock& b) {
  TableLayout t;
  const int n = static_cast<int>(b.records.size()), room = 256 - n;
  t.moved.assign(b.records.size(), false);
  int used[2] = {0, 0};
  if (!b.far)
    for (int i = 0; i < n; ++i)
      for (int g = 0; g < 2; ++g)
        if (const auto len = static_cast<int>(b.records[static_cast<size_t>(i)].size());
            used[g] + len <= room) {
          t.gap[g].push_back(i);
          t.moved[static_cast<size_t>(i)] = true;
          used[g] += len;
          break;
        }
  t.padding = 2 * room - used[0] - used[1];
  return t;
}

// The tables of the tabled walks, page-aligned (they follow FX_CPTR), records in their gaps.
std::string pointer_tables(const Model& m, int budget) {
  const std::vector<bool> tabled = tabled_walks(m, budget);
  std::string out;
  for (size_t k = 0; k + 1 < m.layers.size(); ++k) {
    if (!tabled[k]) continue;
    const int w = static_cast<int>(k) + 2;
    const RecordBlock b = record_block(m.layers[k + 1]);
    const TableLayout t = table_layout(b);
    const int n = static_cast<int>(b.records.size());
    out += fmt::format(
        "\n; W{0}_T: layer {0}'s records by input i: low bytes at W{0}_T+{1}+i, high bytes 256 higher;\n"
        "; in front of each half, records of layer {0}\nW{0}_T:\n",
        w, 256 - n);
    for (int g = 0; g < 2; ++g) {
      int used = 0;
      for (int i : t.gap[g]) {
        out += db_lines(b.records[static_cast<size_t>(i)], fmt::format("L{}_R{}", w, i));
        used += static_cast<int>(b.records[static_cast<size_t>(i)].size());
      }
      if (used < 256 - n) out += fmt::format("        DS   {}\n", 256 - n - used);
      for (int j = 0; j < n; j += 8) {
        out += "        DB   ";
        for (int i = j; i < std::min(n, j + 8); ++i)
          out += fmt::format("{}{} (L{}_R{}{})", i > j ? "," : "", g == 0 ? "LOW" : "HIGH", w, i,
                             b.far ? "+1" : "");
        out += "\n";
      }
    }
  }
  return out + "FX_TEND:\n";
}

// The label of slot s of an operation's unrolled loop.
std::string slot_label(const ListOp& o, Flavor f, int s) {
  if (f.sp) return fmt::format("{}_{}{}", o.name, s % 2 == 0 ? "P" : "Q", s / 2);
  return fmt::format("{}_S{}", o.name, s);
}

// The stub table: a count byte's top 4 bits (slots to skip in the first pass) pick one of 16
// entries per operation, 16 bytes apart in one page each, so the dispatch patches the low byte of a
// JP with the count byte's top 4 bits as they are.
std::string stub_table(Flavor f) {
  std::string out = R"(
; FX_STUBS: entries of the unrolled loops, 16 bytes apart: ADD at +16s, SUB at +256+16s, where
; s = slots to skip in the first pass (a count byte's top 4 bits, fast_records.h).
        DS   (-$) AND 255               ; page-aligned: the dispatch patches a low byte only
FX_STUBS:
)";
  for (const ListOp* o : {&kAdd, &kSub}) {
    for (int s = 0; s < kFastPass; ++s) {
      std::string stub;
      int bytes = 0;
      // s = 0 with no passes: an empty list; s = 14 with none: a far record (fast_records.h).
      if (s == 0 || (s == kFarSlot && o == &kAdd)) {
        stub = fmt::format(
            "        INC  B                          ;  4\n        DEC  B                          ;  4\n"
            "        JP   Z,{}                 ; 10  {}\n",
            s == 0 ? fmt::format("{}_END", o->name) : "ADD_FAR", s == 0 ? "no entries" : "a far record");
        bytes = 5;
      }
      if (f.sp && s % 2 == 1) {
        stub += fmt::format(
            "        DEC  SP                         ;  6  odd: the first entry comes in D\n"
            "        POP  DE                         ; 10\n        JP   {}                   ; 10\n",
            slot_label(*o, f, s));
        bytes += 5;
      } else {
        stub += fmt::format("        JP   {}                   ; 10\n", slot_label(*o, f, s));
        bytes += 3;
      }
      out += stub;
      out += fmt::format("        DS   {}\n", kStubBytes - bytes);
    }
  }
  return out;
}

// Dispatch of a count byte in register `reg` (A, D or E): B = passes, JP to the stub. The low
// nibble (passes) comes from AND 0Fh, the high nibble from XOR with the count byte itself; from A
// the count byte is kept in E (free before a list: its entries come later).
std::string dispatch(const ListOp& o, std::string_view label, std::string_view reg) {
  std::string out;
  std::string count(reg);
  if (reg == "A") {
    out += "        LD   E,A                        ;  4  the count byte\n";
    count = "E";
  } else {
    out += fmt::format("        LD   A,{}                        ;  4\n", reg);
  }
  out += fmt::format(
      R"(        AND  0Fh                        ;  7
        LD   B,A                        ;  4  passes of 16 entries
        XOR  {0}                          ;  4  16 * slots to skip: the stub's low byte
        LD   ({1}+1),A                  ; 13  self-modifying
{1}:
        JP   FX_STUBS{2}               ; 10  patched above
)",
      count, label, o.stub_offset ? fmt::format("+{}", o.stub_offset) : "    ");
  return out;
}

// The unrolled loop of one operation, 16 entries per pass; the out-of-line carry fixes of the
// first 8 slots come before it and those of the last 8 after it, within reach of every JR C.
// `after` runs when the list is done.
std::string list_loop(const ListOp& o, Flavor f, std::string_view after) {
  auto fix = [&](int s) {
    const std::string back = s + 1 < kFastPass ? slot_label(o, f, s + 1) : fmt::format("{}_N", o.name);
    if (f.sp)
      return fmt::format(
          "{0}_F{1}:\n        INC  H                          ;  4  high page\n"
          "        {2}  (HL)                     ; 11\n        DEC  H                          ;  4\n"
          "        JP   {3}                   ; 10\n",
          o.name, s, o.carry, back);
    return fmt::format(
        "{0}_F{1}:\n        INC  D                          ;  4  high page\n"
        "        LD   A,(DE)                     ;  7\n        {2}  A                          ;  4\n"
        "        LD   (DE),A                     ;  7\n        DEC  D                          ;  4\n"
        "        JP   {3}                   ; 10\n",
        o.name, s, o.carry, back);
  };
  std::string out;
  for (int s = 0; s < kFastPass / 2; ++s) out += fix(s);
  for (int s = 0; s < kFastPass; ++s) {
    out += slot_label(o, f, s) + ":\n";
    if (f.sp) {
      if (s % 2 == 0) out += "        POP  DE                         ; 10  two entries: E, then D\n";
      out += fmt::format(
          "        LD   L,{0}                        ;  4  entry: accumulator offset\n"
          "        LD   A,(HL)                     ;  7  low byte\n"
          "        {1}                       ;  4\n"
          "        LD   (HL),A                     ;  7\n"
          "        JR   C,{2}_F{3}                   ; 7/12  carry into the high byte: rare\n",
          s % 2 == 0 ? "E" : "D", o.alu, o.name, s);
    } else {
      out += fmt::format(
          "        LD   E,(HL)                     ;  7  entry: accumulator offset\n"
          "        INC  HL                         ;  6\n"
          "        LD   A,(DE)                     ;  7  low byte\n"
          "        {0}                       ;  4\n"
          "        LD   (DE),A                     ;  7\n"
          "        JR   C,{1}_F{2}                   ; 7/12  carry into the high byte: rare\n",
          o.alu, o.name, s);
    }
  }
  out += fmt::format("{0}_N:\n        DJNZ {1}                     ; 13/8\n{0}_END:\n", o.name,
                     slot_label(o, f, 0));
  out += after;
  for (int s = kFastPass / 2; s < kFastPass; ++s) out += fix(s);
  return out;
}

std::string list_code(Flavor f, const std::string& table) {
  std::string out = fmt::format(
      R"(
; ======================================================================================
; fast engine (engine_fast.h), {}: index lists (fast_records.h), layer 1's query half
; cached per response, hidden layers consumed as they are finished.
; A record: [L][Mc][Pc], P plus entries, M minus entries (a -2 weight twice); an entry is the
; offset of an accumulator in its split page (low bytes; the high bytes are 256 higher).
; Accumulators of hidden layers 2, 3, ... hold their value + {} (see the walks).
; ======================================================================================

; The lists of one input x (1..255) run from a walk's dispatch: {}, C = x,
; {}, A' = the minus count byte; they end with JP (IX).
)",
      f.sp ? "SP streaming" : "portable", kCenter, f.sp ? "SP at the plus entries" : "HL at the plus entries",
      f.sp ? "H = low page of the accumulators" : "D = low page of the accumulators");
  out += stub_table(f);
  out += table;
  out += list_loop(kAdd, f,
                   "        EX   AF,AF'                     ;  4  the minus list's count byte\n" +
                       dispatch(kSub, "SUB_JP", "A"));
  out += list_loop(kSub, f, "        JP   (IX)                       ;  8  back to the walk\n");
  out += f.sp ? R"(
; ADD_FAR: a far record (fast_records.h), from its stub: SP at its offset, C = x, H = the page.
; COLG reads it, on a real stack; then back to the walk.
ADD_FAR:
        LD   D,H                        ; the page
        LD   HL,-3
        ADD  HL,SP                      ; the record
        LD   SP,(FX_SP)
        XOR  A                          ; x high = 0
        CALL COLG
        LD   H,D                        ; the page register of the lists again
        JP   (IX)
)"
              : R"(
; ADD_FAR: a far record (fast_records.h), from its stub: HL at its offset, C = x, D = the page.
; COLG reads it; then back to the walk.
ADD_FAR:
        DEC  HL
        DEC  HL
        DEC  HL                         ; the record
        XOR  A                          ; x high = 0
        CALL COLG
        JP   (IX)
)";
  return out;
}

// Shared by both flavours (uses the stack): NET_QUERY's columns, any x the fast lists cannot
// take (x >= 256 or negative), and block copies.
constexpr std::string_view kGeneralCode = R"(
; COLG: one input x (any nonzero int16) on a record or a far record, both bytes exact;
; general, not fast. In: HL = record, D = low page of the accumulators, A = x high, C = x low.
; Out: HL = the next record, D unchanged. Clobbers AF, BC, E.
; COLG_M: the same for a record without its L byte (a table's, engine_fast.cpp), HL = its Mc;
; HL is kept.
COLG_M:
        LD   (FX_X+1),A
        LD   A,C
        LD   (FX_X),A
        PUSH HL
        JR   COLG_MC
COLG:
        LD   (FX_X+1),A
        LD   A,C
        LD   (FX_X),A
        PUSH HL                         ; the record
        LD   C,(HL)                     ; L
        LD   B,0
        ADD  HL,BC
        EX   (SP),HL                    ; the next record, for the end
        INC  HL
COLG_MC:
        LD   A,(HL)                     ; Mc
        LD   (FX_MC),A
        INC  HL
        LD   A,(HL)                     ; Pc
        INC  HL
        CP   FAR_MARKER
        JR   Z,COLG_FAR
        CALL COLG_LIST                  ; acc += x on the plus entries
        CALL COLG_NEG
        LD   A,(FX_MC)
        CALL COLG_LIST                  ; acc -= x on the minus entries
        POP  HL
        RET
COLG_FAR:                               ; HL at the offset; the record starts 3 bytes before
        LD   C,(HL)
        INC  HL
        LD   B,(HL)
        DEC  HL
        DEC  HL
        DEC  HL
        DEC  HL
        ADD  HL,BC                      ; the body: plus chunks, 0, minus chunks, 0
        CALL COLG_CHUNKS
        CALL COLG_NEG
        CALL COLG_CHUNKS
        POP  HL
        RET
; COLG_CHUNKS: [count byte][entries] chunks at HL up to a 0 byte: acc[e] += x.
COLG_CHUNKS:
        LD   A,(HL)
        INC  HL
        OR   A
        RET  Z
        CALL COLG_LIST
        JR   COLG_CHUNKS
; COLG_NEG: x = -x (16 bits).
COLG_NEG:
        LD   A,(FX_X)
        NEG                             ; carry: x low != 0
        LD   (FX_X),A
        LD   A,(FX_X+1)
        LD   B,A
        LD   A,0
        SBC  A,B
        LD   (FX_X+1),A
        RET
; COLG_LIST: acc[e] += x (FX_X) for the entries of count byte A at HL.
COLG_LIST:
        LD   B,A
        AND  0Fh
        RET  Z                          ; no entries
        ADD  A,A
        ADD  A,A
        ADD  A,A
        ADD  A,A                        ; 16 * passes
        LD   C,A
        LD   A,B
        RRCA
        RRCA
        RRCA
        RRCA
        AND  0Fh                        ; slots skipped
        NEG
        ADD  A,C
        LD   B,A                        ; entries
        PUSH BC
        PUSH HL
        LD   A,(FX_X)
        LD   C,A
CL_LOW:
        LD   E,(HL)
        INC  HL
        LD   A,(DE)
        ADD  A,C
        LD   (DE),A
        JR   NC,CL_NC
        INC  D                          ; the carry into the high byte
        LD   A,(DE)
        INC  A
        LD   (DE),A
        DEC  D
CL_NC:
        DJNZ CL_LOW
        POP  HL
        POP  BC
        LD   A,(FX_X+1)
        LD   C,A
        INC  D
CL_HIGH:
        LD   E,(HL)
        INC  HL
        LD   A,(DE)
        ADD  A,C
        LD   (DE),A
        DJNZ CL_HIGH
        DEC  D
        RET

; FX_COPY: BC (>= 1) bytes from HL to DE, 16 T-states a byte (LDI unrolled 16 times).
FX_COPY:
        LD   A,C
        NEG
        AND  15                         ; LDIs to skip in the first pass
        ADD  A,A
        LD   (FC_JR+1),A                ; self-modifying
FC_JR:
        JR   FC_LDI
FC_LDI:
)";

// FX_COPY's unrolled body, then FX_FILL.
std::string copy_loop() {
  std::string out;
  for (int k = 0; k < 16; ++k) out += "        LDI                             ; 16\n";
  out += "        JP   PE,FC_LDI                  ; BC != 0\n        RET\n";
  out +=
      "\n; FX_FILL: A into the bytes from HL on (in one page), 11 T-states a byte: entered\n"
      "; 2 (16 - r) bytes in for r bytes in the first pass, B = passes of 16 (fill_split).\nFX_FILL:\n";
  for (int k = 0; k < 16; ++k)
    out += "        LD   (HL),A                     ;  7\n        INC  L                          ;  4\n";
  return out + "        DJNZ FX_FILL                    ; 13/8\n        RET\n";
}

// The accumulators of a layer of n outputs (offsets 256-n..255 of `to`) = its biases: the n low
// bytes copied, the high bytes filled with `high`.
std::string fill_split(std::string_view from, std::string_view to, int n, uint8_t high) {
  const int r = n % 16, passes = n / 16 + (r ? 1 : 0);
  return fmt::format(
      "        LD   HL,{0}\n        LD   DE,{1}+{2}\n        LD   BC,{3}\n        CALL FX_COPY\n"
      "        LD   HL,{1}+{4}\n        LD   B,{5}\n        LD   A,{6}\n        CALL FX_FILL+{7}\n",
      from, to, 256 - n, n, 512 - n, passes, hex8(high), r ? 2 * (16 - r) : 0);
}

// Copies n split values into a page-pair buffer at offsets 256-n..255: from a bias image (n low
// bytes, then n high bytes) or, with `from_buffer`, from another page-pair buffer.
std::string copy_split(std::string_view from, std::string_view to, int n, bool from_buffer = false) {
  if (n == 256)
    return fmt::format("        LD   HL,{}\n        LD   DE,{}\n        LD   BC,512\n        CALL FX_COPY\n",
                       from, to);
  const int low = from_buffer ? 256 - n : 0, high = from_buffer ? 512 - n : n;
  return fmt::format(
      "        LD   HL,{0}+{2}\n        LD   DE,{1}+{4}\n        LD   BC,{6}\n        CALL FX_COPY\n"
      "        LD   HL,{0}+{3}\n        LD   DE,{1}+{5}\n        LD   BC,{6}\n        CALL FX_COPY\n",
      from, to, low, high, 256 - n, 512 - n, n);
}

// Into the lists of the record at HL' (its Mc byte, or with `past_next` its L byte; the walk's
// registers are the alternate set): x in A, or in A' when x_in_af2. With past_next (a walk
// without a pointer table) HL' first moves on to the next record by the L byte and the entry
// steps past it. SP-streaming takes Mc and Pc with one POP; the portable flavour reads them
// through HL. Leaves C = x, A' = Mc, E (or D) = Pc.
std::string enter_record(Flavor f, bool x_in_af2, bool past_next = false) {
  const std::string swap = x_in_af2 ? R"(        EX   AF,AF'                     ;  4
)" : "";
  const std::string next = past_next ? R"(        LD   C,(HL)                     ;  7
        ADD  HL,BC                      ; 11  HL' = the next record
)" : "";
  if (f.sp)
    return R"(        LD   SP,HL                      ;  6  the lists stream from here
)" + next + R"(        EXX                             ;  4
)" + swap + R"(        LD   C,A                        ;  4  x
)" + (past_next ? R"(        INC  SP                         ;  6  past L
)" : "") + R"(        POP  DE                         ; 10  E = Mc, D = Pc
        LD   A,E                        ;  4
        EX   AF,AF'                     ;  4
)";
  return R"(        PUSH HL                         ; 11  the record
)" + next + R"(        EXX                             ;  4
)" + swap + R"(        LD   C,A                        ;  4  x
        POP  HL                         ; 10
)" + (past_next ? R"(        INC  HL                         ;  6  past L
)" : "") + R"(        LD   A,(HL)                     ;  7  Mc
        EX   AF,AF'                     ;  4
        INC  HL                         ;  6
        LD   E,(HL)                     ;  7  Pc
        INC  HL                         ;  6
)";
}

// Into the lists with A = x (1..255), the walk's registers in the alternate set (HL' = the
// record); HL' moves on to the next record first. The lists return with JP (IX).
std::string go_lists(Flavor f, std::string_view walk, bool table) {
  std::string out;
  if (table)
    out = fmt::format(R"(        LD   H,HIGH {0}_T               ;  7  the record through the table
        LD   L,E                        ;  4
        LD   C,(HL)                     ;  7
        INC  H                          ;  4
        LD   H,(HL)                     ;  7
        LD   L,C                        ;  4  HL' = the record's Mc
)",
                      walk);
  out += enter_record(f, false, /*past_next=*/!table);
  return out + dispatch(kAdd, fmt::format("{}_JP", walk), f.sp ? "D" : "E");
}

// The main register holding the accumulators' low page during the lists.
std::string page_register(Flavor f) {
  return f.sp ? "H" : "D";
}

// x >= 256 or negative (alternate set: A = x high != 0, C = x low, HL' = the record): COLG.
std::string wide_column(Flavor f, std::string_view page, std::string_view next) {
  return fmt::format(
      R"({0}        PUSH HL                         ; the record
        PUSH AF                         ; x high
        LD   A,C                        ; x low
        LD   C,(HL)
        ADD  HL,BC                      ; HL' = the next record
        EXX
        LD   C,A
        POP  AF
        POP  HL
        LD   D,HIGH {1}
        CALL COLG
        LD   {2},HIGH {1}                  ; the page register of the lists again
        EXX
        JP   {3}
)",
      f.sp ? "        LD   SP,(FX_SP)                 ; a real stack for COLG\n" : "", page, page_register(f),
      next);
}

// Walk over the context buckets CTX_LIST lists (engine.h: every nonzero one; the others are 0
// and cost nothing): FX_CPTR gives each bucket's lists, x = 0 is skipped.
std::string context_walk(Flavor f) {
  std::string out = fmt::format(
      R"(
; --- layer 1, context half: each x = NET_CTX[e] for the buckets e that CTX_LIST lists (the
; others are 0); FX_CPTR[e] = its record's lists
        LD   IX,WC_BACK
        LD   {0},HIGH NET_A
        EXX                             ; the walk runs in the alternate set
        LD   A,(CTX_HITS)
        OR   A
        JP   Z,WC_DONE
        LD   B,A                        ; B' = buckets listed
        LD   DE,CTX_LIST-1
WC_LOOP:
        INC  DE                         ;  6
        LD   A,(DE)                     ;  7  e: offset in NET_CTX's page
        LD   L,A                        ;  4
        LD   H,(HIGH NET_CTX)+1         ;  7
        LD   A,(HL)                     ;  7  x high
        DEC  H                          ;  4
        OR   A                          ;  4
        JR   NZ,WC_WIDE                 ; 7/12
        OR   (HL)                       ;  7  x low
        JR   Z,WC_NEXT                  ; 7/12  listed, but 0
        EX   AF,AF'                     ;  4  x
        LD   H,HIGH FX_CPTR             ;  7
        LD   A,(HL)                     ;  7  its lists: high byte at FX_CPTR+e
        RES  7,L                        ;  8
        LD   L,(HL)                     ;  7  low byte at FX_CPTR+e-128
        LD   H,A                        ;  4  HL' = the record's Mc
)",
      page_register(f));
  out += enter_record(f, true);
  out += dispatch(kAdd, "WC_JP", f.sp ? "D" : "E");
  out += fmt::format(
      R"(WC_BACK:
        EXX
WC_NEXT:
        DJNZ WC_LOOP                    ; 13/8
        JP   WC_DONE
WC_WIDE:                                ; x >= 256 or negative: A = x high, HL' = &NET_CTX[e]
{0}        PUSH BC                         ; the count
        PUSH DE                         ; the list
        LD   C,(HL)                     ; x low
        LD   B,A                        ; x high
        LD   H,HIGH FX_CPTR
        LD   A,(HL)
        RES  7,L
        LD   L,(HL)
        LD   H,A
        DEC  HL                         ; the record (its L)
        PUSH HL
        PUSH BC
        EXX
        POP  BC                         ; C = x low
        LD   A,B                        ; x high
        POP  HL
        LD   D,HIGH NET_A
        CALL COLG
        LD   {1},HIGH NET_A                  ; the page register of the lists again
        EXX
        POP  DE
        POP  BC
        JP   WC_NEXT
WC_DONE:
)",
      f.sp ? "        LD   SP,(FX_SP)                 ; a real stack\n" : "", page_register(f));
  return out;
}

// FX_CPTR: for each context bucket e (128..255), the address of its record's Mc (the record + 1):
// low bytes at FX_CPTR + e - 128, high bytes at FX_CPTR + e. One page; placed right after
// FX_STUBS, which ends on a page boundary, so it costs no padding.
std::string context_pointers(const Model& m) {
  const int nq = query_inputs(m);
  const Layer& layer = m.layers[0];
  const std::vector<uint8_t> records = fast_records(layer, nq, layer.n_in - nq);
  std::vector<size_t> offsets;
  for (size_t at = 0; offsets.size() < static_cast<size_t>(layer.n_in - nq); at += records[at])
    offsets.push_back(at + 1);
  std::string out =
      "\n; FX_CPTR: the lists of context bucket e at FX_CPTR+e-128 (low), FX_CPTR+e (high)\nFX_CPTR:\n";
  for (const char* half : {"LOW", "HIGH"})
    for (size_t j = 0; j < offsets.size(); j += 8) {
      out += "        DB   ";
      for (size_t k = j; k < std::min(offsets.size(), j + 8); ++k)
        out += fmt::format("{}{} (L1_CREC+{})", k > j ? "," : "", half, offsets[k]);
      out += "\n";
    }
  return out;
}

// How a walk reads the low byte of the accumulator at DE (D = its high page): with a pointer
// table H' is free and holds the low page (LD L,E / LD A,(HL), 11 T-states), else DEC D / INC D
// around LD A,(DE) (15).
std::string read_low(bool table, std::string_view comment) {
  if (table)
    return fmt::format(
        "        LD   L,E                        ;  4\n"
        "        LD   A,(HL)                     ;  7  {}\n",
        comment);
  return fmt::format(
      "        DEC  D                          ;  4\n        LD   A,(DE)                     ;  7  {}\n"
      "        INC  D                          ;  4\n",
      comment);
}

// One neuron's test in a hidden walk, half h of the loop (h = 1: the odd offsets, where the walk
// may end): y = 0 skips the record and moves on; y >= 1 leaves to {w}_Y{h} (y < 64 from the low
// byte), {w}_HI{h} (centred: the high byte is not 0) or {w}_NN{h} (not centred: not negative).
std::string walk_test(std::string_view w, int h, bool centred, bool table) {
  std::string out = fmt::format("{}_L{}:\n        LD   A,(DE)                     ;  7  acc high\n", w, h);
  if (centred)
    out += fmt::format(
        R"(        OR   A                          ;  4
        JR   NZ,{0}_HI{1}                 ; 7/12  negative, value >= 128, or high = 80h
{2}        SUB  132                        ;  7  value - 4
        JR   NC,{0}_Y{1}                  ; 7/12  value >= 4: y >= 1
)",
        w, h, read_low(table, "acc low (value = low - 128)"));
  else
    out += fmt::format(
        R"(        ADD  A,A                        ;  4  carry: negative
        JR   NC,{0}_NN{1}                 ; 7/12
)",
        w, h);
  out += table ? fmt::format("{0}_S{1}:                               ; y = 0: the table finds the records\n"
                             "        INC  E                          ;  4\n",
                             w, h)
               : fmt::format(
                     R"({0}_S{1}:
        LD   C,(HL)                     ;  7  y = 0: skip the record
        ADD  HL,BC                      ; 11
        INC  E                          ;  4
)",
                     w, h);
  if (h == 1) out += fmt::format("        JP   NZ,{0}_L0                  ; 10\n        JP   {0}_DONE\n", w);
  return out;
}

// The out-of-line part of walk_test's half h: the low byte of a value that is not small.
std::string walk_test_tail(std::string_view w, int h, bool centred, bool table) {
  if (centred)
    return fmt::format(
        R"({0}_Y{1}:
        RRCA                            ;  4
        RRCA                            ;  4
        AND  3Fh                        ;  7
        INC  A                          ;  4  y = (value - 4) >> 2 + 1 = 1..31
        JP   {0}_GO                     ; 10
{0}_HI{1}:
        JP   P,{0}_BIG                  ; high 1..7Fh: value >= 128
        CP   80h
        JR   NZ,{0}_S{1}                  ; high 81h..0FFh: negative
        DEC  D                          ; acc 8000h..80FFh: value = acc - 128 > 0 iff acc low < 80h
        LD   A,(DE)
        INC  D
        CP   80h
        JR   NC,{0}_S{1}
        JP   {0}_BIG
)",
        w, h);
  return fmt::format(
      R"({0}_NN{1}:
        JP   NZ,{0}_BIG                 ; high 1..7Fh: value >= 256
{2}        CP   4                          ;  7
        JR   C,{0}_S{1}                   ; 0..3: y = 0
        RRCA                            ;  4
        RRCA                            ;  4
        AND  3Fh                        ;  7  y = acc >> 2 = 1..63
        JP   {0}_GO                     ; 10
)",
      w, h, read_low(table, "acc low (high = 0)"));
}

// Layer k+1 (0-based k+1) from layer k's accumulators: y = acc >> 2 after ReLU on the fly. The
// loop is unrolled twice: half 0 tests the even offsets (its INC E cannot end the walk), half 1
// the odd ones; after a record's lists the walk resumes in the half of E's parity.
std::string hidden_walk(Flavor f, size_t k, int n_prev, int n_next, int center, std::optional<uint8_t> high,
                        bool table, const Layer& layer_after) {
  const std::string src = buffer_of(k), dst = buffer_of(k + 1);
  const std::string w = fmt::format("W{}", k + 2);
  std::string out = fmt::format(
      R"(
; --- layer {0} ({1} -> {2}): accumulators = biases; then each y of layer {3} (ReLU, >> 2):
; y = 0 skips its record, else its lists into {4}.
{5})",
      k + 2, n_prev, n_next, k + 1, dst,
      f.sp ? "        LD   SP,(FX_SP)                 ; a real stack\n" : "");
  out += high ? fill_split(fmt::format("L{}_BIAS", k + 2), dst, n_next, *high)
              : copy_split(fmt::format("L{}_BIAS", k + 2), dst, n_next);
  out += fmt::format(
      R"(        LD   IX,{0}_BACK
        LD   {1},HIGH {2}
        EXX                             ; the walk runs in the alternate set
        LD   {8}
        LD   DE,{4}+{5}                ; high bytes of layer {6}
        LD   B,0                        ; BC = a record's length
{7})",
      w, page_register(f), dst, k + 2, src, 512 - n_prev, k + 1,
      n_prev % 2 == 0 ? ""
                      : fmt::format("        JP   {}_L1                     ; the first offset is odd\n", w),
      table ? fmt::format("H,HIGH {}                 ; the low bytes' page (records: {}_T)", src, w)
            : fmt::format("HL,L{}_REC", k + 2));
  out += walk_test(w, 0, center != 0, table);
  out += walk_test(w, 1, center != 0, table);
  out += walk_test_tail(w, 0, center != 0, table);
  out += walk_test_tail(w, 1, center != 0, table);
  out += w + "_GO:\n";
  out += go_lists(f, w, table);
  out += fmt::format(
      R"({0}_BACK:
        EXX
{0}_NEXT:                               ; after a record's lists: on in the half of E's parity
{3}        INC  E
        JP   Z,{0}_DONE
        BIT  0,E
        JP   Z,{0}_L0
        JP   {0}_L1
{0}_BIG:
        DEC  D
        LD   A,(DE)
        INC  D
{1}        LD   C,A
        LD   A,(DE)
{2}        SRL  A
        RR   C
        SRL  A
        RR   C                          ; y = value >> 2 >= 32
        OR   A
        JR   NZ,{0}_WIDE
        LD   A,C
        JP   {0}_GO
{0}_WIDE:
)",
      w, center ? "        SUB  128                        ; value = acc - 128 >= 128\n" : "",
      center ? "        SBC  A,0\n" : "",
      table ? fmt::format("        LD   H,HIGH {}                 ;  7  the low bytes' page again\n", src)
            : "");
  if (table)
    out += fmt::format(R"({1}        PUSH AF                         ; x high
        LD   H,HIGH {0}_T               ; the record through the table
        LD   L,E
        LD   A,(HL)
        INC  H
        LD   H,(HL)
        LD   L,A                        ; HL' = the record's Mc
        PUSH HL
        LD   A,C                        ; x low
        EXX
        LD   C,A
        POP  HL
        POP  AF
        LD   D,HIGH {2}
{3}        LD   {4},HIGH {2}                  ; the page register of the lists again
        EXX
        JP   {0}_NEXT
)",
                       w, f.sp ? "        LD   SP,(FX_SP)                 ; a real stack\n" : "", dst,
                       record_block(layer_after).far
                           ? "        DEC  HL                         ; the record (its L)\n"
                             "        CALL COLG\n"
                           : "        CALL COLG_M\n",
                       page_register(f));
  else
    out += wide_column(f, dst, w + "_NEXT");
  out += w + "_DONE:\n";
  return out;
}

std::string engine_code(const Model& m, Flavor f) {
  const size_t n_layers = m.layers.size();
  const int n1 = m.layers[0].n_out;
  const std::vector<bool> tabled = tabled_walks(m, f.table_budget);
  std::string out = list_code(f, context_pointers(m) + pointer_tables(m, f.table_budget));
  out += kGeneralCode;
  out += copy_loop();

  out += R"(
; NET_QUERY: the query half of layer 1, once per response: QCACHE = biases + the N_QUERY
; query inputs, decoded from nibble-coded columns (fast_query_columns.h): small rather than fast.
NET_QUERY:
)";
  out += copy_split("L1_BIAS", "QCACHE", n1);
  out += query_columns_code({.columns = "L1_QCOL",
                             .cache = "QCACHE",
                             .n_out = n1,
                             .query_inputs = query_inputs(m),
                             .x = "FX_X",
                             .minus_x = "FX_N"});

  out +=
      "\n; NET_RUN: layer 1 = the cached query half + the context half, then every further "
      "layer.\nNET_RUN:\n";
  if (f.sp)
    out += R"(        LD   A,I                        ; P/V = IFF2: were interrupts enabled?
        PUSH AF
        DI                              ; SP streams the lists: no interrupt may push meanwhile
        LD   (FX_SP),SP
)";
  out += copy_split("QCACHE", "NET_A", n1, true);
  out += context_walk(f);
  for (size_t k = 0; k + 1 < n_layers; ++k)
    out += hidden_walk(f, k, m.layers[k].n_out, m.layers[k + 1].n_out, center_of(m, k),
                       common_bias_high(m, k + 1), tabled[k], m.layers[k + 1]);
  // The output layer stays as accumulated: the chat core's ARGMAX compares y = acc >> 2 without
  // computing it (OUT_STEP, engine.h).
  if (f.sp)
    out += R"(        LD   SP,(FX_SP)
        POP  AF                         ; interrupts as they were
        JP   PO,FIN_END
        EI
FIN_END:
)";
  out += "        RET\n";
  return out;
}

// Layer k's biases + centre (modulo 2^16): n low bytes, then n high bytes unless they are all
// alike (common_bias_high).
std::vector<uint8_t> split_biases(const Model& m, size_t k) {
  const Layer& layer = m.layers[k];
  const bool low_only = common_bias_high(m, k).has_value();
  std::vector<uint8_t> bias((low_only ? 1 : 2) * static_cast<size_t>(layer.n_out));
  for (int o = 0; o < layer.n_out; ++o) {
    const auto v = static_cast<uint16_t>(layer.b[o] + center_of(m, k));
    bias[o] = static_cast<uint8_t>(v & 0xFF);
    if (!low_only) bias[layer.n_out + o] = static_cast<uint8_t>(v >> 8);
  }
  return bias;
}

}  // namespace

std::string FastEngine::problem(const Model& m) const {
  return z80_shape_problem(m.hidden_sizes(), m.output_size());
}

uint32_t FastEngine::model_bytes(const Model& m) const {
  uint32_t bytes = 0;
  for (size_t k = 0; k < m.layers.size(); ++k) {
    const Layer& layer = m.layers[k];
    const int first = k == 0 ? query_inputs(m) : 0;  // layer 1's query half is nibble-coded
    bytes += static_cast<uint32_t>(split_biases(m, k).size()) +
             fast_records_bytes(layer, first, layer.n_in - first);
    if (k == 0)  // the nibble columns and FX_CPTR, the context records' pointers
      bytes += static_cast<uint32_t>(fast_query_columns(layer, first).size()) + 2 * kContextBuckets;
  }
  const std::vector<bool> tabled = tabled_walks(m, table_budget_);
  for (size_t k = 0; k + 1 < m.layers.size(); ++k)
    if (tabled[k])  // the pointers and the padding in front of them
    {
      const RecordBlock b = record_block(m.layers[k + 1]);  // lean: no L bytes
      bytes += static_cast<uint32_t>((b.far ? 2 : 1) * m.layers[k + 1].n_in + table_layout(b).padding);
    }
  return bytes;
}

AsmPart FastEngine::generate(const Model& m) const {
  return generate_flavor(m, false);
}

AsmPart FastEngine::generate(const Model& m, const EngineTarget& target) const {
  return generate_flavor(m, target.may_disable_interrupts);
}

AsmPart FastEngine::generate_flavor(const Model& m, bool sp_streaming) const {
  const Flavor f{.sp = sp_streaming, .table_budget = table_budget_};
  AsmPart part;
  part.code = engine_code(m, f);
  const size_t n_layers = m.layers.size();
  part.data += "; --- fast engine data: biases and records (fast_records.h) ---\n";
  part.data += equ_line("NET_OUT", buffer_of(n_layers - 1), "the last layer's outputs");
  part.data += equ_line("OUT_STEP", "4", "NET_OUT holds the accumulators: y = acc >> 2 (engine.h)");
  part.data += equ_line("FAR_MARKER", hex8(kFastFarMarker), "a far record's Pc (fast_records.h)");
  part.data += "FX_MODEL:\n";
  const std::vector<bool> tabled = tabled_walks(m, f.table_budget);
  for (size_t k = 0; k < n_layers; ++k) {
    const Layer& layer = m.layers[k];
    const std::optional<uint8_t> high = common_bias_high(m, k);
    part.data += fmt::format("\n; layer {}: {} -> {}{}; biases: {} low bytes, then {}\n", k + 1, layer.n_in,
                             layer.n_out, k + 1 < n_layers ? ", ReLU" : ", output", layer.n_out,
                             high ? fmt::format("no high bytes (all {}, filled)", hex8(*high))
                                  : fmt::format("{} high bytes", layer.n_out));
    part.data += db_lines(split_biases(m, k), fmt::format("L{}_BIAS", k + 1));
    if (k == 0) {
      const int nq = query_inputs(m);
      part.data += fmt::format(
          "; layer 1 nibble columns of the query inputs 0..{} (fast_query_columns.h, NET_QUERY)\n", nq - 1);
      part.data += db_lines(fast_query_columns(layer, nq), "L1_QCOL");
      part.data += fmt::format("; layer 1 records of the context inputs {}..{}\n", nq, layer.n_in - 1);
      part.data += db_lines(fast_records(layer, nq, layer.n_in - nq), "L1_CREC");
    } else if (tabled[k - 1]) {
      const RecordBlock b = record_block(layer);
      const TableLayout t = table_layout(b);
      part.data += fmt::format(
          "; layer {} records, one per input (through W{}_T; some in front of it)\nL{}_REC:\n", k + 1, k + 1,
          k + 1);
      for (size_t i = 0; i < b.records.size(); ++i)
        if (!t.moved[i]) part.data += db_lines(b.records[i], fmt::format("L{}_R{}", k + 1, i));
      part.data += db_lines(b.tail);
    } else {
      part.data += fmt::format("; layer {} records, one per input\n", k + 1);
      part.data += db_lines(fast_records(layer, 0, layer.n_in), fmt::format("L{}_REC", k + 1));
    }
  }
  part.bss.push_back({"FX_X", 2, false, "fast engine: x (general column, query)"});
  part.bss.push_back({"FX_N", 2, false, "fast engine: -x (query)"});
  part.bss.push_back({"FX_MC", 1, false, "fast engine: minus count byte (general column)"});
  if (f.sp) part.bss.push_back({"FX_SP", 2, false, "fast engine: the stack pointer while SP streams"});
  part.bss.push_back({"QCACHE", 512, true, "fast engine: layer 1 over the query (split pages)"});
  part.bss.push_back({"NET_A", 512, true, "fast engine: accumulators of layers 1, 3, ... (split pages)"});
  if (n_layers > 1)
    part.bss.push_back({"NET_B", 512, true, "fast engine: accumulators of layers 2, 4, ... (split pages)"});
  return part;
}

}  // namespace z80lm::z80
