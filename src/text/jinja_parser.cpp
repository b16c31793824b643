#include "text/jinja_parser.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "core/error.h"

namespace r1::text::jinja {

namespace {

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

}  // namespace

NodeP parse(std::vector<Token> tokens, const std::string& where) { return Parser(std::move(tokens), where).parse_all(); }

}  // namespace r1::text::jinja
