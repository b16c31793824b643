// The settings of lighteval's ExtractiveMatch for one grading job: what to extract, in which
// language, at which numeric precision. `r1 verify` reads them per JSONL line and `r1 eval` per
// benchmark:
//   {"targets": ["latex", "expr"], "language": "en", "precision": 6}          (a math benchmark)
//   {"targets": ["letters"], "choices": 4}                                    (MMLU / GPQA style)
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "rewards/math/verify.h"

namespace r1::rewards::math {

struct MatchSettings {
  // Extraction targets for gold and prediction (lighteval's LatexExtractionConfig,
  // ExprExtractionConfig, IndicesExtractionConfig); at least one.
  bool latex = true;
  bool expr = true;
  bool letters = false;
  std::string language = "en";  // answer_language.h: "en", "zh", "fr", "fra", "french", ...
  int precision = 6;            // decimal places a decimal answer is compared at, 0..20
  int choices = 4;              // letters: the number of options (labels "A".."D"), 1..26
};

// Checks the ranges and the language; an r1::Error naming `where` and the field otherwise.
void validate(const MatchSettings& s, const std::string& where);

// `base` with the fields present in `j` replaced: "targets" (array of "latex", "expr", "letters"),
// "language" (string), "precision" and "choices" (integers). Other keys are ignored (a verify
// record carries gold, pred and its own fields). Wrong types, unknown targets and bad ranges are
// r1::Errors naming `where` and the field.
MatchSettings match_settings_from_json(const nlohmann::json& j, const MatchSettings& base, const std::string& where);

// The settings as verifier options, the same for gold and prediction, over `base` (which keeps
// its think-tag, timeout and comparison settings).
VerifyOptions verify_options(const MatchSettings& s, VerifyOptions base = {});

}  // namespace r1::rewards::math
