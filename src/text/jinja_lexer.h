// Jinja lexer (jinja.h): the template source, after transformers' whitespace rules, as tokens —
// text runs, {{ }} and {% %} delimiters, and the names, literals and operators inside them.
#pragma once
#include <string>
#include <vector>

namespace r1::text::jinja {

struct Token {
  enum T { Text, OpenExpr, CloseExpr, OpenStmt, CloseStmt, Name, Str, Int, Float, Op, End } t;
  std::string v;
  int line;
};

// transformers' environment (trim_blocks, lstrip_blocks) and the "-" markers, applied as text
// rewrites exactly like @huggingface/jinja's preprocess.
std::string preprocess(std::string s);

// Tokens of a preprocessed template, ending with End; errors name `where` and the line.
std::vector<Token> tokenize(const std::string& src, const std::string& where);

}  // namespace r1::text::jinja
