// A Jinja2 subset interpreter for Hugging Face chat templates (tokenizer_config.json
// "chat_template"). Whitespace handling follows transformers' apply_chat_template environment
// (trim_blocks, lstrip_blocks, "-" markers, no trailing newline), as @huggingface/jinja does.
//
// Supported: text, {{ expr }}, {% if/elif/else %}, {% for x in xs %} / {% for a, b in ... %} with
// loop.index/index0/first/last/length/revindex/revindex0, {% set x = e %} and {% set ns.a = e %},
// comments; expressions with literals (str, int, float, bool, none, list, dict), attribute/item
// access, slices [a:b:c], calls with keyword args, filters (length, count, trim, tojson, string,
// list, first, last, join, default/d, upper, lower, capitalize, title, replace, items, reverse,
// int, float, abs, selectattr, rejectattr, map), tests (defined, undefined, none, string, number,
// integer, boolean, mapping, iterable, sequence, true, false, equalto, eq, odd, even), operators
// (or and not, == != < > <= >= in, not in, + - * / // %, ~, a if c else b); string methods
// (startswith, endswith, split, strip, lstrip, rstrip, upper, lower, replace, find, title,
// capitalize), dict methods (items, keys, values, get); globals namespace(), range(),
// raise_exception(), strftime_now(format) (local time, as transformers). Anything else is an
// r1::Error naming the template and line.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace r1::text {

namespace jinja {
struct Node;  // jinja_ast.h; the pieces: jinja_value, jinja_lexer, jinja_parser, jinja_interpreter
}

class JinjaTemplate {
 public:
  // `where` names the template's origin in errors (e.g. ".../tokenizer_config.json chat_template").
  JinjaTemplate(const std::string& source, const std::string& where);
  // Renders with `context` (a JSON object: messages, add_generation_prompt, bos_token, ...).
  std::string render(const nlohmann::json& context) const;

 private:
  std::shared_ptr<const jinja::Node> root_;
  std::string where_;
};

}  // namespace r1::text
