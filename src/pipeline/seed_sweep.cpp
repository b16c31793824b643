#include "pipeline/seed_sweep.h"

#include <cstdio>

#include "core/files.h"
#include "core/log.h"
#include "pipeline/r1_pipeline.h"
#include "pipeline/stages.h"
#include "report/seed_summary.h"

namespace r1::pipeline {

using json = nlohmann::json;

json run_seed_sweep(const R1PipelineConfig& cfg) {
  const std::vector<int64_t> seeds = parse_seeds(cfg.seeds);
  prepare_run_dir(cfg);
  std::vector<json> summaries;
  json wall = json::object();
  for (size_t i = 0; i < seeds.size(); ++i) {
    R1PipelineConfig one = cfg;
    one.seeds.clear();
    one.seed = static_cast<uint64_t>(seeds[i]);
    one.run_dir = cfg.run_dir + "/seed-" + std::to_string(seeds[i]);
    log_info("[seeds] seed " + std::to_string(seeds[i]) + " (" + std::to_string(i + 1) + " of " +
             std::to_string(seeds.size()) + ") into " + one.run_dir);
    summaries.push_back(run_r1_pipeline(one));
    double seconds = 0;
    for (const auto& [stage, s] : summaries.back().at("wall_seconds").items()) seconds += s.get<double>();
    wall[std::to_string(seeds[i])] = seconds;
  }
  json aggregate = report::aggregate_seed_summaries(summaries, seeds);
  aggregate["wall_seconds"] = wall;
  write_file_atomic(cfg.run_dir + "/summary.json", aggregate.dump(2) + "\n");
  report::write_seed_report(cfg.run_dir, aggregate, cfg.stages);

  const std::string task = cfg.tasks.front();
  std::printf("\nover seeds %s: mean ± sd\n%-20s %16s %16s %16s\n", json(seeds).dump().c_str(), "model", "pass@1",
              "think-rate", "general");
  for (const auto& stage : cfg.stages) {
    const json& rows = aggregate.at("rows");
    if (!rows.contains(stage) || !rows.at(stage).contains(task)) continue;
    auto cell = [&](const std::string& t, const char* key) {
      const json& s = rows.at(stage).at(t).at(key);
      char b[48];
      std::snprintf(b, sizeof b, "%.3f ± %.3f", s.at("mean").get<double>(), s.at("sd").get<double>());
      return std::string(b);
    };
    std::printf("%-20s %16s %16s %16s\n", stage.c_str(), cell(task, "pass@1").c_str(), cell(task, "think_rate").c_str(),
                rows.at(stage).contains("general") ? cell("general", "pass@1").c_str() : "");
  }
  for (const auto& f : aggregate.at("findings")) {
    std::printf("- %s holds in %zu of %zu seeds", f.at("question").get<std::string>().c_str(), f.at("holds_in").size(),
                seeds.size());
    if (f.at("margin").is_object())
      std::printf("; margin %+.3f ± %.3f (%s)", f.at("margin").at("mean").get<double>(),
                  f.at("margin").at("sd").get<double>(), f.at("decided").get<bool>() ? "decided" : "within seed noise");
    std::printf("\n");
  }
  std::printf("\nrun directory: %s (report.html, summary.json, seed-N/)\n", cfg.run_dir.c_str());
  return aggregate;
}

}  // namespace r1::pipeline
