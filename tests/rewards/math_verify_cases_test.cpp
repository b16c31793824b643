// Agreement with HF Math-Verify's own regression cases (transcribed in
// data/math_verify_cases.jsonl with each case's extraction config, precision and strictness).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/json_file.h"
#include "rewards/math/verify.h"

namespace m = r1::rewards::math;

namespace {

// The case's harness as VerifyOptions: match_types ["latex", "expr"] means
// LatexExtractionConfig(boxed_match_priority=0) + ExprExtractionConfig for both sides; "default"
// means the library defaults (boxed priority 50).
m::VerifyOptions options_for(const nlohmann::json& c) {
  m::VerifyOptions o;
  o.precision = c.at("precision").get<int>();
  o.strict = c.at("strict").get<bool>();
  o.allow_set_relation_comp = c.at("allow_set_relation_comp").get<bool>();
  o.percent_lenient = false;  // Math-Verify itself: 25 != 25%
  m::ExtractOptions e;
  const auto& mt = c.at("match_types");
  if (mt.is_array()) {
    e.latex = e.expr = false;
    for (const auto& t : mt) {
      if (t == "latex") e.latex = true;
      if (t == "expr") e.expr = true;
    }
    e.boxed_priority = 0;
  } else if (mt == "default") {
    e.boxed_priority = 50;
  }
  e.only_after_think = false;
  o.gold_extract = e;
  o.pred_extract = e;
  return o;
}

}  // namespace

// Cases where our verdict differs from Math-Verify's, by index in the file, each with its reason.
// Empty: every case agrees. A case that starts to disagree fails the test; one listed here that
// starts to agree fails too, so the list stays true.
const std::map<size_t, std::string> kKnownDisagreements = {};

TEST(MathVerifyCases, AgreesWithMathVerify) {
  auto cases = r1::read_jsonl(std::string(R1_SOURCE_DATA_DIR) + "/math_verify_cases.jsonl");
  ASSERT_EQ(cases.size(), 190u);
  double worst_ms = 0;
  for (size_t k = 0; k < cases.size(); ++k) {
    const auto& c = cases[k];
    std::string gold = c.at("gold"), pred = c.at("pred");
    bool expected = c.at("expected");
    auto t0 = std::chrono::steady_clock::now();
    m::VerifyResult r = m::verify(gold, pred, options_for(c));
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    worst_ms = std::max(worst_ms, ms);
    EXPECT_LT(ms, 5000) << "case " << k << " took " << ms << " ms";
    const bool known = kKnownDisagreements.count(k) > 0;
    EXPECT_EQ(r.correct != expected, known)
        << "case " << k << " (" << c.at("source_file").get<std::string>() << ":" << c.at("line").get<int>() << " "
        << c.at("note").get<std::string>() << "): Math-Verify says " << expected << ", we say " << r.correct
        << (known ? " (listed as a known disagreement)" : "") << "\n  gold: " << gold.substr(0, 160)
        << "\n  pred: " << pred.substr(0, 160) << "\n  extracted gold [" << m::rule_name(r.gold_rule) << "] " << r.gold
        << " -> " << r.gold_parsed << "\n  extracted pred [" << m::rule_name(r.pred_rule) << "] " << r.pred << " -> "
        << r.pred_parsed << "\n  reason: " << r.reason;
  }
  std::printf("math_verify_cases: %zu known disagreements, slowest case %.1f ms\n", kKnownDisagreements.size(),
              worst_ms);
}
