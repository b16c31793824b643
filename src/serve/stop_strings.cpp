#include "serve/stop_strings.h"

namespace r1::serve {

StopMatcher::StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {}

std::string StopMatcher::feed(std::string_view piece) {
  if (stopped_) return "";
  pending_.append(piece);
  if (stops_.empty()) return std::move(pending_);
  size_t best_end = std::string::npos, best_pos = std::string::npos;
  for (const auto& s : stops_) {
    const size_t pos = pending_.find(s);
    if (pos == std::string::npos) continue;
    const size_t end = pos + s.size();
    if (end < best_end || (end == best_end && pos < best_pos)) best_end = end, best_pos = pos;
  }
  if (best_pos != std::string::npos) {
    stopped_ = true;
    std::string out = pending_.substr(0, best_pos);
    pending_.clear();
    return out;
  }
  // Hold the longest tail that is a proper prefix of some stop string.
  size_t hold = 0;
  for (const auto& s : stops_)
    for (size_t k = std::min(pending_.size(), s.size() - 1); k > hold; --k)
      if (pending_.compare(pending_.size() - k, k, s, 0, k) == 0) {
        hold = k;
        break;
      }
  std::string out = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return out;
}

std::string StopMatcher::finish() {
  std::string out = stopped_ ? std::string() : std::move(pending_);
  pending_.clear();
  return out;
}

}  // namespace r1::serve
