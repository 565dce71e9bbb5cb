#include "train/session.h"

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>

#include "model/model_file.h"
#include "text/charset.h"
#include "text/examples.h"
#include "train/checkpoint.h"
#include "train/metrics_log.h"
#include "train/plot_svg.h"
#include "train/progress.h"
#include "util/error.h"
#include "util/file_io.h"
#include "util/path_guard.h"
#include "util/printable.h"

namespace z80lm {

namespace {

using Clock = std::chrono::steady_clock;

struct Paths {
  std::string model, checkpoint, log, plot;
};

Paths resolve_paths(const SessionOptions& o) {
  if (o.model_path.empty()) throw Error("no model path given", "name the output with -o MODEL.zlm");
  return {o.model_path, o.checkpoint_path.empty() ? o.model_path + ".ckpt" : o.checkpoint_path,
          o.log_path.empty() ? o.model_path + ".metrics.jsonl" : o.log_path,
          o.plot_path.empty() ? o.model_path + ".svg" : o.plot_path};
}

std::string files_label(const std::vector<std::string>& files) {
  std::string s;
  for (const auto& f : files) s += (s.empty() ? "" : ", ") + (f == "-" ? std::string("<stdin>") : f);
  return s;
}

// "78%" or "85%, 80%, 80%, 78%".
std::string sparsity_text(const TrainConfig& c) {
  std::string s;
  for (double v : c.sparsity) s += fmt::format("{}{:g}%", s.empty() ? "" : ", ", 100 * v);
  return s;
}

std::string architecture(const NetShape& shape) {
  std::string s = std::to_string(shape.widths[0]);
  for (size_t i = 1; i < shape.widths.size(); ++i) s += "→" + std::to_string(shape.widths[i]);
  return s;
}

// On resume the checkpoint's config rules; an option given again must agree with it.
TrainConfig resume_config(const Checkpoint& c, const SessionOptions& o, const std::string& path) {
  const nlohmann::json given = config_json(o.config), saved = config_json(c.config);
  for (const auto& key : o.explicit_options) {
    if (!given.contains(key) || given[key] == saved[key]) continue;
    std::string flag = key;
    for (char& ch : flag) ch = ch == '_' ? '-' : ch;
    throw Error(fmt::format("{}: --{} {} differs from the checkpoint's {}", path, flag, given[key].dump(),
                            saved[key].dump()),
                "drop the option to continue with the checkpoint's setting, or train without --resume");
  }
  return c.config;
}

void print_table(std::FILE* out, const SessionOptions& o, const Paths& paths, const TrainConfig& c,
                 const PairSet& train, size_t examples, const PairSet* val, const std::string& charset,
                 uint64_t hash, const Trainer& tr, bool resumed) {
  const Schedule& s = c.schedule;
  auto row = [&](const char* name, const std::string& value) {
    fmt::print(out, "  {:<14} {}\n", name, value);
  };
  fmt::print(out, "z80lm train — quantization-aware training of the exact Z80 integer model\n");
  row("data", fmt::format("{}: {} pairs → {} examples ({} lines rejected), fnv1a64 {:016x}",
                          files_label(o.data), train.pairs.size(), examples, train.issues.size(), hash));
  if (val)
    row("held-out", fmt::format("{}: {} pairs, evaluated every {} epochs", files_label(o.val),
                                val->pairs.size(), o.val_every));
  row("charset", fmt::format("{} symbols \"{}\"", charset.size(), charset_display(charset)));
  row("encoding", encoding_summary(c.encoding));
  row("network", fmt::format("{}, {} parameters, weights {{-2,-1,0,+1}}, int16 biases",
                             architecture(tr.shape()), tr.shape().total));
  row("seed", std::to_string(c.seed));
  row("threads", std::to_string(c.threads));
  row("batch", fmt::format("{} ({} steps per epoch, shuffled)", c.batch, tr.batches_per_epoch()));
  row("lr", fmt::format("{:g} (biases ×{:g}), warm-up {:g} epochs, cosine to ×{:g} over {:g} epochs", s.lr,
                        c.bias_lr, s.warmup_epochs, s.lr_final, s.decay_epochs));
  row("quantization", s.quant_ramp_epochs > 0 ? fmt::format("temperature {:g} → 1 over {:g} epochs",
                                                            s.quant_start, s.quant_ramp_epochs)
                                              : std::string("exact codes from the start (temperature 1)"));
  row("scale", fmt::format("{:g} quantile of |w| per layer, {}", c.scale_quantile,
                           c.scale_per_step ? "recomputed every step" : "fixed at initialisation"));
  if (any_sparsity(c))
    row("sparsity",
        fmt::format("at least {} zero weights {} (a zero band around 0), {}", sparsity_text(c),
                    c.sparsity.size() == 1 ? std::string("per layer") : fmt::format("in layers 1..{}", c.sparsity.size()),
                    s.quant_ramp_epochs > 0 ? fmt::format("ramped up over {:g} epochs", s.quant_ramp_epochs)
                                            : std::string("from the start")));
  row("regularisers", fmt::format("grid pull {:g}, weight decay {:g}{}", c.grid_pull, c.weight_decay,
                                  c.ema > 0 ? fmt::format("; models from a moving average (decay {:g})", c.ema)
                                            : std::string()));
  row("loss",
      fmt::format("CE on {:g} × outputs{}; overflow penalty {:g} beyond |acc| {:g}{}", c.loss.logit_scale,
                  c.loss.label_smoothing > 0 ? fmt::format(", label smoothing {:g}", c.loss.label_smoothing)
                                             : std::string(),
                  c.loss.overflow_weight, c.loss.acc_limit,
                  c.loss.activity_weight > 0
                      ? fmt::format("; activity penalty {:g} × Σ hidden values", c.loss.activity_weight)
                      : std::string()));
  std::string stop;
  if (o.max_epochs) stop += fmt::format("{} epochs", o.max_epochs);
  if (o.max_steps) stop += (stop.empty() ? "" : ", ") + fmt::format("{} steps", o.max_steps);
  if (o.time_limit > 0) stop += (stop.empty() ? "" : ", ") + fmt::format("{:g} s", o.time_limit);
  if (o.target_int_acc > 0)
    stop += (stop.empty() ? "" : ", ") + fmt::format("IntAcc {:g}%", 100 * o.target_int_acc);
  row("stop at", stop.empty() ? "Ctrl+C" : stop + " (or Ctrl+C)");
  row("files", fmt::format("model {}, checkpoint {}, log {}, plot {}", paths.model, paths.checkpoint,
                           paths.log, paths.plot));
  if (resumed)
    row("resumed", fmt::format("at epoch {} + {} batches (step {}), best IntAcc {:.2f}%", tr.state().epoch,
                               tr.state().batch_in_epoch, tr.state().step, 100 * tr.state().best.int_acc));
  std::fflush(out);
}

std::string provenance(const SessionOptions& o, const TrainConfig& c, const PairSet& train, size_t examples,
                       uint64_t hash, const TrainState& s, const BestModel& saved) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : o.data) files.push_back(f);
  nlohmann::json j = {{"tool", "z80lm train"},
                      {"version", Z80LM_VERSION},
                      {"data",
                       {{"files", files},
                        {"pairs", train.pairs.size()},
                        {"examples", examples},
                        {"fnv1a64", fmt::format("{:016x}", hash)}}},
                      {"seed", c.seed},
                      {"hidden", c.hidden},
                      {"epochs", s.epoch},
                      {"best_epoch", saved.epoch},
                      {"int_acc", saved.int_acc},
                      {"int_correct", saved.correct},
                      {"max_abs_acc", saved.max_abs_acc},
                      {"config", config_json(c)},
                      {"command", o.command}};
  return j.dump();
}

// The session's own float options (when to stop, how often to save): finite and in range.
void check_session_options(const SessionOptions& o) {
  if (!std::isfinite(o.time_limit) || o.time_limit < 0)
    throw Error(fmt::format("--time-limit {:g} is not a number of seconds >= 0", o.time_limit),
                "e.g. --time-limit 60 (0 = no limit)");
  if (!std::isfinite(o.checkpoint_every) || o.checkpoint_every <= 0)
    throw Error(fmt::format("--checkpoint-every {:g} is not a number of seconds > 0", o.checkpoint_every),
                "e.g. --checkpoint-every 30");
  if (!std::isfinite(o.target_int_acc) || o.target_int_acc < 0 || o.target_int_acc > 1)
    throw Error(fmt::format("--target-intacc {:g} is not a percentage in 0..100", 100 * o.target_int_acc),
                "e.g. --target-intacc 95");
}

}  // namespace

uint64_t pairs_fnv1a64(const std::vector<Pair>& pairs) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&](std::string_view bytes) {
    for (char ch : bytes) h = (h ^ static_cast<uint8_t>(ch)) * 0x100000001b3ull;
  };
  for (const auto& p : pairs) {
    mix(p.query);
    mix("|");
    mix(p.response);
    mix("\n");
  }
  return h;
}

SessionResult run_training_session(const SessionOptions& o, const std::atomic<bool>* stop) {
  const auto started = Clock::now();
  auto run_seconds = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
  const Paths paths = resolve_paths(o);
  check_session_options(o);
  std::vector<NamedPath> inputs;
  for (const auto& f : o.data) inputs.push_back({"the data file", f});
  for (const auto& f : o.val) inputs.push_back({"the held-out file", f});
  check_paths(inputs, {{"-o", paths.model}, {"--checkpoint", paths.checkpoint}, {"--log", paths.log},
                       {"--plot", paths.plot}});

  PairSet train = load_pairs(o.data, {o.strict, false});
  std::optional<PairSet> val;
  if (!o.val.empty()) val = load_pairs(o.val, {o.strict, false});
  const std::string charset = build_charset(train.pairs);
  const uint64_t hash = pairs_fnv1a64(train.pairs);
  if (!o.resume && !o.force && std::filesystem::exists(paths.checkpoint))
    throw Error(fmt::format("{}: a checkpoint of an earlier run is there; a new training would overwrite it",
                            paths.checkpoint),
                "continue that run with --resume, or start over with --force (or delete the file)");

  TrainConfig config = o.config;
  std::optional<Checkpoint> ckpt;
  if (o.resume) {
    if (!std::filesystem::exists(paths.checkpoint))
      throw Error(paths.checkpoint + ": no checkpoint to resume from",
                  "run without --resume to start a new training");
    ckpt = load_checkpoint(paths.checkpoint);
    if (ckpt->data_hash == hash && ckpt->charset != charset)
      throw Error(
          fmt::format("{}: the checkpoint's charset \"{}\" differs from this data's \"{}\" (same data hash "
                      "{:016x}): the checkpoint is damaged",
                      paths.checkpoint, printable(ckpt->charset, 300), printable(charset, 300), hash),
          "delete the checkpoint and train without --resume");
    if (ckpt->data_hash != hash)
      throw Error(
          fmt::format("{}: the checkpoint was trained on other data (fnv1a64 {:016x}, this data {:016x})",
                      paths.checkpoint, ckpt->data_hash, hash),
          "resume with the same data files, or train without --resume");
    config = resume_config(*ckpt, o, paths.checkpoint);
  }
  if (std::string p = config_problem(config, static_cast<int>(charset.size())); !p.empty())
    throw Error(p, "see `z80lm train --help`; the defaults are safe, and the Z80 engines need 1..8 layers of "
                   "1..256 neurons");

  const ExampleSet examples = build_examples(train.pairs, charset, config.encoding);
  Trainer trainer(config, examples, charset);
  if (ckpt) trainer.restore(std::move(ckpt->state));
  TrainState& state = trainer.state();
  const double elapsed_before = state.elapsed;
  const double progress_before =
      state.epoch + double(state.batch_in_epoch) / double(trainer.batches_per_epoch());

  print_table(o.out, o, paths, config, train, examples.count, val ? &*val : nullptr, charset, hash, trainer,
              ckpt.has_value());
  MetricsLog log(paths.log, state.history);
  Progress progress(o.err, o.progress_tty);

  // The model file: the best integer model, or (before any evaluation) the current one.
  auto model_to_save = [&] {
    BestModel saved = state.best;
    if (!saved.valid) {
      saved.model = trainer.current_model();
      IntEvalStats st = trainer.evaluate(saved.model);
      saved = {true,           st.int_acc(),          st.correct, st.examples, state.epoch,
               st.max_abs_acc, std::move(saved.model)};
    }
    saved.model.provenance = provenance(o, config, train, examples.count, hash, state, saved);
    return saved;
  };
  auto save_all = [&] {
    state.elapsed = elapsed_before + run_seconds();
    save_checkpoint(paths.checkpoint, {config, charset, hash, state});
    save_model(paths.model, model_to_save().model);
    write_file_atomic(paths.plot, plot_svg(state.history, paths.model));
  };

  SessionResult result;
  // Index of the latest epoch with an IntAcc (history grows, so no pointers into it).
  size_t last_measured = SIZE_MAX;
  for (size_t i = 0; i < state.history.size(); ++i)
    if (!std::isnan(state.history[i].int_acc)) last_measured = i;
  double last_save = run_seconds();
  while (true) {
    if (o.max_epochs && state.epoch >= o.max_epochs && state.batch_in_epoch == 0) {
      result.stop_reason = "epochs";
      break;
    }
    if (o.max_steps && state.step >= o.max_steps) {
      result.stop_reason = "steps";
      break;
    }
    if (o.target_int_acc > 0 && state.best.valid && state.best.int_acc >= o.target_int_acc) {
      result.stop_reason = "target";
      break;
    }
    if (o.time_limit > 0 && run_seconds() >= o.time_limit) {
      result.stop_reason = "time limit";
      break;
    }
    // An epoch that ends is always summarised before stopping: that evaluation is part of
    // the trajectory (it may choose the best model), so a resumed run must not skip it.
    const bool epoch_end = trainer.step();
    if (std::string p = divergence_problem(trainer); !p.empty()) {
      progress.finish();
      throw Error(p, fmt::format("nothing was saved from this state; {} holds the last good state (if any). "
                                 "Lower --lr, --logit-scale or the penalty weights and train again without "
                                 "--resume",
                                 paths.checkpoint));
    }
    if (epoch_end) {
      state.elapsed = elapsed_before + run_seconds();
      trainer.end_epoch();
      EpochRecord& r = state.history.back();
      if (val && o.val_every > 0 && r.epoch % static_cast<uint32_t>(o.val_every) == 0) {
        EvalReport vr = evaluate(trainer.current_model(), val->pairs);
        r.val_int_acc = vr.int_acc();
        r.val_greedy = vr.greedy_acc();
      }
      log.append(r);
      if (!std::isnan(r.int_acc)) last_measured = state.history.size() - 1;
    }
    ProgressView view;
    view.progress = state.epoch + double(state.batch_in_epoch) / double(trainer.batches_per_epoch());
    view.run_progress = view.progress - progress_before;
    view.max_epochs = o.max_epochs;
    view.run_seconds = run_seconds();
    view.time_limit = o.time_limit;
    view.total_seconds = elapsed_before + view.run_seconds;
    view.last = state.history.empty() ? nullptr : &state.history.back();
    view.last_measured = last_measured == SIZE_MAX ? nullptr : &state.history[last_measured];
    view.best_int_acc = state.best.int_acc;
    view.best_epoch = state.best.epoch;
    view.epoch_end = epoch_end;
    progress.update(view);
    if (stop && stop->load()) {
      result.stop_reason = "interrupted";
      break;
    }
    if (run_seconds() - last_save >= o.checkpoint_every) {
      save_all();
      last_save = run_seconds();
    }
  }
  progress.finish();
  save_all();

  const BestModel saved = model_to_save();
  result.best = saved;
  result.history = state.history;
  const bool interrupted = result.stop_reason == "interrupted";
  result.exit_code = interrupted ? kExitInterrupted : 0;
  std::FILE* out = o.out;
  fmt::print(out, "stopped ({}) after {} epochs, {} steps, {:.1f} s (this run {:.1f} s)\n",
             result.stop_reason, state.epoch, state.step, state.elapsed, run_seconds());
  fmt::print(out, "model IntAcc {:.2f}% ({} / {} examples), epoch {}\n", 100 * saved.int_acc, saved.correct,
             saved.examples, saved.epoch);
  std::string accs;
  for (int32_t a : saved.max_abs_acc) accs += (accs.empty() ? "" : " ") + std::to_string(a);
  fmt::print(out, "largest |accumulator| per layer on the training set: {} (int16 limit 32767)\n", accs);
  if (!interrupted) {
    // The shipped model measured once more by the plain reference (evaluate.h): the same
    // IntAcc as the trainer's fast exact evaluator, or the trainer is wrong.
    result.train_report = evaluate(saved.model, train.pairs);
    if (result.train_report.examples_correct != saved.correct)
      throw Error(fmt::format("internal error: reference IntAcc {} / {} differs from the trainer's {} / {}",
                              result.train_report.examples_correct, result.train_report.examples,
                              saved.correct, saved.examples),
                  "please report this with the data file");
    fmt::print(out, "greedy exact-match {:.2f}% ({} / {} distinct training queries)\n",
               100 * result.train_report.greedy_acc(), result.train_report.greedy_matched,
               result.train_report.distinct_queries);
    if (val) {
      result.has_val = true;
      result.val_report = evaluate(saved.model, val->pairs);
      fmt::print(out,
                 "held-out IntAcc {:.2f}% ({} / {}), greedy exact-match {:.2f}% ({} / {} distinct queries)\n",
                 100 * result.val_report.int_acc(), result.val_report.examples_correct,
                 result.val_report.examples, 100 * result.val_report.greedy_acc(),
                 result.val_report.greedy_matched, result.val_report.distinct_queries);
    }
  }
  fmt::print(out, "wrote {} (checkpoint {}, log {}, plot {})\n", paths.model, paths.checkpoint, paths.log,
             paths.plot);
  if (interrupted) fmt::print(out, "interrupted: continue with the same command and --resume\n");
  std::fflush(out);
  return result;
}

}  // namespace z80lm
