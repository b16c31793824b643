#include "rewards/math/extract.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace r1::rewards::math {

const char* rule_name(ExtractionRule rule) {
  switch (rule) {
    case ExtractionRule::Boxed: return "boxed";
    case ExtractionRule::Gsm8k: return "gsm8k";
    case ExtractionRule::FinalAnswerIs: return "final_answer_is";
    case ExtractionRule::AnswerIs: return "answer_is";
    case ExtractionRule::LatexMath: return "latex_math";
    case ExtractionRule::PlainNumber: return "plain_number";
    case ExtractionRule::Choice: return "choice";
    case ExtractionRule::Whole: return "whole";
  }
  return "?";
}

std::string_view answer_region(std::string_view response, std::string_view think_close) {
  size_t pos = think_close.empty() ? std::string_view::npos : response.rfind(think_close);
  if (pos == std::string_view::npos) return response;
  return response.substr(pos + think_close.size());
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool starts_with_at(std::string_view s, size_t i, std::string_view p) {
  return i <= s.size() && s.size() - i >= p.size() && s.compare(i, p.size(), p) == 0;
}

bool iequal_at(std::string_view s, size_t i, std::string_view p) {
  if (i > s.size() || s.size() - i < p.size()) return false;
  for (size_t k = 0; k < p.size(); ++k)
    if (std::tolower(static_cast<unsigned char>(s[i + k])) != std::tolower(static_cast<unsigned char>(p[k])))
      return false;
  return true;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

// ---- \boxed{...} ----------------------------------------------------------------------------

struct Box {
  size_t cmd = 0;         // position of the backslash
  size_t open = 0;        // position of '{' (npos when the box has no brace)
  size_t close = 0;       // position of the matching '}' (npos when unclosed)
  std::string content;
};

// The box whose command starts last before `limit`.
bool find_box_before(std::string_view s, size_t limit, Box& box) {
  size_t b = limit == 0 ? std::string_view::npos : s.rfind("\\boxed", limit - 1);
  size_t f = limit == 0 ? std::string_view::npos : s.rfind("\\fbox", limit - 1);
  size_t start;
  size_t cmd_len;
  if (b == std::string_view::npos && f == std::string_view::npos) return false;
  if (f == std::string_view::npos || (b != std::string_view::npos && b > f)) {
    start = b;
    cmd_len = 6;
  } else {
    start = f;
    cmd_len = 5;
  }
  box.cmd = start;
  size_t i = start + cmd_len;
  while (i < s.size() && is_space(s[i])) ++i;
  if (i < s.size() && s[i] == '{') {
    box.open = i;
    int depth = 0;
    for (size_t k = i; k < s.size(); ++k) {
      if (s[k] == '{') ++depth;
      if (s[k] == '}' && --depth == 0) {
        box.close = k;
        box.content = trim(s.substr(i + 1, k - i - 1));
        return true;
      }
    }
    box.close = std::string_view::npos;  // unclosed: the rest of the text is the answer
    box.content = trim(s.substr(i + 1));
    return true;
  }
  // "\boxed 5": the next token.
  box.open = std::string_view::npos;
  size_t e = i;
  while (e < s.size() && !is_space(s[e]) && s[e] != '$') ++e;
  box.close = e;
  box.content = trim(s.substr(i, e - i));
  return true;
}

bool has_separator(std::string_view between) {
  for (size_t i = 0; i < between.size(); ++i) {
    char c = between[i];
    if (c == ',' || c == ';') return true;
    for (std::string_view w : {std::string_view("and"), std::string_view("or")}) {
      if (starts_with_at(between, i, w) && (i == 0 || !is_alpha(between[i - 1])) &&
          (i + w.size() >= between.size() || !is_alpha(between[i + w.size()])))
        return true;
    }
  }
  return false;
}

}  // namespace

std::string last_boxed(std::string_view text, bool join_adjacent) {
  std::vector<std::string> parts;  // right to left
  size_t limit = text.size();
  size_t prev_cmd = std::string_view::npos;
  Box box;
  while (find_box_before(text, limit, box)) {
    if (box.content.empty() && parts.empty()) {
      limit = box.cmd;
      continue;
    }
    if (!parts.empty()) {
      if (!join_adjacent || box.close == std::string_view::npos) break;
      std::string_view between = text.substr(box.close + 1, prev_cmd - box.close - 1);
      bool near = between.size() < 10;
      bool separated = box.content != parts.back() && between.size() < 70 && has_separator(between);
      if (!near && !separated) break;
    }
    if (parts.empty() || parts.back() != box.content) parts.push_back(box.content);
    prev_cmd = box.cmd;
    limit = box.cmd;
    if (!join_adjacent) break;
  }
  std::string out;
  for (size_t k = parts.size(); k-- > 0;) {
    if (!out.empty()) out += ",";
    out += parts[k];
  }
  return out;
}

namespace {

// ---- candidates ------------------------------------------------------------------------------

struct Span {
  size_t begin = 0, end = 0;  // of the answer text
  size_t match_end = 0;       // end of the whole match (percent suffix included): orders candidates
  std::string text;
  bool percent = false;
};

// A percent marker right after position i: "\%", "%", "percent", "percentage", "pct".
size_t percent_suffix(std::string_view s, size_t i) {
  size_t j = i;
  while (j < s.size() && is_space(s[j])) ++j;
  if (starts_with_at(s, j, "\\%")) return j + 2;
  if (starts_with_at(s, j, "%")) return j + 1;
  for (std::string_view w : {std::string_view("percentage"), std::string_view("percent"), std::string_view("pct")})
    if (iequal_at(s, j, w) && (j + w.size() >= s.size() || !is_alpha(s[j + w.size()]))) return j + w.size();
  return std::string_view::npos;
}

// Position of the next `token` at or after `from`, remembered so that a left-to-right scan over
// many unclosed openers ("\[ \[ \[ ...") stays linear instead of searching to the end each time.
class NextFinder {
 public:
  NextFinder(std::string_view s, std::string_view token) : s_(s), token_(token) {}
  size_t find(size_t from) {
    if (!valid_ || from < from_ || (pos_ != std::string_view::npos && pos_ < from)) {
      pos_ = s_.find(token_, from);
      from_ = from;
      valid_ = true;
    }
    return pos_;
  }

 private:
  std::string_view s_, token_;
  size_t pos_ = std::string_view::npos, from_ = 0;
  bool valid_ = false;
};

struct Closers {
  explicit Closers(std::string_view s) : display_dollar(s, "$$"), bracket(s, "\\]"), paren(s, "\\)") {}
  NextFinder display_dollar, bracket, paren;
};

// One LaTeX math environment starting exactly at i.
bool latex_env_at(std::string_view s, size_t i, Span& out, Closers& close) {
  auto escaped = [&](size_t k) { return k > 0 && s[k - 1] == '\\'; };
  size_t cb, ce, mend;
  if (starts_with_at(s, i, "$$") && !escaped(i)) {
    size_t k = i + 2;
    for (;;) {
      k = close.display_dollar.find(k);
      if (k == std::string_view::npos) return false;
      if (!escaped(k)) break;
      ++k;
    }
    cb = i + 2, ce = k, mend = k + 2;
  } else if (starts_with_at(s, i, "\\[") && !escaped(i)) {
    size_t k = close.bracket.find(i + 2);
    if (k == std::string_view::npos) return false;
    cb = i + 2, ce = k, mend = k + 2;
  } else if (starts_with_at(s, i, "\\(") && !escaped(i)) {
    size_t k = close.paren.find(i + 2);
    if (k == std::string_view::npos) return false;
    if (s.substr(i, k - i).find('\n') != std::string_view::npos) return false;
    cb = i + 2, ce = k, mend = k + 2;
  } else if (s[i] == '$' && !escaped(i) && !(i > 0 && is_digit(s[i - 1]))) {
    size_t k = i + 1;
    for (; k < s.size(); ++k) {
      if (s[k] == '\n') return false;
      if (s[k] == '$' && !escaped(k)) break;
    }
    if (k >= s.size() || k == i + 1) return false;
    cb = i + 1, ce = k, mend = k + 1;
  } else if ((starts_with_at(s, i, "\\frac{") || starts_with_at(s, i, "-\\frac{")) && !escaped(i)) {
    // A bare \frac{a}{b} of plain numbers.
    size_t k = i + (s[i] == '-' ? 6 : 5);
    auto number_group = [&](size_t& p) {
      if (p >= s.size() || s[p] != '{') return false;
      ++p;
      if (p < s.size() && s[p] == '-') ++p;
      size_t d = p;
      while (p < s.size() && is_digit(s[p])) ++p;
      if (p == d) return false;
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        size_t d2 = p;
        while (p < s.size() && is_digit(s[p])) ++p;
        if (p == d2) return false;
      }
      if (p >= s.size() || s[p] != '}') return false;
      ++p;
      return true;
    };
    if (!number_group(k) || !number_group(k)) return false;
    cb = i, ce = k, mend = k;
  } else {
    return false;
  }
  if (ce <= cb) return false;
  out.begin = cb;
  out.end = ce;
  out.text = std::string(s.substr(cb, ce - cb));
  out.percent = false;
  size_t p = percent_suffix(s, mend);
  if (p != std::string_view::npos) {
    out.percent = true;
    mend = p;
  }
  out.match_end = mend;
  return true;
}

// A connector between chained environments: ",", "and", "or", ", and", ", or".
size_t connector_after(std::string_view s, size_t i) {
  size_t j = i;
  while (j < s.size() && is_space(s[j])) ++j;
  bool comma = j < s.size() && s[j] == ',';
  if (comma) ++j;
  size_t k = j;
  while (k < s.size() && is_space(s[k])) ++k;
  for (std::string_view w : {std::string_view("and"), std::string_view("or")}) {
    if (starts_with_at(s, comma ? k : j, w)) {
      size_t e = (comma ? k : j) + w.size();
      while (e < s.size() && is_space(s[e])) ++e;
      return e;
    }
  }
  if (comma) return k;
  return std::string_view::npos;
}

// Environments chained by connectors, starting at i: "$1$, $2$ and $3$" -> "1,2,3".
bool latex_chain_at(std::string_view s, size_t i, Span& out, Closers& close) {
  if (!latex_env_at(s, i, out, close)) return false;
  std::string text = out.percent ? out.text + "\\%" : out.text;
  for (int n = 0; n < 5; ++n) {
    size_t c = connector_after(s, out.match_end);
    if (c == std::string_view::npos || c >= s.size()) break;
    Span next;
    if (!latex_env_at(s, c, next, close)) break;
    text += "," + (next.percent ? next.text + "\\%" : next.text);
    out.end = next.end;
    out.match_end = next.match_end;
  }
  if (text != out.text) {
    out.text = text;
    out.percent = false;
  }
  return true;
}

// All non-overlapping LaTeX chains in s[from, to).
std::vector<Span> latex_chains(std::string_view s, Closers& close) {
  std::vector<Span> out;
  for (size_t i = 0; i < s.size();) {
    Span sp;
    if (latex_chain_at(s, i, sp, close)) {
      out.push_back(sp);
      i = std::max(sp.match_end, i + 1);
    } else {
      ++i;
    }
  }
  return out;
}

// ---- plain numbers and expressions -----------------------------------------------------------

const char* const kCurrency[] = {"$", "€", "£", "¥", "₹", "₽", "₪", "₩", "₫", "฿"};

bool anchored(std::string_view s, size_t i) {
  if (i == 0) return true;
  char c = s[i - 1];
  if (is_space(c) || c == '=') return true;
  if (c == '*' && i >= 2 && s[i - 2] == '*') return anchored(s, i - 2);
  return false;
}

// Operator characters of plain arithmetic (ASCII or UTF-8 × ÷); returns the byte length or 0.
size_t expr_operator(std::string_view s, size_t i) {
  char c = s[i];
  if (c == '+' || c == '-' || c == '*' || c == '/' || c == '^' || c == '(' || c == ')') return 1;
  if (starts_with_at(s, i, "×") || starts_with_at(s, i, "÷")) return 2;
  return 0;
}

// A number at i (thousands separators, decimal comma, leading-dot decimals). Returns the
// normalized number ("1,000.5" -> "1000.5") and its end; npos when none.
size_t number_at(std::string_view s, size_t i, std::string& norm) {
  size_t p = i;
  bool neg = false;
  if (p < s.size() && s[p] == '-') {
    neg = true;
    ++p;
  }
  auto digits = [&](size_t q) {
    size_t e = q;
    while (e < s.size() && is_digit(s[e])) ++e;
    return e;
  };
  // 1: thousands groups "1,234,567(.89)" or "1 234".
  if (p < s.size() && s[p] >= '1' && s[p] <= '9') {
    size_t head = digits(p);
    if (head - p <= 3) {
      size_t q = head;
      int groups = 0;
      char sep = 0;
      while (q + 3 < s.size() + 0 && (s[q] == ',' || s[q] == ' ') && (sep == 0 || s[q] == sep) &&
             digits(q + 1) == q + 4) {
        sep = s[q];
        q += 4;
        ++groups;
      }
      if (groups > 0) {
        std::string n(s.substr(p, q - p));
        n.erase(std::remove(n.begin(), n.end(), sep), n.end());
        if (q + 1 < s.size() && s[q] == '.' && is_digit(s[q + 1])) {
          size_t e = digits(q + 1);
          n += std::string(s.substr(q, e - q));
          q = e;
        }
        norm = (neg ? "-" : "") + n;
        return q;
      }
    }
  }
  // 2: "123.45" / "123,45"; 4: "123".
  if (p < s.size() && is_digit(s[p])) {
    size_t e = digits(p);
    std::string n(s.substr(p, e - p));
    if (e + 1 < s.size() && (s[e] == '.' || s[e] == ',') && is_digit(s[e + 1])) {
      size_t f = digits(e + 1);
      n += "." + std::string(s.substr(e + 1, f - e - 1));
      e = f;
    }
    size_t z = 0;
    while (z + 1 < n.size() && n[z] == '0' && n[z + 1] != '.') ++z;
    norm = (neg ? "-" : "") + n.substr(z);
    // Scientific notation: "1.5e3", "2E-4" (not "2e" = 2·e, nor "3em").
    if (e + 1 < s.size() && (s[e] == 'e' || s[e] == 'E')) {
      size_t k = e + 1;
      if (k < s.size() && (s[k] == '-' || s[k] == '+')) ++k;
      size_t d = digits(k);
      if (d > k && d - k <= 5 && (d >= s.size() || !is_alpha(s[d]))) {
        norm += std::string(s.substr(e, d - e));
        e = d;
      }
    }
    return e;
  }
  // 3: ".5"
  if (!neg && p < s.size() && s[p] == '.' && p + 1 < s.size() && is_digit(s[p + 1])) {
    size_t e = digits(p + 1);
    norm = "0" + std::string(s.substr(p, e - p));
    return e;
  }
  return std::string_view::npos;
}

// An arithmetic expression at i ("10/9", "-(1+2)*3"): must contain an operator after its first
// digit and be followed by punctuation, space, ')' , '$' or the end.
size_t expr_at(std::string_view s, size_t i, std::string& text) {
  size_t p = i;
  if (p < s.size() && s[p] == '-') ++p;
  if (p < s.size() && s[p] == '(') ++p;
  if (p < s.size() && s[p] == '-') ++p;
  if (p >= s.size() || !is_digit(s[p])) return std::string_view::npos;
  size_t q = p + 1;
  size_t last_op = std::string_view::npos;
  const size_t max_len = 200;  // longer runs of digits and operators are not an answer
  while (q < s.size() && q - i < max_len) {
    size_t ol = expr_operator(s, q);
    if (ol) {
      last_op = q;
      q += ol;
    } else if (is_digit(s[q]) || s[q] == '.' || is_space(s[q])) {
      ++q;
    } else {
      break;
    }
  }
  // Back off trailing spaces / a trailing ')' so the suffix rule can hold, as a regex would.
  while (q > p) {
    size_t e = q;
    while (e > p && is_space(s[e - 1])) --e;
    bool suffix_ok = q >= s.size() || is_space(s[q]) || s[q] == '.' || s[q] == ',' || s[q] == ':' ||
                     s[q] == ')' || s[q] == '$' || (s[q] == '*' && q + 1 < s.size() && s[q + 1] == '*');
    if (suffix_ok && last_op != std::string_view::npos && last_op < e && e > last_op + 1) {
      text = trim(s.substr(i, e - i));
      // Unbalanced parentheses are not an expression.
      int depth = 0;
      for (char c : text) {
        if (c == '(') ++depth;
        if (c == ')' && --depth < 0) break;
      }
      if (depth != 0) return std::string_view::npos;
      // Requires an operator strictly inside: a lone "(5)" is not an expression.
      bool has_op = false;
      for (size_t k = 1; k < text.size(); ++k)
        if (std::strchr("+-*/^", text[k]) || (static_cast<unsigned char>(text[k]) == 0xC3)) has_op = true;
      if (!has_op) return std::string_view::npos;
      return e;
    }
    --q;
    if (last_op != std::string_view::npos && q <= last_op) break;
  }
  return std::string_view::npos;
}

// Numbers / expressions starting at anchored positions in s[from, to).
std::vector<Span> plain_numbers(std::string_view s, size_t from, size_t to) {
  std::vector<Span> out;
  for (size_t i = from; i < to;) {
    size_t start = i;
    if (!anchored(s, i)) {
      ++i;
      continue;
    }
    // Optional currency sign before a number.
    size_t j = i;
    for (const char* cur : kCurrency)
      if (starts_with_at(s, j, cur)) {
        j += std::strlen(cur);
        break;
      }
    Span sp;
    std::string text;
    size_t e = expr_at(s, i, text);
    if (e != std::string_view::npos && e <= s.size()) {
      sp.begin = i, sp.end = e, sp.match_end = e, sp.text = text;
      out.push_back(sp);
      i = e;
      continue;
    }
    e = number_at(s, j, text);
    if (e != std::string_view::npos) {
      sp.begin = j, sp.end = e, sp.text = text;
      size_t p = percent_suffix(s, e);
      sp.percent = p != std::string_view::npos;
      sp.match_end = sp.percent ? p : e;
      out.push_back(sp);
      i = std::max(e, start + 1);
      continue;
    }
    ++i;
  }
  return out;
}

// ---- prefixed answers ------------------------------------------------------------------------

struct Candidate {
  Extracted ex;
  size_t order_end;  // rightmost-first ordering within a priority
  size_t order_begin;
};

void add(std::vector<Candidate>& out, const Span& sp, ExtractionRule rule, int priority) {
  Candidate c;
  c.ex.text = sp.text;
  c.ex.rule = rule;
  c.ex.priority = priority;
  c.ex.begin = sp.begin;
  c.ex.end = sp.end;
  c.ex.percent = sp.percent;
  c.order_end = sp.match_end;
  c.order_begin = sp.begin;
  out.push_back(std::move(c));
}

// The first LaTeX chain starting within `window` characters of `from`.
bool first_latex_within(std::string_view s, size_t from, size_t window, Span& out, Closers& close) {
  for (size_t i = from; i < s.size() && i <= from + window; ++i)
    if (latex_chain_at(s, i, out, close)) return true;
  return false;
}

// The first anchored number/expression within `window` characters of `from`; or, when an '='
// occurs within 100 characters, the one after the last such '='.
bool first_number_within(std::string_view s, size_t from, size_t window, bool after_equals, Span& out) {
  if (after_equals) {
    size_t lim = std::min(s.size(), from + 101);
    size_t eq = std::string_view::npos;
    for (size_t k = from; k < lim; ++k)
      if (s[k] == '=') eq = k;
    if (eq != std::string_view::npos) {
      size_t k = eq + 1;
      while (k < s.size() && is_space(s[k])) ++k;
      auto nums = plain_numbers(s, k, std::min(s.size(), k + 1));
      if (!nums.empty() && nums[0].begin <= k + 4) {
        out = nums[0];
        return true;
      }
    }
  }
  auto nums = plain_numbers(s, from, std::min(s.size(), from + window + 1));
  for (auto& n : nums) {
    // Not followed by '=' (an intermediate step "answer: 2+3 = 5").
    size_t k = n.match_end;
    while (k < s.size() && is_space(s[k])) ++k;
    if (k < s.size() && s[k] == '=') continue;
    out = n;
    return true;
  }
  return false;
}

void collect_choice(std::string_view s, const std::string& letters, std::vector<Candidate>& out) {
  auto letter_at = [&](size_t i, bool need_prefix) -> size_t {
    // (^|\s)(**)?(\()?X(\))?(**)?(.|,|:|\s|$): "B", "**B**", "(B)".
    size_t p = i;
    if (need_prefix && !(p == 0 || is_space(s[p - 1]))) return std::string_view::npos;
    if (starts_with_at(s, p, "**")) p += 2;
    bool paren = p < s.size() && s[p] == '(';
    if (paren) ++p;
    if (p >= s.size() || letters.find(s[p]) == std::string::npos) return std::string_view::npos;
    size_t q = p + 1;
    if (paren) {
      if (q >= s.size() || s[q] != ')') return std::string_view::npos;
      ++q;
    }
    if (starts_with_at(s, q, "**")) q += 2;
    if (q < s.size() && !(s[q] == '.' || s[q] == ',' || s[q] == ':' || is_space(s[q]))) return std::string_view::npos;
    return p;
  };
  auto push = [&](size_t p, int priority) {
    Span sp;
    sp.begin = p, sp.end = p + 1, sp.match_end = p + 1, sp.text = std::string(1, s[p]);
    add(out, sp, ExtractionRule::Choice, priority);
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (iequal_at(s, i, "final answer")) {
      size_t lim = std::min(s.size(), i + 12 + 101);
      for (size_t k = i + 12; k + 3 <= lim; ++k) {
        if (is_space(s[k]) && starts_with_at(s, k + 1, "is")) {
          size_t q = k + 3;
          if (q < s.size() && s[q] == ':') ++q;
          while (q < s.size() && is_space(s[q])) ++q;
          if (q < s.size() && letters.find(s[q]) != std::string::npos) {
            bool hope = s.substr(q + 1, 10).find("I hope") != std::string_view::npos;
            push(q, hope ? 0 : 50);
          }
          break;
        }
      }
    }
    if (iequal_at(s, i, "answer")) {
      bool colon = i + 6 < s.size() && s[i + 6] == ':';
      for (size_t k = i + 6 + (colon ? 1 : 0); k < s.size() && k <= i + 6 + 51; ++k) {
        size_t p = letter_at(k, true);
        if (p != std::string_view::npos) {
          push(p, colon ? 100 : 200);
          break;
        }
      }
    }
  }
  size_t p0 = letter_at(0, false);
  if (p0 != std::string_view::npos) push(p0, 250);
  for (size_t i = 0; i < s.size(); ++i) {
    size_t p = letter_at(i, true);
    if (p != std::string_view::npos) push(p, 300);
  }
}

}  // namespace

std::vector<Extracted> extract_answers(std::string_view response, const ExtractOptions& opt) {
  if (opt.require_think_close && response.find(opt.think_close) == std::string_view::npos) return {};
  std::string_view s = opt.only_after_think ? answer_region(response, opt.think_close) : response;
  if (s.size() > opt.max_chars) s = s.substr(s.size() - opt.max_chars);
  std::vector<Candidate> cands;

  if (opt.latex && opt.boxed_priority >= 0) {
    Box box;
    if (find_box_before(s, s.size(), box)) {
      Span sp;
      sp.text = last_boxed(s, true);
      sp.begin = box.open == std::string_view::npos ? box.cmd : box.open + 1;
      sp.end = box.close == std::string_view::npos ? s.size() : box.close;
      sp.match_end = sp.end + 1;
      if (!sp.text.empty()) add(cands, sp, ExtractionRule::Boxed, opt.boxed_priority);
    }
  }

  for (size_t i = s.find("####"); i != std::string_view::npos; i = s.find("####", i + 4)) {
    size_t k = i + 4;
    while (k < s.size() && is_space(s[k])) ++k;
    for (const char* cur : kCurrency)
      if (starts_with_at(s, k, cur)) {
        k += std::strlen(cur);
        break;
      }
    Span sp;
    std::string norm;
    size_t e = number_at(s, k, norm);
    if (e != std::string_view::npos) {
      sp.begin = k, sp.end = e, sp.match_end = e, sp.text = norm;
      add(cands, sp, ExtractionRule::Gsm8k, 0);
    }
  }

  Closers close(s);
  if (opt.latex || opt.expr) {
    for (size_t i = 0; i < s.size(); ++i) {
      if (iequal_at(s, i, "final answer")) {
        // "final answer ... is[:] X": the first " is" within 100 characters.
        size_t lim = std::min(s.size(), i + 12 + 101);
        for (size_t k = i + 12; k + 3 <= lim; ++k) {
          if (!(is_space(s[k]) && starts_with_at(s, k + 1, "is"))) continue;
          size_t q = k + 3;
          if (q < s.size() && s[q] == ':') ++q;
          size_t q_lax = q;
          while (q < s.size() && is_space(s[q])) ++q;
          Span sp;
          auto priority_of = [&](const Span& x) {
            size_t t = x.match_end;
            if (t < s.size() && s[t] == '.') ++t;
            if (t < s.size() && is_space(s[t])) ++t;
            return starts_with_at(s, t, "I hope") ? 0 : 50;
          };
          if (opt.latex && latex_chain_at(s, q, sp, close)) add(cands, sp, ExtractionRule::FinalAnswerIs, priority_of(sp));
          if (opt.expr) {
            auto nums = plain_numbers(s, q_lax, std::min(s.size(), q + 1));
            if (!nums.empty() && nums[0].begin <= q + 4)
              add(cands, nums[0], ExtractionRule::FinalAnswerIs, priority_of(nums[0]));
          }
          break;
        }
      }
      if (iequal_at(s, i, "answer")) {
        bool colon = i + 6 < s.size() && s[i + 6] == ':';
        size_t from = i + 6 + (colon ? 1 : 0);
        int priority = colon ? 100 : 200;
        Span sp;
        if (opt.latex && first_latex_within(s, from, 50, sp, close)) add(cands, sp, ExtractionRule::AnswerIs, priority);
        if (opt.expr && first_number_within(s, from, 50, true, sp)) add(cands, sp, ExtractionRule::AnswerIs, priority);
      }
    }
  }

  if (opt.latex)
    for (auto& sp : latex_chains(s, close)) add(cands, sp, ExtractionRule::LatexMath, 300);
  if (opt.expr)
    for (auto& sp : plain_numbers(s, 0, s.size())) add(cands, sp, ExtractionRule::PlainNumber, 300);
  if (!opt.choices.empty()) collect_choice(s, opt.choices, cands);

  std::stable_sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
    if (a.ex.priority != b.ex.priority) return a.ex.priority < b.ex.priority;
    if (a.order_end != b.order_end) return a.order_end > b.order_end;
    return a.order_begin < b.order_begin;
  });
  std::vector<Extracted> out;
  out.reserve(cands.size() + 1);
  for (auto& c : cands) out.push_back(std::move(c.ex));
  return out;
}

}  // namespace r1::rewards::math
