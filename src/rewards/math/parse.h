// LaTeX (or plain arithmetic) -> Value: a small recursive-descent parser for the answer notation
// of math benchmarks (latex_parser.h). It builds GiNaC expressions for scalars (\frac, \sqrt[n]{},
// ^, implicit multiplication, \pi, e, trig / log functions, |x|, n!, \binom) and Value structures
// for lists, sets, tuples, intervals, unions, relations and matrices.
//
// Bounds keep every parse finite and are reported as such, never as a shorter parse: the text
// length, the nesting depth (brackets, braces, commands, signs), and exact integers too long to
// compute. A power or factorial whose exact value would pass max_exact_digits is kept unevaluated
// (2^{10^{100}}, 9^{9^9}, 10^6!): it still equals the same expression written the same way, and
// anything else about it is "too large" (Value::huge).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "rewards/math/normalize.h"
#include "rewards/math/value.h"

namespace r1::rewards::math {

struct ParseLimits {
  size_t max_chars = 20000;        // longer answers are "too large"
  int max_depth = 64;              // nesting of brackets, braces, commands and signs
  double max_exact_digits = 20000; // exact integers (powers, factorials, binomials) up to this many digits
};

struct ParseResult {
  std::optional<Value> value;
  bool too_large = false;  // refused by a bound of ParseLimits, not misread
  std::string error;       // why it did not parse ("" when it did)
};

// Parses already-normalized LaTeX.
ParseResult parse_normalized_checked(std::string_view normalized, const ParseLimits& limits = {});
std::optional<Value> parse_normalized(std::string_view normalized, const ParseLimits& limits = {});

// normalize_latex + parse_normalized, with Math-Verify's fallbacks: a whole string of the form
// "1,234,567" is one number, "0,5" a decimal; if the text does not parse and is an equation chain
// "a = b = c" (without commas), the last part is parsed. Never throws.
ParseResult parse_answer_checked(std::string_view latex, const ParseLimits& limits = {},
                                 const NormalizeOptions& normalize = {});
std::optional<Value> parse_answer(std::string_view latex, const ParseLimits& limits = {});

}  // namespace r1::rewards::math
