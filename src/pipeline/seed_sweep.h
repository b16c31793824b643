// `r1 pipeline --seeds 1,2,3`: the whole pipeline once per seed, each a complete, resumable run in
// RUN_DIR/seed-N (its own config.json with `seed` = N), then RUN_DIR/summary.json and report.html
// with every table cell's mean and spread and each finding's margin over the seeds
// (report/seed_summary.h). A rerun skips the seeds already finished, as a single run skips stages.
#pragma once
#include <nlohmann/json.hpp>

#include "pipeline/r1_pipeline_config.h"

namespace r1::pipeline {

// cfg.seeds is non-empty. Returns the aggregate (report::aggregate_seed_summaries), plus
// "wall_seconds": {seed: that run's stage seconds summed}.
nlohmann::json run_seed_sweep(const R1PipelineConfig& cfg);

}  // namespace r1::pipeline
