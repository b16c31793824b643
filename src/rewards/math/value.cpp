#include "rewards/math/value.h"

#include <map>
#include <mutex>
#include <sstream>

namespace r1::rewards::math {

// ---- symbols ---------------------------------------------------------------------------------

GiNaC::ex symbol_of(const std::string& name) {
  // GiNaC symbols compare by identity, so one name must map to one symbol object. Real symbols
  // let GiNaC simplify |x|^2, conjugates and the like as a student would.
  static std::mutex mu;
  static std::map<std::string, GiNaC::ex> table;
  std::lock_guard<std::mutex> lock(mu);
  auto it = table.find(name);
  if (it != table.end()) return it->second;
  GiNaC::ex s = GiNaC::realsymbol(name);
  table.emplace(name, s);
  return s;
}

const GiNaC::ex& infinity_symbol() {
  static const GiNaC::ex inf = symbol_of("oo");
  return inf;
}

bool has_infinity(const GiNaC::ex& e) { return e.has(infinity_symbol()); }

std::string to_string(const Value& v) {
  std::ostringstream os;
  auto list = [&](const char* open, const char* close) {
    os << open;
    for (size_t k = 0; k < v.items.size(); ++k) os << (k ? ", " : "") << to_string(v.items[k]);
    os << close;
  };
  static const char* const kOps[] = {"=", "!=", "<", "<=", ">", ">="};
  switch (v.kind) {
    case Value::Kind::Expr:
    case Value::Kind::Matrix: os << v.ex; break;
    case Value::Kind::Relation:
      os << to_string(v.items[0]) << " " << kOps[static_cast<int>(v.op)] << " " << to_string(v.items[1]);
      break;
    case Value::Kind::Chain: list("(", ")"); break;
    case Value::Kind::Set: list("{", "}"); break;
    case Value::Kind::PlusMinus: list("±{", "}"); break;
    case Value::Kind::Tuple: list("(", ")"); break;
    case Value::Kind::Interval:
      os << (v.left_open ? "(" : "[") << to_string(v.items[0]) << ", " << to_string(v.items[1])
         << (v.right_open ? ")" : "]");
      break;
    case Value::Kind::Union:
      for (size_t k = 0; k < v.items.size(); ++k) os << (k ? " U " : "") << to_string(v.items[k]);
      break;
    case Value::Kind::Text: os << "\"" << v.text << "\""; break;
  }
  return os.str();
}

}  // namespace r1::rewards::math
