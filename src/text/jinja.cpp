#include "text/jinja.h"

#include <ctime>

#include "core/error.h"
#include "text/jinja_interpreter.h"
#include "text/jinja_lexer.h"
#include "text/jinja_parser.h"

namespace r1::text {

using jinja::Kwargs;
using jinja::Value;

JinjaTemplate::JinjaTemplate(const std::string& source, const std::string& where) : where_(where) {
  const std::string pre = jinja::preprocess(source);
  root_ = jinja::parse(jinja::tokenize(pre, where_), where_);
}

std::string JinjaTemplate::render(const nlohmann::json& context) const {
  std::string out;
  jinja::Interp in(where_, out);
  in.scopes.emplace_back();
  auto& globals = in.scopes.back();
  const std::string where = where_;
  globals["raise_exception"] = Value::function([where](std::vector<Value>& a, Kwargs&) -> Value {
    throw Error(where, "template raised: " + (a.empty() ? std::string() : jinja::to_string(a[0])));
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
  // transformers' apply_chat_template (and @huggingface/jinja) define it: Llama 3.x dates its system block.
  globals["strftime_now"] = Value::function([](std::vector<Value>& a, Kwargs&) {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    const std::string format = a.empty() ? std::string() : jinja::to_string(a[0]);
    char buf[256];
    const size_t n = std::strftime(buf, sizeof buf, format.c_str(), &local);
    return Value::str(std::string(buf, n));
  });
  if (context.is_object())
    for (auto it = context.begin(); it != context.end(); ++it) globals[it.key()] = jinja::from_json(it.value());
  in.scopes.emplace_back();  // template-level `set`s land here, above the globals
  in.exec(*root_);
  return out;
}

}  // namespace r1::text
