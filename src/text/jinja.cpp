#include "text/jinja.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <regex>
#include <unordered_map>

#include "core/error.h"
#include "text/utf8.h"

namespace r1::text {
namespace {

// ---------------------------------------------------------------------------------------------
// Values

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

std::string repr(const Value& v);

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

// Python json.dumps(x, ensure_ascii=False, indent=indent) with the default separators.
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

// Code points of a UTF-8 string, each as its byte range.
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

// Python str.strip/lstrip/rstrip; chars == nullptr strips whitespace.
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

// ---------------------------------------------------------------------------------------------
// Lexer

struct Token {
  enum T { Text, OpenExpr, CloseExpr, OpenStmt, CloseStmt, Name, Str, Int, Float, Op, End } t;
  std::string v;
  int line;
};

// transformers' environment (trim_blocks, lstrip_blocks) and the "-" markers, applied as text
// rewrites exactly like @huggingface/jinja's preprocess.
std::string preprocess(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  s = std::regex_replace(s, std::regex("\\{#[\\s\\S]*?#\\}"), "{##}");
  s = std::regex_replace(s, std::regex("(^|\\n)[ \\t]*(\\{[#%])"), "$1$2");
  s = std::regex_replace(s, std::regex("([#%]\\})\\n"), "$1");
  s = std::regex_replace(s, std::regex("\\{##\\}"), "");
  s = std::regex_replace(s, std::regex("-%\\}\\s*"), "%}");
  s = std::regex_replace(s, std::regex("\\s*\\{%-"), "{%");
  s = std::regex_replace(s, std::regex("-\\}\\}\\s*"), "}}");
  s = std::regex_replace(s, std::regex("\\s*\\{\\{-"), "{{");
  return s;
}

class Lexer {
 public:
  Lexer(const std::string& src, const std::string& where) : s_(src), where_(where) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    while (pos_ < s_.size()) {
      size_t open = pos_;
      while (open < s_.size() && !(s_[open] == '{' && open + 1 < s_.size() &&
                                   (s_[open + 1] == '{' || s_[open + 1] == '%')))
        ++open;
      if (open > pos_) out.push_back({Token::Text, s_.substr(pos_, open - pos_), line_at(pos_)});
      if (open >= s_.size()) break;
      const bool expr = s_[open + 1] == '{';
      out.push_back({expr ? Token::OpenExpr : Token::OpenStmt, "", line_at(open)});
      pos_ = open + 2;
      const std::string close = expr ? "}}" : "%}";
      for (;;) {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
        if (pos_ >= s_.size()) fail("unterminated tag");
        if (s_.compare(pos_, 2, close) == 0) {
          out.push_back({expr ? Token::CloseExpr : Token::CloseStmt, "", line_at(pos_)});
          pos_ += 2;
          break;
        }
        out.push_back(lex_token());
      }
    }
    out.push_back({Token::End, "", line_at(s_.size())});
    return out;
  }

 private:
  int line_at(size_t p) const {
    return 1 + static_cast<int>(std::count(s_.begin(), s_.begin() + static_cast<long>(p), '\n'));
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(where_, "line " + std::to_string(line_at(pos_)) + ": " + what);
  }

  Token lex_token() {
    const int line = line_at(pos_);
    const char c = s_[pos_];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t e = pos_;
      while (e < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[e])) || s_[e] == '_')) ++e;
      Token t{Token::Name, s_.substr(pos_, e - pos_), line};
      pos_ = e;
      return t;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t e = pos_;
      while (e < s_.size() && std::isdigit(static_cast<unsigned char>(s_[e]))) ++e;
      bool is_float = false;
      if (e + 1 < s_.size() && s_[e] == '.' && std::isdigit(static_cast<unsigned char>(s_[e + 1]))) {
        is_float = true;
        ++e;
        while (e < s_.size() && std::isdigit(static_cast<unsigned char>(s_[e]))) ++e;
      }
      Token t{is_float ? Token::Float : Token::Int, s_.substr(pos_, e - pos_), line};
      pos_ = e;
      return t;
    }
    if (c == '\'' || c == '"') {
      std::string v;
      size_t p = pos_ + 1;
      for (;; ++p) {
        if (p >= s_.size()) fail("unterminated string literal");
        if (s_[p] == c) break;
        if (s_[p] == '\\' && p + 1 < s_.size()) {
          const char e = s_[++p];
          switch (e) {
            case 'n': v += '\n'; break;
            case 't': v += '\t'; break;
            case 'r': v += '\r'; break;
            case 'b': v += '\b'; break;
            case 'f': v += '\f'; break;
            case 'v': v += '\v'; break;
            case '0': v += '\0'; break;
            case '\\': case '\'': case '"': v += e; break;
            default: v += '\\'; v += e;  // Python keeps unknown escapes
          }
          continue;
        }
        v += s_[p];
      }
      pos_ = p + 1;
      return {Token::Str, v, line};
    }
    static const char* ops[] = {"//", "**", "==", "!=", "<=", ">=", "(", ")", "[", "]", "{", "}",
                                ",",  ".",  ":",  "|",  "=",  "<",  ">", "+", "-", "*", "/", "%",
                                "~"};
    for (const char* op : ops)
      if (s_.compare(pos_, std::strlen(op), op) == 0) {
        pos_ += std::strlen(op);
        return {Token::Op, op, line};
      }
    fail(std::string("unexpected character '") + c + "'");
  }

  const std::string& s_;
  const std::string& where_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// AST

struct Expr;
using ExprP = std::shared_ptr<const Expr>;
struct Expr {
  enum Kind { Lit, Name, Attr, Item, Slice, Call, Filter, Test, Not, Neg, Bin, And, Or, Cond, List, Dict } kind;
  Value lit;
  std::string name;            // Name, Attr, Filter, Test, Bin operator
  std::vector<ExprP> args;     // operands (see the parser for each kind's layout)
  std::vector<std::pair<std::string, ExprP>> kwargs;
  bool negate = false;
  int line = 0;
};

}  // namespace

struct JinjaTemplate::Node {
  enum Kind { Seq, Text, Out, If, For, Set, SetBlock } kind = Seq;
  std::string text;
  std::vector<std::shared_ptr<const Node>> body;                   // Seq
  std::vector<std::pair<ExprP, std::shared_ptr<const Node>>> branches;  // If (null cond = else)
  std::vector<std::string> vars;                                   // For loop variables
  ExprP expr, filter;                                              // Out/Set/For iterable; For if
  std::shared_ptr<const Node> loop_body, else_body;                // For; SetBlock uses loop_body
  std::string target, attr;                                        // Set: target or target.attr
  int line = 0;
};

namespace {

using Node = JinjaTemplate::Node;
using NodeP = std::shared_ptr<const Node>;

class Parser {
 public:
  Parser(std::vector<Token> toks, const std::string& where) : t_(std::move(toks)), where_(where) {}

  NodeP parse_all() {
    std::string end;
    auto n = parse_block({}, end);
    if (t_[p_].t != Token::End) fail("unexpected tokens after template end");
    return n;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(where_, "line " + std::to_string(t_[std::min(p_, t_.size() - 1)].line) + ": " + what);
  }
  // Python's ints are unbounded; ours are int64, so a longer literal is an error, not a crash.
  int64_t int_literal(const std::string& digits) const {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || end != digits.data() + digits.size())
      fail("integer literal " + digits.substr(0, 32) + " does not fit in 64 bits");
    return v;
  }
  const Token& cur() const { return t_[p_]; }
  bool is_op(const char* op) const { return cur().t == Token::Op && cur().v == op; }
  bool is_name(const char* n) const { return cur().t == Token::Name && cur().v == n; }
  void expect_op(const char* op) {
    if (!is_op(op)) fail(std::string("expected '") + op + "'");
    ++p_;
  }
  void expect_name(const char* n) {
    if (!is_name(n)) fail(std::string("expected '") + n + "'");
    ++p_;
  }
  void expect(Token::T t, const char* what) {
    if (cur().t != t) fail(std::string("expected ") + what);
    ++p_;
  }

  // Parses nodes until a {% kw %} with kw in `ends` (left unconsumed past the keyword: `end` gets
  // the keyword and the parser stands after it).
  NodeP parse_block(const std::vector<std::string>& ends, std::string& end) {
    auto seq = std::make_shared<Node>();
    seq->kind = Node::Seq;
    while (cur().t != Token::End) {
      if (cur().t == Token::Text) {
        auto n = std::make_shared<Node>();
        n->kind = Node::Text;
        n->text = cur().v;
        seq->body.push_back(n);
        ++p_;
      } else if (cur().t == Token::OpenExpr) {
        ++p_;
        auto n = std::make_shared<Node>();
        n->kind = Node::Out;
        n->line = cur().line;
        n->expr = parse_expr();
        expect(Token::CloseExpr, "'}}'");
        seq->body.push_back(n);
      } else if (cur().t == Token::OpenStmt) {
        ++p_;
        if (cur().t != Token::Name) fail("expected a statement keyword");
        const std::string kw = cur().v;
        if (std::find(ends.begin(), ends.end(), kw) != ends.end()) {
          ++p_;
          end = kw;
          return seq;
        }
        seq->body.push_back(parse_statement());
      } else {
        fail("unexpected token");
      }
    }
    if (!ends.empty()) fail("missing {% " + ends.back() + " %}");
    return seq;
  }

  NodeP parse_statement() {
    DepthGuard guard(*this);
    const std::string kw = cur().v;
    const int line = cur().line;
    ++p_;
    auto n = std::make_shared<Node>();
    n->line = line;
    if (kw == "if") {
      n->kind = Node::If;
      ExprP cond = parse_expr();
      for (;;) {
        expect(Token::CloseStmt, "'%}'");
        std::string end;
        NodeP body = parse_block({"elif", "else", "endif"}, end);
        n->branches.emplace_back(cond, body);
        if (end == "endif") break;
        if (end == "else") {
          expect(Token::CloseStmt, "'%}'");
          NodeP else_body = parse_block({"endif"}, end);
          n->branches.emplace_back(nullptr, else_body);
          break;
        }
        cond = parse_expr();  // elif
      }
      expect(Token::CloseStmt, "'%}'");
      return n;
    }
    if (kw == "for") {
      n->kind = Node::For;
      do {
        if (cur().t != Token::Name) fail("expected a loop variable");
        n->vars.push_back(cur().v);
        ++p_;
      } while (is_op(",") && (++p_, true));
      expect_name("in");
      n->expr = parse_or();
      if (is_name("if")) {
        ++p_;
        n->filter = parse_or();
      }
      expect(Token::CloseStmt, "'%}'");
      std::string end;
      n->loop_body = parse_block({"else", "endfor"}, end);
      if (end == "else") {
        expect(Token::CloseStmt, "'%}'");
        n->else_body = parse_block({"endfor"}, end);
      }
      expect(Token::CloseStmt, "'%}'");
      return n;
    }
    if (kw == "set") {
      if (cur().t != Token::Name) fail("expected a variable after set");
      n->target = cur().v;
      ++p_;
      if (is_op(".")) {
        ++p_;
        if (cur().t != Token::Name) fail("expected an attribute name");
        n->attr = cur().v;
        ++p_;
      }
      if (cur().t == Token::CloseStmt) {  // {% set x %}...{% endset %}
        ++p_;
        n->kind = Node::SetBlock;
        std::string end;
        n->loop_body = parse_block({"endset"}, end);
        expect(Token::CloseStmt, "'%}'");
        return n;
      }
      n->kind = Node::Set;
      expect_op("=");
      n->expr = parse_expr();
      expect(Token::CloseStmt, "'%}'");
      return n;
    }
    if (kw == "generation") {  // HF's assistant-mask marker: render the body unchanged
      expect(Token::CloseStmt, "'%}'");
      std::string end;
      NodeP body = parse_block({"endgeneration"}, end);
      expect(Token::CloseStmt, "'%}'");
      return body;
    }
    fail("unsupported statement {% " + kw + " %}");
  }

  ExprP make(Expr::Kind k, std::vector<ExprP> args, std::string name = "") {
    auto e = std::make_shared<Expr>();
    e->kind = k;
    e->args = std::move(args);
    e->name = std::move(name);
    e->line = cur().line;
    return e;
  }

  ExprP parse_expr() {
    ExprP a = parse_or();
    if (is_name("if")) {
      ++p_;
      ExprP c = parse_or();
      ExprP b;
      if (is_name("else")) {
        ++p_;
        b = parse_expr();
      }
      return make(Expr::Cond, {c, a, b});
    }
    return a;
  }
  ExprP parse_or() {
    ExprP a = parse_and();
    while (is_name("or")) {
      ++p_;
      a = make(Expr::Or, {a, parse_and()});
    }
    return a;
  }
  ExprP parse_and() {
    ExprP a = parse_not();
    while (is_name("and")) {
      ++p_;
      a = make(Expr::And, {a, parse_not()});
    }
    return a;
  }
  ExprP parse_not() {
    DepthGuard guard(*this);
    if (is_name("not")) {
      ++p_;
      return make(Expr::Not, {parse_not()});
    }
    return parse_compare();
  }
  ExprP parse_compare() {
    ExprP a = parse_math1();
    for (;;) {
      std::string op;
      if (cur().t == Token::Op && (cur().v == "==" || cur().v == "!=" || cur().v == "<" ||
                                   cur().v == ">" || cur().v == "<=" || cur().v == ">=")) {
        op = cur().v;
        ++p_;
      } else if (is_name("in")) {
        op = "in";
        ++p_;
      } else if (is_name("not") && t_[p_ + 1].t == Token::Name && t_[p_ + 1].v == "in") {
        op = "not in";
        p_ += 2;
      } else {
        return a;
      }
      a = make(Expr::Bin, {a, parse_math1()}, op);
    }
  }
  ExprP parse_math1() {
    ExprP a = parse_concat();
    while (is_op("+") || is_op("-")) {
      const std::string op = cur().v;
      ++p_;
      a = make(Expr::Bin, {a, parse_concat()}, op);
    }
    return a;
  }
  ExprP parse_concat() {
    ExprP a = parse_math2();
    while (is_op("~")) {
      ++p_;
      a = make(Expr::Bin, {a, parse_math2()}, "~");
    }
    return a;
  }
  ExprP parse_math2() {
    ExprP a = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const std::string op = cur().v;
      ++p_;
      a = make(Expr::Bin, {a, parse_pow()}, op);
    }
    return a;
  }
  ExprP parse_pow() {
    ExprP a = parse_unary(true);
    while (is_op("**")) {
      ++p_;
      a = make(Expr::Bin, {a, parse_unary(true)}, "**");
    }
    return a;
  }
  // Bounds recursion so that hostile templates fail with an error, not a stack overflow.
  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > 200) p.fail("template nested too deeply");
    }
    ~DepthGuard() { --p.depth_; }
  };

  ExprP parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    ExprP node;
    if (is_op("-")) {
      ++p_;
      node = make(Expr::Neg, {parse_unary(false)});
    } else if (is_op("+")) {
      ++p_;
      node = parse_unary(false);
    } else {
      node = parse_primary();
    }
    node = parse_postfix(node);
    if (with_filter) node = parse_filter_expr(node);
    return node;
  }
  ExprP parse_primary() {
    const Token& t = cur();
    if (t.t == Token::Name) {
      ++p_;
      if (t.v == "true" || t.v == "True") return lit(Value::boolean(true));
      if (t.v == "false" || t.v == "False") return lit(Value::boolean(false));
      if (t.v == "none" || t.v == "None") return lit(Value::none());
      return make(Expr::Name, {}, t.v);
    }
    if (t.t == Token::Str) {
      std::string s;
      while (cur().t == Token::Str) s += cur().v, ++p_;  // adjacent literals concatenate
      return lit(Value::str(s));
    }
    if (t.t == Token::Int) {
      ++p_;
      return lit(Value::integer(int_literal(t.v)));
    }
    if (t.t == Token::Float) {
      ++p_;
      return lit(Value::real(std::strtod(t.v.c_str(), nullptr)));  // overflow -> inf, as Python
    }
    if (is_op("(")) {
      ++p_;
      if (is_op(")")) {
        ++p_;
        return make(Expr::List, {});
      }
      ExprP e = parse_expr();
      if (is_op(",")) {  // tuple -> list
        std::vector<ExprP> items{e};
        while (is_op(",")) {
          ++p_;
          if (is_op(")")) break;
          items.push_back(parse_expr());
        }
        e = make(Expr::List, items);
      }
      expect_op(")");
      return e;
    }
    if (is_op("[")) {
      ++p_;
      std::vector<ExprP> items;
      while (!is_op("]")) {
        items.push_back(parse_expr());
        if (!is_op(",")) break;
        ++p_;
      }
      expect_op("]");
      return make(Expr::List, items);
    }
    if (is_op("{")) {
      ++p_;
      std::vector<ExprP> kv;
      while (!is_op("}")) {
        kv.push_back(parse_expr());
        expect_op(":");
        kv.push_back(parse_expr());
        if (!is_op(",")) break;
        ++p_;
      }
      expect_op("}");
      return make(Expr::Dict, kv);
    }
    fail("unexpected '" + t.v + "' in expression");
  }
  ExprP lit(Value v) {
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Lit;
    e->lit = std::move(v);
    e->line = cur().line;
    return e;
  }
  void parse_call_args(std::shared_ptr<Expr>& call) {
    expect_op("(");
    while (!is_op(")")) {
      if (cur().t == Token::Name && t_[p_ + 1].t == Token::Op && t_[p_ + 1].v == "=") {
        const std::string key = cur().v;
        p_ += 2;
        call->kwargs.emplace_back(key, parse_expr());
      } else {
        call->args.push_back(parse_expr());
      }
      if (!is_op(",")) break;
      ++p_;
    }
    expect_op(")");
  }
  ExprP parse_postfix(ExprP node) {
    for (;;) {
      if (is_op(".")) {
        ++p_;
        if (cur().t == Token::Name) {
          node = make(Expr::Attr, {node}, cur().v);
          ++p_;
        } else if (cur().t == Token::Int) {
          node = make(Expr::Item, {node, lit(Value::integer(int_literal(cur().v)))});
          ++p_;
        } else {
          fail("expected an attribute name after '.'");
        }
      } else if (is_op("[")) {
        ++p_;
        ExprP parts[3];
        int n = 0;
        bool slice = false;
        for (;;) {
          if (is_op(":")) {
            slice = true;
            ++p_;
            ++n;
            if (n > 2) fail("too many ':' in slice");
            continue;
          }
          if (is_op("]")) break;
          parts[n] = parse_expr();
          if (!is_op(":")) break;
        }
        expect_op("]");
        node = slice ? make(Expr::Slice, {node, parts[0], parts[1], parts[2]})
                     : make(Expr::Item, {node, parts[0]});
        if (!slice && !parts[0]) fail("empty subscript");
      } else if (is_op("(")) {
        auto call = std::make_shared<Expr>();
        call->kind = Expr::Call;
        call->line = cur().line;
        call->args.push_back(node);
        parse_call_args(call);
        node = call;
      } else {
        return node;
      }
    }
  }
  ExprP parse_filter_expr(ExprP node) {
    for (;;) {
      if (is_op("|")) {
        ++p_;
        if (cur().t != Token::Name) fail("expected a filter name");
        auto f = std::make_shared<Expr>();
        f->kind = Expr::Filter;
        f->name = cur().v;
        f->line = cur().line;
        ++p_;
        f->args.push_back(node);
        if (is_op("(")) parse_call_args(f);
        node = f;
      } else if (is_name("is")) {
        ++p_;
        auto t = std::make_shared<Expr>();
        t->kind = Expr::Test;
        t->line = cur().line;
        if (is_name("not")) {
          t->negate = true;
          ++p_;
        }
        if (cur().t != Token::Name) fail("expected a test name after 'is'");
        t->name = cur().v;
        ++p_;
        t->args.push_back(node);
        if (is_op("(")) {
          parse_call_args(t);
        } else if (cur().t == Token::Str || cur().t == Token::Int || cur().t == Token::Float ||
                   (cur().t == Token::Name && cur().v != "and" && cur().v != "or" &&
                    cur().v != "else" && cur().v != "if" && cur().v != "not" &&
                    cur().v != "in" && cur().v != "is")) {
          t->args.push_back(parse_primary());
        }
        node = t;
      } else {
        return node;
      }
    }
  }

  std::vector<Token> t_;
  size_t p_ = 0;
  int depth_ = 0;
  const std::string& where_;
};

// ---------------------------------------------------------------------------------------------
// Evaluation

class Interp {
 public:
  Interp(const std::string& where, std::string& out) : where_(where), out_(out) {}

  std::vector<std::unordered_map<std::string, Value>> scopes;

  [[noreturn]] void fail(int line, const std::string& what) const {
    throw Error(where_, "line " + std::to_string(line) + ": " + what);
  }

  Value lookup(const std::string& name) const {
    for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
      const auto f = it->find(name);
      if (f != it->end()) return f->second;
    }
    return Value();
  }

  void exec(const Node& n) {
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

 private:
  void assign(const Node& n, Value v) {
    if (n.attr.empty()) {
      scopes.back()[n.target] = std::move(v);
      return;
    }
    Value ns = lookup(n.target);
    if (!ns.is(Value::K::Dict)) fail(n.line, "cannot set attribute of '" + n.target + "' (not a namespace)");
    ns.dict->set(n.attr, std::move(v));
  }

  std::vector<Value> iterate(const Value& v, int line) {
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

  void bind_loop_vars(const Node& n, const Value& item) {
    auto& scope = scopes.back();
    if (n.vars.size() == 1) {
      scope[n.vars[0]] = item;
      return;
    }
    if (!item.is(Value::K::List) || item.list->size() != n.vars.size())
      fail(n.line, "cannot unpack loop item into " + std::to_string(n.vars.size()) + " variables");
    for (size_t i = 0; i < n.vars.size(); ++i) scope[n.vars[i]] = (*item.list)[i];
  }

  void exec_for(const Node& n) {
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

 public:
  Value eval(const Expr& e) {
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

 private:
  Value binary(const std::string& op, const Value& a, const Value& b, int line) {
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

  static int64_t norm_index(int64_t i, int64_t n) { return i < 0 ? i + n : i; }

  Value get_item(const Value& obj, const Value& key, int line) {
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

  Value slice(const Value& obj, const Value& start, const Value& stop, const Value& step_v, int line) {
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

  static const Value* arg(std::vector<Value>& args, Kwargs& kw, size_t i, const char* name) {
    if (i < args.size()) return &args[i];
    for (auto& [k, v] : kw)
      if (k == name) return &v;
    return nullptr;
  }

  Value get_attr(const Value& obj, const std::string& name, int line) {
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

  Value string_method(const std::string& s, const std::string& name, int line) {
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

  bool apply_test(const Expr& e) {
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

  Value apply_filter(const Expr& e) {
    Value v = eval(*e.args[0]);
    std::vector<Value> args;
    for (size_t i = 1; i < e.args.size(); ++i) args.push_back(eval(*e.args[i]));
    Kwargs kw;
    for (const auto& [k, x] : e.kwargs) kw.emplace_back(k, eval(*x));
    return filter(e.name, v, args, kw, e.line);
  }

  Value filter(const std::string& f, const Value& v, std::vector<Value>& args, Kwargs& kw, int line) {
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

  const std::string& where_;
  std::string& out_;
};

}  // namespace

JinjaTemplate::JinjaTemplate(const std::string& source, const std::string& where) : where_(where) {
  const std::string pre = preprocess(source);
  root_ = Parser(Lexer(pre, where_).run(), where_).parse_all();
}

std::string JinjaTemplate::render(const nlohmann::json& context) const {
  std::string out;
  Interp in(where_, out);
  in.scopes.emplace_back();
  auto& globals = in.scopes.back();
  const std::string where = where_;
  globals["raise_exception"] = Value::function([where](std::vector<Value>& a, Kwargs&) -> Value {
    throw Error(where, "template raised: " + (a.empty() ? std::string() : to_string(a[0])));
  });
  globals["namespace"] = Value::function([](std::vector<Value>& a, Kwargs& kw) {
    Value ns = Value::make_dict();
    if (!a.empty() && a[0].is(Value::K::Dict))
      for (const auto& [k, v] : a[0].dict->items) ns.dict->set(k, v);
    for (const auto& [k, v] : kw) ns.dict->set(k, v);
    return ns;
  });
  globals["range"] = Value::function([where](std::vector<Value>& a, Kwargs&) {
    int64_t start = 0, stop = 0, step = 1;
    if (a.size() == 1) stop = a[0].i;
    if (a.size() >= 2) start = a[0].i, stop = a[1].i;
    if (a.size() >= 3) step = a[2].i;
    if (step == 0) throw Error(where, "range() step is zero");
    if ((stop - start) / step > 1000000) throw Error(where, "range() longer than 1e6");
    Value l = Value::make_list();
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) l.list->push_back(Value::integer(i));
    return l;
  });
  if (context.is_object())
    for (auto it = context.begin(); it != context.end(); ++it) globals[it.key()] = from_json(it.value());
  in.scopes.emplace_back();  // template-level `set`s land here, above the globals
  in.exec(*root_);
  return out;
}

}  // namespace r1::text
