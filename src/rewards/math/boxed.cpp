#include "rewards/math/boxed.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace r1::rewards::math {

namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

// "and" / "or" as words, ",", ";": Math-Verify's VALID_SEPARATOR_PATTERN \b(and|or)\b|,|;
bool has_separator(std::string_view between) {
  for (size_t i = 0; i < between.size(); ++i) {
    if (between[i] == ',' || between[i] == ';') return true;
    for (std::string_view w : {std::string_view("and"), std::string_view("or")}) {
      if (between.compare(i, w.size(), w) != 0) continue;
      bool left = i == 0 || !is_alnum(between[i - 1]);
      bool right = i + w.size() >= between.size() || !is_alnum(between[i + w.size()]);
      if (left && right) return true;
    }
  }
  return false;
}

enum class Mode { Last, LastJoined, All };

// extract_boxed_content, right to left: each box's content is searched only up to the start of the
// box after it. An unclosed last box is the rest of the text with its "{" ("{\frac{1}{2": a cut
// answer, which then does not parse).
std::vector<std::string> boxes_from_right(std::string_view text, Mode mode) {
  std::vector<std::string> results;  // right to left
  size_t current = text.size(), max_pos = text.size();
  size_t later_start = std::string_view::npos;
  while (current > 0) {
    size_t b = text.rfind("\\boxed", current - 1);
    size_t f = text.rfind("\\fbox", current - 1);
    if (b == std::string_view::npos && f == std::string_view::npos) break;
    size_t start = b == std::string_view::npos ? f : f == std::string_view::npos ? b : std::max(b, f);
    size_t k = start + (start == b ? 6 : 5);
    while (k < max_pos && is_space(text[k])) ++k;
    if (k >= max_pos) break;
    if (text[k] != '{') {  // "\boxed 5": the rest is the answer, when it is the last box
      if (results.empty()) results.push_back(std::string(text.substr(k, max_pos - k)));
      break;
    }
    size_t close = std::string_view::npos;
    int depth = 1;
    for (size_t i = k + 1; i < max_pos; ++i) {
      if (text[i] == '{') ++depth;
      if (text[i] == '}' && --depth == 0) {
        close = i;
        break;
      }
    }
    if (close == std::string_view::npos) {
      if (results.empty()) results.push_back(std::string(text.substr(k, max_pos - k)));
      break;
    }
    std::string content = trim(text.substr(k + 1, close - k - 1));
    if (mode != Mode::All && later_start != std::string_view::npos) {
      if (mode == Mode::Last) break;
      std::string_view between = text.substr(close + 1, later_start - close - 1);
      bool near = between.size() < 10;
      bool separated = content != results.back() && between.size() < 70 && has_separator(between);
      if (!near && !separated) break;
    }
    if (results.empty() || results.back() != content) results.push_back(content);
    later_start = start;
    max_pos = start;
    current = start;
  }
  return results;
}

std::string join_left_to_right(const std::vector<std::string>& right_to_left) {
  std::string out;
  for (size_t k = right_to_left.size(); k-- > 0;) {
    out += right_to_left[k];
    if (k > 0) out += ",";
  }
  return out;
}

}  // namespace

std::string last_boxed(std::string_view text, bool join_adjacent) {
  return join_left_to_right(boxes_from_right(text, join_adjacent ? Mode::LastJoined : Mode::Last));
}

std::string all_boxed(std::string_view text) {
  auto boxes = boxes_from_right(text, Mode::All);
  if (boxes.empty()) return std::string(text);
  return join_left_to_right(boxes);
}

}  // namespace r1::rewards::math
