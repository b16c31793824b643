#include "rewards/math/value.h"

#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>

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

namespace {

constexpr double kMaxLog10 = 1e5;     // values within 10^(+-100000) (exact integers stop at 20000 digits)
constexpr double kMaxArgLog10 = 6;    // exponents and function arguments up to 10^6 in size
constexpr double kCancellation = 40;  // a sum of floats may cancel to 10^-40 of its largest term (Digits = 30)

// Bounds of log10 |value|: lo <= log10 |v| <= hi; `zero` for an exact 0. +-inf when unbounded.
struct Log10Range {
  double lo, hi;
  bool zero = false;
};

Log10Range unbounded() {
  const double inf = std::numeric_limits<double>::infinity();
  return {-inf, inf};
}

double magnitude(const Log10Range& r) { return std::max(std::fabs(r.lo), std::fabs(r.hi)); }

Log10Range log10_range(const GiNaC::ex& e, const Log10Range* symbols) {
  using GiNaC::ex_to;
  using GiNaC::is_a;
  if (is_a<GiNaC::numeric>(e)) {
    const GiNaC::numeric& n = ex_to<GiNaC::numeric>(e);
    if (n.is_zero()) return {0, 0, true};
    if (n.is_rational()) {  // 2^(bits-1) <= |integer| < 2^bits
      double nb = n.numer().int_length(), db = n.denom().int_length();
      return {((nb - 1) - db) * 0.30103, (nb - (db - 1)) * 0.30103};
    }
    if (!n.is_real()) {
      Log10Range re = log10_range(n.real(), symbols), im = log10_range(n.imag(), symbols);
      return {std::min(re.lo, im.lo), std::max(re.hi, im.hi) + 0.16};
    }
    double d = std::fabs(n.to_double());
    if (!std::isfinite(d) || d == 0) return unbounded();
    return {std::log10(d) - 1e-9, std::log10(d) + 1e-9};
  }
  if (is_a<GiNaC::constant>(e)) return {0.2, 0.6};  // pi, Euler's gamma, Catalan's constant
  if (is_a<GiNaC::symbol>(e)) return symbols && !e.is_equal(infinity_symbol()) ? *symbols : unbounded();
  if (is_a<GiNaC::mul>(e)) {
    Log10Range r{0, 0};
    for (size_t k = 0; k < e.nops(); ++k) {
      Log10Range f = log10_range(e.op(k), symbols);
      if (f.zero) return {0, 0, true};
      r.lo += f.lo;
      r.hi += f.hi;
    }
    return r;
  }
  if (is_a<GiNaC::add>(e)) {
    double hi = -std::numeric_limits<double>::infinity();
    for (size_t k = 0; k < e.nops(); ++k) hi = std::max(hi, log10_range(e.op(k), symbols).hi);
    hi += std::log10(static_cast<double>(e.nops()));
    return {hi - kCancellation, hi};
  }
  if (is_a<GiNaC::power>(e)) {
    Log10Range b = log10_range(e.op(0), symbols);
    if (b.zero) return {0, 0, true};
    const GiNaC::ex& x = e.op(1);
    if (is_a<GiNaC::numeric>(x) && ex_to<GiNaC::numeric>(x).is_real()) {
      double p = ex_to<GiNaC::numeric>(x).to_double();
      if (!std::isfinite(p)) return unbounded();
      return p >= 0 ? Log10Range{p * b.lo, p * b.hi} : Log10Range{p * b.hi, p * b.lo};
    }
    Log10Range xr = log10_range(x, symbols);
    if (xr.hi > kMaxArgLog10) return unbounded();
    double m = std::pow(10.0, xr.hi) * magnitude(b);
    return {-m, m};
  }
  if (is_a<GiNaC::function>(e)) {
    double arg = 0;
    for (size_t k = 0; k < e.nops(); ++k) arg = std::max(arg, log10_range(e.op(k), symbols).hi);
    if (!(arg <= kMaxArgLog10)) return unbounded();
    const std::string name = ex_to<GiNaC::function>(e).get_name();
    if (name == "exp" || name == "sinh" || name == "cosh" || name == "factorial" || name == "tgamma") {
      double m = std::pow(10.0, arg) * (arg + 1);
      return {-m, m};
    }
    return {-kCancellation, arg + kCancellation};  // trig, log, abs, ...: near a zero or a pole at worst
  }
  return unbounded();  // a symbol, an unknown node
}

}  // namespace

bool evaluable(const GiNaC::ex& e, double symbol_min, double symbol_max) {
  Log10Range range{std::log10(symbol_min), std::log10(symbol_max)};
  Log10Range r = log10_range(e, symbol_min > 0 ? &range : nullptr);
  return r.zero || magnitude(r) <= kMaxLog10;
}

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

}  // namespace r1::rewards::math
