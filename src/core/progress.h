// A progress line for long work: "[grpo] 37/120  31% | 2.4 step/s | ETA 0:34 | reward 0.71".
#pragma once
#include <chrono>
#include <string>

namespace r1 {

class Progress {
 public:
  // first_done: units already done when this run starts (a resumed run), left out of the rate.
  // shown = false draws nothing (the ranks of a job but rank 0).
  Progress(std::string label, long total, std::string unit = "step", long first_done = 0, bool shown = true);
  // Reports that `done` of `total` are finished; `extra` is appended (e.g. current metrics).
  // Redraws at most a few times a second on a terminal, every `log_every` updates otherwise.
  void update(long done, const std::string& extra = "");
  void finish(const std::string& extra = "");
  double elapsed_seconds() const;

 private:
  std::string label_, unit_;
  long total_, first_done_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool tty_, shown_;
  void draw(long done, const std::string& extra, bool final);
};

std::string format_duration(double seconds);

}  // namespace r1
