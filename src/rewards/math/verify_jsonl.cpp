#include "rewards/math/verify_jsonl.h"

#include "core/error.h"
#include "text/utf8.h"

namespace r1::rewards::math {

namespace {

GradedLine malformed(size_t lineno, const std::string& message) {
  GradedLine g;
  g.malformed = true;
  g.error = text::utf8::lossy(message);
  g.record = {{"line", lineno}, {"error", g.error}};
  return g;
}

}  // namespace

GradedLine grade_jsonl_line(std::string_view line, size_t lineno, const std::string& where, const VerifyOptions& base,
                            const MatchSettings& defaults) {
  const std::string text = text::utf8::is_valid(line) ? std::string(line) : text::utf8::lossy(line);
  nlohmann::json rec;
  try {
    rec = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return malformed(lineno, where + ": invalid JSON: " + e.what());
  }
  if (!rec.is_object()) return malformed(lineno, where + ": record is not a JSON object");
  for (const char* key : {"gold", "pred"})
    if (!rec.contains(key) || !rec[key].is_string())
      return malformed(lineno, where + ": field \"" + key + "\" is missing or not a string");
  VerifyOptions opt;
  try {
    opt = verify_options(match_settings_from_json(rec, defaults, where), base);
  } catch (const Error& e) {
    return malformed(lineno, e.what());  // names `where` and the field
  }
  VerifyResult r = verify(rec["gold"].get<std::string>(), rec["pred"].get<std::string>(), opt);
  rec["verdict"] = r.correct;
  rec["status"] = verdict_name(r.verdict);
  rec["reason"] = text::utf8::lossy(r.reason);
  rec["gold_extracted"] = text::utf8::lossy(r.gold);
  rec["gold_rule"] = r.gold.empty() ? "none" : rule_name(r.gold_rule);
  rec["pred_extracted"] = text::utf8::lossy(r.pred);
  rec["pred_rule"] = r.pred.empty() ? "none" : rule_name(r.pred_rule);
  GradedLine g;
  g.correct = r.correct;
  g.record = std::move(rec);
  return g;
}

}  // namespace r1::rewards::math
