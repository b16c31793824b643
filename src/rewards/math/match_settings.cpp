#include "rewards/math/match_settings.h"

#include "core/error.h"
#include "rewards/math/answer_language.h"

namespace r1::rewards::math {

void validate(const MatchSettings& s, const std::string& where) {
  check(s.latex || s.expr || s.letters, where, "\"targets\" must name at least one of latex, expr, letters");
  check(s.precision >= 0 && s.precision <= 20, where,
        "\"precision\" must be in [0, 20] (decimal places), not " + std::to_string(s.precision));
  check(s.choices >= 1 && s.choices <= 26, where, "\"choices\" must be in [1, 26], not " + std::to_string(s.choices));
  try {
    (void)answer_language(s.language);
  } catch (const Error& e) {
    throw Error(where, std::string("\"language\": ") + e.what());
  }
}

MatchSettings match_settings_from_json(const nlohmann::json& j, const MatchSettings& base, const std::string& where) {
  MatchSettings s = base;
  if (!j.is_object()) return s;
  if (j.contains("targets")) {
    const auto& t = j["targets"];
    check(t.is_array() && !t.empty(), where, "\"targets\" must be a non-empty array of \"latex\", \"expr\", \"letters\"");
    s.latex = s.expr = s.letters = false;
    for (const auto& name : t) {
      check(name.is_string(), where, "\"targets\" entries must be strings");
      const std::string n = name.get<std::string>();
      if (n == "latex") s.latex = true;
      else if (n == "expr") s.expr = true;
      else if (n == "letters") s.letters = true;
      else throw Error(where, "unknown target \"" + n + "\" in \"targets\" (latex, expr, letters)");
    }
  }
  if (j.contains("language")) {
    check(j["language"].is_string(), where, "\"language\" must be a string such as \"en\" or \"zh\"");
    s.language = j["language"].get<std::string>();
  }
  for (auto [key, field] : {std::pair<const char*, int*>{"precision", &s.precision}, {"choices", &s.choices}}) {
    if (!j.contains(key)) continue;
    check(j[key].is_number_integer(), where, std::string("\"") + key + "\" must be an integer");
    *field = j[key].get<int>();
  }
  validate(s, where);
  return s;
}

VerifyOptions verify_options(const MatchSettings& s, VerifyOptions base) {
  base.precision = s.precision;
  for (ExtractOptions* e : {&base.gold_extract, &base.pred_extract}) {
    e->latex = s.latex;
    e->expr = s.expr;
    e->letters = s.letters;
    e->language = s.language;
    e->num_choices = s.choices;
  }
  return base;
}

}  // namespace r1::rewards::math
