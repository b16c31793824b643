// The processes the dist tests start. Each scenario runs as one rank of a job (its environment set
// by rank_job.h or a launcher) and writes what the test compares into OUT/rank-<r>.safetensors.
//   collectives OUT          each collective on seeded per-rank inputs (the test sums them itself)
//   reducer OUT              gradients of TinyNet on the rank's share, both GradReducer paths
//   zero OUT                 ShardedAdamW for 5 steps, saving and reloading its shards after 3
//   loop OUT BEHAVIOUR KEY=V all-reduces forever; BEHAVIOUR: run | stall-rank-1 | error-rank-1
//   launch-host STOP_S ...   dist::launch of 2 ranks of this binary running the scenario after it
//   exit-if-rank R CODE      rank R exits with CODE, the others sleep
//   wait-signal              prints "up", then reports the signal that ends it
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>

#include "core/error.h"
#include "dist/failure.h"
#include "dist/grad_reducer.h"
#include "dist/launcher.h"
#include "dist/runtime.h"
#include "dist/sharded_adamw.h"
#include "io/safetensors.h"
#include "rank_job.h"
#include "tiny_net.h"

namespace r1::test {
namespace {

using dist::Reduce;

void save(const std::string& out, const dist::Runtime& rt, const io::TensorMap& m) {
  io::save_safetensors(out + "/rank-" + std::to_string(rt.rank()) + ".safetensors", m);
}

// Rank r's input number k: seeded by (r, k), so the test can make every rank's inputs itself.
torch::Tensor input(int rank, int k, at::IntArrayRef shape, torch::Dtype dtype = torch::kFloat32) {
  torch::manual_seed(1000 * rank + k);
  return torch::randn(shape, torch::kFloat64).to(dtype);
}

int collectives(const std::string& out) {
  dist::DistConfig cfg;
  cfg.timeout_s = 60;
  cfg.bucket_mb = 0.0005;  // ~500 bytes: the list below spans several buckets
  dist::Runtime rt(cfg);
  const int r = rt.rank();
  io::TensorMap m;
  auto t = input(r, 0, {37, 5});
  rt.all_reduce(t, Reduce::sum, "sum");
  m["sum"] = t;
  t = input(r, 1, {64});
  rt.all_reduce(t, Reduce::mean, "mean");
  m["mean"] = t;
  t = input(r, 2, {19});
  rt.all_reduce(t, Reduce::max, "max");
  m["max"] = t;
  // A transposed view: not contiguous, reduced through a copy.
  auto base = input(r, 3, {6, 4});
  auto view = base.t();
  rt.all_reduce(view, Reduce::sum, "transposed");
  m["transposed"] = base;
  std::vector<torch::Tensor> list = {input(r, 10, {50}), input(r, 11, {3, 7}, torch::kFloat64), input(r, 12, {200}),
                                     input(r, 13, {1}), input(r, 14, {9, 9}, torch::kFloat64), input(r, 15, {120})};
  rt.all_reduce_bucketed(list, Reduce::sum, "list");
  for (size_t i = 0; i < list.size(); ++i) m["bucketed." + std::to_string(i)] = list[i];
  const auto s = rt.all_reduce_scalars({r + 0.5, double(r * r), 3.0}, Reduce::sum, "scalars");
  m["scalars"] = torch::tensor(s, torch::kFloat64);
  const auto g = rt.all_gather(input(r, 20, {3, 4}), "gather");
  for (size_t k = 0; k < g.size(); ++k) m["gather." + std::to_string(k)] = g[k];
  auto b = input(r, 30, {10});
  rt.broadcast(b, rt.world_size() - 1, "broadcast");
  m["broadcast"] = b;
  std::vector<torch::Tensor> blist = {input(r, 31, {40}), input(r, 32, {300})};
  rt.broadcast_bucketed(blist, 0, "broadcast list");
  m["broadcast_bucketed.0"] = blist[0];
  m["broadcast_bucketed.1"] = blist[1];
  rt.barrier("end");
  save(out, rt, m);
  return 0;
}

int reducer(const std::string& out) {
  dist::DistConfig cfg;
  cfg.timeout_s = 60;
  cfg.bucket_mb = 0.0002;  // ~200 bytes: TinyNet spans 4 buckets
  dist::Runtime rt(cfg);
  const auto [x, y] = global_batch();
  const auto share = rt.slice(x.size(0));
  io::TensorMap m;
  for (auto [sync, name] : {std::pair{dist::GradSync::after_backward, "after"}, std::pair{dist::GradSync::overlap, "overlap"}}) {
    TinyNet net = make_net(7 + rt.rank());  // different on each rank until the reducer broadcasts rank 0's
    dist::GradReducer red(rt, net->parameters(), Reduce::mean, sync);
    const std::string pre = name;
    const auto params = net->named_parameters();
    for (const auto& kv : params) m[pre + ".param." + kv.key()] = kv.value().detach().clone();
    // Two micro-batches: the first accumulates locally, the reducer is armed for the second.
    const int64_t half = share.size() / 2;
    const bool use_side = rt.rank() == 1;
    auto xs = x.narrow(0, share.begin, share.size()), ys = y.narrow(0, share.begin, share.size());
    (net->loss(xs.narrow(0, 0, half), ys.narrow(0, 0, half), use_side) / 2).backward();
    red.arm();
    (net->loss(xs.narrow(0, half, share.size() - half), ys.narrow(0, half, share.size() - half), use_side) / 2).backward();
    red.finish();
    for (const auto& kv : params)
      if (kv.value().grad().defined()) m[pre + ".grad." + kv.key()] = kv.value().grad().clone();
    m[pre + ".buckets"] = torch::tensor({int64_t(red.num_buckets())});
    m[pre + ".launched_in_backward"] = torch::tensor({int64_t(red.launched_in_backward())});
  }
  save(out, rt, m);
  return 0;
}

int zero(const std::string& out) {
  dist::DistConfig cfg;
  cfg.timeout_s = 60;
  dist::Runtime rt(cfg);
  TinyNet net = make_net(7);
  dist::NamedTensors named;
  for (const auto& kv : net->named_parameters()) named.emplace_back(kv.key(), kv.value());
  io::TensorMap m;
  auto snapshot = [&](const std::string& pre) {
    for (const auto& [name, p] : named) m[pre + "." + name] = p.detach().clone();
  };
  auto opt = std::make_unique<dist::ShardedAdamW>(rt, named, zero_test_options());
  m["local_numel"] = torch::tensor({opt->local_numel()});
  const std::string ckpt = out + "/ckpt";
  for (int step = 0; step < 5; ++step) {
    if (step == 3) {
      // A checkpoint after 3 steps: every rank writes its shard, then a fresh optimizer reloads it.
      opt->save_shard(ckpt);
      rt.barrier("shards written");
      opt = std::make_unique<dist::ShardedAdamW>(rt, named, zero_test_options());
      opt->load_state(dist::load_optimizer_state(ckpt), ckpt);
    }
    set_step_gradients(net, step);
    opt->set_lr(step_lr(step));
    opt->step();
    if (step == 2) snapshot("step3");
  }
  snapshot("final");
  save(out, rt, m);
  return 0;
}

int loop(const std::string& out, const std::string& behaviour, const std::map<std::string, std::string>& kv) {
  dist::DistConfig cfg;
  cfg.timeout_s = std::stod(kv.at("timeout_s"));
  cfg.heartbeat_s = std::stod(kv.at("heartbeat_s"));
  cfg.lost_after_s = std::stod(kv.at("lost_after_s"));
  dist::Runtime rt(cfg);
  rt.barrier("start");
  std::printf("ready rank %d\n", rt.rank());
  std::fflush(stdout);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0;; ++i) {
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (rt.rank() == 1 && behaviour == "stall-rank-1" && t > 0.3)
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // alive, but no more collectives
    if (rt.rank() == 1 && behaviour == "error-rank-1" && t > 0.3) throw Error("worker", "an error outside collectives");
    auto x = torch::ones({16});
    rt.all_reduce(x, Reduce::sum, "loop step " + std::to_string(i));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  (void)out;
}

volatile sig_atomic_t g_signal = 0;

int wait_signal() {
  struct sigaction sa {};
  sa.sa_handler = [](int sig) { g_signal = sig; };
  for (int sig : {SIGINT, SIGTERM}) ::sigaction(sig, &sa, nullptr);
  std::printf("up\n");
  std::fflush(stdout);
  for (int i = 0; i < 6000 && !g_signal; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::printf("got signal %d\n", static_cast<int>(g_signal));
  std::fflush(stdout);
  return 0;
}

int exit_if_rank(int rank, int code) {
  const int me = std::stoi(std::getenv("RANK"));
  std::printf("rank %d up\n", me);
  std::fflush(stdout);
  if (me == rank) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return code;
  }
  std::this_thread::sleep_for(std::chrono::seconds(60));
  return 0;
}

}  // namespace

int run_rank_worker(int argc, char** argv) {
  std::vector<std::string> a(argv, argv + argc);
  try {
    if (a.at(0) == "collectives") return collectives(a.at(1));
    if (a.at(0) == "reducer") return reducer(a.at(1));
    if (a.at(0) == "zero") return zero(a.at(1));
    if (a.at(0) == "loop") {
      std::map<std::string, std::string> kv;
      for (size_t i = 3; i < a.size(); ++i) kv[a[i].substr(0, a[i].find('='))] = a[i].substr(a[i].find('=') + 1);
      return loop(a.at(1), a.at(2), kv);
    }
    if (a.at(0) == "wait-signal") return wait_signal();
    if (a.at(0) == "exit-if-rank") return exit_if_rank(std::stoi(a.at(1)), std::stoi(a.at(2)));
    if (a.at(0) == "launch-host") {
      dist::LaunchOptions o;
      o.nproc_per_node = 2;
      o.master_port = 0;
      o.stop_timeout_s = std::stod(a.at(1));
      std::vector<std::string> args = {"--rank-worker"};
      args.insert(args.end(), a.begin() + 2, a.end());
      return dist::launch(o, self_exe(), args);
    }
  } catch (const std::exception& e) {
    dist::report_fatal_error(e.what());
    return 1;
  }
  std::fprintf(stderr, "unknown rank-worker scenario %s\n", argc ? argv[0] : "(none)");
  return 2;
}

}  // namespace r1::test
