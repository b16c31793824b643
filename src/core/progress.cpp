#include "core/progress.h"

#include <unistd.h>

#include <cstdio>

namespace r1 {

std::string format_duration(double seconds) {
  long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

Progress::Progress(std::string label, long total, std::string unit, long first_done, bool shown)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), first_done_(first_done),
      start_(std::chrono::steady_clock::now()), last_draw_(start_), tty_(::isatty(fileno(stderr))), shown_(shown) {}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(long done, const std::string& extra) {
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_draw_).count();
  // On a terminal redraw in place; in logs (CI) print a line every ~10% or every 30 s.
  bool due = tty_ ? since > 0.2
                  : (total_ > 0 && done % std::max(1L, total_ / 10) == 0) || since > 30.0;
  if (!due) return;
  last_draw_ = now;
  draw(done, extra, false);
}

void Progress::finish(const std::string& extra) { draw(total_, extra, true); }

void Progress::draw(long done, const std::string& extra, bool final) {
  if (!shown_) return;
  double el = elapsed_seconds();
  double rate = el > 0 ? (done - first_done_) / el : 0.0;
  double eta = rate > 0 && total_ > done ? (total_ - done) / rate : 0.0;
  int pct = total_ > 0 ? static_cast<int>(100.0 * done / total_) : 0;
  std::fprintf(stderr, "%s[%s] %ld/%ld %3d%% | %.2f %s/s | %s %s %s%s%s", tty_ ? "\r\033[2K" : "",
               label_.c_str(), done, total_, pct, rate, unit_.c_str(),
               final ? "took" : "ETA", format_duration(final ? el : eta).c_str(),
               extra.empty() ? "" : "| ", extra.c_str(), (final || !tty_) ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace r1
