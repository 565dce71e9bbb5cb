// chat_core.h — the target-independent Z80 chat routines: query span, tokenizer, context, argmax,
// generate loop. One implementation for every target and engine.
//
//   AsmPart core = chat_core_asm(model, {.put_char = "PUT_CHAR"});
//   // the target's shell then does:  LD HL,text / LD B,length / CALL QUERY_SPAN / JR Z,empty
//   //                                 CALL ANSWER     ; prints the answer with PUT_CHAR
//
// Routines (all may clobber every register except IY and SP):
//   QUERY_SPAN  HL = text, B = length (0..255) -> HL = first non-space byte, B = bytes to hash
//               (at most QUERY_MAX, trailing spaces dropped); Z set when nothing is left.
//   ANSWER      HL, B as QUERY_SPAN returns them (B >= 1): tokenizes the query, then generates
//               up to MAX_CHARS characters, printing each as soon as it is chosen by calling
//               the target's put_char routine with A = the character.
// It owns NET_IN (v3: and NET_IN2) and NET_CTX (engine.h: the query and context blocks of split
// int16 inputs) and computes them byte for byte as text/encoder.h specifies for the model's
// encoding: trigram h = (c1*31+c2)*31+c3 adds 32 to query bucket h & 127 (v1), sets bucket
// h & 255 to 32 (v2) or sets bucket h & 511 to 32 (v3: 0..255 in NET_IN, 256..511 in NET_IN2);
// context n-grams from start p*7 add 32 to context bucket h & 127; 'A'..'Z' folded. Per
// character it zeroes only the context buckets the previous character hit and lists the ones
// it hits in CTX_LIST, CTX_HITS of them (engine.h), so an engine may skip the zero buckets
// without looking. v1, v2 and the context only need the hashes' low 8 bits, computed modulo
// 256 in A; v3's query hash needs 9 and is computed in HL. Argmax: first maximum of the
// engine's output.
// Not modelled: line input and quitting (the target's shell decides what a line is).
#pragma once
#include <string>

#include "model/model.h"
#include "z80/asm_part.h"

namespace z80lm::z80 {

struct ChatCoreIo {
  std::string put_char = "PUT_CHAR";  // routine printing A; may clobber all but IY, SP
};

AsmPart chat_core_asm(const Model& m, const ChatCoreIo& io);

}  // namespace z80lm::z80
