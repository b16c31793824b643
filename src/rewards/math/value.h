// A parsed mathematical answer: a GiNaC expression, or a structure built from them (relation,
// set, tuple, interval, union, matrix) or a plain text answer. What Math-Verify keeps as a SymPy
// object, we keep as a Value.
#pragma once
#include <ginac/ginac.h>

#include <string>
#include <vector>

namespace r1::rewards::math {

enum class RelOp { Eq, Ne, Lt, Le, Gt, Ge };

struct Value {
  enum class Kind {
    Expr,        // ex: a scalar expression
    Matrix,      // ex: a GiNaC::matrix; items = its cells row-major when written out (keeps is_float)
    Relation,    // items = {lhs, rhs}, op
    Chain,       // items = relations, "1 < x < 2" = (1 < x) and (x < 2)
    Set,         // items = elements (order as written; compared as a set)
    PlusMinus,   // items = {a + b, a - b} from "a \pm b": compared as a set
    Tuple,       // items = elements (ordered)
    Interval,    // items = {lo, hi}, left_open / right_open
    Union,       // items = intervals / sets
    Text,        // text: a word answer ("Evelyn", "odd")
  };
  Kind kind = Kind::Expr;
  GiNaC::ex ex;
  RelOp op = RelOp::Eq;
  std::vector<Value> items;
  bool left_open = false, right_open = false;
  bool is_float = false;  // Expr written as one decimal literal: compared after rounding
  bool percent = false;   // Expr written with a percent sign: ex is already divided by 100
  // Holds a power or factorial too large to compute exactly, kept unevaluated (parse.h): only
  // the same expression is known to equal it.
  bool huge = false;
  std::string text;       // Text: the words; Expr: the source it came from (symbol-name checks)

  static Value expr(GiNaC::ex e) {
    Value v;
    v.ex = std::move(e);
    return v;
  }
  bool is_setlike() const { return kind == Kind::Set || kind == Kind::PlusMinus; }
};

// The symbol of a name: the same name always gives the same (real) GiNaC symbol.
GiNaC::ex symbol_of(const std::string& name);
// The symbol that stands for \infty (excluded from random-point evaluation).
const GiNaC::ex& infinity_symbol();
bool has_infinity(const GiNaC::ex& e);

// Whether evalf() of a constant expression stays bounded: an upper estimate of log10 |value| over
// its tree (and of every exponent and function argument) is below 10^5. CLN evaluates
// 5^(9^(10^17)) by building a float with 10^17 digits, and sin(10^(10^6)) by reducing with a
// million digits of pi; those are refused here, never started. Symbols stand for values in
// [symbol_min, symbol_max] (random-point evaluation); with symbol_min = 0 a symbol makes it false.
bool evaluable(const GiNaC::ex& e, double symbol_min = 0, double symbol_max = 0);

// Debug / report form ("{1, 2}", "[0, 1)", "x = 3").
std::string to_string(const Value& v);

}  // namespace r1::rewards::math
