#include "kernels/row_split.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace r1::kernels {
namespace {

using Clock = std::chrono::steady_clock;
// How long a worker spins for the next product before it sleeps, and how long the caller spins for
// the workers before it yields its core (a descheduled worker on a loaded machine).
constexpr auto kWorkerSpin = std::chrono::microseconds(2000);
constexpr auto kCallerSpin = std::chrono::microseconds(1000);

inline void pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Spins until done() or `limit` has passed; returns done().
template <class Done>
bool spin(Done done, Clock::duration limit) {
  const auto end = Clock::now() + limit;
  for (int i = 0;; ++i) {
    if (done()) return true;
    pause();
    if ((i & 63) == 63 && Clock::now() > end) return done();
  }
}

struct Job {
  const std::function<void(int64_t, int64_t)>* fn = nullptr;
  int64_t rows = 0, align = 1, blocks = 0;
  int shares = 1;
  void run(int s) const {  // share s: blocks [s·blocks/shares, (s+1)·blocks/shares) of `align` rows
    const int64_t b0 = blocks * s / shares, b1 = blocks * (s + 1) / shares;
    if (b0 < b1) (*fn)(b0 * align, std::min(rows, b1 * align));
  }
};

class Team {
 public:
  explicit Team(int threads) : threads_(threads) {
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { loop(i); });
  }
  ~Team() {
    {
      std::lock_guard<std::mutex> l(m_);
      stop_ = true;
      gen_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }
  int threads() const { return threads_; }

  void run(const Job& job) {
    job_ = job;
    pending_.store(threads_ - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> l(m_);  // a worker between its last spin and its wait sees the new generation
      gen_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    job_.run(0);
    auto finished = [&] { return pending_.load(std::memory_order_acquire) == 0; };
    while (!spin(finished, kCallerSpin)) std::this_thread::yield();
  }

 private:
  void loop(int share) {
    uint64_t seen = 0;
    for (;;) {
      uint64_t g = 0;
      auto fresh = [&] { return (g = gen_.load(std::memory_order_acquire)) != seen; };
      if (!spin(fresh, kWorkerSpin)) {
        std::unique_lock<std::mutex> l(m_);
        cv_.wait(l, fresh);
      }
      seen = g;
      if (stop_) return;
      if (share < job_.shares) job_.run(share);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  const int threads_;
  std::vector<std::thread> workers_;
  std::mutex m_;
  std::condition_variable cv_;
  std::atomic<uint64_t> gen_{0};
  std::atomic<int> pending_{0};
  Job job_;
  bool stop_ = false;  // written under m_ before the last generation
};

std::mutex g_team_mu;  // held while a product runs on the team
std::unique_ptr<Team> g_team;

}  // namespace

void split_rows(int64_t rows, int threads, int64_t align, const std::function<void(int64_t, int64_t)>& fn) {
  Job job;
  job.fn = &fn;
  job.rows = rows;
  job.align = std::max<int64_t>(align, 1);
  job.blocks = (rows + job.align - 1) / job.align;
  job.shares = static_cast<int>(std::min<int64_t>(std::max(threads, 1), job.blocks));
  std::unique_lock<std::mutex> lock(g_team_mu, std::try_to_lock);
  if (job.shares <= 1 || !lock.owns_lock()) {  // one share, or the team is busy with another caller's product
    if (rows > 0) fn(0, rows);
    return;
  }
  if (!g_team || g_team->threads() != threads) {
    g_team.reset();
    g_team = std::make_unique<Team>(threads);
  }
  g_team->run(job);
}

}  // namespace r1::kernels
