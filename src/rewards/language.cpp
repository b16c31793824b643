#include "rewards/language.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "rewards/tagged_response.h"
#include "text/utf8.h"

namespace r1::rewards {
namespace {

enum class Cls { kOther, kDigit, kJoiner, kUnderscore, kLatin, kHan, kKana, kHangul, kCyrillic, kGreek };

Cls classify(char32_t c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return Cls::kLatin;
  if ((c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19)) return Cls::kDigit;
  if (c == '_') return Cls::kUnderscore;
  if (c == '\'' || c == 0x2019 || c == '-') return Cls::kJoiner;
  if ((c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x1E00 && c <= 0x1EFF)) return Cls::kLatin;
  if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0xF900 && c <= 0xFAFF) ||
      (c >= 0x20000 && c <= 0x2FA1F) || (c >= 0x30000 && c <= 0x323AF) || c == 0x3007)
    return Cls::kHan;
  if (c >= 0x3041 && c <= 0x30FF && c != 0x30FB) return Cls::kKana;
  if ((c >= 0xAC00 && c <= 0xD7AF) || (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3131 && c <= 0x318E)) return Cls::kHangul;
  if (c >= 0x0400 && c <= 0x04FF) return Cls::kCyrillic;
  if ((c >= 0x0370 && c <= 0x03FF && c != 0x037E && c != 0x0387) || (c >= 0x1F00 && c <= 0x1FFF)) return Cls::kGreek;
  return Cls::kOther;
}

bool starts_with(std::string_view s, size_t i, std::string_view p) { return s.substr(i, p.size()) == p; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Where the inline math opened by the '$' at i ends (the index of its closing '$'), or npos when
// that '$' opens nothing (pandoc's rule, kept within the paragraph).
size_t dollar_math_close(std::string_view s, size_t i) {
  if (i + 1 >= s.size() || is_space(s[i + 1])) return std::string_view::npos;
  const size_t paragraph_end = std::min(s.size(), s.find("\n\n", i));
  for (size_t j = i + 2; j < paragraph_end; ++j) {
    if (s[j] != '$' || s[j - 1] == '\\') continue;
    if (!is_space(s[j - 1]) && (j + 1 >= s.size() || s[j + 1] < '0' || s[j + 1] > '9')) return j;
  }
  return std::string_view::npos;
}

// The text with code and math replaced by spaces (see the header).
std::string strip_code_and_math(std::string_view s) {
  std::string out;
  size_t i = 0;
  // Skips the span opened at i (by `open_len` bytes) past its `close`; never closed, the span runs
  // to the end (`to_end`) or its opening delimiter is literal text.
  auto skip_span = [&](std::string_view close, size_t open_len, bool to_end) {
    size_t e = s.find(close, i + open_len);
    if (e == std::string_view::npos && !to_end) {
      out.append(s.substr(i, open_len));
      i += open_len;
      return;
    }
    i = e == std::string_view::npos ? s.size() : e + close.size();
    out += ' ';
  };
  while (i < s.size()) {
    if (starts_with(s, i, "```")) {
      skip_span("```", 3, /*to_end=*/true);
    } else if (s[i] == '`') {
      skip_span("`", 1, false);
    } else if (starts_with(s, i, "$$")) {
      skip_span("$$", 2, false);
    } else if (s[i] == '$') {
      const size_t e = dollar_math_close(s, i);
      if (e == std::string_view::npos) {
        out += s[i++];
      } else {
        i = e + 1;
        out += ' ';
      }
    } else if (starts_with(s, i, "\\(")) {
      skip_span("\\)", 2, false);
    } else if (starts_with(s, i, "\\[")) {
      skip_span("\\]", 2, false);
    } else if (s[i] == '\\') {
      ++i;
      while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
      out += ' ';
    } else {
      out += s[i++];
    }
  }
  return out;
}

}  // namespace

WordCounts count_words(std::string_view text) {
  const std::string s = strip_code_and_math(text);
  std::u32string cps;
  for (size_t i = 0; i < s.size();) cps.push_back(text::utf8::next(s, i));
  WordCounts w;
  const size_t n = cps.size();
  for (size_t i = 0; i < n;) {
    Cls c = classify(cps[i]);
    if (c == Cls::kHan || c == Cls::kKana) {
      ++(c == Cls::kHan ? w.han : w.kana);
      ++i;
      continue;
    }
    if (c != Cls::kLatin && c != Cls::kHangul && c != Cls::kCyrillic && c != Cls::kGreek) {
      ++i;
      continue;
    }
    // A run of script c, joined across a single apostrophe/hyphen followed by the same script.
    size_t j = i + 1;
    while (j < n) {
      Cls d = classify(cps[j]);
      if (d == c) {
        ++j;
      } else if (d == Cls::kJoiner && j + 1 < n && classify(cps[j + 1]) == c) {
        j += 2;
      } else {
        break;
      }
    }
    const size_t len = j - i;
    const char32_t first = cps[i];
    auto touches_identifier = [&](size_t k) {
      Cls d = classify(cps[k]);
      return d == Cls::kDigit || d == Cls::kUnderscore;
    };
    bool identifier = (i > 0 && touches_identifier(i - 1)) || (j < n && touches_identifier(j));
    bool variable = c == Cls::kLatin && len == 1 && first != 'a' && first != 'A' && first != 'I';
    if (!identifier && !variable) {
      switch (c) {
        case Cls::kLatin: ++w.latin; break;
        case Cls::kHangul: ++w.hangul; break;
        case Cls::kCyrillic: ++w.cyrillic; break;
        default: ++w.greek; break;
      }
    }
    i = j;
  }
  return w;
}

int64_t WordCounts::in_language(std::string_view language) const {
  if (language == "en") return latin;
  if (language == "zh") return han;
  throw Error("language \"" + std::string(language) + "\"", "unsupported; expected \"en\" or \"zh\"");
}

double language_consistency(std::string_view text, std::string_view language) {
  WordCounts w = count_words(text);
  const int64_t target = w.in_language(language);  // validates the language even without words
  if (w.total() == 0) return 0.0;
  return static_cast<double>(target) / static_cast<double>(w.total());
}

std::string chain_of_thought(std::string_view response) {
  const size_t first = response.find_first_not_of(" \t\r\n");
  const bool opens_think = first != std::string_view::npos && response.substr(first, 7) == "<think>";
  return opens_think ? parse_tagged_response(response).think : std::string(response);
}

double cot_language_reward(std::string_view response, std::string_view language) {
  return language_consistency(chain_of_thought(response), language);
}

}  // namespace r1::rewards
