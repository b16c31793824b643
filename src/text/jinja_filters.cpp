// Jinja tests (`x is defined`, `is string`, ...) and filters (length, tojson, join, default, map,
// selectattr, ...), with Jinja2's argument names.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "text/jinja_interpreter.h"

namespace r1::text::jinja {

bool Interp::apply_test(const Expr& e) {
  const Value v = eval(*e.args[0]);
  std::vector<Value> args;
  for (size_t i = 1; i < e.args.size(); ++i) args.push_back(eval(*e.args[i]));
  const std::string& t = e.name;
  using K = Value::K;
  if (t == "defined") return !v.is(K::Undefined);
  if (t == "undefined") return v.is(K::Undefined);
  if (t == "none") return v.is(K::None);
  if (t == "string") return v.is(K::Str);
  if (t == "number") return v.is_number();
  if (t == "integer") return v.is(K::Int);
  if (t == "float") return v.is(K::Float);
  if (t == "boolean") return v.is(K::Bool);
  if (t == "mapping") return v.is(K::Dict);
  if (t == "iterable") return v.is(K::List) || v.is(K::Str) || v.is(K::Dict);
  if (t == "sequence") return v.is(K::List) || v.is(K::Str);
  if (t == "callable") return v.is(K::Func);
  if (t == "true") return v.is(K::Bool) && v.b;
  if (t == "false") return v.is(K::Bool) && !v.b;
  if (t == "equalto" || t == "eq" || t == "sameas") return !args.empty() && equal(v, args[0]);
  if (t == "ne") return args.empty() || !equal(v, args[0]);
  if (t == "odd" || t == "even") {
    if (!v.is(K::Int)) fail(e.line, "test '" + t + "' needs an integer");
    return (v.i % 2 != 0) == (t == "odd");
  }
  if (t == "lower" || t == "upper") {
    if (!v.is(K::Str)) return false;
    for (unsigned char c : v.s)
      if (t == "lower" ? std::isupper(c) : std::islower(c)) return false;
    return true;
  }
  if (t == "in") return !args.empty() && truthy(binary("in", v, args[0], e.line));
  fail(e.line, "unsupported test '" + t + "'");
}

Value Interp::apply_filter(const Expr& e) {
  Value v = eval(*e.args[0]);
  std::vector<Value> args;
  for (size_t i = 1; i < e.args.size(); ++i) args.push_back(eval(*e.args[i]));
  Kwargs kw;
  for (const auto& [k, x] : e.kwargs) kw.emplace_back(k, eval(*x));
  return filter(e.name, v, args, kw, e.line);
}

Value Interp::filter(const std::string& f, const Value& v, std::vector<Value>& args, Kwargs& kw, int line) {
  using K = Value::K;
  if (f == "length" || f == "count") {
    if (v.is(K::Str)) return Value::integer(static_cast<int64_t>(code_points(v.s).size()));
    if (v.is(K::List)) return Value::integer(static_cast<int64_t>(v.list->size()));
    if (v.is(K::Dict)) return Value::integer(static_cast<int64_t>(v.dict->items.size()));
    if (v.is(K::Undefined)) return Value::integer(0);
    fail(line, "length of a value without length");
  }
  if (f == "trim") {
    const Value* c = arg(args, kw, 0, "chars");
    return Value::str(py_strip(to_string(v), c && c->is(K::Str) ? &c->s : nullptr, true, true));
  }
  if (f == "tojson") {
    const Value* ind = arg(args, kw, 0, "indent");
    std::string out;
    to_json_text(v, ind && ind->is(K::Int) ? static_cast<int>(ind->i) : -1, 0, out);
    return Value::str(out);
  }
  if (f == "string") return Value::str(to_string(v));
  if (f == "list") {
    std::vector<Value> items = iterate(v, line);
    return Value::make_list(std::move(items));
  }
  if (f == "first" || f == "last") {
    std::vector<Value> items = iterate(v, line);
    if (items.empty()) return Value();
    return f == "first" ? items.front() : items.back();
  }
  if (f == "join") {
    const Value* sep = arg(args, kw, 0, "d");
    const Value* attr = arg(args, kw, 1, "attribute");
    std::string out;
    const std::vector<Value> items = iterate(v, line);
    for (size_t i = 0; i < items.size(); ++i) {
      if (i && sep) out += to_string(*sep);
      out += to_string(attr ? get_attr(items[i], to_string(*attr), line) : items[i]);
    }
    return Value::str(out);
  }
  if (f == "default" || f == "d") {
    const Value* def = arg(args, kw, 0, "default_value");
    const Value* boolean = arg(args, kw, 1, "boolean");
    const bool use_default = v.is(K::Undefined) || (boolean && truthy(*boolean) && !truthy(v));
    return use_default ? (def ? *def : Value::str("")) : v;
  }
  if (f == "upper" || f == "lower" || f == "capitalize" || f == "title") {
    std::vector<Value> none;
    Kwargs nokw;
    return (*string_method(to_string(v), f, line).fn)(none, nokw);
  }
  if (f == "replace") return (*string_method(to_string(v), "replace", line).fn)(args, kw);
  if (f == "items") {
    if (!v.is(K::Dict)) fail(line, "items of a non-mapping");
    std::vector<Value> none;
    Kwargs nokw;
    return (*get_attr(v, "items", line).fn)(none, nokw);
  }
  if (f == "reverse") {
    if (v.is(K::Str)) {
      auto cps = code_points(v.s);
      std::string r;
      for (auto it = cps.rbegin(); it != cps.rend(); ++it) r += *it;
      return Value::str(r);
    }
    std::vector<Value> items = iterate(v, line);
    std::reverse(items.begin(), items.end());
    return Value::make_list(std::move(items));
  }
  if (f == "int") {
    if (v.is_number() || v.is(K::Bool)) return Value::integer(static_cast<int64_t>(v.num()));
    try {
      return Value::integer(std::stoll(to_string(v)));
    } catch (...) {
      return Value::integer(0);
    }
  }
  if (f == "float") {
    if (v.is_number() || v.is(K::Bool)) return Value::real(v.num());
    try {
      return Value::real(std::stod(to_string(v)));
    } catch (...) {
      return Value::real(0);
    }
  }
  if (f == "abs") {
    if (v.is(K::Int)) return Value::integer(v.i < 0 ? -v.i : v.i);
    if (v.is(K::Float)) return Value::real(std::fabs(v.f));
    fail(line, "abs of a non-number");
  }
  if (f == "selectattr" || f == "rejectattr") {
    if (args.empty()) fail(line, f + " needs an attribute name");
    const std::string attr = to_string(args[0]);
    Value out = Value::make_list();
    for (const auto& item : iterate(v, line)) {
      const Value a = get_attr(item, attr, line);
      bool ok;
      if (args.size() >= 2) {
        auto t = std::make_shared<Expr>();
        t->kind = Expr::Test;
        t->name = to_string(args[1]);
        t->line = line;
        auto lit_a = std::make_shared<Expr>();
        lit_a->kind = Expr::Lit;
        lit_a->lit = a;
        t->args.push_back(lit_a);
        for (size_t i = 2; i < args.size(); ++i) {
          auto l = std::make_shared<Expr>();
          l->kind = Expr::Lit;
          l->lit = args[i];
          t->args.push_back(l);
        }
        ok = apply_test(*t);
      } else {
        ok = truthy(a);
      }
      if (ok == (f == "selectattr")) out.list->push_back(item);
    }
    return out;
  }
  if (f == "map") {
    const Value* attr = arg(args, kw, 99, "attribute");
    Value out = Value::make_list();
    for (const auto& item : iterate(v, line)) {
      if (attr) {
        out.list->push_back(get_attr(item, to_string(*attr), line));
      } else if (!args.empty()) {
        std::vector<Value> rest(args.begin() + 1, args.end());
        out.list->push_back(filter(to_string(args[0]), item, rest, kw, line));
      }
    }
    return out;
  }
  fail(line, "unsupported filter '" + f + "'");
}

}  // namespace r1::text::jinja
