#include "dist/dist_config.h"

#include <cmath>

#include "dist/dist_config_schema.h"

namespace r1::dist {

std::string seconds_text(double s) {
  std::string t = std::to_string(std::round(s * 100) / 100);  // "2.250000"
  t.erase(t.find_last_not_of('0') + 1);
  if (t.back() == '.') t.pop_back();
  return t + " s";
}

void validate(const DistConfig& c) {
  DistConfig copy = c;  // the schema's visitors bind mutable fields
  schema::detail::Validator v("dist", nullptr);
  visit_fields(v, copy);
}

}  // namespace r1::dist
