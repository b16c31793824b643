#include "rewards/tagged_response.h"

#include <cctype>

namespace r1::rewards {
namespace {

constexpr std::string_view kOpen = "<think>", kClose = "</think>", kAOpen = "<answer>", kAClose = "</answer>";

std::string_view ltrim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

// The last <answer>…</answer> of `region`, if any.
std::optional<std::string> last_answer(std::string_view region) {
  size_t a = region.rfind(kAOpen);
  if (a == std::string_view::npos) return std::nullopt;
  size_t b = region.find(kAClose, a);
  if (b == std::string_view::npos) return std::nullopt;
  return std::string(region.substr(a + kAOpen.size(), b - a - kAOpen.size()));
}

}  // namespace

bool contains_format_tag(std::string_view s) {
  for (auto tag : {kOpen, kClose, kAOpen, kAClose})
    if (s.find(tag) != std::string_view::npos) return true;
  return false;
}

TaggedResponse parse_tagged_response(std::string_view r) {
  TaggedResponse out;
  std::string_view rest = ltrim(r);
  const bool opens = rest.substr(0, kOpen.size()) == kOpen;
  if (opens) {
    size_t end = rest.find(kClose);
    out.thinks = end != std::string_view::npos;
    out.think = std::string(rest.substr(kOpen.size(), out.thinks ? end - kOpen.size() : std::string_view::npos));
    rest = out.thinks ? rest.substr(end + kClose.size()) : std::string_view();
  }
  // The answer comes after the reasoning: after the last </think>; nowhere when a think block is
  // open and never closed; anywhere in a response with no think tag at all.
  size_t last_close = r.rfind(kClose);
  if (last_close != std::string_view::npos)
    out.answer = last_answer(r.substr(last_close + kClose.size()));
  else if (r.find(kOpen) == std::string_view::npos)
    out.answer = last_answer(r);
  // Well formed: after the think block only one answer block and whitespace remain.
  std::string_view tail = ltrim(rest);
  if (out.thinks && !contains_format_tag(out.think) && tail.substr(0, kAOpen.size()) == kAOpen) {
    size_t b = tail.find(kAClose);
    if (b != std::string_view::npos) {
      std::string_view inner = tail.substr(kAOpen.size(), b - kAOpen.size());
      out.well_formed = !contains_format_tag(inner) && ltrim(tail.substr(b + kAClose.size())).empty();
    }
  }
  return out;
}

double format_reward(std::string_view response) { return parse_tagged_response(response).well_formed ? 1.0 : 0.0; }

}  // namespace r1::rewards
