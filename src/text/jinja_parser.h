// Jinja parser (jinja.h): tokens -> syntax tree, with Jinja2's operator precedence; errors name
// the template and line, and nesting is bounded so hostile templates fail cleanly.
#pragma once
#include <string>
#include <vector>

#include "text/jinja_ast.h"
#include "text/jinja_lexer.h"

namespace r1::text::jinja {

NodeP parse(std::vector<Token> tokens, const std::string& where);


}  // namespace r1::text::jinja
