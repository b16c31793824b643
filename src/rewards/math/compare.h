// Equivalence of two parsed answers (gold first: the relation is not symmetric, as in
// Math-Verify: the gold's form decides how an equation or a set on the other side is read).
//
// Order of checks for scalars: structural identity; numbers (a decimal literal on either side is
// compared after rounding both to `float_rounding` places, otherwise relative difference
// <= 1e-15); symbolic: GiNaC normal(expand(a - b)) == 0 (only for expressions small enough to
// expand quickly); random-point evaluation of a - b when free symbols remain.
// Sets compare as sets, tuples in order, intervals by endpoints and openness, relations by
// lhs - rhs up to a constant factor (direction-aware for inequalities), matrices elementwise.
#pragma once
#include <chrono>

#include "rewards/math/value.h"

namespace r1::rewards::math {

struct CompareOptions {
  int float_rounding = 6;                // decimal places for comparisons involving a decimal literal
  bool strict = true;                    // false: variables are matched by position (f(x) == f(y))
  bool allow_set_relation_comp = false;  // a gold set may equal a predicted relation (x \in [a,b] vs a <= x <= b)
  bool percent_lenient = true;           // 25 == 25\% (graders of GSM8K/MATH accept both)
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// Thrown when the deadline passes inside a comparison.
struct CompareTimeout {};
// Thrown when a side holds an unevaluated huge power or factorial (Value::huge) and the other is
// not the same expression: equality can be neither shown nor refuted within bounds.
struct CompareTooLarge {};

bool values_equal(const Value& gold, const Value& pred, const CompareOptions& opt);

}  // namespace r1::rewards::math
