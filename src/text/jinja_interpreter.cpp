#include "text/jinja_interpreter.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace r1::text::jinja {

void Interp::fail(int line, const std::string& what) const {
  throw Error(where_, "line " + std::to_string(line) + ": " + what);
}

Value Interp::lookup(const std::string& name) const {
  for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
    const auto f = it->find(name);
    if (f != it->end()) return f->second;
  }
  return Value();
}

void Interp::exec(const Node& n) {
  switch (n.kind) {
    case Node::Seq:
      for (const auto& c : n.body) exec(*c);
      return;
    case Node::Text:
      out_ += n.text;
      return;
    case Node::Out:
      out_ += to_string(eval(*n.expr));
      return;
    case Node::If:
      for (const auto& [cond, body] : n.branches)
        if (!cond || truthy(eval(*cond))) {
          exec(*body);
          return;
        }
      return;
    case Node::For:
      exec_for(n);
      return;
    case Node::Set:
      assign(n, eval(*n.expr));
      return;
    case Node::SetBlock: {
      std::string saved;
      saved.swap(out_);
      exec(*n.loop_body);
      std::string captured;
      captured.swap(out_);
      out_.swap(saved);
      assign(n, Value::str(captured));
      return;
    }
  }
}

void Interp::assign(const Node& n, Value v) {
  if (n.attr.empty()) {
    scopes.back()[n.target] = std::move(v);
    return;
  }
  Value ns = lookup(n.target);
  if (!ns.is(Value::K::Dict)) fail(n.line, "cannot set attribute of '" + n.target + "' (not a namespace)");
  ns.dict->set(n.attr, std::move(v));
}

std::vector<Value> Interp::iterate(const Value& v, int line) {
  switch (v.k) {
    case Value::K::List:
      return *v.list;
    case Value::K::Dict: {
      std::vector<Value> keys;
      for (const auto& kv : v.dict->items) keys.push_back(Value::str(kv.first));
      return keys;
    }
    case Value::K::Str: {
      std::vector<Value> chars;
      for (auto& c : code_points(v.s)) chars.push_back(Value::str(c));
      return chars;
    }
    case Value::K::Undefined:
    case Value::K::None:
      return {};
    default:
      fail(line, "value is not iterable");
  }
}

void Interp::bind_loop_vars(const Node& n, const Value& item) {
  auto& scope = scopes.back();
  if (n.vars.size() == 1) {
    scope[n.vars[0]] = item;
    return;
  }
  if (!item.is(Value::K::List) || item.list->size() != n.vars.size())
    fail(n.line, "cannot unpack loop item into " + std::to_string(n.vars.size()) + " variables");
  for (size_t i = 0; i < n.vars.size(); ++i) scope[n.vars[i]] = (*item.list)[i];
}

void Interp::exec_for(const Node& n) {
  std::vector<Value> items = iterate(eval(*n.expr), n.line);
  if (n.filter) {
    std::vector<Value> kept;
    for (const auto& it : items) {
      scopes.emplace_back();
      bind_loop_vars(n, it);
      if (truthy(eval(*n.filter))) kept.push_back(it);
      scopes.pop_back();
    }
    items.swap(kept);
  }
  if (items.empty()) {
    if (n.else_body) exec(*n.else_body);
    return;
  }
  const int64_t len = static_cast<int64_t>(items.size());
  for (int64_t i = 0; i < len; ++i) {
    scopes.emplace_back();
    bind_loop_vars(n, items[i]);
    Value loop = Value::make_dict();
    loop.dict->set("index", Value::integer(i + 1));
    loop.dict->set("index0", Value::integer(i));
    loop.dict->set("revindex", Value::integer(len - i));
    loop.dict->set("revindex0", Value::integer(len - i - 1));
    loop.dict->set("first", Value::boolean(i == 0));
    loop.dict->set("last", Value::boolean(i == len - 1));
    loop.dict->set("length", Value::integer(len));
    loop.dict->set("previtem", i > 0 ? items[i - 1] : Value());
    loop.dict->set("nextitem", i + 1 < len ? items[i + 1] : Value());
    scopes.back()["loop"] = loop;
    exec(*n.loop_body);
    scopes.pop_back();
  }
}

Value Interp::eval(const Expr& e) {
  switch (e.kind) {
    case Expr::Lit:
      return e.lit;
    case Expr::Name:
      return lookup(e.name);
    case Expr::Attr:
      return get_attr(eval(*e.args[0]), e.name, e.line);
    case Expr::Item:
      return get_item(eval(*e.args[0]), eval(*e.args[1]), e.line);
    case Expr::Slice:
      return slice(eval(*e.args[0]), e.args[1] ? eval(*e.args[1]) : Value(),
                   e.args[2] ? eval(*e.args[2]) : Value(), e.args[3] ? eval(*e.args[3]) : Value(),
                   e.line);
    case Expr::Call: {
      const Value callee = eval(*e.args[0]);
      if (!callee.is(Value::K::Func)) fail(e.line, "calling a value that is not a function");
      std::vector<Value> args;
      for (size_t i = 1; i < e.args.size(); ++i) args.push_back(eval(*e.args[i]));
      Kwargs kw;
      for (const auto& [k, v] : e.kwargs) kw.emplace_back(k, eval(*v));
      return (*callee.fn)(args, kw);
    }
    case Expr::Filter:
      return apply_filter(e);
    case Expr::Test: {
      const bool r = apply_test(e);
      return Value::boolean(e.negate ? !r : r);
    }
    case Expr::Not:
      return Value::boolean(!truthy(eval(*e.args[0])));
    case Expr::Neg: {
      const Value v = eval(*e.args[0]);
      if (v.is(Value::K::Int)) return Value::integer(-v.i);
      if (v.is(Value::K::Float)) return Value::real(-v.f);
      fail(e.line, "unary '-' on a non-number");
    }
    case Expr::And: {
      Value a = eval(*e.args[0]);
      return truthy(a) ? eval(*e.args[1]) : a;
    }
    case Expr::Or: {
      Value a = eval(*e.args[0]);
      return truthy(a) ? a : eval(*e.args[1]);
    }
    case Expr::Cond:
      if (truthy(eval(*e.args[0]))) return eval(*e.args[1]);
      return e.args[2] ? eval(*e.args[2]) : Value();
    case Expr::Bin:
      return binary(e.name, eval(*e.args[0]), eval(*e.args[1]), e.line);
    case Expr::List: {
      Value v = Value::make_list();
      for (const auto& a : e.args) v.list->push_back(eval(*a));
      return v;
    }
    case Expr::Dict: {
      Value v = Value::make_dict();
      for (size_t i = 0; i + 1 < e.args.size(); i += 2)
        v.dict->set(to_string(eval(*e.args[i])), eval(*e.args[i + 1]));
      return v;
    }
  }
  return Value();
}

Value Interp::binary(const std::string& op, const Value& a, const Value& b, int line) {
  if (op == "==") return Value::boolean(equal(a, b));
  if (op == "!=") return Value::boolean(!equal(a, b));
  if (op == "in" || op == "not in") {
    bool r = false;
    if (b.is(Value::K::Str)) {
      if (!a.is(Value::K::Str)) fail(line, "'in <string>' needs a string on the left");
      r = b.s.find(a.s) != std::string::npos;
    } else if (b.is(Value::K::List)) {
      for (const auto& x : *b.list) r = r || equal(a, x);
    } else if (b.is(Value::K::Dict)) {
      r = a.is(Value::K::Str) && b.dict->find(a.s);
    } else if (!b.is(Value::K::Undefined)) {
      fail(line, "'in' on a value that is not a string, list or mapping");
    }
    return Value::boolean(op == "in" ? r : !r);
  }
  if (op == "~") return Value::str(to_string(a) + to_string(b));
  if (op == "<" || op == ">" || op == "<=" || op == ">=") {
    int c;
    if (a.is_number() && b.is_number())
      c = a.num() < b.num() ? -1 : a.num() > b.num() ? 1 : 0;
    else if (a.is(Value::K::Str) && b.is(Value::K::Str))
      c = a.s.compare(b.s);
    else
      fail(line, "cannot compare these values with " + op);
    return Value::boolean(op == "<" ? c < 0 : op == ">" ? c > 0 : op == "<=" ? c <= 0 : c >= 0);
  }
  if (op == "+") {
    if (a.is(Value::K::Str) && b.is(Value::K::Str)) return Value::str(a.s + b.s);
    if (a.is(Value::K::List) && b.is(Value::K::List)) {
      std::vector<Value> v = *a.list;
      v.insert(v.end(), b.list->begin(), b.list->end());
      return Value::make_list(std::move(v));
    }
  }
  if (op == "*" && a.is(Value::K::Str) && b.is(Value::K::Int)) {
    if (static_cast<double>(a.s.size()) * static_cast<double>(b.i) > 1e8)
      fail(line, "string repetition longer than 1e8 bytes");
    std::string r;
    for (int64_t i = 0; i < b.i; ++i) r += a.s;
    return Value::str(r);
  }
  const bool nums = (a.is_number() || a.is(Value::K::Bool)) && (b.is_number() || b.is(Value::K::Bool));
  if (!nums) fail(line, "unsupported operand types for '" + op + "'" +
                            (a.is(Value::K::Undefined) || b.is(Value::K::Undefined)
                                 ? " (an operand is undefined)" : ""));
  const bool ints = !a.is(Value::K::Float) && !b.is(Value::K::Float);
  const double x = a.num(), y = b.num();
  if (op == "+") return ints ? Value::integer(static_cast<int64_t>(x) + static_cast<int64_t>(y)) : Value::real(x + y);
  if (op == "-") return ints ? Value::integer(static_cast<int64_t>(x) - static_cast<int64_t>(y)) : Value::real(x - y);
  if (op == "*") return ints ? Value::integer(static_cast<int64_t>(x) * static_cast<int64_t>(y)) : Value::real(x * y);
  if (y == 0 && (op == "/" || op == "//" || op == "%")) fail(line, "division by zero");
  if (op == "/") return Value::real(x / y);
  if (op == "//") return ints ? Value::integer(static_cast<int64_t>(std::floor(x / y))) : Value::real(std::floor(x / y));
  if (op == "%") {
    if (ints) {
      int64_t r = static_cast<int64_t>(x) % static_cast<int64_t>(y);
      if (r != 0 && ((r < 0) != (y < 0))) r += static_cast<int64_t>(y);
      return Value::integer(r);
    }
    return Value::real(x - y * std::floor(x / y));
  }
  if (op == "**") return ints && y >= 0 ? Value::integer(static_cast<int64_t>(std::pow(x, y))) : Value::real(std::pow(x, y));
  fail(line, "unknown operator " + op);
}

Value Interp::get_item(const Value& obj, const Value& key, int line) {
  if (obj.is(Value::K::Dict)) {
    const Value* v = key.is(Value::K::Str) ? obj.dict->find(key.s) : obj.dict->find(to_string(key));
    return v ? *v : Value();
  }
  if (obj.is(Value::K::List) || obj.is(Value::K::Str)) {
    if (!key.is(Value::K::Int)) {
      if (key.is(Value::K::Str)) return get_attr(obj, key.s, line);
      fail(line, "list/string index must be an integer");
    }
    if (obj.is(Value::K::List)) {
      const int64_t i = norm_index(key.i, static_cast<int64_t>(obj.list->size()));
      if (i < 0 || i >= static_cast<int64_t>(obj.list->size())) return Value();
      return (*obj.list)[static_cast<size_t>(i)];
    }
    const auto cps = code_points(obj.s);
    const int64_t i = norm_index(key.i, static_cast<int64_t>(cps.size()));
    if (i < 0 || i >= static_cast<int64_t>(cps.size())) return Value();
    return Value::str(cps[static_cast<size_t>(i)]);
  }
  return Value();
}

Value Interp::slice(const Value& obj, const Value& start, const Value& stop, const Value& step_v, int line) {
  const int64_t step = step_v.is(Value::K::Int) ? step_v.i : 1;
  if (step == 0) fail(line, "slice step cannot be zero");
  std::vector<Value> items;
  if (obj.is(Value::K::List)) {
    items = *obj.list;
  } else if (obj.is(Value::K::Str)) {
    for (auto& c : code_points(obj.s)) items.push_back(Value::str(c));
  } else {
    fail(line, "slicing a value that is not a list or string");
  }
  const int64_t n = static_cast<int64_t>(items.size());
  // Python slice.indices
  auto clamp = [&](const Value& v, int64_t def, bool is_start) {
    if (!v.is(Value::K::Int)) return def;
    int64_t x = v.i < 0 ? v.i + n : v.i;
    if (step > 0) return std::max<int64_t>(0, std::min(x, n));
    (void)is_start;
    return std::max<int64_t>(-1, std::min(x, n - 1));
  };
  const int64_t b = clamp(start, step > 0 ? 0 : n - 1, true);
  const int64_t e = clamp(stop, step > 0 ? n : -1, false);
  std::vector<Value> out;
  for (int64_t i = b; step > 0 ? i < e : i > e; i += step) out.push_back(items[static_cast<size_t>(i)]);
  if (obj.is(Value::K::Str)) {
    std::string s;
    for (const auto& v : out) s += v.s;
    return Value::str(s);
  }
  return Value::make_list(std::move(out));
}

}  // namespace r1::text::jinja
