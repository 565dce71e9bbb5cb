// `z80lm data gen` — write query|response pairs with an LLM (Ollama, Anthropic, OpenAI-compatible).
#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli/command.h"
#include "data/chat_mode.h"
#include "data/guess_mode.h"
#include "data/http_client.h"
#include "text/pairs.h"
#include "util/error.h"
#include "util/file_io.h"
#include "util/path_guard.h"

namespace {

// The text of `value`, or of the file it names.
std::string text_or_file(const std::string& value) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(value, ec)) return z80lm::read_file(value);
  return value;
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

z80lm::cli::Registration reg{
    "data gen", "Generate query|response pairs with an LLM (20-questions or chatbot data)", 60,
    [](CLI::App& sub) {
      struct Opts {
        std::string mode = "guess", backend = "ollama", model, base_url, ollama_api = "chat", output;
        int64_t count = 100;
        int batch = 10, stale = 5, retries = 4, max_tokens = 1024;
        double timeout = 120, backoff = 1.0, temperature = 0.8, price_in = 0, price_out = 0;
        std::optional<uint64_t> seed;
        std::vector<std::string> known;
        z80lm::GuessOptions guess;
        std::string persona, vocab, intents;
      };
      auto o = std::make_shared<Opts>();
      sub.footer(
          "Pairs go to stdout (or -o FILE, rewritten atomically after every batch); progress, tokens and "
          "cost to "
          "stderr.\nExamples:\n"
          "  z80lm data gen --topic chair -n 500 --nonsense -o chair.txt\n"
          "  z80lm data gen --backend anthropic --topic elephant -n 1000 -p 3 --price-in 3 --price-out 15\n"
          "  z80lm data gen --mode chat --backend openai --model qwen2.5 --vocab 'HI,BYE,YES,NO,WHY?' -n "
          "300");
      sub.add_option("--mode", o->mode,
                     "guess: 20-questions data about --topic; chat: chatbot pairs for --persona")
          ->check(CLI::IsMember({"guess", "chat"}))
          ->capture_default_str();
      sub.add_option("--backend", o->backend,
                     "ollama, anthropic (needs ANTHROPIC_API_KEY) or openai (any "
                     "/v1/chat/completions server; OPENAI_API_KEY optional)")
          ->check(CLI::IsMember({"ollama", "anthropic", "openai"}))
          ->capture_default_str();
      sub.add_option("-m,--model", o->model,
                     "model name (default: gemma2:9b for ollama, claude-sonnet-4-20250514 for "
                     "anthropic; required for openai)");
      sub.add_option("--base-url", o->base_url,
                     "server address (default: http://localhost:11434, "
                     "https://api.anthropic.com, http://localhost:8080)");
      sub.add_option("--ollama-api", o->ollama_api,
                     "Ollama endpoint: chat (/api/chat) or generate (/api/generate)")
          ->check(CLI::IsMember({"chat", "generate"}))
          ->capture_default_str();
      sub.add_option("-n,--count", o->count,
                     "pairs to write from the LLM (fixed WIN/NO/nonsense lines come on top)")
          ->check(CLI::PositiveNumber)
          ->capture_default_str();
      sub.add_option("-b,--batch", o->batch, "questions or messages asked for per LLM call")
          ->check(CLI::Range(1, 100))
          ->capture_default_str();
      sub.add_option("-o,--output", o->output, "write the pairs to FILE instead of stdout");
      sub.add_option("--known", o->known,
                     "data files whose queries count as already written (to extend a set)");
      sub.add_option("--seed", o->seed,
                     "seed for the prompt choices, also sent to backends that accept one "
                     "(default: from the clock, printed)");
      sub.add_option("--temperature", o->temperature, "sampling temperature")->capture_default_str();
      sub.add_option("--max-tokens", o->max_tokens, "reply token limit per call")
          ->check(CLI::PositiveNumber)
          ->capture_default_str();
      sub.add_option("--retries", o->retries, "retries after HTTP 429/5xx or a timeout")
          ->check(CLI::Range(0, 20))
          ->capture_default_str();
      sub.add_option("--timeout", o->timeout, "seconds to wait for one reply")
          ->check(CLI::PositiveNumber)
          ->capture_default_str();
      sub.add_option("--backoff", o->backoff,
                     "seconds before the first retry (doubles each time; Retry-After wins)")
          ->check(CLI::NonNegativeNumber)
          ->capture_default_str();
      sub.add_option("--stale", o->stale, "stop after this many batches in a row without a new pair")
          ->check(CLI::Range(1, 1000))
          ->capture_default_str();
      sub.add_option("--price-in", o->price_in, "USD per million input tokens, for the cost estimate");
      sub.add_option("--price-out", o->price_out, "USD per million output tokens, for the cost estimate");
      // guess
      sub.add_option("-t,--topic", o->guess.topic, "guess: the secret thing (e.g. chair)");
      sub.add_option("-d,--distractors", o->guess.distractors,
                     "guess: wrong guesses to ask for, each written as 10 NO lines")
          ->check(CLI::NonNegativeNumber)
          ->capture_default_str();
      sub.add_flag("--nonsense", o->guess.nonsense,
                   "guess: add fixed off-topic phrases answered --nonsense-answer");
      sub.add_option("--nonsense-answer", o->guess.nonsense_answer, "guess: the answer for --nonsense lines")
          ->capture_default_str();
      sub.add_option("-p,--paraphrase", o->guess.paraphrases,
                     "guess: LLM paraphrases per question (one call each)")
          ->check(CLI::Range(0, 20))
          ->capture_default_str();
      sub.add_flag(
          "--no-variants", [o](int64_t) { o->guess.variants = false; },
          "guess: no pronoun (is it -> is this) or bare (is it big -> big) variants");
      sub.add_flag("--yes-only", o->guess.yes_only, "guess: only YES questions (to rebalance a set)");
      sub.add_flag("--win-only", o->guess.win_only, "guess: only ways to guess the topic (WIN)");
      // chat
      sub.add_option("--persona", o->persona,
                     "chat: who the bot is (default: a friendly bot of very few words)");
      sub.add_option("--vocab", o->vocab,
                     "chat: allowed replies, comma-separated or a file with one per line");
      sub.add_option("--intents", o->intents,
                     "chat: user intents, comma-separated or a file with one per line "
                     "(default: 50 built-in small-talk intents)");
      return [o] {
        using namespace z80lm;
        BackendConfig cfg;
        cfg.kind = parse_backend_kind(o->backend);
        cfg.model = o->model;
        cfg.base_url = o->base_url;
        cfg.ollama_generate = o->ollama_api == "generate";
        cfg.timeout_seconds = o->timeout;
        cfg.retry = {o->retries, o->backoff, 120.0};
        cfg.log = [](const std::string& line) { fmt::print(stderr, "gen: {}\n", line); };
        if (cfg.kind == BackendKind::anthropic) cfg.api_key = env_or_empty("ANTHROPIC_API_KEY");
        if (cfg.kind == BackendKind::openai) cfg.api_key = env_or_empty("OPENAI_API_KEY");

        ChatOptions chat;
        if (o->mode == "guess") {
          if (o->guess.topic.empty())
            throw Error("--mode guess needs --topic", "e.g. z80lm data gen --topic chair -n 500");
          if (o->guess.yes_only && o->guess.win_only)
            throw Error("--yes-only and --win-only exclude each other",
                        "run twice and concatenate the outputs");
          o->guess.batch = o->batch;
        } else {
          if (o->vocab.empty())
            throw Error("--mode chat needs --vocab",
                        "e.g. --vocab 'HI,BYE,YES,NO,OK,WHY?' or --vocab replies.txt");
          chat.vocab = parse_vocab(text_or_file(o->vocab), "--vocab");
          if (!o->persona.empty()) chat.persona = o->persona;
          if (!o->intents.empty()) chat.intents = parse_intents(text_or_file(o->intents));
          chat.batch = o->batch;
        }

        std::vector<NamedPath> inputs;
        for (const auto& f : o->known) inputs.push_back({"--known", f});
        for (const NamedPath& f : {NamedPath{"--vocab", o->vocab}, NamedPath{"--intents", o->intents}})
          if (std::error_code ec; std::filesystem::is_regular_file(f.path, ec)) inputs.push_back(f);
        check_paths(inputs, {{"-o", o->output}});
        auto http = make_curl_client();
        auto llm = make_backend(cfg, *http);

        GenOptions gen;
        gen.target = o->count;
        gen.stale_limit = o->stale;
        gen.max_tokens = o->max_tokens;
        gen.temperature = o->temperature;
        gen.seed = o->seed;
        gen.prompt_seed =
            o->seed ? *o->seed
                    : static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) %
                          1000000007u;
        gen.price_in = o->price_in;
        gen.price_out = o->price_out;

        GenSession::Sink sink;
        if (o->output.empty()) {
          sink = [](const std::vector<std::string>& lines, size_t first_new) {
            for (size_t i = first_new; i < lines.size(); ++i) fmt::print("{}\n", lines[i]);
            std::fflush(stdout);
          };
        } else {
          sink = [path = o->output](const std::vector<std::string>& lines, size_t first_new) {
            if (first_new == lines.size() && first_new != 0) return;
            std::string text;
            for (const auto& l : lines) text += l + "\n";
            write_file_atomic(path, text);
          };
        }
        GenSession session(*llm, gen, sink,
                           [](const std::string& line) { fmt::print(stderr, "{}\n", line); });
        if (!o->known.empty()) {
          auto known = load_pairs(o->known, {false, true});
          for (const auto& p : known.pairs) session.add_known(p.query);
          session.note(fmt::format("{} known queries from {} file(s) will not be written again",
                                   known.pairs.size(), o->known.size()));
        }
        session.note(fmt::format("{} mode with {}; prompt seed {}{}", o->mode, llm->describe(),
                                 gen.prompt_seed, o->seed ? "" : " (pass --seed to repeat)"));
        if (o->mode == "guess")
          run_guess(session, o->guess);
        else
          run_chat(session, chat);
        session.finish();
        if (!o->output.empty()) session.note(fmt::format("pairs in {}", o->output));
        return 0;
      };
    }};

}  // namespace
