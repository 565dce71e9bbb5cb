// export_test_support.h — helpers for the export_*_test.cpp files: models built from a seed,
// running an exported program (whole chat, or just the network) in the CP/M machine.
//
//   Model m = random_model({32, 16}, test_charset(12), /*seed=*/7);
//   BuiltProgram p = export_program(m, {});
//   std::vector<int16_t> y = run_network(p, x, &t_states);   // NET_RUN only, output vector
//   ChatTranscript t; t.expect_prompt(); t.type("hello"); t.expect_answer(m, "hello"); ...
//   Model chatty = chatty_model({24, 12}, 12, /*seed=*/3);   // answers of varied length
//   std::string q = random_query(rng);                       // words as people type them
//
// Random numbers come from util/rng.h splitmix64 (not <random> distributions, whose
// output differs between standard libraries), so seeded models and golden values hold anywhere.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "emu_test_support.h"
#include "infer/reference.h"
#include "model/model.h"
#include "test_models.h"
#include "text/encoder.h"
#include "z80/engine.h"
#include "z80/engine_fast.h"
#include "z80/exporter.h"
#include "z80/program_cpm.h"

namespace z80lm::export_testing {

// A splitmix64 stream (util/rng.h), so seeded models and inputs are the same everywhere.
struct Rng {
  uint64_t state;
  explicit Rng(uint64_t seed) : state(seed) {}
  uint64_t next() { return z80lm::splitmix64(state); }
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
};

// Probabilities (in percent) of the weight codes -2, -1, +1; the rest are 0.
struct WeightMix {
  int minus_two = 1, minus_one = 15, plus_one = 14;
};

inline void draw_weights(Layer& l, WeightMix mix, Rng& rng) {
  const int minus_one_below = mix.minus_two + mix.minus_one, plus_one_below = minus_one_below + mix.plus_one;
  for (int8_t& w : l.w) {
    const int r = rng.below(100);
    w = static_cast<int8_t>(r < mix.minus_two ? -2 : r < minus_one_below ? -1 : r < plus_one_below ? 1 : 0);
  }
}

// `n` distinct printable symbols (letters first, so answers are readable) then the end symbol.
inline std::string test_charset(int n) {
  const std::string symbols =
      " ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!?.,'-abcdefghijklmnopqrstuvwxyz#$%&()*+/:;<=>@";
  return symbols.substr(0, static_cast<size_t>(n - 1)) + std::string(1, '\0');
}

// test::random_model (test_models.h): input_size(encoding) -> widths... (the last = charset size).
inline Model random_model(const std::vector<int>& widths, const std::string& charset, uint64_t seed,
                          Encoding encoding = Encoding::v1) {
  return test::random_model(seed, std::vector<int>(widths.begin(), widths.end() - 1),
                            charset.substr(0, charset.size() - 1), encoding);
}

// The same shape with the weights drawn again from `mix`.
inline Model random_model(const std::vector<int>& widths, const std::string& charset, uint64_t seed,
                          WeightMix mix, Encoding encoding = Encoding::v1) {
  Model m = random_model(widths, charset, seed, encoding);
  Rng rng(seed ^ 0x5EED);
  for (Layer& l : m.layers) draw_weights(l, mix, rng);
  return m;
}

// The fast engine's code for targets that keep interrupts on (no SP streaming: the ZX
// Spectrum's flavour), built for CP/M so that the same suites check it.
struct PortableFastEngine : z80::FastEngine {
  z80::AsmPart generate(const Model& m, const z80::EngineTarget&) const override {
    return FastEngine::generate(m);
  }
};
inline constexpr std::string_view kPortableFast = "fast_portable";

// The engines every export suite runs for (parameterised tests: INSTANTIATE_TEST_SUITE_P): each
// registered engine, then kPortableFast.
inline const std::vector<std::string>& export_engines() {
  static const std::vector<std::string> engines = [] {
    std::vector<std::string> e = z80::engine_names();
    e.emplace_back(kPortableFast);
    return e;
  }();
  return engines;
}

inline std::string engine_test_name(const ::testing::TestParamInfo<std::string>& engine) {
  return engine.param;
}

inline z80::BuiltProgram export_cpm(const Model& m, const std::string& engine = "compact",
                                    uint32_t min_tpa_top = z80::kDefaultMinTpaTop) {
  if (engine == kPortableFast) return z80::build_cpm_program(m, PortableFastEngine(), min_tpa_top);
  return z80::export_program(m, {.target = "cpm", .engine = engine, .min_tpa_top = min_tpa_top});
}

inline uint16_t symbol(const z80::BuiltProgram& p, const std::string& name) {
  auto it = p.symbols.find(name);
  if (it == p.symbols.end()) ADD_FAILURE() << "no symbol " << name;
  return it == p.symbols.end() ? 0 : it->second;
}

// The network inputs x (N_QUERY + 128 int16 values) in `cpu`'s memory: the query block at
// NET_IN (v3: and NET_IN2), the context block at NET_CTX (engine.h), split pages; CTX_LIST lists the nonzero
// context buckets, in descending order (the chat core lists them as they are first hit: no engine
// may rely on an order), or `context_list` (offsets 128..255 in NET_CTX's page) when given.
inline void write_network_inputs(emu::Z80Cpu& cpu, const z80::BuiltProgram& p, const int16_t* x,
                                 const std::vector<uint8_t>* context_list = nullptr) {
  const int n_query = symbol(p, "N_QUERY");
  const uint16_t net_ctx = symbol(p, "NET_CTX");
  std::vector<uint8_t> hits;
  // The query block: NET_IN holds inputs 0..255, NET_IN2 (encoding v3) 256..511.
  const auto query_at = [&](int i) {
    return static_cast<uint16_t>(i < 256 ? symbol(p, "NET_IN") + i : symbol(p, "NET_IN2") + i - 256);
  };
  for (int i = 0; i < n_query + kContextBuckets; ++i) {
    const auto at = i < n_query ? query_at(i) : static_cast<uint16_t>(net_ctx + i - n_query);
    cpu.write_byte(at, static_cast<uint8_t>(static_cast<uint16_t>(x[i]) & 0xFF));
    cpu.write_byte(static_cast<uint16_t>(at + 256), static_cast<uint8_t>(static_cast<uint16_t>(x[i]) >> 8));
    if (i >= n_query && x[i] != 0) hits.insert(hits.begin(), static_cast<uint8_t>(at & 0xFF));
  }
  if (context_list) hits = *context_list;
  cpu.write_byte(symbol(p, "CTX_HITS"), static_cast<uint8_t>(hits.size()));
  for (size_t k = 0; k < hits.size(); ++k)
    cpu.write_byte(static_cast<uint16_t>(symbol(p, "CTX_LIST") + k), hits[k]);
}

// The output vector y in `cpu`'s memory: NET_OUT's N_OUT int16 values v (split pages), y = v >> 2
// when OUT_STEP is 4 (engine.h).
inline std::vector<int16_t> network_outputs(const emu::Z80Cpu& cpu, const z80::BuiltProgram& p) {
  const uint16_t out = symbol(p, "NET_OUT");
  const int n_out = static_cast<int>(symbol(p, "N_OUT"));
  const uint16_t step = symbol(p, "OUT_STEP");
  EXPECT_TRUE(step == 1 || step == 4) << "OUT_STEP " << step;
  std::vector<int16_t> y(static_cast<size_t>(n_out));
  for (int o = 0; o < n_out; ++o) {
    const auto at = static_cast<uint16_t>(out + 256 - n_out + o);
    const auto v =
        static_cast<int16_t>(cpu.read_byte(at) | (cpu.read_byte(static_cast<uint16_t>(at + 256)) << 8));
    y[o] = static_cast<int16_t>(step == 4 ? v >> 2 : v);  // arithmetic: floor
  }
  return y;
}

// Runs NET_QUERY then NET_RUN on NET_IN = x (256 values) from a stub at kNetworkStub:
// `CALL NET_QUERY` then `JP NET_RUN` (or `RET` when `with_run` is false); the initial stack
// holds 0000h, so the last RET ends the run. Returns the finished machine's T-states.
inline constexpr uint16_t kNetworkStub = 0x0040;  // page zero scratch: unused by the CP/M machine

inline uint64_t run_network_stub(emu::CpmMachine& machine, const z80::BuiltProgram& p, const int16_t* x,
                                 bool with_run, const std::vector<uint8_t>* context_list = nullptr) {
  machine.load(p.binary, {}, "net.com");
  emu::Z80Cpu& cpu = machine.cpu();
  write_network_inputs(cpu, p, x, context_list);
  const uint16_t query = symbol(p, "NET_QUERY"), run = symbol(p, "NET_RUN");
  const uint8_t stub[] = {0xCD, static_cast<uint8_t>(query & 0xFF), static_cast<uint8_t>(query >> 8),  // CALL
                          0xC3, static_cast<uint8_t>(run & 0xFF),   static_cast<uint8_t>(run >> 8)};   // JP
  for (size_t k = 0; k < (with_run ? sizeof stub : 3); ++k)
    cpu.write_byte(static_cast<uint16_t>(kNetworkStub + k), stub[k]);
  if (!with_run) cpu.write_byte(kNetworkStub + 3, 0xC9);  // RET
  cpu.set_pc(kNetworkStub);
  emu::RunResult r = machine.run();
  EXPECT_EQ(r.reason, emu::ExitReason::kWarmBoot) << r.message;
  return r.t_states;
}

// Runs only the network (NET_QUERY, then NET_RUN) on NET_IN = x; returns the output vector.
// `t_states` receives the cost of NET_RUN plus its final RET (NET_QUERY's cost is measured in a
// second run and subtracted). `context_list`: CTX_LIST as write_network_inputs takes it.
inline std::vector<int16_t> run_network(const z80::BuiltProgram& p, const int16_t* x,
                                        uint64_t* t_states = nullptr,
                                        const std::vector<uint8_t>* context_list = nullptr) {
  emu::ScriptedConsole console;
  emu::CpmMachine machine(console, {.max_t_states = 2'000'000'000});
  const uint64_t total = run_network_stub(machine, p, x, true, context_list);
  if (t_states) {
    emu::ScriptedConsole query_console;
    emu::CpmMachine query_only(query_console, {.max_t_states = 2'000'000'000});
    *t_states = total - run_network_stub(query_only, p, x, false);
  }
  return network_outputs(machine.cpu(), p);
}

// What a chat session must look like, built the way a user experiences it: the program's
// output and the user's keys in order. BDOS 1 echoes every key typed, the CR included; the
// whole line is read, however long, and answered once.
struct ChatTranscript {
  std::string input;   // keys typed
  std::string output;  // everything the program (and the BDOS echo) prints

  void expect_prompt() { output += "\r\n> "; }
  void type_line(const std::string& line) {
    input += line + "\r";
    output += line + "\r\r\n";
  }
  void expect(const std::string& text) { output += text; }
  // One full exchange: prompt, the query typed, the answer.
  void ask(const std::string& query, const std::string& answer) {
    expect_prompt();
    type_line(query);
    expect(answer);
  }
  // The same with the answer the reference computes for the whole line (`z80lm chat`).
  void ask(const Model& m, const std::string& query) { ask(query, generate_reference(m, query)); }
};

inline emu::testing::CpmRun run_chat(const z80::BuiltProgram& p, const std::string& input,
                                     const std::vector<std::string>& args = {}, emu::CpmConfig config = {}) {
  if (config.max_t_states == 0) config.max_t_states = 200'000'000'000ull;
  return emu::testing::run_cpm_binary(p.binary, input, std::move(config), args);
}

// Words, spaces and punctuation as people type them; never '!' first (that quits).
inline std::string random_query(Rng& rng) {
  static const char* const kWords[] = {"hello", "how", "are", "you",  "WHAT", "is", "this",
                                       "ok",    "Bye", "z80", "?",    "!",    "no", "yes",
                                       "tell",  "me",  "a",   "joke", "CP/M", "42"};
  std::string q(static_cast<size_t>(rng.below(3)), ' ');  // leading spaces are skipped
  for (int n = 1 + rng.below(6); n > 0; --n)
    q += std::string(kWords[rng.below(20)]) + (rng.below(4) ? " " : "  ");
  if (rng.below(3) == 0) q.pop_back();  // sometimes no trailing space
  return q.find_first_not_of(' ') == q.find('!') ? "so" + q : q;
}

// A seeded model whose end-symbol bias is chosen so that answers vary in length (random
// weights otherwise tend to answer nothing or always 50 characters).
inline Model chatty_model(const std::vector<int>& widths, int charset_size, uint64_t seed,
                          Encoding encoding = Encoding::v1) {
  Model m = random_model(widths, test_charset(charset_size), seed, encoding);
  int best_bias = 0, best_varied = -1;
  for (int bias = -100; bias <= 300; bias += 10) {
    m.layers.back().b.back() = static_cast<int16_t>(bias);
    Rng rng(seed);
    int varied = 0;
    for (int k = 0; k < 16; ++k) {
      size_t n = generate_reference(m, random_query(rng)).size();
      varied += n > 0 && n < static_cast<size_t>(kMaxGenerate);
    }
    if (varied > best_varied) best_bias = bias, best_varied = varied;
  }
  m.layers.back().b.back() = static_cast<int16_t>(best_bias);
  return m;
}

}  // namespace z80lm::export_testing
