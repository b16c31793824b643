// Attribute access on values: dict entries and methods, and the Python str methods chat templates
// call (startswith, strip, split, upper, replace, find, join, ...).
#include <cctype>

#include "core/error.h"
#include "text/jinja_interpreter.h"
#include "text/utf8.h"

namespace r1::text::jinja {

const Value* Interp::arg(std::vector<Value>& args, Kwargs& kw, size_t i, const char* name) {
  if (i < args.size()) return &args[i];
  for (auto& [k, v] : kw)
    if (k == name) return &v;
  return nullptr;
}

Value Interp::get_attr(const Value& obj, const std::string& name, int line) {
  if (obj.is(Value::K::Dict)) {
    if (const Value* v = obj.dict->find(name)) return *v;
    const auto d = obj.dict;
    if (name == "items")
      return Value::function([d](std::vector<Value>&, Kwargs&) {
        Value l = Value::make_list();
        for (const auto& [k, v] : d->items) l.list->push_back(Value::make_list({Value::str(k), v}));
        return l;
      });
    if (name == "keys")
      return Value::function([d](std::vector<Value>&, Kwargs&) {
        Value l = Value::make_list();
        for (const auto& kv : d->items) l.list->push_back(Value::str(kv.first));
        return l;
      });
    if (name == "values")
      return Value::function([d](std::vector<Value>&, Kwargs&) {
        Value l = Value::make_list();
        for (const auto& kv : d->items) l.list->push_back(kv.second);
        return l;
      });
    if (name == "get")
      return Value::function([d](std::vector<Value>& a, Kwargs&) {
        const Value* v = !a.empty() && a[0].is(Value::K::Str) ? d->find(a[0].s) : nullptr;
        return v ? *v : a.size() > 1 ? a[1] : Value::none();
      });
    return Value();
  }
  if (obj.is(Value::K::Str)) return string_method(obj.s, name, line);
  return Value();
}

Value Interp::string_method(const std::string& s, const std::string& name, int line) {
  const std::string where = where_;
  auto need_str = [line, where](const Value* v, const char* what) {
    if (!v || !v->is(Value::K::Str))
      throw Error(where, "line " + std::to_string(line) + ": " + what + " expects a string argument");
    return v->s;
  };
  if (name == "startswith" || name == "endswith") {
    const bool start = name == "startswith";
    return Value::function([s, start, need_str](std::vector<Value>& a, Kwargs& kw) {
      const Value* p = arg(a, kw, 0, start ? "prefix" : "suffix");
      std::vector<std::string> cands;
      if (p && p->is(Value::K::List))
        for (const auto& x : *p->list) cands.push_back(need_str(&x, "startswith/endswith"));
      else
        cands.push_back(need_str(p, "startswith/endswith"));
      for (const auto& c : cands) {
        if (c.size() > s.size()) continue;
        if (start ? s.compare(0, c.size(), c) == 0 : s.compare(s.size() - c.size(), c.size(), c) == 0)
          return Value::boolean(true);
      }
      return Value::boolean(false);
    });
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    const bool l = name != "rstrip", r = name != "lstrip";
    return Value::function([s, l, r](std::vector<Value>& a, Kwargs& kw) {
      const Value* c = arg(a, kw, 0, "chars");
      const bool has = c && c->is(Value::K::Str);
      return Value::str(py_strip(s, has ? &c->s : nullptr, l, r));
    });
  }
  if (name == "split")
    return Value::function([s](std::vector<Value>& a, Kwargs& kw) {
      const Value* sep = arg(a, kw, 0, "sep");
      const Value* maxv = arg(a, kw, 1, "maxsplit");
      int64_t maxsplit = maxv && maxv->is(Value::K::Int) ? maxv->i : -1;
      Value out = Value::make_list();
      if (sep && sep->is(Value::K::Str) && !sep->s.empty()) {
        size_t pos = 0;
        for (size_t f; maxsplit != 0 && (f = s.find(sep->s, pos)) != std::string::npos; --maxsplit) {
          out.list->push_back(Value::str(s.substr(pos, f - pos)));
          pos = f + sep->s.size();
        }
        out.list->push_back(Value::str(s.substr(pos)));
      } else {  // whitespace runs, empty parts dropped
        std::string word;
        for (size_t i = 0; i < s.size();) {
          const size_t st = i;
          const char32_t c = utf8::next(s, i);
          if (is_py_space(c)) {
            if (!word.empty()) out.list->push_back(Value::str(word)), word.clear();
          } else {
            word.append(s, st, i - st);
          }
        }
        if (!word.empty()) out.list->push_back(Value::str(word));
      }
      return out;
    });
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize")
    return Value::function([s, name](std::vector<Value>&, Kwargs&) {
      std::string r = s;
      bool prev_alpha = false;
      for (size_t i = 0; i < r.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(r[i]);
        bool up = name == "upper" || (name == "title" && !prev_alpha) || (name == "capitalize" && i == 0);
        r[i] = static_cast<char>(up ? std::toupper(c) : std::tolower(c));
        prev_alpha = std::isalpha(c);
      }
      return Value::str(r);
    });
  if (name == "replace")
    return Value::function([s, need_str](std::vector<Value>& a, Kwargs& kw) {
      const std::string from = need_str(arg(a, kw, 0, "old"), "replace");
      const std::string to = need_str(arg(a, kw, 1, "new"), "replace");
      const Value* cnt = arg(a, kw, 2, "count");
      int64_t count = cnt && cnt->is(Value::K::Int) ? cnt->i : -1;
      std::string r;
      size_t pos = 0;
      if (from.empty()) return Value::str(s);
      for (size_t f; count != 0 && (f = s.find(from, pos)) != std::string::npos; --count) {
        r.append(s, pos, f - pos).append(to);
        pos = f + from.size();
      }
      return Value::str(r + s.substr(pos));
    });
  if (name == "find")
    return Value::function([s, need_str](std::vector<Value>& a, Kwargs& kw) {
      const size_t f = s.find(need_str(arg(a, kw, 0, "sub"), "find"));
      return Value::integer(f == std::string::npos ? -1 : static_cast<int64_t>(code_points(s.substr(0, f)).size()));
    });
  if (name == "join")
    return Value::function([s](std::vector<Value>& a, Kwargs&) {
      std::string r;
      if (!a.empty() && a[0].is(Value::K::List))
        for (size_t i = 0; i < a[0].list->size(); ++i) r += (i ? s : "") + to_string((*a[0].list)[i]);
      return Value::str(r);
    });
  fail(line, "unsupported string method '" + name + "'");
}

}  // namespace r1::text::jinja
