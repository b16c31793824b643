#include "text/jinja_value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "text/utf8.h"

namespace r1::text::jinja {

Value Value::make_dict() {
  Value x = with(K::Dict);
  x.dict = std::make_shared<Dict>();
  return x;
}

Value from_json(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return Value::none();
    case nlohmann::json::value_t::boolean:
      return Value::boolean(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return Value::integer(j.get<int64_t>());
    case nlohmann::json::value_t::number_float:
      return Value::real(j.get<double>());
    case nlohmann::json::value_t::string:
      return Value::str(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      Value v = Value::make_list();
      for (const auto& e : j) v.list->push_back(from_json(e));
      return v;
    }
    case nlohmann::json::value_t::object: {
      Value v = Value::make_dict();
      for (auto it = j.begin(); it != j.end(); ++it) v.dict->set(it.key(), from_json(it.value()));
      return v;
    }
    default:
      return Value();
  }
}

bool truthy(const Value& v) {
  switch (v.k) {
    case Value::K::Undefined:
    case Value::K::None:
      return false;
    case Value::K::Bool:
      return v.b;
    case Value::K::Int:
      return v.i != 0;
    case Value::K::Float:
      return v.f != 0;
    case Value::K::Str:
      return !v.s.empty();
    case Value::K::List:
      return !v.list->empty();
    case Value::K::Dict:
      return !v.dict->items.empty();
    case Value::K::Func:
      return true;
  }
  return false;
}

std::string format_float(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (std::isnan(d)) return "nan";
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {  // shortest round-trip, like Python's repr
    std::snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  std::string s = buf;
  if (s.find_first_of(".einn") == std::string::npos) s += ".0";
  return s;
}

std::string to_string(const Value& v) {
  switch (v.k) {
    case Value::K::Undefined:
      return "";
    case Value::K::None:
      return "None";
    case Value::K::Bool:
      return v.b ? "True" : "False";
    case Value::K::Int:
      return std::to_string(v.i);
    case Value::K::Float:
      return format_float(v.f);
    case Value::K::Str:
      return v.s;
    default:
      return repr(v);
  }
}

std::string repr(const Value& v) {
  switch (v.k) {
    case Value::K::Str: {
      const char q = v.s.find('\'') != std::string::npos && v.s.find('"') == std::string::npos ? '"' : '\'';
      std::string out(1, q);
      for (char c : v.s) {
        if (c == q || c == '\\') out += '\\';
        if (c == '\n') {
          out += "\\n";
          continue;
        }
        out += c;
      }
      return out + q;
    }
    case Value::K::List: {
      std::string out = "[";
      for (size_t i = 0; i < v.list->size(); ++i) out += (i ? ", " : "") + repr((*v.list)[i]);
      return out + "]";
    }
    case Value::K::Dict: {
      std::string out = "{";
      for (size_t i = 0; i < v.dict->items.size(); ++i)
        out += (i ? ", " : "") + repr(Value::str(v.dict->items[i].first)) + ": " +
               repr(v.dict->items[i].second);
      return out + "}";
    }
    case Value::K::Func:
      return "<function>";
    default:
      return to_string(v);
  }
}

void to_json_text(const Value& v, int indent, int depth, std::string& out) {
  const auto newline = [&](int d) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<size_t>(indent * d), ' ');
  };
  switch (v.k) {
    case Value::K::Undefined:
    case Value::K::None:
      out += "null";
      return;
    case Value::K::Bool:
      out += v.b ? "true" : "false";
      return;
    case Value::K::Int:
      out += std::to_string(v.i);
      return;
    case Value::K::Float:
      out += format_float(v.f);
      return;
    case Value::K::Str:
      out += nlohmann::json(v.s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return;
    case Value::K::List:
      if (v.list->empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < v.list->size(); ++i) {
        if (i) out += indent < 0 ? ", " : ",";
        newline(depth + 1);
        to_json_text((*v.list)[i], indent, depth + 1, out);
      }
      newline(depth);
      out += ']';
      return;
    case Value::K::Dict:
      if (v.dict->items.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      for (size_t i = 0; i < v.dict->items.size(); ++i) {
        if (i) out += indent < 0 ? ", " : ",";
        newline(depth + 1);
        to_json_text(Value::str(v.dict->items[i].first), indent, depth + 1, out);
        out += ": ";
        to_json_text(v.dict->items[i].second, indent, depth + 1, out);
      }
      newline(depth);
      out += '}';
      return;
    case Value::K::Func:
      out += "null";
      return;
  }
}

bool equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return a.num() == b.num();
  if ((a.is(Value::K::Bool) && b.is_number()) || (a.is_number() && b.is(Value::K::Bool)))
    return a.num() == b.num();
  if (a.k != b.k) return false;
  switch (a.k) {
    case Value::K::Undefined:
    case Value::K::None:
      return true;
    case Value::K::Bool:
      return a.b == b.b;
    case Value::K::Str:
      return a.s == b.s;
    case Value::K::List:
      if (a.list->size() != b.list->size()) return false;
      for (size_t i = 0; i < a.list->size(); ++i)
        if (!equal((*a.list)[i], (*b.list)[i])) return false;
      return true;
    case Value::K::Dict:
      if (a.dict->items.size() != b.dict->items.size()) return false;
      for (const auto& [k, v] : a.dict->items) {
        const Value* o = b.dict->find(k);
        if (!o || !equal(v, *o)) return false;
      }
      return true;
    default:
      return a.fn == b.fn;
  }
}

std::vector<std::string> code_points(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    utf8::next(s, i);
    out.push_back(s.substr(start, i - start));
  }
  return out;
}

bool is_py_space(char32_t c) { return utf8::is_whitespace(c) || (c >= 0x1C && c <= 0x1F); }

std::string py_strip(const std::string& s, const std::string* chars, bool left, bool right) {
  std::vector<char32_t> set;
  if (chars)
    for (size_t i = 0; i < chars->size();) set.push_back(utf8::next(*chars, i));
  const auto strip_it = [&](char32_t c) {
    return chars ? std::find(set.begin(), set.end(), c) != set.end() : is_py_space(c);
  };
  size_t b = 0, e = s.size();
  if (left)
    for (size_t i = 0; i < s.size();) {
      if (!strip_it(utf8::next(s, i))) break;
      b = i;
    }
  if (right) {
    size_t last = b;
    for (size_t i = b; i < s.size();)
      if (!strip_it(utf8::next(s, i))) last = i;
    e = last;
  }
  return e > b ? s.substr(b, e - b) : std::string();
}

}  // namespace r1::text::jinja
