// The only file of r1 that includes c10d. Differences between libtorch releases live here:
//  - 1.13: ProcessGroupGloo/NCCL derive from c10d::ProcessGroup; 2.x: from c10d::Backend (the
//    collective methods and option structs r1 uses kept their names and signatures).
//  - the headers declare Gloo and NCCL only under USE_C10D_GLOO / USE_C10D_NCCL, which libtorch's
//    CMake package does not define: CMakeLists.txt defines them where the headers exist.
#include "dist/process_group.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>
#include <torch/version.h>

#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/error.h"
#include "dist/dist_config.h"

#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif

namespace r1::dist {
namespace {

#if TORCH_VERSION_MAJOR >= 2
using CollectiveBackend = c10d::Backend;
#else
using CollectiveBackend = c10d::ProcessGroup;
#endif

std::string message_of(const std::exception& e) {
  if (auto c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  return e.what();
}

bool mentions_timeout(const std::string& msg) {
  std::string lower = msg;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("timed out") != std::string::npos || lower.find("timeout") != std::string::npos;
}

[[noreturn]] void rethrow_as_comm_error(const std::exception& e) {
  const std::string msg = message_of(e);
  throw CommError(msg, mentions_timeout(msg));
}

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }
std::string text(const std::vector<uint8_t>& b) { return {b.begin(), b.end()}; }

c10d::ReduceOp reduce_op(Reduce op) {
  switch (op) {
    case Reduce::max:
      return c10d::ReduceOp::MAX;
    case Reduce::min:
      return c10d::ReduceOp::MIN;
    default:
      return c10d::ReduceOp::SUM;
  }
}

}  // namespace

const char* reduce_name(Reduce op) {
  switch (op) {
    case Reduce::sum:
      return "sum";
    case Reduce::mean:
      return "mean";
    case Reduce::max:
      return "max";
    case Reduce::min:
      return "min";
  }
  return "?";
}

// ---- Store ----

struct Store::Impl {
  c10::intrusive_ptr<c10d::TCPStore> tcp;
  c10::intrusive_ptr<c10d::Store> store;  // tcp under the prefix
};

Store::Store(const Options& opt) : opt_(opt), impl_(std::make_unique<Impl>()) {
  const std::string where = "MASTER_ADDR=" + opt.host + " MASTER_PORT=" + std::to_string(opt.port);
  const std::string secs = seconds_text(opt.timeout.count() / 1000.0);
  c10d::TCPStoreOptions o;
  o.port = static_cast<std::uint16_t>(opt.port);
  o.isServer = opt.host_it;
  if (opt.host_it) o.numWorkers = static_cast<std::size_t>(opt.world_size);
  o.waitWorkers = false;  // the process group's full-mesh connect is the rendezvous
  o.timeout = opt.timeout;
  try {
    impl_->tcp = c10::make_intrusive<c10d::TCPStore>(opt.host, o);
  } catch (const std::exception& e) {
    const std::string msg = message_of(e);
    if (opt.host_it && msg.find("Address already in use") != std::string::npos)
      throw Error("MASTER_PORT=" + std::to_string(opt.port),
                  "rank 0 cannot host the rendezvous store: the port is in use on this machine (another job, "
                  "or an earlier run that has not exited, holds it); choose another MASTER_PORT (r1 launch "
                  "--master_port 0 picks a free one). c10d: " + msg);
    if (opt.host_it) throw Error(where, "rank 0 cannot host the rendezvous store. c10d: " + msg);
    if (mentions_timeout(msg))
      throw Error(where, "no rendezvous store answered within " + secs +
                             ". Rank 0 (or torchrun's agent) hosts it: check that it is running and that "
                             "MASTER_ADDR and MASTER_PORT name its machine and port. c10d: " + msg);
    throw Error(where, "cannot reach the rendezvous store. c10d: " + msg);
  }
  impl_->store = c10::make_intrusive<c10d::PrefixStore>(opt.prefix, impl_->tcp);
}

Store::~Store() = default;

void Store::set(const std::string& key, const std::string& value) {
  try {
    impl_->store->set(key, bytes(value));
  } catch (const std::exception& e) {
    rethrow_as_comm_error(e);
  }
}

std::optional<std::string> Store::get_if_set(const std::string& key) {
  try {
    if (!impl_->store->check({key})) return std::nullopt;
    return text(impl_->store->get(key));
  } catch (const std::exception& e) {
    rethrow_as_comm_error(e);
  }
}

std::string Store::set_if_absent(const std::string& key, const std::string& value) {
  try {
    // compareSet with an empty expected value sets a missing key and returns what the key holds.
    return text(impl_->store->compareSet(key, {}, bytes(value)));
  } catch (const std::exception& e) {
    rethrow_as_comm_error(e);
  }
}

int64_t Store::add(const std::string& key, int64_t delta) {
  try {
    return impl_->store->add(key, delta);
  } catch (const std::exception& e) {
    rethrow_as_comm_error(e);
  }
}

// ---- Pending ----

struct Pending::Impl {
  c10::intrusive_ptr<c10d::Work> work;
};

void Pending::wait() {
  if (!impl_) return;
  try {
    impl_->work->wait();
  } catch (const std::exception& e) {
    rethrow_as_comm_error(e);
  }
}

// ---- Group ----

struct Group::Impl {
  c10::intrusive_ptr<CollectiveBackend> pg;

  template <typename F>
  Pending run(F&& launch) {
    try {
      return Pending(std::make_shared<Pending::Impl>(Pending::Impl{launch()}));
    } catch (const std::exception& e) {
      rethrow_as_comm_error(e);
    }
  }
};

bool Group::gloo_built() {
#ifdef USE_C10D_GLOO
  return true;
#else
  return false;
#endif
}

bool Group::nccl_built() {
#ifdef USE_C10D_NCCL
  return true;
#else
  return false;
#endif
}

Group::Group(Store& store, const Options& opt) : opt_(opt), impl_(std::make_unique<Impl>()) {
  try {
    if (opt.backend == Backend::gloo) {
#ifdef USE_C10D_GLOO
      auto o = c10d::ProcessGroupGloo::Options::create(opt.timeout);
      // As torch.distributed: GLOO_SOCKET_IFNAME names the interfaces to use; on one machine
      // loopback; otherwise the address this machine's host name resolves to.
      if (const char* ifnames = std::getenv("GLOO_SOCKET_IFNAME")) {
        std::string name;
        for (const char* c = ifnames;; ++c) {
          if (*c && *c != ',') {
            name += *c;
            continue;
          }
          if (!name.empty()) o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
          name.clear();
          if (!*c) break;
        }
      } else if (opt.loopback) {
        o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      } else {
        o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      o->threads = opt.gloo_threads;
      impl_->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store.impl_->store, opt.rank, opt.world_size, o);
#else
      throw Error("config key dist.backend", "this r1 was built against a libtorch without Gloo headers");
#endif
    } else {
#ifdef USE_C10D_NCCL
      c10::cuda::set_device(static_cast<c10::DeviceIndex>(opt.local_rank));
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = opt.timeout;
      impl_->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(store.impl_->store, opt.rank, opt.world_size, o);
#else
      throw Error("config key dist.backend",
                  "nccl: this r1 was built against a libtorch without NCCL (a CPU build); use gloo");
#endif
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    rethrow_as_comm_error(e);
  }
}

Group::~Group() = default;

const char* Group::backend_name() const { return opt_.backend == Backend::gloo ? "gloo" : "nccl"; }

Pending Group::all_reduce(at::Tensor& t, Reduce op) {
  return impl_->run([&] {
    std::vector<at::Tensor> ts{t};
    c10d::AllreduceOptions o;
    o.reduceOp = reduce_op(op);
    return impl_->pg->allreduce(ts, o);
  });
}

Pending Group::broadcast(at::Tensor& t, int root) {
  return impl_->run([&] {
    std::vector<at::Tensor> ts{t};
    c10d::BroadcastOptions o;
    o.rootRank = root;
    return impl_->pg->broadcast(ts, o);
  });
}

Pending Group::all_gather(std::vector<at::Tensor>& out, at::Tensor& in) {
  return impl_->run([&] {
    std::vector<std::vector<at::Tensor>> outs{out};
    std::vector<at::Tensor> ins{in};
    return impl_->pg->allgather(outs, ins);
  });
}

Pending Group::barrier() {
  return impl_->run([&] { return impl_->pg->barrier(); });
}

void Group::abandon() { impl_->pg.release(); }

}  // namespace r1::dist
