// Jinja values (jinja.h): the dynamic type templates compute with — undefined, none, bool, int,
// float, str, list, insertion-ordered dict and callable — and the Python semantics chat templates
// rely on: truthiness, str()/repr(), json.dumps for tojson, equality, str.strip, code-point indexing.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace r1::text::jinja {

struct Value;
struct Dict;
using Kwargs = std::vector<std::pair<std::string, Value>>;
using Func = std::function<Value(std::vector<Value>&, Kwargs&)>;

struct Value {
  enum class K { Undefined, None, Bool, Int, Float, Str, List, Dict, Func } k = K::Undefined;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::shared_ptr<std::vector<Value>> list;
  std::shared_ptr<Dict> dict;
  std::shared_ptr<Func> fn;

  static Value none() { return with(K::None); }
  static Value boolean(bool v) {
    Value x = with(K::Bool);
    x.b = v;
    return x;
  }
  static Value integer(int64_t v) {
    Value x = with(K::Int);
    x.i = v;
    return x;
  }
  static Value real(double v) {
    Value x = with(K::Float);
    x.f = v;
    return x;
  }
  static Value str(std::string v) {
    Value x = with(K::Str);
    x.s = std::move(v);
    return x;
  }
  static Value make_list(std::vector<Value> v = {}) {
    Value x = with(K::List);
    x.list = std::make_shared<std::vector<Value>>(std::move(v));
    return x;
  }
  static Value make_dict();
  static Value function(Func f) {
    Value x = with(K::Func);
    x.fn = std::make_shared<Func>(std::move(f));
    return x;
  }
  bool is(K kind) const { return k == kind; }
  bool is_number() const { return k == K::Int || k == K::Float; }
  double num() const { return k == K::Int ? static_cast<double>(i) : k == K::Bool ? b : f; }

 private:
  static Value with(K kind) {
    Value x;
    x.k = kind;
    return x;
  }
};

// Insertion-ordered mapping, like a Python dict.
struct Dict {
  std::vector<std::pair<std::string, Value>> items;
  const Value* find(const std::string& key) const {
    for (const auto& kv : items)
      if (kv.first == key) return &kv.second;
    return nullptr;
  }
  void set(const std::string& key, Value v) {
    for (auto& kv : items)
      if (kv.first == key) {
        kv.second = std::move(v);
        return;
      }
    items.emplace_back(key, std::move(v));
  }
};

// The JSON render context as values (objects keep their key order).
Value from_json(const nlohmann::json& j);
bool truthy(const Value& v);
// Python repr() of a float: the shortest string that reads back the same.
std::string format_float(double d);
// Python str() and repr().
std::string to_string(const Value& v);
std::string repr(const Value& v);
// Python json.dumps(x, ensure_ascii=False, indent=indent) with the default separators (indent < 0: none).
void to_json_text(const Value& v, int indent, int depth, std::string& out);
// Python ==, with numbers and booleans comparing by value.
bool equal(const Value& a, const Value& b);
// Code points of a UTF-8 string, each as its byte range.
std::vector<std::string> code_points(const std::string& s);
// Python str.isspace for one code point.
bool is_py_space(char32_t c);
// Python str.strip/lstrip/rstrip; chars == nullptr strips whitespace.
std::string py_strip(const std::string& s, const std::string* chars, bool left, bool right);

}  // namespace r1::text::jinja
