// `stop` strings over a stream of text: the choice ends where the first stop string completes (the
// one ending earliest; ties: the one starting earliest), and its text is cut before it. Text that
// might still become a stop string is held back, so a stop string split across tokens is never sent
// half. The rule depends only on the text, not on how it was chunked.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace r1::serve {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);
  // The text that `piece` releases; after a match, stopped() is true and nothing more is taken.
  std::string feed(std::string_view piece);
  // The held-back tail, at the end of the output.
  std::string finish();
  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;
  std::string pending_;
  bool stopped_ = false;
};

}  // namespace r1::serve
