// The c10d calls r1 makes, behind one small interface: the TCPStore rendezvous and one process group
// (Gloo on CPU, NCCL on CUDA). c10d's C++ API changed after libtorch 1.13 (process groups became
// c10d::Backend, options moved), so process_group.cpp is the one file that includes c10d headers and
// absorbs those differences; everything else in r1 sees only this header.
#pragma once
#include <ATen/core/Tensor.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace r1::dist {

enum class Reduce { sum, mean, max, min };
const char* reduce_name(Reduce op);

// A failure inside c10d (a peer's connection closed, a timeout, the store gone), with c10d's message
// without its backtrace. dist::Runtime turns it into an r1::Error naming the lost rank and the op.
class CommError : public std::runtime_error {
 public:
  CommError(const std::string& what, bool timed_out) : std::runtime_error(what), timed_out_(timed_out) {}
  bool timed_out() const { return timed_out_; }

 private:
  bool timed_out_;
};

// A key-value store all ranks share (c10d::TCPStore under a key prefix).
class Store {
 public:
  struct Options {
    std::string host;  // MASTER_ADDR
    int port = 0;      // MASTER_PORT
    bool host_it = false;  // this process runs the server (rank 0, unless torchrun's agent does)
    int world_size = 1;
    std::chrono::milliseconds timeout{0};  // connecting, and blocking gets
    std::string prefix;                    // every key is prefix + key
  };
  // Hosts or connects. Throws r1::Error naming MASTER_ADDR/MASTER_PORT when the port is in use or no
  // store answers within the timeout.
  explicit Store(const Options& opt);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const Options& options() const { return opt_; }
  // All throw CommError when the store cannot be reached.
  void set(const std::string& key, const std::string& value);
  std::optional<std::string> get_if_set(const std::string& key);
  // Sets key to value unless it is set already; returns the value it holds afterwards.
  std::string set_if_absent(const std::string& key, const std::string& value);
  int64_t add(const std::string& key, int64_t delta);

 private:
  friend class Group;
  struct Impl;
  Options opt_;
  std::unique_ptr<Impl> impl_;
};

// One collective in flight.
class Pending {
 public:
  struct Impl;
  Pending() = default;
  explicit Pending(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  // Blocks until done; throws CommError when the collective failed or timed out.
  void wait();
  bool valid() const { return impl_ != nullptr; }

 private:
  std::shared_ptr<Impl> impl_;
};

// A c10d process group over the store. Collectives are asynchronous: they return at once and run on
// the backend's threads (Gloo) or streams (NCCL); every rank must issue the same ones in the same order.
class Group {
 public:
  enum class Backend { gloo, nccl };
  struct Options {
    Backend backend = Backend::gloo;
    int rank = 0;
    int world_size = 1;
    int local_rank = 0;       // NCCL: the CUDA device
    bool loopback = false;    // every rank on this machine: Gloo binds to 127.0.0.1
    std::chrono::milliseconds timeout{0};
    int gloo_threads = 2;
  };
  // Connects the full mesh through the store (blocks until every rank joined or the timeout);
  // throws CommError.
  Group(Store& store, const Options& opt);
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  static bool nccl_built();  // this r1 was compiled against a libtorch with ProcessGroupNCCL
  static bool gloo_built();
  const char* backend_name() const;

  // op is sum, max or min (Runtime turns mean into a pre-divided sum). Tensors must be contiguous.
  Pending all_reduce(at::Tensor& t, Reduce op);
  Pending broadcast(at::Tensor& t, int root);
  Pending all_gather(std::vector<at::Tensor>& out, at::Tensor& in);  // out: world_size tensors like in
  Pending barrier();

  // Drops the group without tearing it down: after a failure, Gloo's destructor would wait for
  // collectives that can no longer finish. The process is about to exit.
  void abandon();

 private:
  struct Impl;
  Options opt_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace r1::dist
