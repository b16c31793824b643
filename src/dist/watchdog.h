// A rank's watchdog: a thread that publishes this rank's heartbeat (and the collective it is in) to
// the store, watches the next rank's heartbeat in the ring (rank r watches r+1 mod W, so every rank
// is watched by one other at O(1) store traffic each) and the job's abort key. When the watched rank
// stops beating for lost_after_s, or another rank published an abort reason, or the store itself is
// gone, it prints why, naming the rank, and ends this process with status 1 -- so a rank that is busy
// computing, or blocked in a collective that cannot finish, never waits silently.
// After a failed collective the main thread asks diagnose() who is to blame.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace r1::dist {

class Store;

class Watchdog {
 public:
  // store_desc names the store's host for messages ("rank 0 at 127.0.0.1:29500").
  Watchdog(std::shared_ptr<Store> store, int rank, int world_size, double heartbeat_s, double lost_after_s,
           std::string store_desc);
  ~Watchdog();  // stops the thread
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // What this rank is doing now, published with the next heartbeat: "#12 all_reduce 'grad bucket 2/5'".
  void set_op(uint64_t seq, const std::string& desc);

  // Why collective `seq` failed on this rank: the job's abort reason when one was published, else the
  // ranks whose heartbeat stopped (watched over a few heartbeats), else -- after a timeout -- the ranks
  // that are alive but have not reached it. Never throws.
  std::string diagnose(uint64_t seq, bool timed_out);

  // The end of a successful run, in an order that never makes a watcher see a false loss: a rank that
  // hosts the store waits (its watchdog still running) until every rank marked itself finished, or
  // one of them is lost; the others stop their heartbeat, then mark themselves finished.
  void finish(bool hosts_store, double wait_s);

  // After a failure: stop beating without joining (the thread may be blocked on a dead store).
  void abandon();

  struct State;  // shared by this object and its thread, which may outlive it after abandon()

 private:
  std::shared_ptr<State> state_;
};

}  // namespace r1::dist
