#include "report/html_report.h"

#include <cstdio>
#include <sstream>

#include "core/error.h"
#include "core/files.h"
#include "report/svg_chart.h"

namespace r1::report {
namespace {

using json = nlohmann::json;

std::string cell(double v, int digits = 3) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

const char* kStyle =
    "body{font-family:sans-serif;max-width:1000px;margin:24px auto;color:#222}"
    "table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
    "th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:8px}"
    ".up{color:#1a7f37;font-weight:bold}.note{color:#666;font-size:13px}"
    ".off{border:1px dashed #bbb;padding:12px;box-sizing:border-box;color:#555;font-size:13px}";

}  // namespace

Series metric_series(const std::vector<json>& rows, const std::string& stage, const std::string& key,
                     const std::string& name) {
  Series s{name, {}, {}, ""};
  for (const auto& r : rows)
    if (r.value("stage", "") == stage && r.contains(key) && r[key].is_number() && r.contains("step")) {
      s.x.push_back(r["step"].get<double>());
      s.y.push_back(r[key].get<double>());
    }
  return s;
}

std::vector<json> read_metrics(const std::string& path) {
  std::vector<json> rows;
  std::istringstream in(read_file(path));
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    check(!j.is_discarded(), path + ":" + std::to_string(n), "is not valid JSON");
    rows.push_back(std::move(j));
  }
  return rows;
}

void write_r1zero_report(const std::string& run_dir) {
  auto rows = read_metrics(run_dir + "/metrics.jsonl");
  json summary = json::parse(read_file(run_dir + "/summary.json"));
  std::ostringstream h;
  h << "<!doctype html><html><head><meta charset='utf-8'><title>r1cpp R1-Zero report</title><style>" << kStyle
    << "</style></head><body><h1>R1-Zero in a tiny world</h1>"
    << "<p class='note'>A base model pretrained on a mix of direct answers and &lt;think&gt; solutions, then trained "
       "by GRPO with rule-based rewards only (accuracy + format). pass@1 is the mean correctness over k samples per "
       "held-out problem; <i>think</i> / <i>direct</i> force the response to open with &lt;think&gt; / "
       "&lt;answer&gt;.</p>";

  h << "<h2>Base vs. after RL</h2><table><tr><th>task</th><th>model</th><th>pass@1</th><th>forced think</th>"
       "<th>forced direct</th><th>think-rate</th><th>response length</th><th>problems × k</th></tr>";
  std::vector<std::string> cats;
  Series base_bar{"base", {}, {}, "#999999"}, rl_bar{"after RL", {}, {}, "#1f77b4"};
  for (auto it = summary["base"].begin(); it != summary["base"].end(); ++it) {
    cats.push_back(it.key());
    for (auto [label, key] : {std::pair{"base", "base"}, std::pair{"after RL", "final"}}) {
      const auto& r = summary[key][it.key()];
      bool rl = std::string(key) == "final";
      double p = r["free"]["pass@1"], b = summary["base"][it.key()]["free"]["pass@1"];
      (rl ? rl_bar : base_bar).y.push_back(p);
      h << "<tr><td>" << html_escape(it.key()) << "</td><td>" << label << "</td><td"
        << (rl && p > b ? " class='up'" : "") << ">" << cell(p) << "</td><td>"
        << cell(r["forced_think"]["pass@1"]) << "</td><td>" << cell(r["forced_direct"]["pass@1"]) << "</td><td>"
        << cell(r["free"]["think_rate"], 2) << "</td><td>" << cell(r["free"]["response_length"], 1) << "</td><td>"
        << r["free"]["problems"].get<int64_t>() << " × " << r["free"]["k"].get<int64_t>() << "</td></tr>";
    }
  }
  h << "</table><div class='charts'>"
    << svg_bar_chart(cats, {base_bar, rl_bar}, {"held-out pass@1", "", "pass@1", 460, 260, 1}) << "</div>";

  auto grpo = [&](const std::string& key, const std::string& title, const std::string& ylabel) {
    auto s = metric_series(rows, "grpo", key, key);
    return svg_line_chart({s}, {title, "RL step", ylabel, 460, 260, 5});
  };
  // A quantity the run's settings switch off is said to be off, not drawn as a flat line at zero.
  const json config = path_exists(run_dir + "/config.json") ? json::parse(read_file(run_dir + "/config.json")) : json{};
  const json rl = config.value("rl", json::object());
  auto off_or = [&](bool off, const std::string& title, const std::string& why, const std::string& chart) {
    if (!off) return chart;
    return "<div class='off' style='width:460px;height:260px'><b>" + html_escape(title) + "</b><p>" +
           html_escape(why) + "</p></div>";
  };
  const std::string kl_chart =
      off_or(rl.value("beta", 1.0) == 0.0, "KL to reference (k3)",
             "Not computed: rl.beta = 0 loads no reference model (the R1-Zero setting). Set --rl.beta > 0 to "
             "train with, and plot, the KL penalty.",
             grpo("kl", "KL to reference (k3)", "KL"));
  const std::string clip_chart =
      off_or(rl.value("num_iterations", 2) == 1, "clipped ratio share",
             "Always 0 here: with one policy update per rollout batch (rl.num_iterations = 1) the importance ratio "
             "is exactly 1, so nothing is clipped. Set --rl.num_iterations > 1 to see clipping.",
             grpo("clip_fraction", "clipped ratio share", "share"));
  h << "<h2>RL training (GRPO)</h2><p class='note'>Curves smoothed over 5 steps; the rollout batch of each step.</p>"
    << "<div class='charts'>" << grpo("accuracy", "training accuracy", "share correct")
    << grpo("response_length", "mean response length", "tokens") << grpo("think_rate", "think-rate", "share thinking")
    << grpo("reward", "reward (accuracy + format)", "reward") << kl_chart << clip_chart << "</div>";
  h << "<h2>Pretraining</h2><div class='charts'>"
    << svg_line_chart({metric_series(rows, "pretrain", "loss", "loss")}, {"pretraining loss", "step", "cross-entropy", 460, 260, 1})
    << "</div>";
  h << "<h2>Wall time</h2><table><tr><th>stage</th><th>seconds</th></tr>";
  for (auto it = summary["wall_seconds"].begin(); it != summary["wall_seconds"].end(); ++it)
    h << "<tr><td>" << html_escape(it.key()) << "</td><td>" << cell(it.value(), 1) << "</td></tr>";
  h << "</table></body></html>\n";
  write_file_atomic(run_dir + "/report.html", h.str());
}

}  // namespace r1::report
