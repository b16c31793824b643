#include "rewards/math/normalize.h"

#include <cctype>
#include <cstring>
#include <vector>

#include "rewards/math/boxed.h"

namespace r1::rewards::math {

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  for (size_t k = s.find(from); k != std::string::npos; k = s.find(from, i)) {
    out.append(s, i, k - i);
    out += to;
    i = k + from.size();
  }
  out.append(s, i, std::string::npos);
  s.swap(out);
}

// Replaces a LaTeX command only where it is not the prefix of a longer command name
// ("\le" must not touch "\left").
void replace_command(std::string& s, std::string_view cmd, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t k = s.find(cmd, i);
    if (k == std::string::npos) break;
    size_t e = k + cmd.size();
    bool boundary = e >= s.size() || !is_alpha(s[e]);
    out.append(s, i, k - i);
    if (boundary) {
      out += to;
    } else {
      out.append(cmd);
    }
    i = e;
  }
  out.append(s, i, std::string::npos);
  s.swap(out);
}

// Replaces a word (not inside a longer word) with `to`.
void replace_word(std::string& s, std::string_view word, std::string_view to) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t k = s.find(word, i);
    if (k == std::string::npos) break;
    size_t e = k + word.size();
    bool left = k == 0 || (!is_alpha(s[k - 1]) && s[k - 1] != '\\');
    bool right = e >= s.size() || !is_alpha(s[e]);
    out.append(s, i, k - i);
    out += (left && right) ? to : word;
    i = e;
  }
  out.append(s, i, std::string::npos);
  s.swap(out);
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

// \left( -> (, \right. -> "", \bigl[ -> [ ...
void strip_sizing(std::string& s) {
  static const char* const kSizers[] = {"\\left", "\\right", "\\mleft", "\\mright", "\\bigl", "\\bigr", "\\Bigl",
                                        "\\Bigr", "\\biggl", "\\biggr", "\\Biggl", "\\Biggr", "\\big", "\\Big",
                                        "\\bigg", "\\Bigg"};
  for (const char* z : kSizers) {
    std::string out;
    size_t i = 0, n = std::strlen(z);
    for (size_t k = s.find(z); k != std::string::npos; k = s.find(z, i)) {
      size_t e = k + n;
      out.append(s, i, k - i);
      if (e < s.size() && is_alpha(s[e])) {
        // "\leftarrow" and the like are other commands ("\left\{", "\left\langle" are sizers).
        out.append(z);
        i = e;
        continue;
      }
      if (e < s.size() && s[e] == '.') ++e;  // \left. is an invisible delimiter
      i = e;
    }
    out.append(s, i, std::string::npos);
    s.swap(out);
  }
  replace_command(s, "\\langle", "(");
  replace_command(s, "\\rangle", ")");
  replace_command(s, "\\lbrace", "\\{");
  replace_command(s, "\\rbrace", "\\}");
  replace_command(s, "\\lbrack", "[");
  replace_command(s, "\\rbrack", "]");
  replace_command(s, "\\lvert", "|");
  replace_command(s, "\\rvert", "|");
  replace_command(s, "\\vert", "|");
  replace_all(s, "\\|", "|");
}

// Unit words removed from the end of an answer ("5 cm", "12 dollars", "3 more"), plurals too:
// latex2sympy2_extended's list (math_normalization.units, from MathQA) and a few of ours (people,
// handshakes, ...). A one-letter unit must stand apart from its number ("5 m", not the "t" of
// "2t", which Math-Verify would drop too).
const char* const kUnits[] = {
    // latex2sympy2_extended
    "integerpoint", "feet", "sue", "digit", "pound", "meal", "edge", "student", "children ticket", "multiple",
    "east", "degree", "mph", "kmph", "ft", "m square", "m east", "sq m", "deg", "mile", "q .", "monkey", "prime",
    "ratio", "profit of rs", "rd", "o", "gm", "p . m", "lb", "tile", "per", "dm", "lt", "gain", "ab", "way",
    "west", "a .", "b .", "c .", "d .", "e .", "f .", "g .", "h .", "t", "h", "no change", "men", "soldier", "pie",
    "bc", "excess", "st", "inches", "noon", "cent", "by", "gal", "kmh", "c", "acre", "rise", "a . m", "th",
    "π r 2", "sq", "mark", "l", "toy", "coin", "sq . m", "gallon", "° f", "profit", "minw", "yr", "women", "am",
    "pm", "hr", "cu cm", "square", "v â € ™", "are", "rupee", "rounds", "cubic", "cc", "mtr", "s", "ohm",
    "number", "day", "hour", "minute", "min", "second", "man", "woman", "sec", "cube", "mt", "sq inch", "mp",
    "∏ cm ³", "hectare", "more", "unit", "cu . m", "cm 2", "rs .", "rs", "kg", "g", "month", "km", "m", "cm",
    "mm", "apple", "liter", "loss", "yard", "pure", "year", "increase", "decrease", "d", "less", "Surface",
    "litre", "pi sq m", "s .", "metre", "meter", "inch",
    // ours
    "in", "foot", "yd", "mi", "gram", "mg", "ounce", "oz", "ton", "ml", "week", "dollar", "euro",
    "square unit", "sq", "km/h", "m/s", "people", "person", "child", "children", "page", "point", "p.m.",
    "a.m.", "times", "term", "vertex", "vertices", "handshake", "game",
};

bool strip_unit_word(std::string& s) {
  std::string t = trim(s);
  size_t best = 0;
  for (const char* u : kUnits) {
    std::string unit = u;
    for (const char* suffix : {"", "s", "es"}) {
      std::string w = unit + suffix;
      if (t.size() <= w.size() || w.size() <= best) continue;
      if (t.compare(t.size() - w.size(), w.size(), w) != 0) continue;
      char before = t[t.size() - w.size() - 1];
      // latex2sympy2_extended: (\d|\}|\s)\s*unit\s*$, a word boundary in effect.
      if (!(is_space(before) || is_digit(before) || before == '}')) continue;
      if (w.size() == 1 && !is_space(before)) continue;
      if (trim(t.substr(0, t.size() - w.size())).empty()) continue;
      best = w.size();
    }
  }
  if (best == 0) return false;
  s = trim(t.substr(0, t.size() - best));
  return true;
}

// Removes a trailing "\text{...}" (optionally "^2") when something precedes it: "15\text{ cm}^2".
bool strip_trailing_text(std::string& s) {
  std::string t = trim(s);
  // Optional power after the text group.
  size_t end = t.size();
  if (end >= 2 && t[end - 2] == '^' && is_digit(t[end - 1])) end -= 2;
  else if (end >= 4 && t.compare(end - 4, 2, "^{") == 0 && is_digit(t[end - 2]) && t[end - 1] == '}') end -= 4;
  if (end == 0 || t[end - 1] != '}') return false;
  // Find the matching '{'.
  int depth = 0;
  size_t open = std::string::npos;
  for (size_t k = end; k-- > 0;) {
    if (t[k] == '}') ++depth;
    if (t[k] == '{' && --depth == 0) {
      open = k;
      break;
    }
  }
  if (open == std::string::npos || open < 5 || t.compare(open - 5, 5, "\\text") != 0) return false;
  std::string content = trim(t.substr(open + 1, end - open - 2));
  // A number inside \text{} is the answer, not a unit.
  bool has_alpha = false;
  for (char c : content) has_alpha |= is_alpha(c);
  if (!has_alpha) return false;
  std::string rest = trim(t.substr(0, open - 5));
  if (rest.empty()) return false;
  // "x \in \text{...}" or an operator before the text: not a unit.
  char last = rest.back();
  if (last == '=' || last == '+' || last == '-' || last == '(' || last == ',') return false;
  s = rest;
  return true;
}

}  // namespace

std::string normalize_latex(std::string_view latex, const NormalizeOptions& opt) {
  std::string s(latex);
  if (opt.boxed != NormalizeOptions::Boxed::None &&
      (s.find("\\boxed") != std::string::npos || s.find("\\fbox") != std::string::npos)) {
    std::string b = opt.boxed == NormalizeOptions::Boxed::All ? all_boxed(s) : last_boxed(s, true);
    if (!b.empty()) s = b;
  }
  for (char& c : s)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  if (s.find("matrix") == std::string::npos && s.find("array") == std::string::npos) {
    // "\\frac" written with a doubled backslash (JSON double escaping) is still \frac.
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 2 < s.size() && s[i + 1] == '\\' && is_alpha(s[i + 2])) continue;
      out += s[i];
    }
    s.swap(out);
  }
  replace_all(s, "\\$", "");
  replace_all(s, "$", "");
  strip_sizing(s);
  for (const char* z : {"\\displaystyle", "\\textstyle", "\\limits", "\\mathrm{th}", "\\nolimits"})
    replace_all(s, z, "");
  // Spacing commands; "\!" (negative space, "11,\! 111") also eats the space after it. A
  // backslash that is the second half of a row break "\\" is not a command.
  {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) {
        if (s[i + 1] == '\\') {
          out += "\\\\";
          ++i;
          continue;
        }
        if (s[i + 1] == '!') {
          ++i;
          while (i + 1 < s.size() && is_space(s[i + 1])) ++i;
          continue;
        }
        if (std::strchr(",;:> ", s[i + 1])) {
          out += ' ';
          ++i;
          continue;
        }
      }
      out += s[i] == '~' ? ' ' : s[i];
    }
    s.swap(out);
  }
  replace_all(s, "\\qquad", " ");
  replace_all(s, "\\quad", " ");
  for (const char* z : {"\\dfrac", "\\tfrac", "\\cfrac"}) replace_command(s, z, "\\frac");
  for (const char* z : {"\\mathrm", "\\mathit", "\\mathbf", "\\mathsf", "\\mathtt", "\\textnormal", "\\textbf",
                        "\\textit", "\\textrm", "\\textsf", "\\texttt", "\\textup", "\\mbox", "\\hbox", "\\text"})
    replace_command(s, z, "\\text");
  replace_all(s, "{,}", ",");
  replace_all(s, "\\text{}", "");
  replace_all(s, "\\text{ }", " ");
  // Connectors between answers become commas: "6 and 8", "1 \text{ or } 2".
  for (const char* z : {"\\text{ and }", "\\text{and}", "\\text{ and}", "\\text{and }", "\\text{ or }",
                        "\\text{or}", "\\text{ or}", "\\text{or }"})
    replace_all(s, z, ",");
  replace_word(s, "and", ",");
  replace_word(s, "or", ",");
  for (const char* z : {"\\ldots", "\\cdots", "\\dots"}) replace_command(s, z, " ");
  // Percent in words or as a bare sign.
  for (const char* z : {"\\text{percent}", "\\text{ percent}", "\\text{pct}", "\\text{percentage}"})
    replace_all(s, z, "\\%");
  replace_word(s, "percentage", "\\%");
  replace_word(s, "percent", "\\%");
  replace_word(s, "pct", "\\%");
  {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && (i == 0 || s[i - 1] != '\\')) out += "\\";
      out += s[i];
    }
    s.swap(out);
  }
  // Degrees.
  for (const char* z : {"^{\\circ}", "^\\circ", "^{\\circ }", "\\circ", "°", "\\degree", "^{\\prime}"})
    replace_all(s, z, "");
  replace_word(s, "infinity", "\\infty");
  replace_word(s, "inf", "\\infty");
  replace_all(s, "\\infinity", "\\infty");
  // Malformed sqrt: "sqrt(2)" -> "\sqrt(2)".
  {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s.compare(i, 4, "sqrt") == 0 && (i == 0 || s[i - 1] != '\\') && !(i > 0 && is_alpha(s[i - 1])))
        out += "\\";
      out += s[i];
    }
    s.swap(out);
  }
  if (opt.units) {
    for (int round = 0; round < 3; ++round) {
      bool changed = strip_trailing_text(s);
      changed |= strip_unit_word(s);
      if (!changed) break;
    }
  }
  s = trim(s);
  // Trailing punctuation of a sentence: "5." / "x = 3,".
  while (!s.empty() && (s.back() == '.' || s.back() == ',' || s.back() == ';')) {
    if (s.back() == '.' && s.size() >= 2 && s[s.size() - 2] == '\\') break;
    s.pop_back();
    s = trim(s);
  }
  // Leading-dot decimals: ".5", "{.5", " .5".
  {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '.' && i + 1 < s.size() && is_digit(s[i + 1]) && (i == 0 || !is_digit(s[i - 1]))) out += '0';
      out += s[i];
    }
    s.swap(out);
  }
  // Collapse runs of spaces.
  {
    std::string out;
    for (char c : s) {
      if (c == ' ' && !out.empty() && out.back() == ' ') continue;
      out += c;
    }
    s = trim(out);
  }
  return s;
}

namespace {

// A word of three or more letters outside a command, its braces or \text{...}: prose, not math
// (function names and \infty spelled out are math).
bool has_bare_word(std::string_view t) {
  static const char* const kMath[] = {"sqrt", "sin", "cos", "tan", "cot", "sec", "csc", "log", "exp", "inf", "infty"};
  size_t i = 0;
  while (i < t.size()) {
    if (t[i] == '\\') {
      size_t k = i + 1;
      while (k < t.size() && is_alpha(t[k])) ++k;
      std::string_view name = t.substr(i + 1, k - i - 1);
      i = k;
      bool text_like = name == "text" || name == "begin" || name == "end" || name == "operatorname";
      if (text_like && i < t.size() && t[i] == '{') {
        size_t close = t.find('}', i);
        i = close == std::string_view::npos ? t.size() : close + 1;
      }
      continue;
    }
    if (is_alpha(t[i])) {
      size_t k = i;
      while (k < t.size() && is_alpha(t[k])) ++k;
      std::string_view word = t.substr(i, k - i);
      if (word.size() >= 3) {
        bool math = false;
        for (const char* w : kMath) math |= word == w;
        if (!math) return true;
      }
      i = k;
      continue;
    }
    ++i;
  }
  return false;
}

// Letters of other scripts are words too ("5只鸟"); a few math signs are not.
bool has_foreign_letter(std::string_view t) {
  static const char* const kSigns[] = {"×", "÷", "≤", "≥", "≠", "π", "√", "∞", "−", "·", "±"};
  for (size_t i = 0; i < t.size(); ++i) {
    if (static_cast<unsigned char>(t[i]) < 0x80) continue;
    bool sign = false;
    for (const char* z : kSigns)
      if (t.compare(i, std::strlen(z), z) == 0) {
        sign = true;
        i += std::strlen(z) - 1;
        break;
      }
    if (!sign) return true;
  }
  return false;
}

}  // namespace

bool is_formula(std::string_view latex) {
  std::string n = normalize_latex(latex);
  return !n.empty() && !has_bare_word(n) && !has_foreign_letter(n);
}

}  // namespace r1::rewards::math
