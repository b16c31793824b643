// `r1 pipeline --seeds 1,2,3`: one run per seed, and what a reader needs to tell a finding from
// seed noise -- every table cell's mean and spread over the seeds, and each finding's margin
// weighed against the margin's own spread. Torch-free: reads the seeds' summary.json objects.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace r1::report {

// Mean, sample standard deviation (n - 1; 0 for one value), min and max of `values`:
// {"mean", "sd", "min", "max", "values"}.
nlohmann::json spread_of(const std::vector<double>& values);

// summaries[i] is seed seeds[i]'s summary.json (pipeline_findings' shape). Returns
//   {"seeds": [...],
//    "rows": {stage: {task: {metric: spread_of(...)}}}   -- numeric cells present in every seed
//    "findings": [{"question", "holds_in" (seeds where it holds), "seeds", "answers" (per seed),
//                  "margin": spread_of(margins) | null, "decided"}]}
// A finding is decided when every seed's margin has the same sign and the mean margin is larger
// than its standard deviation over the seeds: the answer (yes or no) is then not seed noise.
// Findings are matched by question; one that did not run in every seed is left out.
nlohmann::json aggregate_seed_summaries(const std::vector<nlohmann::json>& summaries, const std::vector<int64_t>& seeds);

// Writes RUN_DIR/report.html for an aggregate (above) whose seeds ran in RUN_DIR/seed-N: the table
// as mean ± sd (rows in stage_order), the findings with their margins, links to each seed's report.
void write_seed_report(const std::string& run_dir, const nlohmann::json& aggregate,
                       const std::vector<std::string>& stage_order);

}  // namespace r1::report
