#include "rewards/math/parse.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "rewards/math/normalize.h"

namespace r1::rewards::math {

// ---- symbols ---------------------------------------------------------------------------------

GiNaC::ex symbol_of(const std::string& name) {
  // GiNaC symbols compare by identity, so one name must map to one symbol object. Real symbols
  // let GiNaC simplify |x|^2, conjugates and the like as a student would.
  static std::mutex mu;
  static std::map<std::string, GiNaC::ex> table;
  std::lock_guard<std::mutex> lock(mu);
  auto it = table.find(name);
  if (it != table.end()) return it->second;
  GiNaC::ex s = GiNaC::realsymbol(name);
  table.emplace(name, s);
  return s;
}

const GiNaC::ex& infinity_symbol() {
  static const GiNaC::ex inf = symbol_of("oo");
  return inf;
}

bool has_infinity(const GiNaC::ex& e) { return e.has(infinity_symbol()); }

std::string to_string(const Value& v) {
  std::ostringstream os;
  auto list = [&](const char* open, const char* close) {
    os << open;
    for (size_t k = 0; k < v.items.size(); ++k) os << (k ? ", " : "") << to_string(v.items[k]);
    os << close;
  };
  static const char* const kOps[] = {"=", "!=", "<", "<=", ">", ">="};
  switch (v.kind) {
    case Value::Kind::Expr:
    case Value::Kind::Matrix: os << v.ex; break;
    case Value::Kind::Relation:
      os << to_string(v.items[0]) << " " << kOps[static_cast<int>(v.op)] << " " << to_string(v.items[1]);
      break;
    case Value::Kind::Chain: list("(", ")"); break;
    case Value::Kind::Set: list("{", "}"); break;
    case Value::Kind::PlusMinus: list("±{", "}"); break;
    case Value::Kind::Tuple: list("(", ")"); break;
    case Value::Kind::Interval:
      os << (v.left_open ? "(" : "[") << to_string(v.items[0]) << ", " << to_string(v.items[1])
         << (v.right_open ? ")" : "]");
      break;
    case Value::Kind::Union:
      for (size_t k = 0; k < v.items.size(); ++k) os << (k ? " U " : "") << to_string(v.items[k]);
      break;
    case Value::Kind::Text: os << "\"" << v.text << "\""; break;
  }
  return os.str();
}

namespace {

struct ParseFail : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

const char* const kGreek[] = {"alpha", "beta",  "gamma", "delta", "epsilon", "varepsilon", "zeta",  "eta",
                              "theta", "vartheta", "iota", "kappa", "lambda", "mu",     "nu",    "xi",
                              "rho",   "sigma", "tau",   "upsilon", "phi",   "varphi",  "chi",   "psi",
                              "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi",     "Sigma", "Phi",
                              "Psi",   "Omega"};

// Functions applied to one argument: \sin x, \sin^2(x), \log_2 8.
const char* const kFunctions[] = {"sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan",
                                  "sinh", "cosh", "tanh", "ln", "log", "lg", "exp"};

// Letters read as function names when followed by "(": f(x), g(2).
bool is_function_letter(char c) { return c == 'f' || c == 'g' || c == 'h' || c == 'F' || c == 'G' || c == 'H'; }

class Parser {
 public:
  Parser(std::string_view s, const ParseLimits& limits) : s_(s), lim_(limits) {}

  Value parse_all() {
    Value v = parse_list();
    skip_ws();
    if (i_ != s_.size()) fail("unexpected '" + std::string(s_.substr(i_, 10)) + "'");
    return v;
  }

 private:
  std::string_view s_;
  const ParseLimits& lim_;
  size_t i_ = 0;
  int depth_ = 0;
  int abs_depth_ = 0;

  [[noreturn]] void fail(const std::string& why) { throw ParseFail(why); }

  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& p) : p(p) {
      if (++p.depth_ > p.lim_.max_depth) p.fail("nesting too deep");
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

  bool at_list_end() {
    skip_ws();
    return i_ >= s_.size() || at(")") || at("]") || at("}") || at("\\}") || at("\\\\") || at("&") ||
           at_cmd("\\end");
  }

  // Elements separated by ',' (one group) and ';' (new group), Math-Verify's set/tuple rules:
  // one element -> itself; one group -> a set; all groups single -> a set; else a set of tuples.
  Value parse_list() {
    DepthGuard g(*this);
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

  // ---- relations -------------------------------------------------------------------------------

  // Returns true and the operator when a relation symbol is next. `in` marks "\in" (read as "=").
  bool relation_op(RelOp& op, bool& approx) {
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

  static bool only_symbols(const Value& v);

  Value parse_element() {
    DepthGuard g(*this);
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

  Value parse_union() {
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
    GiNaC::ex r = f(a.ex, b.ex);
    Value out;
    if (a.kind == Value::Kind::Matrix || b.kind == Value::Kind::Matrix) {
      r = r.evalm();
      out.kind = GiNaC::is_a<GiNaC::matrix>(r) ? Value::Kind::Matrix : Value::Kind::Expr;
    }
    out.ex = r;
    return out;
  }

  Value negate(const Value& a) {
    return binary(Value::expr(-1), a, [](const GiNaC::ex& x, const GiNaC::ex& y) { return x * y; });
  }

  GiNaC::ex safe_pow(const GiNaC::ex& b, const GiNaC::ex& e) {
    if (GiNaC::is_a<GiNaC::numeric>(e)) {
      const GiNaC::numeric& n = GiNaC::ex_to<GiNaC::numeric>(e);
      if (n.is_integer()) {
        double mag = std::fabs(n.to_double());
        if (mag > 1e6) fail("exponent too large");
        if (GiNaC::is_a<GiNaC::numeric>(b)) {
          const GiNaC::numeric& bn = GiNaC::ex_to<GiNaC::numeric>(b);
          if (bn.is_rational() && !bn.is_zero() && !(bn.is_equal(1) || bn.is_equal(-1))) {
            double digits = mag * (std::log10(std::fabs(bn.numer().to_double()) + 1) +
                                   std::log10(std::fabs(bn.denom().to_double()) + 1));
            if (!std::isfinite(digits) || digits > lim_.max_power_digits) fail("power too large");
          }
        }
      } else if (GiNaC::is_a<GiNaC::numeric>(b) && !n.is_rational()) {
        // float exponent: evaluated numerically, harmless
      }
    }
    return GiNaC::pow(b, e);
  }

  // ---- sums and products ---------------------------------------------------------------------

  Value parse_sum() {
    DepthGuard g(*this);
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

  bool starts_atom() {
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

  Value parse_term() {
    DepthGuard g(*this);
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

  static bool plain_integer(std::string_view t) {
    size_t b = 0, e = t.size();
    while (b < e && is_space(t[b])) ++b;
    while (e > b && is_space(t[e - 1])) --e;
    if (b < e && t[b] == '-') ++b;
    if (b == e) return false;
    for (size_t k = b; k < e; ++k)
      if (!is_digit(t[k])) return false;
    return true;
  }
  static bool frac_of_integers(std::string_view t) {
    // "\frac{3}{5}" / "\frac35"
    for (char c : t.substr(5))
      if (!(is_digit(c) || c == '{' || c == '}' || is_space(c))) return false;
    return true;
  }

  // Implicit or explicit product; a text factor is a unit ("2\text{ apples}") and is dropped.
  Value multiply(const Value& a, const Value& b) {
    if (b.kind == Value::Kind::Text) return a;
    if (a.kind == Value::Kind::Text) return b;
    return binary(a, b, [](auto& x, auto& y) { return x * y; });
  }

  Value divide(const Value& a, const Value& b) {
    return binary(a, b, [](const GiNaC::ex& x, const GiNaC::ex& y) {
      if (y.is_zero()) throw ParseFail("division by zero");
      return x / y;
    });
  }

  Value parse_signed() {
    DepthGuard g(*this);
    skip_ws();
    if (accept("-")) return negate(parse_signed());
    if (accept("+")) return parse_signed();
    if (accept_cmd("\\pm") || accept_cmd("\\mp")) {
      Value x = parse_signed();
      Value pm;
      pm.kind = Value::Kind::PlusMinus;
      pm.items.push_back(x);
      pm.items.push_back(negate(x));
      return pm;
    }
    return parse_power();
  }

  Value parse_power() {
    DepthGuard g(*this);
    Value base = parse_postfix();
    for (;;) {
      skip_ws();
      if (!at("^") && !at("**")) break;
      i_ += at("**") ? 2 : 1;
      Value e = parse_exponent();
      if (base.kind == Value::Kind::Text) fail("power of text");
      if (base.kind == Value::Kind::Matrix && e.kind == Value::Kind::Expr) {
        base = binary(base, e, [&](auto& x, auto& y) { return safe_pow(x, y); });
        continue;
      }
      base = binary(base, e, [&](auto& x, auto& y) { return safe_pow(x, y); });
      base = postfix_ops(base);
    }
    return base;
  }

  Value parse_exponent() {
    skip_ws();
    if (at("{")) {
      ++i_;
      Value v = parse_list();
      expect("}");
      return v;
    }
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

  Value postfix_ops(Value v) {
    for (;;) {
      skip_ws();
      if (at("!") && !at("!=")) {
        ++i_;
        if (v.kind != Value::Kind::Expr) fail("factorial of a non-scalar");
        if (GiNaC::is_a<GiNaC::numeric>(v.ex)) {
          const auto& n = GiNaC::ex_to<GiNaC::numeric>(v.ex);
          if (!n.is_nonneg_integer() || n.to_double() > lim_.max_factorial) fail("factorial argument");
        }
        v = Value::expr(GiNaC::factorial(v.ex));
      } else if (at("\\%")) {
        i_ += 2;
        if (v.kind != Value::Kind::Expr) fail("percent of a non-scalar");
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

  Value parse_postfix() { return postfix_ops(parse_atom()); }

  // ---- atoms ---------------------------------------------------------------------------------

  // A braced group "{...}" or, LaTeX-style, one character / one command ("\frac12", "\sqrt2").
  Value parse_arg() {
    skip_ws();
    if (at("{")) {
      ++i_;
      Value v = parse_list();
      expect("}");
      return v;
    }
    if (i_ < s_.size() && is_digit(s_[i_])) {
      std::string d(1, s_[i_++]);
      return Value::expr(GiNaC::numeric(d.c_str()));
    }
    if (i_ < s_.size() && is_alpha(s_[i_])) return letter(std::string(1, s_[i_++]));
    return parse_atom();
  }

  std::string raw_group() {
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

  Value letter(const std::string& name) {
    if (name == "e") return Value::expr(GiNaC::exp(GiNaC::ex(1)));
    Value v = Value::expr(symbol_of(name));
    v.text = name;
    return v;
  }

  // x_1, x_{n+1}: the subscript becomes part of the symbol's name.
  std::string subscript_suffix() {
    if (!at("_")) return "";
    ++i_;
    std::string sub = raw_group();
    std::string clean;
    for (char c : sub)
      if (!is_space(c) && c != '{' && c != '}') clean += c;
    return "_" + clean;
  }

  Value number() {
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
        if (std::labs(*exponent) > 400) fail("exponent too large");
      }
    }
    std::string text(s_.substr(b, i_ - b));
    if (text.size() > 400) fail("number too long");
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

  Value bracket_group(char open) {
    DepthGuard g(*this);
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

  Value matrix_env(const std::string& env) {
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

  // \sin x, \sin^2(x), \log_2 8, \ln(x).
  Value function_call(const std::string& name) {
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
      // \sin^{-1} is the inverse function only in notation we do not guess at.
      if (power->ex.is_equal(-1)) fail("ambiguous ^{-1}");
      r = safe_pow(r, power->ex);
    }
    return Value::expr(r);
  }

  Value command() {
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
      if (!GiNaC::is_a<GiNaC::numeric>(n.ex) || !GiNaC::is_a<GiNaC::numeric>(k.ex) ||
          GiNaC::ex_to<GiNaC::numeric>(n.ex).to_double() > 1e4)
        fail("symbolic binom");
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

  // \sum_{k=a}^{b} f(k) / \prod: expanded when a and b are integers at most 1000 apart; otherwise
  // kept as one opaque symbol named by its canonical summand and bounds, so that two spellings of
  // the same sum (factors in another order) still compare equal.
  Value big_operator(bool is_sum) {
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
    GiNaC::ex k = symbol_of(var);
    if (GiNaC::is_a<GiNaC::numeric>(lo->ex) && GiNaC::is_a<GiNaC::numeric>(hi->ex)) {
      const auto& a = GiNaC::ex_to<GiNaC::numeric>(lo->ex);
      const auto& b = GiNaC::ex_to<GiNaC::numeric>(hi->ex);
      if (a.is_integer() && b.is_integer() && (b - a).to_double() <= 1000) {
        GiNaC::ex acc = is_sum ? 0 : 1;
        for (GiNaC::numeric j = a; j <= b; j = j + 1) {
          GiNaC::ex term = body.ex.subs(k == j);
          acc = is_sum ? acc + term : acc * term;
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

  // \text{...}: a number, a single letter, a function name before "(", or a word answer.
  Value text_group() {
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
    if (content.size() == 1 && is_alpha(content[0])) return letter(content);
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

  Value parse_atom() {
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
      return Value::expr(GiNaC::abs(v.ex));
    }
    if (c == '\\') return command();
    fail(std::string("unexpected '") + c + "'");
  }
};

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

bool comma_number(std::string_view s, std::string& digits) {
  // ^-?\d{1,3}(,\d{3})+(\.\d+)?$
  size_t i = 0;
  digits.clear();
  if (i < s.size() && s[i] == '-') digits += s[i++];
  size_t b = i;
  while (i < s.size() && is_digit(s[i])) digits += s[i++];
  if (i == b || i - b > 3) return false;
  int groups = 0;
  while (i < s.size() && s[i] == ',') {
    if (i + 3 >= s.size() + 0 && i + 3 > s.size() - 1 + 1) return false;
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

}  // namespace

std::optional<Value> parse_normalized(std::string_view normalized, const ParseLimits& limits) {
  if (normalized.empty() || normalized.size() > limits.max_chars) return std::nullopt;
  try {
    std::string digits;
    if (normalized.size() > 2 && normalized[0] == '0' && normalized[1] == ',' &&
        normalized.find_first_not_of("0123456789", 2) == std::string_view::npos) {
      // "0,111" is a decimal comma, not a thousands separator.
      std::string decimal = "0." + std::string(normalized.substr(2));
      Parser p(decimal, limits);
      return p.parse_all();
    }
    if (comma_number(normalized, digits)) {
      Parser p(digits, limits);
      return p.parse_all();
    }
    Parser p(normalized, limits);
    return p.parse_all();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<Value> parse_answer(std::string_view latex, const ParseLimits& limits) {
  if (latex.size() > limits.max_chars) return std::nullopt;
  std::string norm = normalize_latex(latex);
  auto v = parse_normalized(norm, limits);
  if (v) return v;
  // "1 = \zzz = x = 0": the last member of an equation chain.
  if (norm.find(',') == std::string::npos && norm.find(';') == std::string::npos) {
    std::vector<size_t> eqs;
    for (size_t k = 0; k < norm.size(); ++k) {
      if (norm[k] != '=') continue;
      char prev = k > 0 ? norm[k - 1] : ' ';
      if (prev == '\\' || prev == '<' || prev == '>' || prev == '!') continue;
      eqs.push_back(k);
    }
    if (eqs.size() >= 2) return parse_normalized(std::string_view(norm).substr(eqs.back() + 1), limits);
  }
  return std::nullopt;
}

}  // namespace r1::rewards::math
