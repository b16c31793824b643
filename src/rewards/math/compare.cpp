#include "rewards/math/compare.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>

namespace r1::rewards::math {

namespace {

using GiNaC::ex;
using GiNaC::ex_to;
using GiNaC::is_a;
using GiNaC::numeric;
using Kind = Value::Kind;

// Numeric evaluation precision (decimal digits) for the "relative difference <= 1e-15" test.
struct DigitsInit {
  DigitsInit() { GiNaC::Digits = 30; }
};

class Comparer {
 public:
  explicit Comparer(const CompareOptions& opt) : opt_(opt) { static DigitsInit init; }

  bool eq(Value g, Value p) {
    tick();
    if (!opt_.strict) rename_symbols(g, p);

    bool g_assign = is_assignment(g), p_assign = is_assignment(p);
    bool g_eq = is_equation(g), p_eq = is_equation(p);
    // Equation chains "x = 1 + 1 = 2" keep their first left side and last right side.
    if (g_assign) g = first_last(g);
    if (p_assign) p = first_last(p);
    // The gold's form decides: "x = 3" predicted for gold "3" is read as 3; "x = 3" gold with a
    // bare predicted "3" is read as 3; "2x + z = 1" gold with a bare "1" stays an equation.
    if (p_eq && !g_eq) {
      Value rhs = last_relation(p).items[1];  // copy first: it lives inside p
      p = std::move(rhs);
    } else if (g_assign && !p_eq) {
      Value rhs = last_relation(g).items[1];
      g = std::move(rhs);
    }
    if (is_relation(g) && is_setish(p)) {
      if (auto s = relation_to_set(g)) g = *s;
    } else if (opt_.allow_set_relation_comp && is_relation(p) && is_setish(g)) {
      if (auto s = relation_to_set(p)) p = *s;
    }

    if (identical(g, p)) return true;
    if (is_relation(g) && is_relation(p)) return relations_eq(g, p);
    if (is_relation(g) || is_relation(p)) return false;
    if (is_setish(g) || is_setish(p)) return sets_eq(g, p);
    if (g.kind == Kind::Text || p.kind == Kind::Text) return text_eq(g, p);
    if (g.kind == Kind::Matrix || p.kind == Kind::Matrix) return matrices_eq(g, p);
    if (scalars_eq(g, p)) return true;
    if (opt_.percent_lenient && g.percent != p.percent) {
      // "25" vs "25\%": compare the numbers as written.
      Value g2 = g, p2 = p;
      if (g.percent) g2.ex = g.ex * 100;
      if (p.percent) p2.ex = p.ex * 100;
      return scalars_eq(g2, p2);
    }
    return false;
  }

 private:
  const CompareOptions& opt_;

  void tick() const {
    if (std::chrono::steady_clock::now() > opt_.deadline) throw CompareTimeout{};
  }

  // ---- shape predicates ----------------------------------------------------------------------

  static bool is_relation(const Value& v) { return v.kind == Kind::Relation || v.kind == Kind::Chain; }
  static bool is_equation(const Value& v) {
    if (v.kind == Kind::Relation) return v.op == RelOp::Eq;
    if (v.kind == Kind::Chain) {
      for (auto& r : v.items)
        if (r.op != RelOp::Eq) return false;
      return true;
    }
    return false;
  }
  static bool only_symbols(const Value& v) {
    if (v.kind == Kind::Tuple || v.kind == Kind::Interval) {
      for (auto& it : v.items)
        if (!only_symbols(it)) return false;
      return !v.items.empty();
    }
    if (v.kind != Kind::Expr) return false;
    return only_symbols_ex(v.ex);
  }
  static bool only_symbols_ex(const ex& e) {
    if (is_a<GiNaC::symbol>(e)) return !e.is_equal(infinity_symbol());
    if (is_a<GiNaC::power>(e)) return e.op(1).is_equal(-1) && only_symbols_ex(e.op(0));
    if (is_a<numeric>(e) || e.nops() == 0) return false;
    for (size_t k = 0; k < e.nops(); ++k)
      if (!only_symbols_ex(e.op(k))) return false;
    return true;
  }
  static bool is_assignment(const Value& v) {
    if (!is_equation(v)) return false;
    const Value& first = v.kind == Kind::Chain ? v.items.front() : v;
    return only_symbols(first.items[0]);
  }
  static const Value& last_relation(const Value& v) { return v.kind == Kind::Chain ? v.items.back() : v; }
  static Value first_last(const Value& v) {
    if (v.kind != Kind::Chain) return v;
    Value r;
    r.kind = Kind::Relation;
    r.op = RelOp::Eq;
    r.items = {v.items.front().items[0], v.items.back().items[1]};
    return r;
  }
  static bool is_setish(const Value& v) {
    return v.kind == Kind::Set || v.kind == Kind::PlusMinus || v.kind == Kind::Tuple || v.kind == Kind::Interval ||
           v.kind == Kind::Union;
  }

  // ---- non-strict mode: rename the prediction's variables to the gold's, by position ----------

  static void collect_symbols(const Value& v, std::set<std::string>& names, std::map<std::string, ex>& syms) {
    if (v.kind == Kind::Expr || v.kind == Kind::Matrix) {
      for (GiNaC::const_preorder_iterator it = v.ex.preorder_begin(); it != v.ex.preorder_end(); ++it)
        if (is_a<GiNaC::symbol>(*it) && !it->is_equal(infinity_symbol())) {
          std::string n = ex_to<GiNaC::symbol>(*it).get_name();
          names.insert(n);
          syms[n] = *it;
        }
    }
    for (auto& c : v.items) collect_symbols(c, names, syms);
  }
  static void substitute(Value& v, const GiNaC::exmap& m) {
    if (v.kind == Kind::Expr || v.kind == Kind::Matrix) v.ex = v.ex.subs(m);
    for (auto& c : v.items) substitute(c, m);
  }
  static void rename_symbols(const Value& g, Value& p) {
    std::set<std::string> gn, pn;
    std::map<std::string, ex> gs, ps;
    collect_symbols(g, gn, gs);
    collect_symbols(p, pn, ps);
    if (gn.size() != pn.size() || gn.empty()) return;
    GiNaC::exmap m;
    auto gi = gn.begin();
    for (auto pi = pn.begin(); pi != pn.end(); ++pi, ++gi) m[ps[*pi]] = gs[*gi];
    substitute(p, m);
  }

  // ---- identity --------------------------------------------------------------------------------

  static bool identical(const Value& a, const Value& b) {
    if (a.kind != b.kind) return false;
    switch (a.kind) {
      case Kind::Expr:
      case Kind::Matrix: return a.ex.is_equal(b.ex);
      case Kind::Text: return a.text == b.text;
      case Kind::Relation:
        if (a.op != b.op) return false;
        break;
      case Kind::Interval:
        if (a.left_open != b.left_open || a.right_open != b.right_open) return false;
        break;
      default: break;
    }
    if (a.items.size() != b.items.size()) return false;
    for (size_t k = 0; k < a.items.size(); ++k)
      if (!identical(a.items[k], b.items[k])) return false;
    return true;
  }

  // ---- scalars ---------------------------------------------------------------------------------

  static std::optional<numeric> to_number(const ex& e) {
    try {
      if (has_infinity(e) || !evaluable(e)) return std::nullopt;
      ex v = e.evalf();
      if (!is_a<numeric>(v)) return std::nullopt;
      return ex_to<numeric>(v);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  static bool exact_rational(const ex& e) { return is_a<numeric>(e) && ex_to<numeric>(e).is_rational(); }

  // round(x, places) == round(y, places), exact for rationals.
  bool rounded_equal(const ex& a, const ex& b) const {
    int r = opt_.float_rounding;
    if (exact_rational(a) && exact_rational(b)) {
      numeric scale = ex_to<numeric>(GiNaC::pow(numeric(10), r));
      auto round_q = [&](const numeric& q) {
        numeric x = q * scale;
        numeric n = x.numer(), d = x.denom();
        bool neg = n.is_negative();
        if (neg) n = -n;
        numeric k = GiNaC::iquo(2 * n + d, 2 * d);  // half away from zero
        return neg ? -k : k;
      };
      return round_q(ex_to<numeric>(a)) == round_q(ex_to<numeric>(b));
    }
    auto na = to_number(a), nb = to_number(b);
    if (!na || !nb || !na->is_real() || !nb->is_real()) return false;
    double x = na->to_double() * std::pow(10.0, r), y = nb->to_double() * std::pow(10.0, r);
    if (std::fabs(x) < 1e15 && std::fabs(y) < 1e15) return std::nearbyint(x) == std::nearbyint(y);
    return std::fabs(x - y) <= 1e-12 * std::max(std::fabs(x), std::fabs(y));
  }

  bool numeric_eq(const Value& g, const Value& p) const {
    if (g.is_float || p.is_float) {
      if (!has_free_symbols(g.ex) && !has_free_symbols(p.ex) && rounded_equal(g.ex, p.ex)) return true;
    }
    if (has_free_symbols(g.ex) || has_free_symbols(p.ex)) return false;
    auto na = to_number(g.ex);
    auto nd = to_number(g.ex - p.ex);
    if (!na || !nd) return false;
    double mag = std::abs(na->to_double());
    double diff = std::abs(nd->to_double());
    if (!std::isfinite(mag) || !std::isfinite(diff)) return false;
    if (mag == 0) return diff == 0;
    return diff / mag <= 1e-15;
  }

  static bool has_free_symbols(const ex& e) {
    for (GiNaC::const_preorder_iterator it = e.preorder_begin(); it != e.preorder_end(); ++it)
      if (is_a<GiNaC::symbol>(*it)) return true;
    return false;
  }

  // Expressions small enough to expand/normalize without risk: few nodes, and an expanded form of
  // few terms ((a+b+...+h)^24 has millions of terms: that one is left to random-point evaluation).
  static bool small_for_cas(const ex& e) {
    size_t nodes = 0;
    for (GiNaC::const_preorder_iterator it = e.preorder_begin(); it != e.preorder_end(); ++it)
      if (++nodes > 400) return false;
    return expanded_terms(e) <= 4000;
  }
  // Upper estimate of the number of terms of expand(e), saturating at 1e9.
  static double expanded_terms(const ex& e) {
    const double cap = 1e9;
    if (is_a<GiNaC::add>(e)) {
      double t = 0;
      for (size_t k = 0; k < e.nops(); ++k) t = std::min(cap, t + expanded_terms(e.op(k)));
      return t;
    }
    if (is_a<GiNaC::mul>(e)) {
      double t = 1;
      for (size_t k = 0; k < e.nops(); ++k) t = std::min(cap, t * expanded_terms(e.op(k)));
      return t;
    }
    if (is_a<GiNaC::power>(e)) {
      double base = expanded_terms(e.op(0));
      if (!is_a<numeric>(e.op(1)) || !ex_to<numeric>(e.op(1)).is_integer()) return base;
      double n = std::fabs(ex_to<numeric>(e.op(1)).to_double());
      if (base <= 1) return 1;
      if (n > 200) return cap;
      // Multinomial count C(n + base - 1, base - 1).
      double t = 1;
      for (double k = 1; k < base && t < cap; ++k) t = t * (n + k) / k;
      return std::min(cap, t);
    }
    return 1;
  }

  bool symbolic_eq(const ex& a, const ex& b) const {
    ex d = a - b;
    if (d.is_zero()) return true;
    if (!small_for_cas(d)) return false;
    try {
      return GiNaC::normal(GiNaC::expand(d)).is_zero();
    } catch (const std::exception&) {
      return false;
    }
  }

  // a - b vanishes at random points (free symbols only; needs every evaluation to succeed).
  bool random_points_eq(const ex& a, const ex& b) const {
    std::set<std::string> names;
    std::map<std::string, ex> syms;
    Value tmp = Value::expr(a - b);
    collect_symbols(tmp, names, syms);
    if (names.empty() || has_infinity(a) || has_infinity(b)) return false;
    // subs() evaluates numeric powers at once: bound the values first (5^(9^(x^24 9^9)) at x = 2
    // is a float of 10^17 digits).
    const double lo = 0.15, hi = 2.35;
    if (!evaluable(a - b, lo, hi)) return false;
    std::mt19937 rng(12345);
    std::uniform_real_distribution<double> dist(lo, hi);
    int ok = 0;
    for (int trial = 0; trial < 5; ++trial) {
      tick();
      GiNaC::exmap m;
      for (auto& [n, s] : syms) m[s] = numeric(dist(rng));
      auto va = to_number(a.subs(m)), vb = to_number(b.subs(m));
      if (!va || !vb) return false;
      double x = std::abs(va->to_double()), diff = std::abs((*va - *vb).to_double());
      if (!std::isfinite(x) || !std::isfinite(diff)) return false;
      if (diff > 1e-9 * std::max(1.0, x)) return false;
      ++ok;
    }
    return ok == 5;
  }

  bool scalars_eq(const Value& g, const Value& p) const {
    if (g.ex.is_equal(p.ex)) return true;
    if (numeric_eq(g, p)) return true;
    tick();
    if (symbolic_eq(g.ex, p.ex)) return true;
    tick();
    return random_points_eq(g.ex, p.ex);
  }

  // ---- text ------------------------------------------------------------------------------------

  static std::string fold(const std::string& s) {
    std::string out;
    for (char c : s)
      if (!std::isspace(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }
  // "Even" written without \text is parsed as the product E*v*e*n: rebuild that product.
  static std::optional<ex> letters_product(const std::string& word) {
    ex prod = 1;
    for (char c : word) {
      if (!std::isalpha(static_cast<unsigned char>(c))) return std::nullopt;
      prod *= c == 'e' ? GiNaC::exp(ex(1)) : symbol_of(std::string(1, c));
    }
    return prod;
  }
  bool text_eq(const Value& g, const Value& p) const {
    if (g.kind == Kind::Text && p.kind == Kind::Text) return fold(g.text) == fold(p.text);
    const Value& t = g.kind == Kind::Text ? g : p;
    const Value& o = g.kind == Kind::Text ? p : g;
    if (o.kind != Kind::Expr) return false;
    auto prod = letters_product(t.text);
    return prod && prod->is_equal(o.ex);
  }

  // ---- matrices --------------------------------------------------------------------------------

  bool matrices_eq(const Value& g, const Value& p) {
    if (g.kind != Kind::Matrix || p.kind != Kind::Matrix) return false;
    const auto& mg = ex_to<GiNaC::matrix>(g.ex);
    const auto& mp = ex_to<GiNaC::matrix>(p.ex);
    if (mg.rows() != mp.rows() || mg.cols() != mp.cols()) return false;
    for (unsigned r = 0; r < mg.rows(); ++r)
      for (unsigned c = 0; c < mg.cols(); ++c) {
        size_t k = r * mg.cols() + c;
        Value a = k < g.items.size() ? g.items[k] : Value::expr(mg(r, c));
        Value b = k < p.items.size() ? p.items[k] : Value::expr(mp(r, c));
        if (!eq(a, b)) return false;
      }
    return true;
  }

  // ---- sets, tuples, intervals -----------------------------------------------------------------

  static Value as_collection(const Value& v) {
    if (is_setish(v)) return v;
    Value s;
    s.kind = Kind::Set;
    s.items.push_back(v);
    return s;
  }
  static Value interval_as_tuple(const Value& iv) {
    Value t;
    t.kind = Kind::Tuple;
    t.items = iv.items;
    return t;
  }

  // A set written with repeats ("(3,17,3,7)" twice) is the set without them.
  static Value dedup(const Value& v) {
    if (v.kind != Kind::Set) return v;
    Value out = v;
    out.items.clear();
    for (const auto& it : v.items) {
      bool seen = false;
      for (const auto& o : out.items) seen |= identical(o, it);
      if (!seen) out.items.push_back(it);
    }
    return out;
  }

  // Elementwise: tuples in order; a gold set matches the prediction in any order.
  bool elements_eq(const Value& g0, const Value& p0) {
    Value g = dedup(g0), p = dedup(p0);
    if (g.items.size() != p.items.size()) return false;
    if (g.items.size() > 64) return false;
    bool g_set = g.kind == Kind::Set || g.kind == Kind::PlusMinus || g.kind == Kind::Union;
    if (!g_set) {
      for (size_t k = 0; k < g.items.size(); ++k)
        if (!eq(g.items[k], p.items[k])) return false;
      return true;
    }
    std::vector<bool> used(p.items.size(), false);
    for (const auto& ge : g.items) {
      bool found = false;
      for (size_t k = 0; k < p.items.size() && !found; ++k) {
        if (used[k]) continue;
        if (eq(ge, p.items[k])) used[k] = found = true;
      }
      if (!found) return false;
    }
    return true;
  }

  bool sets_eq(const Value& g0, const Value& p0) {
    Value g = as_collection(g0), p = as_collection(p0);
    if (g.kind == Kind::Interval && p.kind == Kind::Interval)
      return g.left_open == p.left_open && g.right_open == p.right_open && eq(g.items[0], p.items[0]) &&
             eq(g.items[1], p.items[1]);
    if (g.kind == Kind::Union && p.kind == Kind::Union) return elements_eq(g, p);
    auto finite = [](const Value& v) {
      return v.kind == Kind::Set || v.kind == Kind::PlusMinus || v.kind == Kind::Tuple;
    };
    if (finite(g) && finite(p)) return elements_eq(g, p);
    // "(1, 2)" parses as an open interval; it may be a pair written elsewhere as "1, 2".
    if (g.kind == Kind::Interval && finite(p) && g.left_open && g.right_open && p.items.size() == 2)
      return elements_eq(interval_as_tuple(g), p);
    if (p.kind == Kind::Interval && finite(g) && p.left_open && p.right_open && g.items.size() == 2)
      return elements_eq(g, interval_as_tuple(p));
    return false;
  }

  // ---- relations -------------------------------------------------------------------------------

  static RelOp inverse(RelOp op) {
    switch (op) {
      case RelOp::Lt: return RelOp::Gt;
      case RelOp::Gt: return RelOp::Lt;
      case RelOp::Le: return RelOp::Ge;
      case RelOp::Ge: return RelOp::Le;
      default: return op;
    }
  }

  bool relation_eq(const Value& g, const Value& p) {
    const Value &gl = g.items[0], &gr = g.items[1], &pl = p.items[0], &pr = p.items[1];
    bool scal = gl.kind == Kind::Expr && gr.kind == Kind::Expr && pl.kind == Kind::Expr && pr.kind == Kind::Expr;
    if (!scal) {
      if (g.op == p.op && eq(gl, pl) && eq(gr, pr)) return true;
      return inverse(g.op) == p.op && eq(gl, pr) && eq(gr, pl);
    }
    ex dg = gl.ex - gr.ex, dp = pl.ex - pr.ex;
    if (g.op == p.op && eq(Value::expr(dg), Value::expr(dp))) return true;
    if (inverse(g.op) == p.op && eq(Value::expr(dg), Value::expr(-dp))) return true;
    // Same relation up to a constant factor: 2x + 4y - 3 = 0 vs y = -x/2 + 3/4.
    if (dp.is_zero() || !small_for_cas(dg) || !small_for_cas(dp)) return false;
    tick();
    try {
      ex ratio = GiNaC::normal(dg / dp);
      if (has_free_symbols(ratio)) return false;
      auto rn = to_number(ratio);
      if (!rn) return false;
      numeric r = *rn;
      if (!r.is_real() || r.is_zero()) return false;
      if (g.op == RelOp::Eq || g.op == RelOp::Ne) return g.op == p.op;
      if (g.op == p.op) return r.is_positive();
      if (inverse(g.op) == p.op) return r.is_negative();
    } catch (const std::exception&) {
    }
    return false;
  }

  bool relations_eq(const Value& g, const Value& p) {
    if (g.kind == Kind::Chain && p.kind == Kind::Chain) {
      if (g.items.size() != p.items.size()) return false;
      for (size_t k = 0; k < g.items.size(); ++k)
        if (!relation_eq(g.items[k], p.items[k])) return false;
      return true;
    }
    if (g.kind == Kind::Relation && p.kind == Kind::Relation) return relation_eq(g, p);
    return false;
  }

  // "1 < x <= 2" -> (1, 2]; "x >= 5" -> [5, oo); "1 <= |z| <= 3/2" -> [-3/2, -1] U [1, 3/2].
  static std::optional<Value> relation_to_set(const Value& rel) {
    auto constant = [](const Value& v) { return v.kind == Kind::Expr && !has_free_symbols_noinf(v.ex); };
    auto variable = [](const Value& v) { return v.kind == Kind::Expr && has_free_symbols_noinf(v.ex); };
    struct Bound {
      bool has = false;
      ex value;
      bool open = false;
    };
    Bound lo, hi;
    const Value* var = nullptr;
    auto add = [&](const Value& a, RelOp op, const Value& b) -> bool {
      // Normalize to "var op c".
      const Value* v;
      const Value* c;
      if (variable(a) && constant(b)) {
        v = &a, c = &b;
      } else if (constant(a) && variable(b)) {
        v = &b, c = &a;
        op = inverse(op);
      } else {
        return false;
      }
      if (var && !var->ex.is_equal(v->ex)) return false;
      var = v;
      switch (op) {
        case RelOp::Lt: hi = {true, c->ex, true}; return true;
        case RelOp::Le: hi = {true, c->ex, false}; return true;
        case RelOp::Gt: lo = {true, c->ex, true}; return true;
        case RelOp::Ge: lo = {true, c->ex, false}; return true;
        default: return false;
      }
    };
    if (rel.kind == Kind::Relation) {
      if (!add(rel.items[0], rel.op, rel.items[1])) return std::nullopt;
    } else if (rel.kind == Kind::Chain && rel.items.size() == 2) {
      for (auto& r : rel.items)
        if (!add(r.items[0], r.op, r.items[1])) return std::nullopt;
    } else {
      return std::nullopt;
    }
    const ex inf = infinity_symbol();
    auto interval = [](ex a, bool ao, ex b, bool bo) {
      Value iv;
      iv.kind = Kind::Interval;
      iv.items = {Value::expr(a), Value::expr(b)};
      iv.left_open = ao;
      iv.right_open = bo;
      return iv;
    };
    if (is_a<GiNaC::function>(var->ex) && ex_to<GiNaC::function>(var->ex).get_name() == "abs") {
      // |v| between lo and hi.
      if (lo.has && hi.has) {
        Value u;
        u.kind = Kind::Union;
        u.items = {interval(-hi.value, hi.open, -lo.value, lo.open), interval(lo.value, lo.open, hi.value, hi.open)};
        return u;
      }
      if (hi.has) return interval(-hi.value, hi.open, hi.value, hi.open);
      if (lo.has) {
        Value u;
        u.kind = Kind::Union;
        u.items = {interval(-inf, true, -lo.value, lo.open), interval(lo.value, lo.open, inf, true)};
        return u;
      }
      return std::nullopt;
    }
    return interval(lo.has ? lo.value : -inf, lo.has ? lo.open : true, hi.has ? hi.value : inf,
                    hi.has ? hi.open : true);
  }
  static bool has_free_symbols_noinf(const ex& e) {
    for (GiNaC::const_preorder_iterator it = e.preorder_begin(); it != e.preorder_end(); ++it)
      if (is_a<GiNaC::symbol>(*it) && !it->is_equal(infinity_symbol())) return true;
    return false;
  }
};

}  // namespace

bool values_equal(const Value& gold, const Value& pred, const CompareOptions& opt) {
  if (gold.huge || pred.huge) {
    // Only the written structure: anything numeric or symbolic could try to compute the value.
    if (gold.kind == pred.kind && to_string(gold) == to_string(pred)) return true;
    throw CompareTooLarge{};
  }
  Comparer c(opt);
  try {
    return c.eq(gold, pred);
  } catch (const CompareTimeout&) {
    throw;
  } catch (const CompareTooLarge&) {
    throw;
  } catch (const std::exception&) {
    return false;  // any GiNaC error means "not shown equal"
  }
}

}  // namespace r1::rewards::math
