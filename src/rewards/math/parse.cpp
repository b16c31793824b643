#include "rewards/math/parse.h"

#include <vector>

#include "rewards/math/latex_parser.h"
#include "rewards/math/normalize.h"

namespace r1::rewards::math {

namespace {

using detail::is_digit;

// The whole text is one number with thousands commas: ^-?\d{1,3}(,\d{3})+(\.\d+)?$ (latex2sympy2's
// comma_number_regex); `digits` gets it without them.
bool comma_number(std::string_view s, std::string& digits) {
  size_t i = 0;
  digits.clear();
  if (i < s.size() && s[i] == '-') digits += s[i++];
  size_t b = i;
  while (i < s.size() && is_digit(s[i])) digits += s[i++];
  if (i == b || i - b > 3) return false;
  int groups = 0;
  while (i < s.size() && s[i] == ',') {
    for (int k = 1; k <= 3; ++k)
      if (i + k >= s.size() || !is_digit(s[i + k])) return false;
    digits.append(s.substr(i + 1, 3));
    i += 4;
    ++groups;
  }
  if (groups == 0) return false;
  if (i < s.size() && s[i] == '.') {
    digits += '.';
    ++i;
    size_t d = i;
    while (i < s.size() && is_digit(s[i])) digits += s[i++];
    if (i == d) return false;
  }
  return i == s.size();
}

ParseResult run_parser(std::string_view text, const ParseLimits& limits) {
  ParseResult r;
  try {
    detail::Parser p(text, limits);
    r.value = p.parse_all();
  } catch (const detail::ParseFail& e) {
    r.error = e.what();
    r.too_large = e.too_large;
  } catch (const std::exception& e) {  // GiNaC: division by zero, pole, ...
    r.error = e.what();
  }
  return r;
}

}  // namespace

ParseResult parse_normalized_checked(std::string_view normalized, const ParseLimits& limits) {
  if (normalized.empty()) return {std::nullopt, false, "empty"};
  if (normalized.size() > limits.max_chars)
    return {std::nullopt, true, "answer of " + std::to_string(normalized.size()) + " characters (limit " +
                                    std::to_string(limits.max_chars) + ")"};
  std::string digits;
  if (normalized.size() > 2 && normalized[0] == '0' && normalized[1] == ',' &&
      normalized.find_first_not_of("0123456789", 2) == std::string_view::npos) {
    // "0,111" is a decimal comma, not a thousands separator.
    return run_parser("0." + std::string(normalized.substr(2)), limits);
  }
  if (comma_number(normalized, digits)) return run_parser(digits, limits);
  return run_parser(normalized, limits);
}

std::optional<Value> parse_normalized(std::string_view normalized, const ParseLimits& limits) {
  return parse_normalized_checked(normalized, limits).value;
}

ParseResult parse_answer_checked(std::string_view latex, const ParseLimits& limits, const NormalizeOptions& normalize) {
  if (latex.size() > limits.max_chars)
    return {std::nullopt, true, "answer of " + std::to_string(latex.size()) + " characters (limit " +
                                    std::to_string(limits.max_chars) + ")"};
  std::string norm = normalize_latex(latex, normalize);
  ParseResult r = parse_normalized_checked(norm, limits);
  if (r.value || r.too_large) return r;
  // "1 = \zzz = x = 0": the last member of an equation chain.
  if (norm.find(',') == std::string::npos && norm.find(';') == std::string::npos) {
    std::vector<size_t> eqs;
    for (size_t k = 0; k < norm.size(); ++k) {
      if (norm[k] != '=') continue;
      char prev = k > 0 ? norm[k - 1] : ' ';
      if (prev == '\\' || prev == '<' || prev == '>' || prev == '!') continue;
      eqs.push_back(k);
    }
    if (eqs.size() >= 2) {
      ParseResult last = parse_normalized_checked(std::string_view(norm).substr(eqs.back() + 1), limits);
      if (last.value || last.too_large) return last;
    }
  }
  return r;
}

std::optional<Value> parse_answer(std::string_view latex, const ParseLimits& limits) {
  return parse_answer_checked(latex, limits).value;
}

}  // namespace r1::rewards::math
