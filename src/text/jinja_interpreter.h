// Jinja interpreter (jinja.h): runs a syntax tree against scopes of values, appending the output.
// Statements and expressions are in jinja_interpreter.cpp, attribute access with the dict and str
// methods in jinja_methods.cpp, filters and tests in jinja_filters.cpp.
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

#include "text/jinja_ast.h"

namespace r1::text::jinja {

class Interp {
 public:
  Interp(const std::string& where, std::string& out) : where_(where), out_(out) {}

  // Innermost last: globals, then the template's own `set`s, then one per loop iteration.
  std::vector<std::unordered_map<std::string, Value>> scopes;

  [[noreturn]] void fail(int line, const std::string& what) const;
  Value lookup(const std::string& name) const;
  void exec(const Node& n);
  Value eval(const Expr& e);

 private:
  void assign(const Node& n, Value v);
  std::vector<Value> iterate(const Value& v, int line);
  void bind_loop_vars(const Node& n, const Value& item);
  void exec_for(const Node& n);
  Value binary(const std::string& op, const Value& a, const Value& b, int line);
  static int64_t norm_index(int64_t i, int64_t n) { return i < 0 ? i + n : i; }
  Value get_item(const Value& obj, const Value& key, int line);
  Value slice(const Value& obj, const Value& start, const Value& stop, const Value& step_v, int line);

  // Argument i, or the keyword argument `name`; null when neither was passed.
  static const Value* arg(std::vector<Value>& args, Kwargs& kw, size_t i, const char* name);
  // obj.name: a dict's entry or method (items, keys, values, get), or a str method.
  Value get_attr(const Value& obj, const std::string& name, int line);
  Value string_method(const std::string& s, const std::string& name, int line);

  bool apply_test(const Expr& e);
  Value apply_filter(const Expr& e);
  Value filter(const std::string& f, const Value& v, std::vector<Value>& args, Kwargs& kw, int line);

  const std::string& where_;
  std::string& out_;
};


}  // namespace r1::text::jinja
