#include "dist/runtime.h"

#include <algorithm>
#include <exception>
#include <thread>

#include "core/error.h"
#include "dist/bucketing.h"
#include "dist/failure.h"
#include "dist/net.h"
#include "dist/watchdog.h"

namespace r1::dist {
namespace {

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000.0));
}

// FNV-1a: the same 64 bits in every process, whatever the standard library.
uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

Group::Backend choose_backend(const std::string& name) {
  const bool cuda = torch::cuda::is_available();
  if (name == "gloo") return Group::Backend::gloo;
  if (name == "nccl") {
    check(Group::nccl_built(), "config key dist.backend",
          "nccl: this r1 was built against a libtorch without NCCL (a CPU build); use gloo");
    check(cuda, "config key dist.backend", "nccl needs a CUDA device, and libtorch sees none; use gloo");
    return Group::Backend::nccl;
  }
  return Group::nccl_built() && cuda ? Group::Backend::nccl : Group::Backend::gloo;
}

}  // namespace

Slice slice_of(int64_t n, int rank, int world_size) {
  return {n * rank / world_size, n * (rank + 1) / world_size};
}

Runtime::Runtime(const DistConfig& cfg) : Runtime(read_launch_env(), cfg) {}

Runtime::Runtime(const LaunchEnv& env, const DistConfig& cfg) : env_(env), cfg_(cfg) {
  validate(cfg_);
  if (env_.distributed()) join(cfg_);
}

void Runtime::join(const DistConfig& cfg) {
  const Group::Backend backend = choose_backend(cfg.backend);
  hosts_store_ = env_.rank == 0 && !env_.agent_store;
  Store::Options so;
  so.host = env_.master_addr;
  so.port = env_.master_port;
  so.host_it = hosts_store_;
  so.world_size = env_.world_size;
  so.timeout = millis(cfg.timeout_s);
  // torchrun's agent store also holds the agent's own keys, and a restarted attempt must not read
  // the last one's.
  so.prefix = "r1/attempt_" + std::to_string(env_.restart_count) + "/";
  const std::string who = "rank " + std::to_string(env_.rank) + "/" + std::to_string(env_.world_size);
  try {
    store_ = std::make_shared<Store>(so);
  } catch (const Error& e) {
    throw Error(e.where(), who + ": " + std::string(e.what()).substr(e.where().size() + 2));
  }
  const std::string store_desc = (env_.agent_store ? "torchrun's agent at " : "rank 0 at ") + env_.master_addr + ":" +
                                 std::to_string(env_.master_port);
  set_abort_channel(store_, env_.rank, hosts_store_ ? std::min(3.0, 2 * cfg.heartbeat_s + 0.2) : 0.0);
  store_->set("joined/" + std::to_string(env_.rank), "1");

  Group::Options go;
  go.backend = backend;
  go.rank = env_.rank;
  go.world_size = env_.world_size;
  go.local_rank = env_.local_rank;
  go.loopback = is_loopback_address(env_.master_addr);
  go.timeout = so.timeout;
  go.gloo_threads = cfg.gloo_threads;
  try {
    group_ = std::make_unique<Group>(*store_, go);
  } catch (const CommError& e) {
    std::string missing;
    try {
      for (int k = 0; k < env_.world_size; ++k)
        if (!store_->get_if_set("joined/" + std::to_string(k))) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
    } catch (const CommError&) {
      missing = "unknown (the store is gone too)";
    }
    throw Error("dist rendezvous", who + ": the " + std::to_string(env_.world_size) +
                                       " ranks did not all join within dist.timeout_s = " + seconds_text(cfg.timeout_s) +
                                       " (ranks not seen: " + (missing.empty() ? "none" : missing) +
                                       "); start every rank with the same WORLD_SIZE, MASTER_ADDR and MASTER_PORT. c10d: " +
                                       e.what());
  }
  // The watchdog gets its own connection, so its heartbeats never queue behind the main thread's.
  so.host_it = false;
  watchdog_ = std::make_unique<Watchdog>(std::make_shared<Store>(so), env_.rank, env_.world_size, cfg.heartbeat_s,
                                         cfg.lost_after_s, store_desc);
}

Runtime::~Runtime() {
  if (!distributed()) return;
  if (failed_ || std::uncaught_exceptions() > 0) {
    // Leave the store to report_fatal_error (the abort channel holds it) and do not tear down a
    // process group whose collectives can no longer finish: the process is on its way out.
    watchdog_->abandon();
    group_->abandon();
    return;
  }
  watchdog_->finish(hosts_store_, cfg_.timeout_s);
  clear_abort_channel();
}

c10::Device Runtime::device() const {
  if (group_ && std::string(group_->backend_name()) == "nccl") return {c10::kCUDA, static_cast<c10::DeviceIndex>(local_rank())};
  return c10::kCPU;
}

const char* Runtime::backend_name() const { return group_ ? group_->backend_name() : "none"; }

uint64_t Runtime::begin_op(const char* op, const std::string& label, std::string& desc) {
  desc = std::string(op) + (label.empty() ? "" : " '" + label + "'");
  const uint64_t seq = ++seq_;
  if (watchdog_) watchdog_->set_op(seq, desc);
  return seq;
}

void Runtime::fail(uint64_t seq, const std::string& desc, const CommError& e) {
  failed_ = true;
  const std::string why = watchdog_ ? watchdog_->diagnose(seq, e.timed_out()) : "";
  const std::string msg = desc + " (collective #" + std::to_string(seq) + ") failed on rank " +
                          std::to_string(rank()) + ": " + why + ". c10d: " + e.what();
  try {
    publish_abort(*store_, msg);
  } catch (const CommError&) {
    // no store: the others learn it from their own connections
  }
  // When the watchdog already reports a failure it is about to end the process.
  if (!claim_failure(Reporter::main_thread) && watchdog_is_ending_process())
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  throw Error("dist", msg);
}

template <typename F>
void Runtime::run_collective(const char* op, const std::string& label, F&& body) {
  if (!distributed()) return;
  std::string desc;
  const uint64_t seq = begin_op(op, label, desc);
  try {
    body();
  } catch (const CommError& e) {
    fail(seq, desc, e);
  }
}

namespace {

// Gloo and NCCL reduce contiguous buffers on the collective's device: anything else travels as a copy.
bool needs_copy(const at::Tensor& t, c10::Device dev) { return !t.is_contiguous() || t.device() != dev; }

void check_mean(const at::Tensor& t, Reduce op, const std::string& what) {
  check(op != Reduce::mean || at::isFloatingType(t.scalar_type()), what,
        "mean of an integer tensor; reduce with sum and divide where the rounding is intended");
}

}  // namespace

void Runtime::all_reduce(at::Tensor& t, Reduce op, const std::string& label) {
  check_mean(t, op, "all_reduce '" + label + "'");
  run_collective("all_reduce", label, [&] {
    torch::NoGradGuard no_grad;
    at::Tensor buf = needs_copy(t, device()) ? t.contiguous().to(device()) : t;
    if (op == Reduce::mean) buf.div_(world_size());
    group_->all_reduce(buf, op).wait();
    if (!buf.is_same(t)) t.copy_(buf);
  });
}

namespace {

// Flattens tensors into buckets, runs `launch` on each flat buffer (all in flight at once), waits in
// order and copies the results back.
template <typename Launch>
void over_buckets(std::vector<at::Tensor>& tensors, int64_t bucket_bytes, c10::Device dev, Launch&& launch) {
  const auto buckets = make_buckets(tensors, forward_order(tensors.size()), bucket_bytes, bucket_bytes);
  std::vector<at::Tensor> flats;
  std::vector<Pending> pending;
  for (const auto& b : buckets) {
    flats.push_back(flatten(b, tensors).to(dev));
    pending.push_back(launch(flats.back()));
  }
  for (size_t i = 0; i < buckets.size(); ++i) {
    pending[i].wait();
    unflatten(flats[i], buckets[i], tensors);
  }
}

}  // namespace

void Runtime::all_reduce_bucketed(std::vector<at::Tensor>& tensors, Reduce op, const std::string& label) {
  for (const auto& t : tensors) check_mean(t, op, "all_reduce_bucketed '" + label + "'");
  run_collective("all_reduce_bucketed", label, [&] {
    over_buckets(tensors, cfg_.bucket_bytes(), device(), [&](at::Tensor& flat) {
      if (op == Reduce::mean) flat.div_(world_size());
      return group_->all_reduce(flat, op);
    });
  });
}

std::vector<double> Runtime::all_reduce_scalars(const std::vector<double>& values, Reduce op, const std::string& label) {
  if (!distributed() || values.empty()) return values;
  at::Tensor t = torch::tensor(values, torch::kFloat64).to(device());
  all_reduce(t, op, label);
  t = t.cpu();
  return {t.data_ptr<double>(), t.data_ptr<double>() + t.numel()};
}

double Runtime::all_reduce_scalar(double value, Reduce op, const std::string& label) {
  return all_reduce_scalars({value}, op, label).front();
}

void Runtime::check_root(int root, const char* op, const std::string& label) const {
  check(root >= 0 && root < world_size(), std::string(op) + " '" + label + "'",
        "root rank " + std::to_string(root) + " is not in 0.." + std::to_string(world_size() - 1));
}

void Runtime::broadcast(at::Tensor& t, int root, const std::string& label) {
  check_root(root, "broadcast", label);
  run_collective("broadcast", label, [&] {
    torch::NoGradGuard no_grad;
    at::Tensor buf = needs_copy(t, device()) ? t.contiguous().to(device()) : t;
    group_->broadcast(buf, root).wait();
    if (!buf.is_same(t)) t.copy_(buf);
  });
}

void Runtime::broadcast_bucketed(std::vector<at::Tensor>& tensors, int root, const std::string& label) {
  check_root(root, "broadcast_bucketed", label);
  run_collective("broadcast_bucketed", label, [&] {
    over_buckets(tensors, cfg_.bucket_bytes(), device(), [&](at::Tensor& flat) { return group_->broadcast(flat, root); });
  });
}

std::vector<at::Tensor> Runtime::all_gather(const at::Tensor& t, const std::string& label) {
  if (!distributed()) return {t};
  std::vector<at::Tensor> out;
  run_collective("all_gather", label, [&] {
    at::Tensor in = t.detach().contiguous().to(device());
    for (int k = 0; k < world_size(); ++k) out.push_back(torch::empty_like(in));
    group_->all_gather(out, in).wait();
  });
  return out;
}

void Runtime::barrier(const std::string& label) {
  run_collective("barrier", label, [&] { group_->barrier().wait(); });
}

Runtime::Async Runtime::all_reduce_async(at::Tensor& flat, Reduce op, const std::string& label) {
  Async a;
  if (!distributed()) return a;
  check(flat.is_contiguous() && flat.device() == device(), "all_reduce_async '" + label + "'",
        "needs a contiguous buffer on " + device().str());
  check_mean(flat, op, "all_reduce_async '" + label + "'");
  a.seq = begin_op("all_reduce", label, a.desc);
  try {
    if (op == Reduce::mean) flat.div_(world_size());
    a.pending = group_->all_reduce(flat, op);
  } catch (const CommError& e) {
    fail(a.seq, a.desc, e);
  }
  return a;
}

void Runtime::wait(Async& a) {
  if (!a.pending.valid()) return;
  try {
    a.pending.wait();
  } catch (const CommError& e) {
    fail(a.seq, a.desc, e);
  }
  a.pending = Pending();
}

void Runtime::check_same_on_all_ranks(const std::string& fingerprint, const std::string& what) {
  if (!distributed()) return;
  at::Tensor h = torch::tensor({static_cast<int64_t>(fnv1a(fingerprint))}, torch::kInt64);
  const auto all = all_gather(h, "fingerprint of " + what);
  std::string differ;
  for (int k = 0; k < world_size(); ++k)
    if (all[k].cpu().item<int64_t>() != all[0].cpu().item<int64_t>()) differ += (differ.empty() ? "" : ", ") + std::to_string(k);
  check(differ.empty(), what,
        "differs across ranks: rank(s) " + differ + " do not match rank 0 (every rank must build the same model "
        "and parameters, from the same config)");
}

}  // namespace r1::dist
