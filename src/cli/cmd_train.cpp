// `z80lm train` — quantization-aware training of the integer model the Z80 runs.
#include <fmt/core.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "cli/command.h"
#include "model/model_file.h"
#include "train/session.h"

namespace {

std::atomic<bool> g_stop{false};

// First Ctrl+C: finish the current mini-batch, save everything, exit 130. Second: default
// action (the process ends at once; the last checkpoint on disk stays valid).
extern "C" void on_sigint(int) {
  g_stop.store(true);
  static const char msg[] = "\nz80lm train: stopping after this batch (saving); Ctrl+C again aborts\n";
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
  std::signal(SIGINT, SIG_DFL);
}

// This process's command line (Linux /proc), without --resume: provenance must not differ
// between a resumed run and an uninterrupted one.
std::string command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string cmd;
  size_t start = 0;
  for (size_t i = 0; i <= raw.size(); ++i) {
    if (i < raw.size() && raw[i] != '\0') continue;
    std::string arg = raw.substr(start, i - start);
    start = i + 1;
    if (arg.empty() && i == raw.size()) break;
    if (cmd.empty()) arg = std::filesystem::path(arg).filename().string();
    if (arg == "--resume") continue;
    if (arg.empty() || arg.find_first_of(" \t'\"\\$") != std::string::npos) {
      std::string quoted = "'";
      for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      arg = quoted + "'";
    }
    cmd += (cmd.empty() ? "" : " ") + arg;
  }
  return cmd.empty() ? std::string("z80lm train") : cmd;
}

std::string default_model_path(const std::vector<std::string>& data) {
  if (data.empty() || data.front() == "-") return "model.zlm";
  return std::filesystem::path(data.front()).filename().replace_extension(z80lm::kModelExtension).string();
}

z80lm::cli::Registration reg{
    "train", "Train a 2-bit model that is exact on the Z80 (quantization-aware, resumable)", 5,
    [](CLI::App& sub) {
      auto o = std::make_shared<z80lm::SessionOptions>();
      auto target = std::make_shared<double>(0);
      auto progress = std::make_shared<std::string>("auto");
      z80lm::TrainConfig& c = o->config;
      z80lm::Schedule& s = c.schedule;
      o->max_epochs = 100;
      sub.footer(
          "The float model computes exactly what the Z80 computes (inputs ×32, integer codes, integer "
          "biases,\n"
          "floor(acc/4), ReLU) and the saved model is the one with the best exact integer IntAcc.\n"
          "Files beside the model: MODEL.ckpt (resume with --resume), MODEL.metrics.jsonl, MODEL.svg.\n"
          "Ctrl+C saves the checkpoint and the best model, then exits with code 130.\n"
          "Same data, options, --seed and --threads: byte-identical model, also across --resume.\n"
          "Example: z80lm train tinychat.txt -o tinychat.zlm --time-limit 60 --val heldout.txt");

      // Data and files.
      sub.add_option("DATA", o->data, "query|response training files (- = stdin)")->required();
      auto* out_opt =
          sub.add_option("-o,--output", o->model_path, "the model to write (default: DATA name with .zlm)");
      sub.add_option("--val", o->val,
                     "held-out query|response file(s): IntAcc and greedy exact-match are reported");
      sub.add_flag("--strict", o->strict,
                   "fail on the first malformed data line (default: report file:line, skip)");
      sub.add_option("--checkpoint", o->checkpoint_path, "checkpoint file (default: MODEL.ckpt)");
      sub.add_flag("--resume", o->resume,
                   "continue from the checkpoint (bit for bit; --epochs counts all epochs)");
      sub.add_flag("--force", o->force,
                   "start a new run even if the checkpoint file exists (it is overwritten); without "
                   "--force or --resume an existing checkpoint is never touched");
      sub.add_option("--log", o->log_path,
                     "JSONL metrics log, one line per epoch (default: MODEL.metrics.jsonl)");
      sub.add_option("--plot", o->plot_path, "SVG plot of CE and IntAcc (default: MODEL.svg)");
      // When to stop.
      sub.add_option("-e,--epochs", o->max_epochs, "stop after this many epochs in total (0 = no limit)")
          ->capture_default_str();
      sub.add_option("--max-steps", o->max_steps,
                     "stop after this many optimiser steps in total (0 = no limit)");
      sub.add_option("--time-limit", o->time_limit, "stop after this many seconds of this run (0 = none)");
      sub.add_option("--target-intacc", *target,
                     "stop when the best IntAcc reaches this percentage (e.g. 95)")
          ->check(CLI::Range(0.0, 100.0));
      sub.add_option("--checkpoint-every", o->checkpoint_every, "seconds between checkpoints")
          ->capture_default_str();
      sub.add_option("--val-every", o->val_every, "epochs between held-out evaluations")
          ->capture_default_str();
      sub.add_option("--progress", *progress, "auto (bar on a terminal), bar or lines")
          ->check(CLI::IsMember({"auto", "bar", "lines"}))
          ->capture_default_str();

      // Training options (recorded in the checkpoint; on --resume they must agree with it).
      std::vector<std::pair<CLI::Option*, std::string>> config_opts;
      auto opt = [&](const std::string& flags, auto& value, const std::string& key, const std::string& help) {
        config_opts.emplace_back(sub.add_option(flags, value, help)->capture_default_str()->group("Training"),
                                 key);
      };
      opt("--hidden", c.hidden, "hidden", "hidden layer sizes, e.g. 256,192,128 (each 1..256)");
      config_opts.back().first->delimiter(',');
      config_opts.emplace_back(
          sub.add_option(
                 "--encoding", c.encoding,
                 "how a query becomes inputs: v2 (256 presence buckets, 384 inputs: fewer collisions, "
                 "better on unseen phrasings), v3 (512 presence buckets, 640 inputs: fewer collisions "
                 "again, a larger first layer) or v1 (the original's 128 count buckets, 256 inputs)")
              ->transform(CLI::CheckedTransformer(std::map<std::string, z80lm::Encoding>{
                  {"v1", z80lm::Encoding::v1}, {"v2", z80lm::Encoding::v2}, {"v3", z80lm::Encoding::v3}}))
              ->default_str("v2")
              ->group("Training"),
          "encoding");
      opt("--seed", c.seed, "seed", "random seed (initialisation and shuffling)");
      opt("-j,--threads", c.threads, "threads",
          "threads; the result depends on it (the batch is split in fixed parts)");
      opt("--batch", c.batch, "batch", "examples per optimiser step");
      opt("--lr", s.lr, "lr", "peak learning rate (Adam, latent weights)");
      opt("--lr-final", s.lr_final, "lr_final",
          "learning rate at the end of the cosine decay, as a fraction of --lr");
      opt("--warmup-epochs", s.warmup_epochs, "warmup_epochs", "linear learning-rate warm-up");
      opt("--decay-epochs", s.decay_epochs, "decay_epochs",
          "length of the cosine decay (independent of --epochs)");
      opt("--quant-start", s.quant_start, "quant_start",
          "progressive quantization: temperature at epoch 0 (1 = exact codes from the start)");
      opt("--quant-ramp-epochs", s.quant_ramp_epochs, "quant_ramp_epochs", "epochs to reach temperature 1");
      opt("--bias-lr", c.bias_lr, "bias_lr",
          "bias learning rate as a multiple of --lr (biases are in Z80 units)");
      opt("--weight-decay", c.weight_decay, "weight_decay", "decoupled weight decay (AdamW)");
      opt("--grid-pull", c.grid_pull, "grid_pull", "weight of the loss pulling latent weights to the grid");
      opt("--query-dropout", c.query_dropout, "query_dropout",
          "drop each query trigram hit with this probability (augmentation for unseen phrasings)");
      opt("--ema", c.ema, "ema",
          "make the models (best and final) from an exponential moving average of the latent weights "
          "with this decay per step (e.g. 0.999; 0 = off, the weights themselves)");
      opt("--scale-quantile", c.scale_quantile, "scale_quantile", "per-layer scale = this quantile of |w|");
      opt("--sparsity", c.sparsity, "sparsity",
          "make at least this fraction of every layer's weights 0 (e.g. 0.78: a tinychat-size model the "
          "fast Z80 engine can hold in a 48K CP/M; 0 = plain rounding), or one fraction per weight layer, "
          "first layer first (e.g. 0.86,0.82,0.8 for --hidden 192,192)");
      config_opts.back().first->delimiter(',');
      config_opts.emplace_back(sub.add_flag("--scale-per-step", c.scale_per_step,
                                            "recompute the scales every step (default: fixed at init)")
                                   ->group("Training"),
                               "scale_per_step");
      opt("--logit-scale", c.loss.logit_scale, "logit_scale", "CE uses softmax(this × integer outputs)");
      opt("--acc-limit", c.loss.acc_limit, "acc_limit",
          "accumulators beyond ±this are penalised (int16: 32767)");
      opt("--overflow-weight", c.loss.overflow_weight, "overflow_weight", "weight of the overflow penalty");
      opt("--activity-penalty", c.loss.activity_weight, "activity_weight",
          "weight of an L1 loss on hidden values (e.g. 0.0001; 0 = off): fewer nonzero ones make the fast "
          "Z80 engine faster");
      opt("--label-smoothing", c.loss.label_smoothing, "label_smoothing",
          "cross-entropy target: 1 - this on the right symbol, this spread over all symbols (e.g. 0.1; "
          "0 = off)");
      opt("--eval-every", c.eval_every, "eval_every",
          "epochs between exact IntAcc evaluations (best-model candidates)");

      return [=] {
        for (const auto& [option, key] : config_opts)
          if (option->count() > 0) o->explicit_options.push_back(key);
        if (out_opt->count() == 0) o->model_path = default_model_path(o->data);
        o->target_int_acc = *target / 100.0;
        o->progress_tty = *progress == "bar" || (*progress == "auto" && ::isatty(STDERR_FILENO));
        o->command = command_line();
        g_stop.store(false);
        std::signal(SIGINT, on_sigint);
        z80lm::SessionResult r = z80lm::run_training_session(*o, &g_stop);
        std::signal(SIGINT, SIG_DFL);
        return r.exit_code;
      };
    }};

}  // namespace
