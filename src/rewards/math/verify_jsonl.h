// `r1 verify`'s unit of work: one JSONL line {"gold", "pred", [targets, language, precision,
// choices], ...} graded into the same record plus
//   "verdict": true|false, "status": verdict_name(...), "reason", "gold_extracted", "gold_rule",
//   "pred_extracted", "pred_rule".
// A line whose bytes are not valid UTF-8 (model output cut inside a character) is repaired
// (U+FFFD) and graded like any other; a line that is not a JSON object with string "gold" and
// "pred", or whose settings are invalid, becomes {"line": N, "error": "<where>: <what>"}.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "rewards/math/match_settings.h"

namespace r1::rewards::math {

struct GradedLine {
  nlohmann::json record;  // the output record (always dumpable: every string is valid UTF-8)
  bool malformed = false;
  bool correct = false;
  std::string error;      // malformed: "<where>: <what>"
};

// `where` names the line for errors ("in.jsonl:7"); `lineno` is written into error records.
GradedLine grade_jsonl_line(std::string_view line, size_t lineno, const std::string& where, const VerifyOptions& base,
                            const MatchSettings& defaults);

}  // namespace r1::rewards::math
