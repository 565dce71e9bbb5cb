#include "z80/engine_compact.h"

#include <fmt/core.h>

#include "model/z80_limits.h"
#include "z80/fast_query_columns.h"
#include "z80/query_columns_code.h"

namespace z80lm::z80 {

uint8_t compact_code(int8_t weight) {
  switch (weight) {
    case 1:
      return 0b01;
    case -1:
      return 0b10;
    case -2:
      return 0b11;
    default:
      return 0b00;
  }
}

std::vector<uint8_t> pack_compact_columns(const Layer& layer, int first_input) {
  const int column_bytes = compact_column_bytes(layer.n_out);
  const int pad = column_bytes * kCompactCodesPerByte - layer.n_out;
  std::vector<uint8_t> packed(static_cast<size_t>(layer.n_in - first_input) * column_bytes, 0);
  for (int i = first_input; i < layer.n_in; ++i) {
    for (int o = 0; o < layer.n_out; ++o) {
      const int slot = o + pad;
      const int shift = 6 - 2 * (slot % kCompactCodesPerByte);
      const uint8_t code = compact_code(layer.w[static_cast<size_t>(o) * layer.n_in + i]);
      packed[static_cast<size_t>(i - first_input) * column_bytes + slot / kCompactCodesPerByte] |=
          static_cast<uint8_t>(code << shift);
    }
  }
  return packed;
}

int8_t compact_weight(std::span<const uint8_t> packed, int n_out, int o, int i) {
  const int column_bytes = compact_column_bytes(n_out);
  const int slot = o + column_bytes * kCompactCodesPerByte - n_out;
  const uint8_t byte = packed[static_cast<size_t>(i) * column_bytes + slot / kCompactCodesPerByte];
  static constexpr int8_t kWeightOfCode[4] = {0, 1, -1, -2};
  return kWeightOfCode[(byte >> (6 - 2 * (slot % kCompactCodesPerByte))) & 3];
}

std::string CompactEngine::problem(const Model& m) const {
  std::vector<int> hidden = m.hidden_sizes();
  return z80_shape_problem(hidden, m.output_size());
}

uint32_t CompactEngine::model_bytes(const Model& m) const {
  uint32_t bytes = 0;
  for (const Layer& l : m.layers)
    bytes += static_cast<uint32_t>(l.n_in * compact_column_bytes(l.n_out) + 2 * l.n_out + kDescriptorBytes);
  if (m.encoding == Encoding::v3) {  // layer 1's query columns are nibble-coded instead
    const int nq = query_buckets(m.encoding);
    bytes -= static_cast<uint32_t>(nq * compact_column_bytes(m.layers[0].n_out));
    bytes += static_cast<uint32_t>(fast_query_columns(m.layers[0], nq).size());
  }
  return bytes;
}

namespace {

// The layer descriptor, read with (IX+offset) once per layer.
constexpr std::string_view kDescriptorEqus = R"(; --- compact engine: layer descriptor fields, (IX+field) ---
DSC_BIAS        EQU  0                ; DW bias low bytes (DSC_NOUT of them); the high bytes follow
DSC_OUT         EQU  2                ; DW accumulator of the first output (low page)
DSC_NOUT        EQU  4                ; DW number of outputs, 1..256
DSC_W           EQU  6                ; DW packed weights: one column of DSC_COLB bytes per input
DSC_COLB        EQU  8                ; DB bytes per column = (outputs + 3) / 4
DSC_SLOT0       EQU  9                ; DW accumulator of slot 0 (low page); 4*DSC_COLB slots end at offset 255
DSC_IN          EQU  11               ; DW first input (low page)
DSC_NIN         EQU  13               ; DB number of inputs (0 means 256)
DSC_RELU        EQU  14               ; DB 80h: ReLU (hidden layer), 00h: none (output layer)
)";

constexpr std::string_view kLayerLoop = R"(
; ======================================================================================
; compact engine (engine_compact.h): 2-bit weights, 4 per byte, one column per input.
; Per layer: acc[o] = bias[o]; for each input x_i != 0, for each output o:
; acc[o] += w[o][i] * x_i (mod 2^16); then y[o] = acc[o] >> 2 (floor), ReLU on hidden layers.
; Vectors are split: low bytes in one page, high bytes in the next; n values sit at offsets
; 256-n..255 so that INC L walks a vector and wraps to 0 after its last value.
; ======================================================================================
{net_query_and_run}NET_RUN_LAYER:
        PUSH AF
        CALL LAYER
{net_run_next}        LD   DE,DSC_BYTES
        ADD  IX,DE                      ; next descriptor
        POP  AF
        DEC  A
        JR   NZ,NET_RUN_LAYER
        RET

; LAYER: IX = descriptor. One layer from its input vector into its accumulators, in place.
LAYER:
        LD   L,(IX+DSC_BIAS)            ; accumulators <- biases
        LD   H,(IX+DSC_BIAS+1)
        LD   E,(IX+DSC_OUT)
        LD   D,(IX+DSC_OUT+1)
        LD   C,(IX+DSC_NOUT)
        LD   B,(IX+DSC_NOUT+1)
        PUSH BC
        PUSH DE
        LDIR                            ; low bytes
        POP  DE
        POP  BC
        INC  D                          ; high page
        LDIR                            ; high bytes (stored right after the low bytes)
{layer_w}        LD   L,(IX+DSC_SLOT0)
        LD   H,(IX+DSC_SLOT0+1)
        LD   (COL_SLOT0),HL
        LD   C,(IX+DSC_W)               ; main BC = packed weights, column by column
        LD   B,(IX+DSC_W+1)
        EXX                             ; the column loop runs in the alternate set:
        LD   L,(IX+DSC_IN)              ;   HL' = &x_lo[i]
        LD   H,(IX+DSC_IN+1)
        LD   E,L                        ;   DE' = &x_hi[i]
        LD   D,H
        INC  D
        LD   B,(IX+DSC_NIN)             ;   B' = inputs left (0 = 256)
        LD   C,(IX+DSC_COLB)            ;   C' = bytes per column

; --- one input per iteration; a zero input skips its column (most inputs are zero)
COL_LOOP:
        LD   A,(DE)                     ;  7  x high byte
        OR   (HL)                       ;  7  | x low byte
        JR   NZ,COL_USE                 ; 12/7
        LD   A,C                        ;  4  x = 0: weights += bytes per column
        EXX                             ;  4
        ADD  A,C                        ;  4
        LD   C,A                        ;  4
        JR   NC,COL_SKIPPED             ; 12/7
        INC  B                          ;  4
COL_SKIPPED:
        EXX                             ;  4
COL_NEXT:
        INC  L                          ;  4  next input
        INC  E                          ;  4
        DJNZ COL_LOOP                   ; 13/8
{after_columns}
FIN_LOOP:
        LD   E,(HL)                     ;  7  acc low
        INC  H                          ;  4
        LD   D,(HL)                     ;  7  acc high
        SRA  D                          ;  8
        RR   E                          ;  8
        SRA  D                          ;  8
        RR   E                          ;  8  DE = acc >> 2 (arithmetic: floor)
        LD   A,D                        ;  4
        AND  C                          ;  4  negative, and ReLU?
        JR   Z,FIN_STORE                ; 12/7
        LD   DE,0                       ; 10
FIN_STORE:
        LD   (HL),D                     ;  7
        DEC  H                          ;  4
        LD   (HL),E                     ;  7
        INC  L                          ;  4  next output; 0 after the last
        JR   NZ,FIN_LOOP                ; 12/7
        RET
)";

// The nonzero-input path; the handlers of slots 0 and 1 are placed before it and those of
// slots 2 and 3 after it, so that every JR reaches its handler.
constexpr std::string_view kColumnUse = R"(
; --- x != 0: add x times the column's codes to every accumulator
COL_USE:
        LD   A,(HL)                     ;  7  x low byte (alternate HL)
        EXX                             ;  4
        LD   E,A                        ;  4
        EXX                             ;  4
        LD   A,(DE)                     ;  7  x high byte
        EXX                             ;  4  main set: BC = weights
        LD   D,A                        ;  4  DE = x
        LD   HL,(COL_SLOT0)             ; 16  accumulator of slot 0
WB_LOOP:
        LD   A,(BC)                     ;  7  codes of four slots, the first in bits 7-6
        INC  BC                         ;  6
)";

// Slots 0..2 of the unrolled byte: shift the two code bits out of A into the carry; once
// the bits left in A are all zero, the rest of the byte is skipped.
constexpr std::string_view kSlot =
    R"(        ADD  A,A                        ;  4  carry = high bit of slot {0}'s code
        JR   C,WB_NEG{0}                  ; 12/7  1x: -1 or -2
        ADD  A,A                        ;  4  carry = low bit; Z: no code left in this byte
        JR   C,WB_ADD{0}                  ; 12/7  01: +1
WB_NEXT{0}:
        JR   Z,WB_REST{0}                 ; 12/7  (the handlers keep the flags)
        INC  L                          ;  4  next slot
)";

// Slot 3 is never 00 here (slot 2 would have skipped it) and A is no longer needed.
constexpr std::string_view kLastSlot =
    R"(        ADD  A,A                        ;  4  carry = high bit of slot 3's code
        JR   C,WB_NEG3                  ; 12/7  1x: -1 or -2
)";

constexpr std::string_view kByteEnd = R"(WB_NEXT3:
        INC  L                          ;  4  next slot; 0 after the last
        JP   NZ,WB_LOOP                 ; 10  until the slot pointer wraps past offset 255
        EXX                             ;  4
        JP   COL_NEXT                   ; 10
WB_REST0:
        INC  L                          ;  4  skip the slots left in this byte
WB_REST1:
        INC  L                          ;  4
WB_REST2:
        INC  L                          ;  4
        INC  L                          ;  4
        JP   NZ,WB_LOOP                 ; 10
        EXX                             ;  4
        JP   COL_NEXT                   ; 10
)";

constexpr std::string_view kHandlersComment = R"(
; Out-of-line handlers of slot codes: acc[slot] += x or -= x on the split pages, the
; remaining codes and the flags (the carry that chose -1 or -2, the Z that ends the byte)
; kept in AF' meanwhile.
)";

// acc[slot] (+|-)= x as two 8-bit operations with carry: exact modulo 2^16.
constexpr std::string_view kAddX = R"(        LD   A,(HL)                     ;  7  acc low
        ADD  A,E                        ;  4  + x low
        LD   (HL),A                     ;  7
        INC  H                          ;  4  high page
        LD   A,(HL)                     ;  7
        ADC  A,D                        ;  4  + x high + carry
        LD   (HL),A                     ;  7
        DEC  H                          ;  4
)";
constexpr std::string_view kSubX = R"(        LD   A,(HL)                     ;  7  acc low
        SUB  E                          ;  4  - x low (SUB: no stale borrow)
        LD   (HL),A                     ;  7
        INC  H                          ;  4  high page
        LD   A,(HL)                     ;  7
        SBC  A,D                        ;  4  - x high - borrow
        LD   (HL),A                     ;  7
        DEC  H                          ;  4
)";

std::string slot_handlers(int slot) {
  std::string out = fmt::format("WB_ADD{}:\n        EX   AF,AF'                     ;  4\n", slot);
  out += kAddX;
  out += fmt::format(
      "        EX   AF,AF'                     ;  4\n        JP   WB_NEXT{}                   ; 10\n", slot);
  out += fmt::format(
      "WB_NEG{}:\n        ADD  A,A                        ;  4  carry = low bit: 0 for -1, 1 for -2\n", slot);
  out += "        EX   AF,AF'                     ;  4\n";
  out += kSubX;
  out += "        EX   AF,AF'                     ;  4  the code's carry is back\n";
  out += fmt::format("        JP   NC,WB_NEXT{}                ; 10  -1: done\n", slot);
  out += "        EX   AF,AF'                     ;  4  -2: subtract x once more\n";
  out += kSubX;
  out += "        EX   AF,AF'                     ;  4\n";
  out += fmt::format("        JP   WB_NEXT{}                   ; 10\n", slot);
  return out;
}

// Slot 3's -1/-2 handler: the rest of A is not needed, so no EX AF,AF'.
std::string last_slot_handler() {
  std::string out =
      "WB_NEG3:\n        ADD  A,A                        ;  4  carry = low bit: 0 for -1, 1 for -2\n";
  out += "        JR   C,WB_TWICE3                ; 12/7\n";
  out += kSubX;
  out += "        JP   WB_NEXT3                   ; 10\nWB_TWICE3:\n";
  out += std::string(kSubX) + std::string(kSubX);
  out += "        JP   WB_NEXT3                   ; 10\n";
  return out;
}

// Encoding v2: layer 1 reads two input blocks, NET_IN's 256 query inputs (the descriptor's)
// and then NET_CTX's 128 context inputs; the weight columns simply continue (input-major).
constexpr std::string_view kFirstLayerBlocksV2 = R"(        LD   A,128
        LD   (COL_MORE),A               ; layer 1 has a second input block: NET_CTX
)";
// Out of line (the column loop's relative jumps are at their limit): after the last column of
// a block, start the second block if one is pending.
constexpr std::string_view kSecondBlockV2 = R"(
; COL_BLOCKS: the columns of an input block are done; layer 1 (v2) goes on with NET_CTX's.
COL_BLOCKS:
        LD   A,(COL_MORE)
        OR   A
        JR   Z,COL_END                  ; no (more) second block
        LD   B,A                        ; B' = its inputs
        XOR  A
        LD   (COL_MORE),A               ; once
        LD   HL,NET_CTX                 ; HL' = &x_lo[i]
        LD   DE,NET_CTX+256             ; DE' = &x_hi[i]
        JP   COL_LOOP
COL_END:
)";

// After the columns: y = acc >> 2 in place. Encoding v2 reaches it through COL_BLOCKS, out of
// line, because the column loop's relative jumps cannot span a single byte more.
constexpr std::string_view kFinishStart = R"(        EXX

; --- y = acc >> 2 rounded down, ReLU on hidden layers, in place
        LD   L,(IX+DSC_OUT)
        LD   H,(IX+DSC_OUT+1)
        LD   C,(IX+DSC_RELU)            ; 80h: clear negative values)";

// Layer 1's input blocks: 1 (v1: NET_IN's 256), 2 (v2: NET_IN, NET_CTX) or 3 (v3: NET_IN,
// NET_IN2, NET_CTX; the first two cached by NET_QUERY, so NET_RUN walks NET_CTX only).
int first_layer_blocks(Encoding e) {
  return e == Encoding::v1 ? 1 : e == Encoding::v2 ? 2 : 3;
}

// Encoding v3 (cached_query): NET_QUERY computes layer 1 over the 512 query inputs once per
// response into QCACHE, from nibble-coded columns (fast_query_columns.h, query_columns_code.h);
// NET_RUN copies QCACHE into layer 1's accumulators and walks only its 128 context columns.
std::string cached_query_code(int n1) {
  std::string out = R"(; NET_QUERY: layer 1 over the query inputs 0..511, once per response: QCACHE = biases +
; the query inputs' nibble-coded columns (fast_query_columns.h): small rather than fast.
NET_QUERY:
        LD   HL,L1_BIAS
)";
  out += fmt::format(R"(        LD   DE,QCACHE+{0}
        LD   BC,{2}
        LDIR                            ; low bytes
        LD   DE,QCACHE+{1}
        LD   BC,{2}
        LDIR                            ; high bytes (stored right after the low bytes)
)",
                     256 - n1, 512 - n1, n1);
  out += query_columns_code({.columns = "L1_QCOL",
                             .cache = "QCACHE",
                             .n_out = n1,
                             .query_inputs = 512,
                             .x = "CQ_X",
                             .minus_x = "CQ_N"});
  out += fmt::format(R"(
NET_RUN:
        LD   IX,LYR_TABLE               ; descriptor of the first layer
        LD   HL,QCACHE+{0}              ; layer 1's accumulators <- the query half
        LD   DE,NET_A+{0}
        LD   BC,{2}
        LDIR
        LD   HL,QCACHE+{1}
        LD   DE,NET_A+{1}
        LD   BC,{2}
        LDIR
        LD   A,N_LAYERS
        PUSH AF
        CALL LAYER_W                    ; layer 1: its 128 context columns (NET_CTX) only
        JR   NET_RUN_NEXT
)",
                     256 - n1, 512 - n1, n1);
  return out;
}

std::string engine_code(int blocks, int n1) {
  const bool cached_query = blocks == 3;  // v3: one block (NET_CTX) after NET_QUERY's cache
  const bool two_input_blocks = blocks == 2;
  const std::string net_query_and_run =
      cached_query ? cached_query_code(n1)
                   : std::string(R"(NET_QUERY:
        RET                             ; nothing is cached by this engine

NET_RUN:
        LD   IX,LYR_TABLE               ; descriptor of the first layer
)") + std::string(two_input_blocks ? kFirstLayerBlocksV2 : "") +
                         "        LD   A,N_LAYERS\n";
  std::string out =
      fmt::format(fmt::runtime(kLayerLoop), fmt::arg("net_query_and_run", net_query_and_run),
                  fmt::arg("net_run_next", cached_query ? "NET_RUN_NEXT:\n" : ""),
                  fmt::arg("layer_w", cached_query ? "LAYER_W:                                ; (v3 layer 1: NET_RUN)\n" : ""),
                  fmt::arg("after_columns", two_input_blocks ? "        JP   COL_BLOCKS" : kFinishStart));
  out += kHandlersComment;
  out += slot_handlers(0) + slot_handlers(1);
  out += kColumnUse;
  for (int slot = 0; slot + 1 < kCompactCodesPerByte; ++slot) out += fmt::format(fmt::runtime(kSlot), slot);
  out += kLastSlot;
  out += kAddX;  // slot 3 is +1
  out += kByteEnd;
  out += kHandlersComment;
  out += slot_handlers(2) + last_slot_handler();
  if (two_input_blocks)
    out += std::string(kSecondBlockV2) + std::string(kFinishStart) +
           "\n        JP   FIN_LOOP\n";
  return out;
}

// Where layer k keeps its outputs: NET_A, NET_B, NET_A, ... (layer 0 reads the chat core's NET_IN).
std::string output_buffer(size_t k) {
  return k % 2 == 0 ? "NET_A" : "NET_B";
}

}  // namespace

AsmPart CompactEngine::generate(const Model& m) const {
  AsmPart part;
  const int blocks = first_layer_blocks(m.encoding);
  const bool two_input_blocks = blocks == 2;
  const bool cached_query = blocks == 3;  // v3: layer 1's query half in QCACHE (NET_QUERY)
  part.code = engine_code(blocks, m.layers[0].n_out);
  const size_t n_layers = m.layers.size();
  part.data += kDescriptorEqus;
  part.data += equ_line("DSC_BYTES", std::to_string(kDescriptorBytes), "size of one descriptor");
  part.data += equ_line("N_LAYERS", std::to_string(n_layers), "layers in LYR_TABLE");
  part.data += equ_line("NET_OUT", output_buffer(n_layers - 1), "the last layer's outputs");
  part.data += equ_line("OUT_STEP", "1", "NET_OUT holds the outputs y themselves (engine.h)");
  part.data += "\n; --- compact engine: one descriptor per layer (DSC_ fields) ---\nLYR_TABLE:\n";
  for (size_t k = 0; k < n_layers; ++k) {
    const Layer& layer = m.layers[k];
    const int column_bytes = compact_column_bytes(layer.n_out);
    const std::string in = k > 0          ? output_buffer(k - 1)
                           : cached_query ? "NET_CTX-" + std::to_string(256 - kContextBuckets)
                                          : "NET_IN",
                      out = output_buffer(k);
    // The descriptor's input block: all inputs, or (v2 layer 1) NET_IN's query inputs, the first
    // of its blocks (COL_BLOCKS walks the other), or (v3 layer 1) NET_CTX's context inputs only.
    const int block_inputs = k > 0              ? layer.n_in
                             : two_input_blocks ? query_buckets(m.encoding)
                             : cached_query     ? kContextBuckets
                                                : query_buckets(m.encoding) + kContextBuckets;
    part.data += fmt::format("        ; layer {}: {} -> {}{}\n", k + 1, layer.n_in, layer.n_out,
                             k + 1 < n_layers ? ", ReLU" : ", output");
    part.data += fmt::format("        DW   L{0}_BIAS,{1}+{2},{3}\n        DW   L{0}_W\n", k + 1, out,
                             256 - layer.n_out, layer.n_out);
    part.data += fmt::format("        DB   {}\n        DW   {}+{}\n        DW   {}+{}\n", column_bytes, out,
                             256 - column_bytes * kCompactCodesPerByte, in, 256 - block_inputs);
    part.data += fmt::format("        DB   {},{}\n", block_inputs & 0xFF, k + 1 < n_layers ? "080h" : "000h");
  }
  for (size_t k = 0; k < n_layers; ++k) {
    const Layer& layer = m.layers[k];
    std::vector<uint8_t> bias(2 * static_cast<size_t>(layer.n_out));
    for (int o = 0; o < layer.n_out; ++o) {
      auto v = static_cast<uint16_t>(layer.b[o]);
      bias[o] = static_cast<uint8_t>(v & 0xFF);
      bias[layer.n_out + o] = static_cast<uint8_t>(v >> 8);
    }
    part.data += fmt::format("\n; layer {} biases: {} low bytes, then {} high bytes\n", k + 1, layer.n_out,
                             layer.n_out);
    part.data += db_lines(bias, fmt::format("L{}_BIAS", k + 1));
    const int column_bytes = compact_column_bytes(layer.n_out);
    const int first = k == 0 && cached_query ? query_buckets(m.encoding) : 0;  // v3: the context's
    part.data += fmt::format(
        "; layer {} weights: {} columns (one per input{}) of {} bytes; slot s = output s-{}, 2 bits each\n",
        k + 1, layer.n_in - first, first > 0 ? fmt::format(", inputs {}..{}", first, layer.n_in - 1) : "",
        column_bytes, column_bytes * kCompactCodesPerByte - layer.n_out);
    part.data += db_lines(pack_compact_columns(layer, first), fmt::format("L{}_W", k + 1));
  }
  if (cached_query) {
    part.data += fmt::format(
        "; layer 1 nibble columns of the query inputs 0..{} (fast_query_columns.h, NET_QUERY)\n",
        query_buckets(m.encoding) - 1);
    part.data += db_lines(fast_query_columns(m.layers[0], query_buckets(m.encoding)), "L1_QCOL");
  }
  part.bss.push_back({"COL_SLOT0", 2, false, "compact engine: accumulator of slot 0 in this layer"});
  if (two_input_blocks)
    part.bss.push_back({"COL_MORE", 1, false, "compact engine: inputs of layer 1's second block, 0 once done"});
  if (cached_query) {
    part.bss.push_back({"CQ_X", 2, false, "compact engine: x (NET_QUERY)"});
    part.bss.push_back({"CQ_N", 2, false, "compact engine: -x (NET_QUERY)"});
    part.bss.push_back({"QCACHE", 512, true, "compact engine: layer 1 over the query (split pages)"});
  }
  part.bss.push_back({"NET_A", 512, true, "compact engine: vector of layers 1, 3, ... (split pages)"});
  if (n_layers > 1)
    part.bss.push_back({"NET_B", 512, true, "compact engine: vector of layers 2, 4, ... (split pages)"});
  return part;
}

}  // namespace z80lm::z80
