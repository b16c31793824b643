// HTML reports built from a run directory's metrics.jsonl and summary.json: plots a person would
// rather look at than read, plus the tables they summarize.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "report/svg_chart.h"

namespace r1::report {

// Reads every JSON line of metrics.jsonl (malformed lines are an error naming the line).
std::vector<nlohmann::json> read_metrics(const std::string& path);

// The (step, value) curve of metric `key` over the rows of stage `stage`, named `name`; rows
// without a numeric `key` or a step are skipped.
Series metric_series(const std::vector<nlohmann::json>& rows, const std::string& stage, const std::string& key,
                     const std::string& name);

// The R1-Zero main job's report: training curves (pretrain loss; RL reward, accuracy, response
// length, think-rate, KL, clip fraction) and the base-vs-RL table per task. Writes report.html.
void write_r1zero_report(const std::string& run_dir);

}  // namespace r1::report
