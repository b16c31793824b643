// The LaTeX answer grammar of parse.h: a recursive-descent parser building GiNaC expressions for
// scalars and Value structures for lists, sets, tuples, intervals, unions, relations and matrices.
// Grammar rules (lists, relations, sums, products, powers, atoms, numbers, brackets) are in
// latex_parser.cpp, the LaTeX commands (\frac, \sqrt, functions, \text, matrices, \sum) in
// latex_commands.cpp. Internal to the parser's files.
#pragma once
#include <ginac/ginac.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "rewards/math/parse.h"
#include "rewards/math/value.h"

namespace r1::rewards::math::detail {

// A parse failure: not an answer we understand, or (too_large) one beyond a bound of ParseLimits.
struct ParseFail : std::runtime_error {
  ParseFail(const std::string& why, bool too_large = false) : std::runtime_error(why), too_large(too_large) {}
  bool too_large;
};

inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

class Parser {
 public:
  Parser(std::string_view s, const ParseLimits& limits) : s_(s), lim_(limits) {}

  // The whole text as one answer; throws ParseFail when it is not one.
  Value parse_all();

 private:
  std::string_view s_;
  const ParseLimits& lim_;
  size_t i_ = 0;
  int depth_ = 0;
  int abs_depth_ = 0;
  bool huge_ = false;  // a power or factorial was kept unevaluated (Value::huge)

  [[noreturn]] void fail(const std::string& why) { throw ParseFail(why); }
  [[noreturn]] void fail_too_large(const std::string& what) { throw ParseFail(what + " is beyond the parse limits", true); }

  // One level of nesting: an atom (bracket, brace, command, |x|) or a sign.
  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& p) : p(p) {
      if (++p.depth_ > p.lim_.max_depth)
        p.fail_too_large("nesting deeper than " + std::to_string(p.lim_.max_depth) + " levels");
    }
    ~DepthGuard() { --p.depth_; }
  };

  void skip_ws() {
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
  }
  bool at(std::string_view p) const { return s_.compare(i_, p.size(), p) == 0 && i_ + p.size() <= s_.size(); }
  // A command such as "\le" that is not the prefix of a longer name ("\left").
  bool at_cmd(std::string_view cmd) const {
    if (!at(cmd)) return false;
    size_t e = i_ + cmd.size();
    return e >= s_.size() || !is_alpha(s_[e]);
  }
  bool accept(std::string_view p) {
    skip_ws();
    if (!at(p)) return false;
    i_ += p.size();
    return true;
  }
  bool accept_cmd(std::string_view cmd) {
    skip_ws();
    if (!at_cmd(cmd)) return false;
    i_ += cmd.size();
    return true;
  }
  void expect(std::string_view p) {
    if (!accept(p)) fail("expected '" + std::string(p) + "'");
  }
  std::string command_name() const {
    size_t k = i_ + 1;
    while (k < s_.size() && is_alpha(s_[k])) ++k;
    return std::string(s_.substr(i_ + 1, k - i_ - 1));
  }

  // ---- lists: "a, b; c" ----------------------------------------------------------------------

  bool at_list_end();

  // Elements separated by ',' (one group) and ';' (new group), Math-Verify's set/tuple rules:
  // one element -> itself; one group -> a set; all groups single -> a set; else a set of tuples.
  Value parse_list();

  // ---- relations -------------------------------------------------------------------------------

  // Returns true and the operator when a relation symbol is next. `in` marks "\in" (read as "=").
  bool relation_op(RelOp& op, bool& approx);

  static bool only_symbols(const Value& v);

  Value parse_element();

  Value parse_union();
  bool at_cmd_ws(std::string_view cmd) {
    skip_ws();
    return at_cmd(cmd);
  }

  // ---- arithmetic on values ----------------------------------------------------------------

  static bool scalar(const Value& v) { return v.kind == Value::Kind::Expr || v.kind == Value::Kind::Matrix; }

  // Applies f to scalar operands; ± sets broadcast ("\frac{-1 \pm \sqrt{13}}{4}").
  template <class F>
  Value binary(const Value& a, const Value& b, F f) {
    if (a.kind == Value::Kind::PlusMinus || b.kind == Value::Kind::PlusMinus) {
      Value out;
      out.kind = Value::Kind::PlusMinus;
      if (a.kind == Value::Kind::PlusMinus)
        for (auto& x : a.items) out.items.push_back(binary(x, b, f));
      else
        for (auto& y : b.items) out.items.push_back(binary(a, y, f));
      return out;
    }
    if (!scalar(a) || !scalar(b)) fail("arithmetic on a non-scalar");
    // GiNaC may evaluate an unevaluated huge power when it combines terms: none takes part.
    if (a.huge || b.huge) fail_too_large("arithmetic on a value too large to compute");
    GiNaC::ex r = f(a.ex, b.ex);
    Value out;
    if (a.kind == Value::Kind::Matrix || b.kind == Value::Kind::Matrix) {
      r = r.evalm();
      out.kind = GiNaC::is_a<GiNaC::matrix>(r) ? Value::Kind::Matrix : Value::Kind::Expr;
    }
    out.ex = r;
    return out;
  }

  Value negate(const Value& a);

  // b^e; "too large" when it is an exact power beyond ParseLimits::max_exact_digits.
  GiNaC::ex safe_pow(const GiNaC::ex& b, const GiNaC::ex& e);
  bool exact_power_too_large(const GiNaC::ex& b, const GiNaC::ex& e) const;
  // An unevaluated power or factorial too large to compute (Value::huge).
  Value held(GiNaC::ex e);

  // ---- sums and products ---------------------------------------------------------------------

  Value parse_sum();

  bool starts_atom();

  Value parse_term();

  static bool plain_integer(std::string_view t);
  static bool frac_of_integers(std::string_view t);

  // Implicit or explicit product; a text factor is a unit ("2\text{ apples}") and is dropped.
  Value multiply(const Value& a, const Value& b);

  Value divide(const Value& a, const Value& b);

  Value parse_signed();

  Value parse_power();

  Value parse_exponent();

  Value postfix_ops(Value v);

  Value parse_postfix() { return postfix_ops(parse_atom()); }

  // ---- atoms ---------------------------------------------------------------------------------

  // A braced group "{...}" or, LaTeX-style, one character / one command ("\frac12", "\sqrt2").
  Value parse_arg();
  // "{list}", at its "{".
  Value braced_list();

  std::string raw_group();

  Value letter(const std::string& name);

  // x_1, x_{n+1}: the subscript becomes part of the symbol's name.
  std::string subscript_suffix();

  Value number();

  Value bracket_group(char open);

  Value matrix_env(const std::string& env);

  // \sin x, \sin^2(x), \log_2 8, \ln(x).
  Value function_call(const std::string& name);

  Value command();

  // \sum_{k=a}^{b} f(k) / \prod: expanded when a and b are integers at most 1000 apart; otherwise
  // kept as one opaque symbol named by its canonical summand and bounds, so that two spellings of
  // the same sum (factors in another order) still compare equal.
  Value big_operator(bool is_sum);

  // \text{...}: a number, a single letter, a function name before "(", or a word answer.
  Value text_group();

  Value parse_atom();
};

}  // namespace r1::rewards::math::detail
