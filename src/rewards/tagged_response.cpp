#include "rewards/tagged_response.h"

#include <cctype>

namespace r1::rewards {
namespace {

std::string_view ltrim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

}  // namespace

TaggedResponse parse_tagged_response(std::string_view r) {
  TaggedResponse out;
  std::string_view rest = ltrim(r);
  constexpr std::string_view kOpen = "<think>", kClose = "</think>", kAOpen = "<answer>", kAClose = "</answer>";
  if (rest.substr(0, kOpen.size()) == kOpen) {
    size_t end = rest.find(kClose);
    if (end != std::string_view::npos) {
      out.thinks = true;
      out.think = std::string(rest.substr(kOpen.size(), end - kOpen.size()));
      rest = rest.substr(end + kClose.size());
    }
  }
  size_t a = r.rfind(kAOpen);
  if (a != std::string_view::npos) {
    size_t b = r.find(kAClose, a);
    if (b != std::string_view::npos) out.answer = std::string(r.substr(a + kAOpen.size(), b - a - kAOpen.size()));
  }
  // Well formed: after the think block only one answer block and whitespace remain.
  std::string_view tail = ltrim(rest);
  if (out.thinks && out.think.find(kOpen) == std::string::npos && tail.substr(0, kAOpen.size()) == kAOpen) {
    size_t b = tail.find(kAClose);
    if (b != std::string_view::npos) {
      std::string_view inner = tail.substr(kAOpen.size(), b - kAOpen.size());
      out.well_formed = inner.find('<') == std::string_view::npos && ltrim(tail.substr(b + kAClose.size())).empty();
    }
  }
  return out;
}

double format_reward(std::string_view response) { return parse_tagged_response(response).well_formed ? 1.0 : 0.0; }

}  // namespace r1::rewards
