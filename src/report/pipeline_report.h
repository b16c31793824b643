// The report of `r1 pipeline`: the results table in the shape of the R1 paper's (base, R1-Zero,
// each R1 stage, the distilled student, the RL-only student), the paper's findings put to the test
// with the run's numbers, and each stage's curves. Torch-free: reads summary.json and metrics.jsonl.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace r1::report {

// The answers, measured, to the questions the R1 paper raises, from summary.json's "rows"
// ({stage: {task: eval, ..., "general": eval}}, "tasks") and the training metrics. One object per
// question whose stages ran: {"question", "holds" (true | false), "answer" (a sentence with the
// numbers), "numbers" {...}, "margin" (the signed number that points its way: 1 the pass@1 gain,
// 2 the RL steps saved, 3 the mixing cut -- or, when held-out mixing ties, the rollouts' language
// consistency gained -- 4 distilled minus RL-only pass@1; null for 5, and for 2 when a level is
// never reached)}.
//   1. Does R1-Zero RL raise pass@1 and response length?            base vs r1_zero
//   2. Does cold start reach R1-Zero's final accuracy in fewer RL steps?
//        training accuracy (10-step mean) of reasoning_rl vs r1_zero against r1_zero's final level
//   3. Does the language-consistency reward cut language mixing, at what accuracy cost?
//        reasoning_rl vs reasoning_rl_no_lc: held-out mixing, then the training rollouts' CoT
//        language consistency (last 10 steps) when held-out mixing ties
//   4. Does distillation lift the student more than RL alone?       distill vs student_rl (and
//        student_base, and both stages' wall seconds from summary "wall_seconds")
//   5. Is cons@k above pass@1 off the ceiling?                     rows with 0.02 < pass@1 < 0.98
nlohmann::json pipeline_findings(const nlohmann::json& summary, const std::vector<nlohmann::json>& metrics);

// Writes RUN_DIR/report.html from RUN_DIR/summary.json and RUN_DIR/metrics.jsonl.
void write_pipeline_report(const std::string& run_dir);

}  // namespace r1::report
