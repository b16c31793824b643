#include "rewards/language.h"

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

// The text with code and math replaced by spaces (see the header).
std::string strip_code_and_math(std::string_view s) {
  std::string out;
  size_t i = 0;
  auto skip_to = [&](std::string_view close, size_t from) {
    size_t e = s.find(close, from);
    i = e == std::string_view::npos ? s.size() : e + close.size();
    out += ' ';
  };
  while (i < s.size()) {
    if (starts_with(s, i, "```")) {
      skip_to("```", i + 3);
    } else if (s[i] == '`') {
      skip_to("`", i + 1);
    } else if (starts_with(s, i, "$$")) {
      skip_to("$$", i + 2);
    } else if (s[i] == '$') {
      skip_to("$", i + 1);
    } else if (starts_with(s, i, "\\(")) {
      skip_to("\\)", i + 2);
    } else if (starts_with(s, i, "\\[")) {
      skip_to("\\]", i + 2);
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
  std::u32string run_chars;
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

double language_consistency(std::string_view text, std::string_view language) {
  int64_t WordCounts::*target = nullptr;
  if (language == "en")
    target = &WordCounts::latin;
  else if (language == "zh")
    target = &WordCounts::han;
  else
    throw Error("language \"" + std::string(language) + "\"", "unsupported; expected \"en\" or \"zh\"");
  WordCounts w = count_words(text);
  if (w.total() == 0) return 1.0;
  return static_cast<double>(w.*target) / static_cast<double>(w.total());
}

double cot_language_reward(std::string_view response, std::string_view language) {
  TaggedResponse t = parse_tagged_response(response);
  return language_consistency(t.thinks ? std::string_view(t.think) : response, language);
}

}  // namespace r1::rewards
