#include "rewards/math/latex_parser.h"

#include <cmath>
#include <cstring>
#include <functional>

namespace r1::rewards::math::detail {

namespace {

// Letters read as function names when followed by "(": f(x), g(2).
bool is_function_letter(char c) { return c == 'f' || c == 'g' || c == 'h' || c == 'F' || c == 'G' || c == 'H'; }

}  // namespace

Value Parser::parse_all() {
  Value v = parse_list();
  skip_ws();
  if (i_ != s_.size()) fail("unexpected '" + std::string(s_.substr(i_, 10)) + "'");
  v.huge = huge_;
  return v;
}

bool Parser::at_list_end() {
  skip_ws();
  return i_ >= s_.size() || at(")") || at("]") || at("}") || at("\\}") || at("\\\\") || at("&") ||
         at_cmd("\\end");
}

Value Parser::parse_list() {
  std::vector<std::vector<Value>> groups(1);
  for (;;) {
    if (at_list_end()) {
      if (groups.back().empty() && groups.size() == 1) fail("empty");
      break;
    }
    groups.back().push_back(parse_element());
    skip_ws();
    if (accept(",")) continue;
    if (accept(";")) {
      groups.emplace_back();
      continue;
    }
    break;
  }
  if (groups.back().empty()) groups.pop_back();
  if (groups.size() == 1 && groups[0].size() == 1) return std::move(groups[0][0]);
  Value set;
  set.kind = Value::Kind::Set;
  bool all_single = true;
  for (auto& gr : groups) all_single &= gr.size() == 1;
  if (groups.size() == 1 || all_single) {
    for (auto& gr : groups)
      for (auto& v : gr) set.items.push_back(std::move(v));
  } else {
    for (auto& gr : groups) {
      Value t;
      t.kind = Value::Kind::Tuple;
      t.items = std::move(gr);
      set.items.push_back(std::move(t));
    }
  }
  return set;
}

bool Parser::relation_op(RelOp& op, bool& approx) {
  skip_ws();
  approx = false;
  struct R {
    const char* text;
    RelOp op;
    bool cmd;
  };
  static const R kRel[] = {
      {"<=", RelOp::Le, false},        {">=", RelOp::Ge, false},      {"!=", RelOp::Ne, false},
      {"\\leqslant", RelOp::Le, true}, {"\\geqslant", RelOp::Ge, true}, {"\\leq", RelOp::Le, true},
      {"\\geq", RelOp::Ge, true},      {"\\le", RelOp::Le, true},     {"\\ge", RelOp::Ge, true},
      {"\\neq", RelOp::Ne, true},      {"\\ne", RelOp::Ne, true},     {"\\lt", RelOp::Lt, true},
      {"\\gt", RelOp::Gt, true},       {"\\in", RelOp::Eq, true},     {"\\equiv", RelOp::Eq, true},
      {"≤", RelOp::Le, false},         {"≥", RelOp::Ge, false},       {"≠", RelOp::Ne, false},
      {"=", RelOp::Eq, false},         {"<", RelOp::Lt, false},       {">", RelOp::Gt, false},
  };
  if (at_cmd("\\approx") || at_cmd("\\sim")) {
    i_ += at_cmd("\\approx") ? 7 : 4;
    approx = true;
    return true;
  }
  for (const R& r : kRel) {
    if (r.cmd ? at_cmd(r.text) : at(r.text)) {
      i_ += std::strlen(r.text);
      op = r.op;
      return true;
    }
  }
  return false;
}

Value Parser::parse_element() {
  Value lhs = parse_union();
  std::vector<Value> rels;
  RelOp op;
  bool approx;
  while (relation_op(op, approx)) {
    Value rhs = parse_union();
    if (approx) {
      // "x \approx 3.2" assigns; "3.14159 \approx 3.14" keeps the exact side.
      if (rels.empty()) lhs = only_symbols(lhs) ? rhs : lhs;
      continue;
    }
    Value r;
    r.kind = Value::Kind::Relation;
    r.op = op;
    r.items.push_back(rels.empty() ? lhs : rels.back().items[1]);
    r.items.push_back(std::move(rhs));
    rels.push_back(std::move(r));
  }
  if (rels.empty()) return lhs;
  if (rels.size() == 1) return std::move(rels[0]);
  Value chain;
  chain.kind = Value::Kind::Chain;
  chain.items = std::move(rels);
  return chain;
}

Value Parser::parse_union() {
  Value v = parse_sum();
  if (!at_cmd_ws("\\cup")) return v;
  Value u;
  u.kind = Value::Kind::Union;
  u.items.push_back(std::move(v));
  while (accept_cmd("\\cup")) u.items.push_back(parse_sum());
  for (auto& it : u.items)
    if (it.kind == Value::Kind::Tuple) it.kind = Value::Kind::Set;
  return u;
}

Value Parser::negate(const Value& a) {
  return binary(Value::expr(-1), a, [](const GiNaC::ex& x, const GiNaC::ex& y) { return x * y; });
}

bool Parser::exact_power_too_large(const GiNaC::ex& b, const GiNaC::ex& e) const {
  using GiNaC::ex_to;
  using GiNaC::is_a;
  using GiNaC::numeric;
  if (!is_a<numeric>(b) || !is_a<numeric>(e) || !ex_to<numeric>(e).is_integer() || !ex_to<numeric>(b).is_rational())
    return false;
  const numeric& bn = ex_to<numeric>(b);
  if (bn.is_zero() || bn.is_equal(1) || bn.is_equal(-1)) return false;
  double size = std::max(std::log10(std::fabs(bn.numer().to_double())), std::log10(std::fabs(bn.denom().to_double())));
  if (!std::isfinite(size)) size = static_cast<double>(bn.numer().int_length() + bn.denom().int_length()) * 0.30103;
  return std::fabs(ex_to<numeric>(e).to_double()) * size > lim_.max_exact_digits;
}

GiNaC::ex Parser::safe_pow(const GiNaC::ex& b, const GiNaC::ex& e) {
  // GiNaC would compute 9^(9^9) -- 370 million digits -- on construction.
  if (exact_power_too_large(b, e)) fail_too_large("an exact power of this size");
  // 0^0 and 0^-n: GiNaC throws from inside the power's construction (and leaks it); say it first.
  if (b.is_zero() && GiNaC::is_a<GiNaC::numeric>(e) && !GiNaC::ex_to<GiNaC::numeric>(e).is_positive())
    fail("0 to a power <= 0 is undefined");
  return GiNaC::pow(b, e);
}

Value Parser::held(GiNaC::ex e) {
  huge_ = true;
  Value v = Value::expr(std::move(e));
  v.huge = true;
  return v;
}

Value Parser::parse_sum() {
  Value v = parse_term();
  for (;;) {
    skip_ws();
    if (accept("+")) {
      v = binary(v, parse_term(), [](auto& x, auto& y) { return x + y; });
    } else if (at("-") && !at("->")) {
      ++i_;
      v = binary(v, parse_term(), [](auto& x, auto& y) { return x - y; });
    } else if (accept_cmd("\\pm") || accept_cmd("\\mp")) {
      Value rhs = parse_term();
      Value pm;
      pm.kind = Value::Kind::PlusMinus;
      pm.items.push_back(binary(v, rhs, [](auto& x, auto& y) { return x + y; }));
      pm.items.push_back(binary(v, rhs, [](auto& x, auto& y) { return x - y; }));
      v = pm;
    } else {
      break;
    }
  }
  return v;
}

bool Parser::starts_atom() {
  skip_ws();
  if (i_ >= s_.size()) return false;
  char c = s_[i_];
  if (is_digit(c) || is_alpha(c) || c == '(' || c == '[' || c == '{') return true;
  if (c == '.' && i_ + 1 < s_.size() && is_digit(s_[i_ + 1])) return true;
  if (c == '|') return abs_depth_ == 0;
  if (c == '\\') {
    if (at("\\{")) return true;
    std::string name = command_name();
    static const char* const kNotAtoms[] = {
        "cdot", "times", "div", "pm", "mp", "le", "leq", "ge", "geq", "ne", "neq", "lt", "gt", "in",
        "cup", "cap", "approx", "sim", "equiv", "end", "right", "rfloor", "rceil", "leqslant", "geqslant",
        "notin", "setminus", "to", "mid"};
    if (name.empty()) return false;
    for (const char* n : kNotAtoms)
      if (name == n) return false;
    return true;
  }
  return false;
}

Value Parser::parse_term() {
  size_t start = i_;
  Value v = parse_signed();
  for (;;) {
    skip_ws();
    if (accept("*") || accept_cmd("\\cdot") || accept_cmd("\\times") || accept("×") || accept_cmd("\\ast")) {
      v = binary(v, parse_signed(), [](auto& x, auto& y) { return x * y; });
    } else if (accept("/") || accept_cmd("\\div") || accept("÷")) {
      v = divide(v, parse_signed());
    } else if (at(":") && !at(":=")) {
      ++i_;
      v = divide(v, parse_signed());
    } else if (starts_atom()) {
      // Mixed number "12\frac{3}{5}" = 12 + 3/5 when both are plain integers.
      if (at_cmd("\\frac") && plain_integer(s_.substr(start, i_ - start))) {
        size_t save = i_;
        Value f = parse_power();
        if (f.kind == Value::Kind::Expr && GiNaC::is_a<GiNaC::numeric>(f.ex) && v.kind == Value::Kind::Expr &&
            GiNaC::is_a<GiNaC::numeric>(v.ex) && frac_of_integers(s_.substr(save, i_ - save))) {
          bool neg = GiNaC::ex_to<GiNaC::numeric>(v.ex).is_negative();
          v = Value::expr(neg ? v.ex - f.ex : v.ex + f.ex);
          continue;
        }
        v = multiply(v, f);
        continue;
      }
      v = multiply(v, parse_power());
    } else {
      break;
    }
  }
  return v;
}

bool Parser::plain_integer(std::string_view t) {
  size_t b = 0, e = t.size();
  while (b < e && is_space(t[b])) ++b;
  while (e > b && is_space(t[e - 1])) --e;
  if (b < e && t[b] == '-') ++b;
  if (b == e) return false;
  for (size_t k = b; k < e; ++k)
    if (!is_digit(t[k])) return false;
  return true;
}

bool Parser::frac_of_integers(std::string_view t) {
  // "\frac{3}{5}" / "\frac35"
  for (char c : t.substr(5))
    if (!(is_digit(c) || c == '{' || c == '}' || is_space(c))) return false;
  return true;
}

Value Parser::multiply(const Value& a, const Value& b) {
  if (b.kind == Value::Kind::Text) return a;
  if (a.kind == Value::Kind::Text) return b;
  return binary(a, b, [](auto& x, auto& y) { return x * y; });
}

Value Parser::divide(const Value& a, const Value& b) {
  return binary(a, b, [](const GiNaC::ex& x, const GiNaC::ex& y) {
    if (y.is_zero()) throw ParseFail("division by zero");
    return x / y;
  });
}

Value Parser::parse_signed() {
  skip_ws();
  if (accept("-")) {
    DepthGuard g(*this);
    // "-0.3333" is still one decimal number (Math-Verify's Float), compared at the precision.
    Value x = parse_signed();
    Value n = negate(x);
    n.is_float = x.is_float;
    n.percent = x.percent;
    return n;
  }
  if (accept("+")) {
    DepthGuard g(*this);
    return parse_signed();
  }
  if (accept_cmd("\\pm") || accept_cmd("\\mp")) {
    DepthGuard g(*this);
    Value x = parse_signed();
    Value pm;
    pm.kind = Value::Kind::PlusMinus;
    pm.items.push_back(x);
    pm.items.push_back(negate(x));
    return pm;
  }
  return parse_power();
}

Value Parser::parse_power() {
  Value base = parse_postfix();
  for (;;) {
    skip_ws();
    if (!at("^") && !at("**")) break;
    i_ += at("**") ? 2 : 1;
    Value e = parse_exponent();
    if (base.kind == Value::Kind::Text) fail("power of text");
    // A power of numbers too large to compute is kept unevaluated, as is a power of such a power
    // (9^{9^{9^9}}); it takes part in no arithmetic (binary() refuses it).
    auto numeric_or_held = [](const Value& v) {
      return v.kind == Value::Kind::Expr && (v.huge || GiNaC::is_a<GiNaC::numeric>(v.ex));
    };
    if ((base.huge || e.huge || exact_power_too_large(base.ex, e.ex)) && numeric_or_held(base) && numeric_or_held(e)) {
      base = postfix_ops(held(GiNaC::power(base.ex, e.ex).hold()));
      continue;
    }
    base = binary(base, e, [&](auto& x, auto& y) { return safe_pow(x, y); });
    if (base.kind != Value::Kind::Matrix) base = postfix_ops(base);
  }
  return base;
}

Value Parser::braced_list() {
  ++i_;
  Value v = parse_list();
  expect("}");
  return v;
}

Value Parser::parse_exponent() {
  skip_ws();
  if (at("{")) return braced_list();
  if (accept("-")) return negate(parse_exponent());
  if (i_ < s_.size() && is_digit(s_[i_])) {
    // All digits: model answers write "2^10" for 2^{10} far more often than x^2 * 3.
    size_t k = i_;
    while (k < s_.size() && is_digit(s_[k])) ++k;
    std::string digits(s_.substr(i_, k - i_));
    i_ = k;
    return Value::expr(GiNaC::numeric(digits.c_str()));
  }
  return parse_postfix();
}

Value Parser::postfix_ops(Value v) {
  for (;;) {
    skip_ws();
    if (at("!") && !at("!=")) {
      ++i_;
      if (v.kind != Value::Kind::Expr) fail("factorial of a non-scalar");
      if (GiNaC::is_a<GiNaC::numeric>(v.ex)) {
        const auto& n = GiNaC::ex_to<GiNaC::numeric>(v.ex);
        if (!n.is_nonneg_integer()) fail("factorial of " + to_string(v));
        // log10(n!) <= n log10(n): exact while that fits, unevaluated beyond.
        double x = n.to_double();
        if (x > 1 && x * std::log10(x) > lim_.max_exact_digits) {
          v = held(GiNaC::factorial(v.ex).hold());
          continue;
        }
      } else if (v.huge) {
        v = held(GiNaC::factorial(v.ex).hold());
        continue;
      }
      v = Value::expr(GiNaC::factorial(v.ex));
    } else if (at("\\%")) {
      i_ += 2;
      if (v.kind != Value::Kind::Expr) fail("percent of a non-scalar");
      if (v.huge) fail_too_large("a percentage of a value too large to compute");
      bool was_float = v.is_float;
      v = Value::expr(v.ex / 100);
      v.percent = true;
      v.is_float = was_float;
    } else if (at("'")) {
      ++i_;
    } else {
      return v;
    }
  }
}

Value Parser::parse_arg() {
  skip_ws();
  if (at("{")) return braced_list();
  if (i_ < s_.size() && is_digit(s_[i_])) {
    std::string d(1, s_[i_++]);
    return Value::expr(GiNaC::numeric(d.c_str()));
  }
  if (i_ < s_.size() && is_alpha(s_[i_])) return letter(std::string(1, s_[i_++]));
  return parse_atom();
}

std::string Parser::raw_group() {
  skip_ws();
  if (at("{")) {
    int depth = 0;
    size_t b = i_;
    for (; i_ < s_.size(); ++i_) {
      if (s_[i_] == '{') ++depth;
      if (s_[i_] == '}' && --depth == 0) {
        ++i_;
        return std::string(s_.substr(b + 1, i_ - b - 2));
      }
    }
    fail("unclosed {");
  }
  if (i_ < s_.size()) return std::string(1, s_[i_++]);
  fail("missing argument");
}

Value Parser::letter(const std::string& name) {
  if (name == "e") return Value::expr(GiNaC::exp(GiNaC::ex(1)));
  Value v = Value::expr(symbol_of(name));
  v.text = name;
  return v;
}

std::string Parser::subscript_suffix() {
  if (!at("_")) return "";
  ++i_;
  std::string sub = raw_group();
  std::string clean;
  for (char c : sub)
    if (!is_space(c) && c != '{' && c != '}') clean += c;
  return "_" + clean;
}

Value Parser::number() {
  size_t b = i_;
  while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
  bool is_float = false;
  if (i_ + 1 < s_.size() && s_[i_] == '.' && is_digit(s_[i_ + 1])) {
    is_float = true;
    ++i_;
    while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
  }
  // Scientific notation "1.5e-3" / "2E8" (an 'e' followed by a digit, optionally signed).
  std::optional<long> exponent;
  if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
    size_t k = i_ + 1;
    bool neg = false;
    if (k < s_.size() && (s_[k] == '-' || s_[k] == '+')) neg = s_[k++] == '-';
    size_t d = k;
    while (k < s_.size() && is_digit(s_[k]) && k - d < 6) ++k;
    if (k > d && !(k < s_.size() && (is_alpha(s_[k]) || is_digit(s_[k])))) {
      exponent = std::stol(std::string(s_.substr(d, k - d))) * (neg ? -1 : 1);
      if (std::labs(*exponent) > 400) fail_too_large("scientific exponent " + std::to_string(*exponent));
    }
  }
  std::string text(s_.substr(b, i_ - b));
  if (static_cast<double>(text.size()) > lim_.max_exact_digits) fail_too_large("a number of " + std::to_string(text.size()) + " digits");
  if (at("_")) {
    // 204_5: a number in another base, kept as written.
    std::string name = text + subscript_suffix();
    Value v = Value::expr(symbol_of(name));
    v.text = name;
    return v;
  }
  // Exact rational for decimals ("0.25" = 1/4): symbolic steps stay exact, and is_float keeps
  // the rounding comparison of Math-Verify for decimal answers.
  GiNaC::numeric n;
  size_t dot = text.find('.');
  if (dot == std::string::npos) {
    n = GiNaC::numeric(text.c_str());
  } else {
    std::string digits = text.substr(0, dot) + text.substr(dot + 1);
    size_t z = 0;
    while (z + 1 < digits.size() && digits[z] == '0') ++z;
    n = GiNaC::numeric(digits.substr(z).c_str()) / GiNaC::ex_to<GiNaC::numeric>(GiNaC::pow(GiNaC::numeric(10), static_cast<int>(text.size() - dot - 1)));
  }
  if (exponent) {
    // i_ still points at the 'e': skip the exponent we read.
    ++i_;
    if (s_[i_] == '-' || s_[i_] == '+') ++i_;
    while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    n = n * GiNaC::ex_to<GiNaC::numeric>(GiNaC::pow(GiNaC::numeric(10), static_cast<int>(*exponent)));
    is_float = true;
  }
  Value v = Value::expr(n);
  v.is_float = is_float;
  v.text = text;
  return v;
}

Value Parser::bracket_group(char open) {
  ++i_;
  std::vector<Value> items;
  bool semicolon = false;
  for (;;) {
    skip_ws();
    if (at(")") || at("]")) break;
    items.push_back(parse_element());
    skip_ws();
    if (accept(",")) continue;
    if (accept(";")) {
      semicolon = true;
      continue;
    }
    break;
  }
  skip_ws();
  if (!(at(")") || at("]"))) fail("unclosed bracket");
  char close = s_[i_++];
  if (items.empty()) fail("empty brackets");
  if (items.size() == 1) {
    if ((open == '(') != (close == ')')) fail("mismatched brackets");
    return std::move(items[0]);
  }
  if (items.size() == 2 && !semicolon && items[0].kind == Value::Kind::Expr && items[1].kind == Value::Kind::Expr) {
    Value iv;
    iv.kind = Value::Kind::Interval;
    iv.left_open = open == '(';
    iv.right_open = close == ')';
    iv.items = std::move(items);
    return iv;
  }
  if ((open == '(') != (close == ')')) fail("mismatched brackets around a tuple");
  Value t;
  t.kind = Value::Kind::Tuple;
  t.items = std::move(items);
  return t;
}

Value Parser::parse_atom() {
  DepthGuard g(*this);
  skip_ws();
  if (i_ >= s_.size()) fail("unexpected end");
  char c = s_[i_];
  if (is_digit(c)) return number();
  if (c == '.' && i_ + 1 < s_.size() && is_digit(s_[i_ + 1])) return number();
  if (is_alpha(c)) {
    ++i_;
    std::string name(1, c);
    name += subscript_suffix();
    if (name.size() == 1 && is_function_letter(c) && at("(")) {
      Value args = bracket_group('(');
      std::string fname = name + "(" + to_string(args) + ")";
      Value v = Value::expr(symbol_of(fname));
      v.text = fname;
      return v;
    }
    return letter(name);
  }
  if (c == '(' || c == '[') return bracket_group(c);
  if (c == '{') {
    ++i_;
    skip_ws();
    if (accept("}")) fail("empty group");
    Value v = parse_list();
    expect("}");
    return v;
  }
  if (c == '|') {
    ++i_;
    ++abs_depth_;
    Value v = parse_sum();
    --abs_depth_;
    expect("|");
    if (v.kind != Value::Kind::Expr) fail("abs of a non-scalar");
    if (v.huge) fail_too_large("|x| of a value too large to compute");
    return Value::expr(GiNaC::abs(v.ex));
  }
  if (c == '\\') return command();
  fail(std::string("unexpected '") + c + "'");
}

bool Parser::only_symbols(const Value& v) {
  if (v.kind == Value::Kind::Tuple || v.kind == Value::Kind::Interval) {
    for (auto& it : v.items)
      if (!only_symbols(it)) return false;
    return true;
  }
  if (v.kind != Value::Kind::Expr) return false;
  std::function<bool(const GiNaC::ex&)> rec = [&](const GiNaC::ex& e) -> bool {
    if (GiNaC::is_a<GiNaC::symbol>(e)) return e != infinity_symbol();
    if (GiNaC::is_a<GiNaC::power>(e)) return e.op(1).is_equal(-1) && rec(e.op(0));
    if (GiNaC::is_a<GiNaC::numeric>(e) || e.nops() == 0) return false;
    for (size_t k = 0; k < e.nops(); ++k)
      if (!rec(e.op(k))) return false;
    return true;
  };
  return rec(v.ex);
}

}  // namespace r1::rewards::math::detail
