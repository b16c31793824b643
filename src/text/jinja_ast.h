// Jinja syntax tree (jinja.h): expressions and statements as the parser builds them and the
// interpreter walks them.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "text/jinja_value.h"

namespace r1::text::jinja {

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

struct Node {
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
using NodeP = std::shared_ptr<const Node>;

}  // namespace r1::text::jinja
