// r1_bench_driver: the r1cpp side of `make bench` (scripts/bench.sh, bench/peers/bench.py). Each
// subcommand runs one measurement at the thread settings given and prints one JSON object on stdout;
// the orchestrator runs it once per thread setting, as it does the peers.
//   r1_bench_driver models DIR [--only NAME]        write the bench checkpoints
//   r1_bench_driver machine                         fp32 sgemm GFLOP/s, read bandwidth GB/s
//   r1_bench_driver rollout --model DIR [...]       GRPO-shaped rollout tokens/s
//   r1_bench_driver train --model DIR [...]         training step tokens/s
//   r1_bench_driver decode --model DIR [--quant Q] [--quant_threads N] [--f32_kernel K]  batch-1 greedy
//                                                   decode tokens/s
//   r1_bench_driver quant_linear [--type q8_0]      a quantized layer's forward per batch size:
//                                                   block kernel vs dequantized tiles + sgemm
//   r1_bench_driver f32_linear [--in I --out O]     an fp32 layer's forward per batch size:
//                                                   F32Linear's kernel vs torch::linear
//   r1_bench_driver profile --model DIR --batch B [--quant Q]  per-op time of a decode step
#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "bench_models.h"
#include "core/error.h"
#include "dist/threads.h"
#include "io/inference_load.h"
#include "io/model_dir.h"
#include "model/f32_linear.h"
#include "model/quant_linear.h"
#include "machine.h"
#include "op_profile.h"
#include "workloads.h"

namespace {

using nlohmann::json;
using namespace r1::bench;

r1::model::CausalLM load(const std::string& dir) { return r1::io::load_model_dir(dir).model; }

r1::io::WeightQuant parse_quant(const std::string& q) {
  for (const auto& [value, name] : r1::io::enum_names(r1::io::WeightQuant{}))
    if (name == q) return value;
  throw r1::Error("decode --quant", "unknown '" + q + "' (none, int8, int4)");
}

// Seconds per forward of `layer` on x, best of `reps` after a warm-up (the weights stay in cache
// for the small shapes; this measures compute per path, the crossover, not bandwidth).
double best_seconds(r1::model::LinearLayer& layer, const torch::Tensor& x, int reps) {
  layer.forward(x);
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    layer.forward(x);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

json profile_json(const DecodeProfile& p, size_t top) {
  json ops = json::array();
  for (size_t i = 0; i < p.ops.size() && i < top; ++i)
    ops.push_back({{"op", p.ops[i].name}, {"calls", p.ops[i].calls}, {"top_calls", p.ops[i].top_calls},
                   {"self_us", p.ops[i].self_us}});
  return {{"batch", p.batch},
          {"context", p.context},
          {"step_ms", p.step_ms},
          {"profiled_step_ms", p.profiled_step_ms},
          {"ops_per_step", p.ops_per_step},
          {"top_ops_per_step", p.top_ops_per_step},
          {"gflops_per_step", p.flops_per_step / 1e9},
          {"ops", ops}};
}

int run(int argc, char** argv) {
  CLI::App app{"The r1cpp side of make bench: one measurement per call, one JSON object on stdout.",
               "r1_bench_driver"};
  r1::dist::ThreadSettings threads{1, 1};
  app.add_option("--aten", threads.aten, "ATen intra-op threads")->capture_default_str();
  app.add_option("--blas", threads.blas, "OpenBLAS threads")->capture_default_str();
  app.require_subcommand(1);
  std::string model_dir;
  json out;
  // Each subcommand's work, run after parsing, once the thread settings are applied.
  std::map<const CLI::App*, std::function<void()>> work;

  auto* models = app.add_subcommand("models", "write the bench checkpoints into DIR/<name>");
  std::string models_out, only;
  models->add_option("dir", models_out, "folder for the checkpoints")->required();
  models->add_option("--only", only, "write this model only");
  work[models] = [&] {
    for (const auto& m : bench_models()) {
      if (!only.empty() && m.name != only) continue;
      const bool wrote = write_bench_model(m, models_out);
      out[m.name] = {{"dir", models_out + "/" + m.name},
                     {"written", wrote},
                     {"parameters", r1::model::parameter_count(*r1::model::CausalLM(m.config))},
                     {"purpose", m.purpose}};
    }
    if (!only.empty()) bench_model(only);  // an unknown name is an error naming the known ones
  };

  auto* machine = app.add_subcommand("machine", "fp32 sgemm rate and memory read bandwidth, now");
  work[machine] = [&] {
    auto r = measure_machine();
    out = {{"sgemm_gflops", r.sgemm_gflops}, {"read_gb_per_s", r.read_gb_per_s}};
  };

  auto* rollout = app.add_subcommand("rollout", "GRPO-shaped rollout through engine::generate");
  RolloutSpec rs;
  rollout->add_option("--model", model_dir, "checkpoint directory")->required();
  rollout->add_option("--prompts", rs.prompts)->capture_default_str();
  rollout->add_option("--group", rs.group)->capture_default_str();
  rollout->add_option("--prompt_len", rs.prompt_len)->capture_default_str();
  rollout->add_option("--new_tokens", rs.new_tokens)->capture_default_str();
  rollout->add_option("--stop_token", rs.stop_token, "-1: none")->capture_default_str();
  rollout->add_option("--workers", rs.workers, "parallel engine calls")->capture_default_str();
  rollout->add_option("--min_seconds", rs.min_seconds)->capture_default_str();
  work[rollout] = [&] {
    auto m = load(model_dir);
    auto r = run_rollout(*m, rs);
    out = {{"tokens_per_s", r.tokens_per_s}, {"reps", r.reps}, {"mean_length", r.mean_length},
           {"stopped_fraction", r.stopped_fraction}};
  };

  auto* train = app.add_subcommand("train", "pretraining steps through train::train_lm_from");
  TrainSpec ts;
  train->add_option("--model", model_dir, "checkpoint directory")->required();
  train->add_option("--batch", ts.batch)->capture_default_str();
  train->add_option("--seq", ts.seq)->capture_default_str();
  train->add_option("--steps", ts.steps)->capture_default_str();
  work[train] = [&] {
    auto m = load(model_dir);
    auto r = run_train(*m, ts);
    out = {{"tokens_per_s", r.tokens_per_s}, {"seconds_per_step", r.seconds_per_step},
           {"parameters", r1::model::parameter_count(*m)}};
  };

  auto* decode = app.add_subcommand("decode", "batch-1 greedy decode through engine::generate");
  int64_t prompt_len = 16, new_tokens = 32;
  decode->add_option("--model", model_dir, "checkpoint directory")->required();
  decode->add_option("--prompt_len", prompt_len)->capture_default_str();
  decode->add_option("--new_tokens", new_tokens)->capture_default_str();
  std::string quant = "none";
  decode->add_option("--quant", quant, "none, int8 (Q8_0) or int4 (Q4_0): io/inference_load.h")->capture_default_str();
  int quant_threads = 0;
  decode->add_option("--quant_threads", quant_threads, "the decode products' own threads (0: ATen's)")
      ->capture_default_str();
  std::string f32_kernel = "auto";
  decode->add_option("--f32_kernel", f32_kernel, "fp32 projections at decode: auto, avx2 or aten (io/inference_load.h)")
      ->capture_default_str();
  work[decode] = [&] {
    r1::io::InferenceLoad opt;
    opt.quant = parse_quant(quant);
    opt.quant_threads = quant_threads;
    opt.f32_kernel = f32_kernel;
    r1::model::QuantizeReport rep;
    auto m = r1::io::load_for_inference(model_dir, opt, torch::kCPU, &rep).model;
    auto r = run_decode(*m, prompt_len, new_tokens);
    // Bytes one decode step reads: the quantized blocks and every parameter, except the embedding
    // table once the head has its own storage (a step reads one row of it).
    int64_t bytes = rep.quantized_bytes;
    for (const auto& p : m->named_parameters())
      if (!(m->lm_head && p.key() == "model.embed_tokens.weight")) bytes += p.value().numel() * p.value().element_size();
    out = {{"tokens_per_s", r.tokens_per_s}, {"tokens", r.tokens}, {"weight_bytes", bytes}, {"quant", quant},
           {"f32_kernel", f32_kernel}, {"quant_threads", quant_threads}};
  };

  auto* qlin = app.add_subcommand("quant_linear", "a quantized layer's forward: block kernel vs dequantized tiles");
  std::string qtype = "q8_0";
  int64_t qin = 896, qout = 4864;
  qlin->add_option("--type", qtype, "q8_0, q4_0 or q4_1")->capture_default_str();
  qlin->add_option("--in", qin)->capture_default_str();
  qlin->add_option("--out", qout)->capture_default_str();
  work[qlin] = [&] {
    torch::manual_seed(0);
    const auto w = torch::randn({qout, qin}) * 0.02;
    r1::model::QuantLinearConfig kernel, tiled;
    kernel.kernel = tiled.kernel = r1::kernels::resolve_kernel({}, "quant_linear");
    kernel.max_kernel_batch = 1 << 20;
    tiled.max_kernel_batch = 0;
    const auto t = r1::kernels::parse_quant_type(qtype, "quant_linear --type");
    r1::model::QuantLinearImpl qk(t, w, {}, kernel, "w"), qt(t, w, {}, tiled, "w");
    json rows = json::array();
    for (int64_t n : {1, 2, 4, 8, 16, 32, 64}) {
      const auto x = torch::randn({n, qin});
      const double k = best_seconds(qk, x, 20), d = best_seconds(qt, x, 20);
      rows.push_back({{"batch", n}, {"kernel_us", k * 1e6}, {"tiled_us", d * 1e6}, {"kernel_over_tiled", d / k}});
    }
    out = {{"type", qtype}, {"in", qin}, {"out", qout}, {"rows", rows}};
  };

  auto* flin = app.add_subcommand("f32_linear", "an fp32 layer's forward per batch size: F32Linear's kernel vs torch::linear");
  int64_t fin = 896, fout = 4864;
  int flin_threads = 0;
  flin->add_option("--in", fin)->capture_default_str();
  flin->add_option("--out", fout)->capture_default_str();
  flin->add_option("--quant_threads", flin_threads, "the kernel's own threads (0: ATen's)")->capture_default_str();
  work[flin] = [&] {
    torch::manual_seed(0);
    const auto w = torch::randn({fout, fin}) * 0.02, b = torch::randn({fout});
    r1::model::F32LinearConfig kc;
    kc.max_kernel_batch = 1 << 20;
    kc.threads = flin_threads;
    r1::model::F32LinearImpl fk(w, b, kc, "w");
    r1::model::DenseLinearImpl plain(fin, fout, true);
    plain.weight.set_data(w);
    plain.bias.set_data(b);
    torch::NoGradGuard ng;
    json rows = json::array();
    for (int64_t n : {1, 2, 4, 8, 16}) {
      const auto x = torch::randn({n, fin});
      const double k = best_seconds(fk, x, 20), d = best_seconds(plain, x, 20);
      rows.push_back({{"batch", n}, {"kernel_us", k * 1e6}, {"aten_us", d * 1e6}, {"kernel_over_aten", d / k},
                      {"kernel_gb_per_s", w.numel() * 4.0 / k / 1e9}});
    }
    out = {{"in", fin}, {"out", fout}, {"rows", rows}};
  };

  auto* profile = app.add_subcommand("profile", "per-op time of engine decode steps");
  int64_t batch = 64, steps = 48, top = 25;
  profile->add_option("--model", model_dir, "checkpoint directory")->required();
  profile->add_option("--batch", batch)->capture_default_str();
  profile->add_option("--prompt_len", prompt_len)->capture_default_str();
  profile->add_option("--steps", steps)->capture_default_str();
  profile->add_option("--top", top, "ops listed")->capture_default_str();
  std::string profile_quant = "none";
  profile->add_option("--quant", profile_quant, "none, int8 or int4, as decode")->capture_default_str();
  profile->add_option("--quant_threads", quant_threads, "as decode")->capture_default_str();
  profile->add_option("--f32_kernel", f32_kernel, "as decode")->capture_default_str();
  work[profile] = [&] {
    r1::io::InferenceLoad opt;
    opt.quant = parse_quant(profile_quant);
    opt.quant_threads = quant_threads;
    opt.f32_kernel = f32_kernel;
    auto m = r1::io::load_for_inference(model_dir, opt, torch::kCPU).model;
    out = profile_json(profile_decode(*m, batch, prompt_len, steps), top);
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  // Once, before any work (dist/threads.h).
  r1::dist::apply_thread_settings(threads);
  for (const auto& [sub, fn] : work)
    if (sub->parsed()) fn();
  out["threads"] = {{"aten", threads.aten}, {"blas", threads.blas}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
