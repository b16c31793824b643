#include "serve/incremental_detokenizer.h"

namespace r1::serve {
namespace {

bool ends_with_replacement(const std::string& s) {
  return s.size() >= 3 && s.compare(s.size() - 3, 3, "\xEF\xBF\xBD") == 0;
}

}  // namespace

std::string IncrementalDetokenizer::window_text(size_t end) const {
  return tok_.decode(std::vector<int32_t>(ids_.begin() + static_cast<std::ptrdiff_t>(prefix_),
                                          ids_.begin() + static_cast<std::ptrdiff_t>(end)),
                     /*skip_special_tokens=*/true);
}

std::string IncrementalDetokenizer::push(int32_t id) {
  ids_.push_back(id);
  const std::string before = window_text(read_);
  const std::string now = window_text(ids_.size());
  if (now.size() <= before.size() || ends_with_replacement(now) || now.compare(0, before.size(), before) != 0)
    return "";
  prefix_ = read_;
  read_ = ids_.size();
  return now.substr(before.size());
}

std::string IncrementalDetokenizer::finish() {
  const std::string before = window_text(read_);
  const std::string now = window_text(ids_.size());
  prefix_ = read_ = ids_.size();
  if (now.size() <= before.size() || now.compare(0, before.size(), before) != 0) return "";
  return now.substr(before.size());
}

}  // namespace r1::serve
