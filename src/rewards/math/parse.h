// LaTeX (or plain arithmetic) -> Value: a small recursive-descent parser for the answer notation
// of math benchmarks. It builds GiNaC expressions for scalars (\frac, \sqrt[n]{}, ^, implicit
// multiplication, \pi, e, trig / log functions, |x|, n!, \binom) and Value structures for lists,
// sets, tuples, intervals, unions, relations and matrices.
//
// Input limits keep every parse bounded: the text length, the nesting depth, the size of integer
// powers and factorials that GiNaC would otherwise compute exactly (2^(10^9) is refused, not
// computed).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "rewards/math/value.h"

namespace r1::rewards::math {

struct ParseLimits {
  size_t max_chars = 3000;          // longer answers are not parsed (string comparison only)
  int max_depth = 64;               // bracket / call nesting
  double max_power_digits = 5000;   // exact integer powers above ~this many digits are refused
  long max_factorial = 500;
};

// Parses already-normalized LaTeX. Returns nullopt when the text is not an answer we understand
// (never throws; GiNaC errors such as division by zero count as "not understood").
std::optional<Value> parse_normalized(std::string_view normalized, const ParseLimits& limits = {});

// normalize_latex + parse_normalized, with Math-Verify's fallbacks: a whole string of the form
// "1,234,567" is one number; if the text does not parse and is an equation chain "a = b = c"
// (without commas), the last part is parsed.
std::optional<Value> parse_answer(std::string_view latex, const ParseLimits& limits = {});

}  // namespace r1::rewards::math
