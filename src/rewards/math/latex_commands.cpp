#include "rewards/math/latex_parser.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace r1::rewards::math::detail {

namespace {

const char* const kGreek[] = {"alpha", "beta",  "gamma", "delta", "epsilon", "varepsilon", "zeta",  "eta",
                              "theta", "vartheta", "iota", "kappa", "lambda", "mu",     "nu",    "xi",
                              "rho",   "sigma", "tau",   "upsilon", "phi",   "varphi",  "chi",   "psi",
                              "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi",     "Sigma", "Phi",
                              "Psi",   "Omega"};

// Functions applied to one argument: \sin x, \sin^2(x), \log_2 8.
const char* const kFunctions[] = {"sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan",
                                  "sinh", "cosh", "tanh", "ln", "log", "lg", "exp"};

}  // namespace

Value Parser::matrix_env(const std::string& env) {
  if (env == "array") raw_group();  // column spec {cc}
  std::vector<std::vector<Value>> rows(1);
  for (;;) {
    skip_ws();
    if (at_cmd("\\end")) break;
    if (i_ >= s_.size()) fail("unclosed matrix");
    rows.back().push_back(parse_sum());
    skip_ws();
    if (accept("&")) continue;
    if (accept("\\\\")) {
      skip_ws();
      if (at_cmd("\\hline")) i_ += 6;
      rows.emplace_back();
      continue;
    }
    if (!at_cmd("\\end")) fail("bad matrix cell");
  }
  i_ += 4;
  std::string end_env = raw_group();
  if (end_env != env) fail("mismatched \\end");
  if (rows.back().empty()) rows.pop_back();
  if (rows.empty()) fail("empty matrix");
  size_t cols = rows[0].size();
  GiNaC::matrix m(rows.size(), cols);
  Value v;
  v.kind = Value::Kind::Matrix;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].size() != cols) fail("ragged matrix");
    for (size_t c = 0; c < cols; ++c) {
      if (rows[r][c].kind != Value::Kind::Expr) fail("matrix cell is not a scalar");
      m(r, c) = rows[r][c].ex;
      v.items.push_back(std::move(rows[r][c]));
    }
  }
  v.ex = m;
  return v;
}

Value Parser::function_call(const std::string& name) {
  std::optional<Value> power, base;
  for (int k = 0; k < 2; ++k) {
    skip_ws();
    if (at("^")) {
      ++i_;
      power = parse_exponent();
    } else if (at("_")) {
      ++i_;
      base = parse_arg();
    }
  }
  Value arg;
  skip_ws();
  if (at("(")) {
    arg = bracket_group('(');
  } else {
    // An implicit product of atoms: \sin 2x = sin(2x).
    arg = parse_power();
    while (starts_atom() && !at("\\")) arg = multiply(arg, parse_power());
  }
  if (arg.kind != Value::Kind::Expr) fail("function of a non-scalar");
  if (arg.huge) fail_too_large("a function of a value too large to compute");
  using namespace GiNaC;
  const ex& x = arg.ex;
  ex r;
  if (name == "sin") r = sin(x);
  else if (name == "cos") r = cos(x);
  else if (name == "tan") r = tan(x);
  else if (name == "cot") r = cos(x) / sin(x);
  else if (name == "sec") r = 1 / cos(x);
  else if (name == "csc") r = 1 / sin(x);
  else if (name == "arcsin") r = asin(x);
  else if (name == "arccos") r = acos(x);
  else if (name == "arctan") r = atan(x);
  else if (name == "sinh") r = sinh(x);
  else if (name == "cosh") r = cosh(x);
  else if (name == "tanh") r = tanh(x);
  else if (name == "exp") r = exp(x);
  else if (name == "ln") r = log(x);
  else if (name == "lg") r = log(x) / log(ex(10));
  else if (name == "log") {
    if (base) {
      if (base->kind != Value::Kind::Expr) fail("log base");
      if (base->ex.is_equal(1)) fail("log base 1");
      r = log(x) / log(base->ex);
    } else {
      r = log(x);
    }
  } else {
    fail("unknown function");
  }
  if (power) {
    if (power->kind != Value::Kind::Expr) fail("function power");
    if (power->huge) fail_too_large("a function power too large to compute");
    // \sin^{-1} is the inverse function only in notation we do not guess at.
    if (power->ex.is_equal(-1)) fail("ambiguous ^{-1}");
    r = safe_pow(r, power->ex);
  }
  return Value::expr(r);
}

Value Parser::command() {
  std::string name = command_name();
  if (name.empty()) {
    if (at("\\{")) {
      i_ += 2;
      Value v;
      v.kind = Value::Kind::Set;
      skip_ws();
      if (accept("\\}")) return v;
      Value inner = parse_list();
      expect("\\}");
      if (inner.kind == Value::Kind::Set) return inner;
      v.items.push_back(std::move(inner));
      return v;
    }
    fail("unknown symbol");
  }
  i_ += 1 + name.size();
  if (name == "frac" || name == "over") {
    Value a = parse_arg();
    Value b = parse_arg();
    return divide(a, b);
  }
  if (name == "binom" || name == "dbinom" || name == "tbinom") {
    Value n = parse_arg(), k = parse_arg();
    if (n.kind != Value::Kind::Expr || k.kind != Value::Kind::Expr) fail("binom");
    if (!GiNaC::is_a<GiNaC::numeric>(n.ex) || !GiNaC::is_a<GiNaC::numeric>(k.ex)) fail("symbolic binom");
    // C(n, k) < 2^n: exact while n log10(2) digits fit.
    if (GiNaC::ex_to<GiNaC::numeric>(n.ex).to_double() * 0.30103 > lim_.max_exact_digits)
      fail_too_large("\\binom{" + to_string(n) + "}{...}");
    return Value::expr(GiNaC::binomial(GiNaC::ex_to<GiNaC::numeric>(n.ex), GiNaC::ex_to<GiNaC::numeric>(k.ex)));
  }
  if (name == "sqrt") {
    std::optional<Value> index;
    skip_ws();
    if (at("[")) {
      ++i_;
      index = parse_sum();
      expect("]");
    }
    Value x = parse_arg();
    if (x.kind != Value::Kind::Expr) fail("sqrt of a non-scalar");
    if (x.huge || (index && index->huge)) fail_too_large("a root of a value too large to compute");
    if (!index) return Value::expr(GiNaC::sqrt(x.ex));
    if (index->kind != Value::Kind::Expr || index->ex.is_zero()) fail("root index");
    return Value::expr(safe_pow(x.ex, 1 / index->ex));
  }
  if (name == "sum" || name == "prod") return big_operator(name == "sum");
  if (name == "pi") return Value::expr(GiNaC::Pi);
  if (name == "infty") return Value::expr(infinity_symbol());
  if (name == "emptyset" || name == "varnothing") {
    Value v;
    v.kind = Value::Kind::Set;
    return v;
  }
  if (name == "text") return text_group();
  if (name == "begin") {
    std::string env = raw_group();
    static const char* const kMatrices[] = {"matrix", "pmatrix", "bmatrix", "Bmatrix", "smallmatrix", "array"};
    for (const char* m : kMatrices)
      if (env == m) return matrix_env(env);
    fail("unsupported environment " + env);
  }
  if (name == "lfloor" || name == "lceil") {
    Value x = parse_sum();
    expect(name == "lfloor" ? "\\rfloor" : "\\rceil");
    if (x.kind != Value::Kind::Expr) fail("floor of a non-scalar");
    if (x.huge) fail_too_large("the floor of a value too large to compute");
    if (!evaluable(x.ex)) fail_too_large("the floor of a value this large");
    GiNaC::ex n = GiNaC::evalf(x.ex);
    if (!GiNaC::is_a<GiNaC::numeric>(n) || !GiNaC::ex_to<GiNaC::numeric>(n).is_real()) fail("symbolic floor");
    double d = GiNaC::ex_to<GiNaC::numeric>(n).to_double();
    if (std::fabs(d) > 1e15) fail("floor too large");
    return Value::expr(GiNaC::numeric(static_cast<long>(name == "lfloor" ? std::floor(d) : std::ceil(d))));
  }
  for (const char* f : kFunctions)
    if (name == f) return function_call(name);
  for (const char* gk : kGreek)
    if (name == gk) {
      std::string sym = name + subscript_suffix();
      Value v = Value::expr(symbol_of(sym));
      v.text = sym;
      return v;
    }
  if (name == "overline" || name == "bar" || name == "vec" || name == "hat" || name == "widehat" ||
      name == "overrightarrow" || name == "mathbf" || name == "boldsymbol") {
    std::string inner = raw_group();
    std::string clean;
    for (char c : inner)
      if (!is_space(c)) clean += c;
    Value v = Value::expr(symbol_of(name + "{" + clean + "}"));
    v.text = clean;
    return v;
  }
  fail("unknown command \\" + name);
}

Value Parser::big_operator(bool is_sum) {
  std::string var = "k";
  std::optional<Value> lo, hi;
  for (int k = 0; k < 2; ++k) {
    skip_ws();
    if (at("_")) {
      ++i_;
      std::string sub = raw_group();
      size_t eq = sub.find('=');
      if (eq == std::string::npos) fail("\\sum without a start");
      var = sub.substr(0, eq);
      var.erase(std::remove_if(var.begin(), var.end(), is_space), var.end());
      std::string lo_text = sub.substr(eq + 1);
      Parser sub_parser(lo_text, lim_);
      lo = sub_parser.parse_all();
    } else if (at("^")) {
      ++i_;
      hi = parse_exponent();
    }
  }
  if (!lo || !hi || lo->kind != Value::Kind::Expr || hi->kind != Value::Kind::Expr || var.empty())
    fail("\\sum needs _{k=a}^{b}");
  Value body = parse_term();
  if (body.kind != Value::Kind::Expr) fail("sum of a non-scalar");
  if (body.huge || lo->huge || hi->huge) fail_too_large("a sum of values too large to compute");
  GiNaC::ex k = symbol_of(var);
  if (GiNaC::is_a<GiNaC::numeric>(lo->ex) && GiNaC::is_a<GiNaC::numeric>(hi->ex)) {
    const auto& a = GiNaC::ex_to<GiNaC::numeric>(lo->ex);
    const auto& b = GiNaC::ex_to<GiNaC::numeric>(hi->ex);
    if (a.is_integer() && b.is_integer() && (b - a).to_double() <= 1000) {
      // The terms are computed exactly: each power of the index, and the running value, must stay
      // within max_exact_digits (\prod_{k=1}^{1000} k^k has 1.5 million).
      const double index_max = std::max({std::fabs(a.to_double()), std::fabs(b.to_double()), 2.0});
      const double index_digits = std::log10(index_max + 1);
      if (!evaluable(body.ex, 1, index_max)) fail_too_large("the terms of this sum or product");
      for (GiNaC::const_preorder_iterator it = body.ex.preorder_begin(); it != body.ex.preorder_end(); ++it)
        if (GiNaC::is_a<GiNaC::power>(*it) && GiNaC::is_a<GiNaC::numeric>(it->op(1)) &&
            std::fabs(GiNaC::ex_to<GiNaC::numeric>(it->op(1)).to_double()) * index_digits > lim_.max_exact_digits)
          fail_too_large("the terms of this sum or product");
      GiNaC::ex acc = is_sum ? 0 : 1;
      for (GiNaC::numeric j = a; j <= b; j = j + 1) {
        GiNaC::ex term = body.ex.subs(k == j);
        acc = is_sum ? acc + term : acc * term;
        if (GiNaC::is_a<GiNaC::numeric>(acc)) {
          const auto& n = GiNaC::ex_to<GiNaC::numeric>(acc);
          if (n.is_rational() && (n.numer().int_length() + n.denom().int_length()) * 0.30103 > lim_.max_exact_digits)
            fail_too_large("the value of this sum or product");
        }
      }
      return Value::expr(acc);
    }
  }
  std::ostringstream name;
  name << (is_sum ? "sum(" : "prod(") << body.ex.subs(k == symbol_of("_k")) << ";" << lo->ex << ";" << hi->ex << ")";
  Value v = Value::expr(symbol_of(name.str()));
  v.text = name.str();
  return v;
}

Value Parser::text_group() {
  std::string content = raw_group();
  size_t b = 0, e = content.size();
  while (b < e && is_space(content[b])) ++b;
  while (e > b && is_space(content[e - 1])) --e;
  content = content.substr(b, e - b);
  if (content.empty()) fail("empty text");
  bool numeric_text = true;
  for (char c : content) numeric_text &= is_digit(c) || c == '.';
  if (numeric_text) {
    Parser sub(content, lim_);
    return sub.parse_all();
  }
  // latex2sympy2 reads \text{(C)} as the symbol C (spaces and parentheses dropped): a choice
  // label written either way is the same answer.
  std::string bare;
  for (char c : content)
    if (c != '(' && c != ')' && !is_space(c)) bare += c;
  if (bare.size() == 1 && is_alpha(bare[0])) return letter(bare);
  skip_ws();
  if (at("(")) {
    Value args = bracket_group('(');
    std::string name = content + "(" + to_string(args) + ")";
    Value v = Value::expr(symbol_of(name));
    v.text = name;
    return v;
  }
  Value t;
  t.kind = Value::Kind::Text;
  t.text = content;
  return t;
}

}  // namespace r1::rewards::math::detail
