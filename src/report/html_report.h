// HTML reports built from a run directory's metrics.jsonl and summary.json: plots a person would
// rather look at than read, plus the tables they summarize.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace r1::report {

// Reads every JSON line of metrics.jsonl (malformed lines are an error naming the line).
std::vector<nlohmann::json> read_metrics(const std::string& path);

// The R1-Zero main job's report: training curves (pretrain loss; RL reward, accuracy, response
// length, think-rate, KL, clip fraction) and the base-vs-RL table per task. Writes report.html.
void write_r1zero_report(const std::string& run_dir);

}  // namespace r1::report
