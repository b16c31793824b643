#include "serve/reasoning_split.h"

namespace r1::serve {
namespace {

constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

std::string_view lstrip(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  return s.substr(i);
}

std::string_view rstrip(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && is_space(s[n - 1])) --n;
  return s.substr(0, n);
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// s is a proper prefix of `tag`: more text may complete it.
bool could_become(std::string_view s, std::string_view tag) { return s.size() < tag.size() && starts_with(tag, s); }

}  // namespace

bool prompt_opens_think(std::string_view prompt) {
  const std::string_view t = rstrip(prompt);
  return t.size() >= kOpen.size() && t.substr(t.size() - kOpen.size()) == kOpen;
}

SplitText split_reasoning(std::string_view text, bool opened_in_prompt) {
  SplitText out;
  if (!opened_in_prompt) {
    if (!starts_with(text, kOpen)) {
      out.content = std::string(text);
      return out;
    }
    text.remove_prefix(kOpen.size());
  } else {
    text = lstrip(text);
    if (starts_with(text, kOpen)) text.remove_prefix(kOpen.size());
  }
  out.has_reasoning = true;
  text = lstrip(text);
  const size_t close = text.find(kClose);
  if (close == std::string_view::npos) {
    out.reasoning = std::string(text);
    return out;
  }
  out.reasoning = std::string(rstrip(text.substr(0, close)));
  out.content = std::string(lstrip(text.substr(close + kClose.size())));
  return out;
}

ReasoningSplitter::ReasoningSplitter(bool opened_in_prompt)
    : state_(opened_in_prompt ? State::reasoning_start : State::tag_check),
      may_repeat_tag_(opened_in_prompt),
      has_reasoning_(opened_in_prompt) {}

void ReasoningSplitter::emit(std::vector<TextDelta>& out, bool reasoning, std::string_view text) {
  if (text.empty()) return;
  if (!out.empty() && out.back().reasoning == reasoning) out.back().text.append(text);
  else out.push_back({reasoning, std::string(text)});
}

std::vector<TextDelta> ReasoningSplitter::feed(std::string_view piece) {
  std::vector<TextDelta> out;
  pending_.append(piece);
  for (;;) {
    std::string_view p = pending_;
    switch (state_) {
      case State::tag_check:
        if (could_become(p, kOpen)) return out;
        if (starts_with(p, kOpen)) {
          pending_.erase(0, kOpen.size());
          state_ = State::reasoning_start;
          has_reasoning_ = true;
        } else {
          state_ = State::content;
        }
        break;
      case State::reasoning_start: {
        pending_.erase(0, p.size() - lstrip(p).size());
        p = pending_;
        if (p.empty()) return out;
        if (may_repeat_tag_) {
          if (could_become(p, kOpen)) return out;
          may_repeat_tag_ = false;
          if (starts_with(p, kOpen)) {
            pending_.erase(0, kOpen.size());
            break;  // strip the whitespace after it too
          }
        }
        state_ = State::reasoning;
        break;
      }
      case State::reasoning: {
        const size_t close = p.find(kClose);
        if (close != std::string_view::npos) {
          emit(out, true, rstrip(p.substr(0, close)));
          pending_.erase(0, close + kClose.size());
          state_ = State::content_start;
          break;
        }
        // Hold back a tail that may be the start of "</think>", and the whitespace before it.
        size_t hold = 0;
        for (size_t k = std::min(p.size(), kClose.size() - 1); k > 0; --k)
          if (starts_with(kClose, p.substr(p.size() - k))) {
            hold = k;
            break;
          }
        const size_t keep_from = rstrip(p.substr(0, p.size() - hold)).size();
        emit(out, true, p.substr(0, keep_from));
        pending_.erase(0, keep_from);
        return out;
      }
      case State::content_start:
        pending_.erase(0, p.size() - lstrip(p).size());
        if (pending_.empty()) return out;
        state_ = State::content;
        break;
      case State::content:
        emit(out, false, p);
        pending_.clear();
        return out;
    }
  }
}

std::vector<TextDelta> ReasoningSplitter::finish() {
  std::vector<TextDelta> out;
  switch (state_) {
    case State::tag_check:
    case State::content: emit(out, false, pending_); break;
    case State::reasoning_start:
    case State::reasoning: emit(out, true, pending_); break;
    case State::content_start: break;  // whitespace only
  }
  pending_.clear();
  return out;
}

}  // namespace r1::serve
