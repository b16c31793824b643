#include "dist/watchdog.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <thread>

#include "dist/dist_config.h"
#include "dist/failure.h"
#include "dist/process_group.h"

namespace r1::dist {
namespace {

using Clock = std::chrono::steady_clock;

std::string hb_key(int rank) { return "hb/" + std::to_string(rank); }
std::string finished_key(int rank) { return "finished/" + std::to_string(rank); }
constexpr const char* kFinishedCount = "finished";

// A heartbeat as stored: "<count> <seq> <what the rank is doing>".
struct Beat {
  int64_t count = -1;  // -1: never published
  uint64_t seq = 0;
  std::string op;
  bool finished = false;
};

Beat parse_beat(const std::string& v) {
  Beat b;
  std::istringstream in(v);
  in >> b.count >> b.seq;
  std::getline(in >> std::ws, b.op);
  return b;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string where_it_was(const Beat& b) { return b.count < 0 ? "it never sent one" : "it was last in " + b.op; }

}  // namespace

struct Watchdog::State {
  std::shared_ptr<Store> store;
  int rank = 0, world = 1;
  double heartbeat_s = 1, lost_after_s = 60;
  std::string store_desc;

  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  uint64_t seq = 0;
  std::string op = "#0 (starting)";
  int64_t count = 0;
  std::thread thread;

  void publish() {
    std::string value;
    {
      std::lock_guard<std::mutex> lock(mu);
      value = std::to_string(++count) + " " + std::to_string(seq) + " " + op;
    }
    store->set(hb_key(rank), value);
  }

  bool stopped() {
    std::lock_guard<std::mutex> lock(mu);
    return stop;
  }

  // Ends the process with the reason, unless it is shutting down or already reporting a failure.
  void fail(const std::string& reason) {
    if (stopped() || !claim_failure(Reporter::watchdog)) return;
    print_fatal_error("dist: " + reason);
    std::_Exit(1);
  }

  std::vector<Beat> snapshot() {
    std::vector<Beat> beats(world);
    for (int k = 0; k < world; ++k) {
      if (k == rank) continue;
      if (auto v = store->get_if_set(hb_key(k))) beats[k] = parse_beat(*v);
      beats[k].finished = store->get_if_set(finished_key(k)).has_value();
    }
    return beats;
  }

  void stop_thread(bool join) {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
    }
    cv.notify_all();
    if (thread.joinable()) join ? thread.join() : thread.detach();
  }
};

namespace {

void watch(std::shared_ptr<Watchdog::State> s) {
  const int watched = (s->rank + 1) % s->world;
  int64_t last_count = -2;
  auto last_change = Clock::now();
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(s->mu);
      s->cv.wait_for(lock, std::chrono::duration<double>(s->heartbeat_s), [&] { return s->stop; });
      if (s->stop) return;
    }
    try {
      s->publish();
      if (auto reason = s->store->get_if_set(kAbortKey)) return s->fail("stopping: " + *reason);
      if (watched == s->rank) continue;
      auto v = s->store->get_if_set(hb_key(watched));
      const Beat b = v ? parse_beat(*v) : Beat{};
      if (b.count != last_count) {
        last_count = b.count;
        last_change = Clock::now();
      } else if (seconds_since(last_change) > s->lost_after_s && !s->store->get_if_set(finished_key(watched))) {
        const std::string reason = "rank " + std::to_string(watched) + " is lost: no heartbeat for " +
                                   seconds_text(seconds_since(last_change)) + " (" + where_it_was(b) + "); seen by rank " +
                                   std::to_string(s->rank);
        publish_abort(*s->store, reason);
        return s->fail(reason);
      }
    } catch (const CommError& e) {
      return s->fail("lost the rendezvous store (" + s->store_desc + "), so that host is likely gone: " + e.what());
    }
  }
}

}  // namespace

Watchdog::Watchdog(std::shared_ptr<Store> store, int rank, int world_size, double heartbeat_s, double lost_after_s,
                   std::string store_desc)
    : state_(std::make_shared<State>()) {
  state_->store = std::move(store);
  state_->rank = rank;
  state_->world = world_size;
  state_->heartbeat_s = heartbeat_s;
  state_->lost_after_s = lost_after_s;
  state_->store_desc = std::move(store_desc);
  state_->publish();  // before any collective, so diagnose() finds every rank that joined
  if (heartbeat_s > 0) state_->thread = std::thread(watch, state_);
}

Watchdog::~Watchdog() { state_->stop_thread(true); }

void Watchdog::set_op(uint64_t seq, const std::string& desc) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->seq = seq;
  state_->op = "#" + std::to_string(seq) + " " + desc;
}

std::string Watchdog::diagnose(uint64_t seq, bool timed_out) {
  State& s = *state_;
  try {
    if (auto reason = s.store->get_if_set(kAbortKey)) return *reason;
    if (s.heartbeat_s <= 0)
      return "heartbeats are off (dist.heartbeat_s = 0), so the rank at fault cannot be named";
    // A rank is lost when its heartbeat does not move over a few beats.
    const std::vector<Beat> before = s.snapshot();
    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(3 * s.heartbeat_s, s.lost_after_s)));
    if (auto reason = s.store->get_if_set(kAbortKey)) return *reason;
    const std::vector<Beat> after = s.snapshot();
    std::string lost, finished, behind;
    for (int k = 0; k < s.world; ++k) {
      if (k == s.rank) continue;
      const std::string who = "rank " + std::to_string(k);
      auto add = [](std::string& list, const std::string& item) { list += (list.empty() ? "" : "; ") + item; };
      if (after[k].finished)
        add(finished, who);
      else if (after[k].count == before[k].count)
        add(lost, who + " is lost: no heartbeat for " + seconds_text(3 * s.heartbeat_s) + " (" + where_it_was(after[k]) + ")");
      else if (after[k].seq < seq)
        add(behind, who + " is alive but has not reached it (it is at " + after[k].op + ")");
    }
    if (!lost.empty()) return lost;
    if (!finished.empty())
      return finished + " already finished its run: every rank must make the same collective calls";
    if (timed_out && !behind.empty()) return behind + ": it is still computing, or stuck outside collectives";
    if (timed_out)
      return "every rank is alive and at this collective or past it: the collective itself stalled (the network, "
             "or tensors whose sizes differ across ranks)";
    return "no rank is known to be lost";
  } catch (const CommError& e) {
    return "the rendezvous store (" + s.store_desc + ") is unreachable too, so that host is likely gone: " + e.what();
  }
}

void Watchdog::finish(bool hosts_store, double wait_s) {
  State& s = *state_;
  try {
    if (!hosts_store) {
      s.stop_thread(true);
      s.store->set(finished_key(s.rank), "1");
      s.store->add(kFinishedCount, 1);
      return;
    }
    s.store->set(finished_key(s.rank), "1");
    s.store->add(kFinishedCount, 1);
    // The store must outlive every rank's last use of it. While waiting, an unfinished rank whose
    // heartbeat stops ends the wait (its own failure is reported by its exit status).
    std::vector<int64_t> last(s.world, -2);
    std::vector<Clock::time_point> changed(s.world, Clock::now());
    const auto start = Clock::now();
    while (s.store->add(kFinishedCount, 0) < s.world && seconds_since(start) < wait_s) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (s.heartbeat_s <= 0) continue;
      bool gone = false;
      const std::vector<Beat> beats = s.snapshot();
      for (int k = 0; k < s.world; ++k) {
        if (k == s.rank || beats[k].finished) continue;
        if (beats[k].count != last[k]) last[k] = beats[k].count, changed[k] = Clock::now();
        gone = gone || seconds_since(changed[k]) > s.lost_after_s;
      }
      if (gone) break;
    }
  } catch (const CommError&) {
    // a store that is already gone needs no waiting
  }
  s.stop_thread(true);
}

void Watchdog::abandon() { state_->stop_thread(false); }

}  // namespace r1::dist
