#include "report/pipeline_report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "core/files.h"
#include "report/html_report.h"
#include "report/svg_chart.h"

namespace r1::report {
namespace {

using json = nlohmann::json;

// The table's rows, in the paper's order, with what they stand for.
const std::vector<std::pair<std::string, std::string>>& row_labels() {
  static const std::vector<std::pair<std::string, std::string>> rows = {
      {"base", "base model"},
      {"r1_zero", "R1-Zero (RL from base)"},
      {"cold_start", "R1: cold-start SFT"},
      {"reasoning_rl", "R1: + reasoning RL (language reward)"},
      {"reasoning_rl_no_lc", "ablation: reasoning RL without language reward"},
      {"rejection_sft", "R1: rejection sampling + SFT"},
      {"final_rl", "R1: RL for all scenarios"},
      {"student_base", "student base (smaller)"},
      {"distill", "student distilled from R1"},
      {"student_rl", "student trained by RL only"},
  };
  return rows;
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// Per-step values of one metric of a GRPO stage.
std::vector<double> metric_curve(const std::vector<json>& metrics, const std::string& stage, const std::string& key) {
  std::vector<double> out;
  for (const auto& m : metrics)
    if (m.value("stage", "") == stage && m.contains(key)) out.push_back(m.at(key).get<double>());
  return out;
}

// Mean of the last n values (all of them when fewer); 0 when empty.
double tail_mean(const std::vector<double>& v, size_t n) {
  if (v.empty()) return 0.0;
  const size_t k = std::min(n, v.size());
  double sum = 0;
  for (size_t i = v.size() - k; i < v.size(); ++i) sum += v[i];
  return sum / k;
}

// First step (1-based) whose trailing `window`-step mean reaches `target`; -1 if none.
int64_t steps_to_reach(const std::vector<double>& curve, double target, size_t window) {
  double sum = 0;
  for (size_t i = 0; i < curve.size(); ++i) {
    sum += curve[i];
    if (i >= window) sum -= curve[i - window];
    const size_t n = std::min(i + 1, window);
    if (i + 1 >= window && sum / n >= target) return static_cast<int64_t>(i + 1);
  }
  return -1;
}

// margin: the signed quantity that points the question's way (pipeline_report.h), in the units of
// the compared cells, so that runs over several seeds can weigh it against the seed spread; null
// where no single number decides.
json finding(const std::string& question, bool holds, const std::string& answer, json numbers, json margin = nullptr) {
  return {{"question", question},
          {"holds", holds},
          {"answer", answer},
          {"numbers", std::move(numbers)},
          {"margin", std::move(margin)}};
}

// pass@1 at or beyond these leaves a majority vote nothing to add (cons@k vs pass@1).
constexpr double kFloor = 0.02, kCeiling = 0.98;

const char* kStyle =
    "body{font-family:sans-serif;max-width:1100px;margin:24px auto;color:#222}"
    "table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
    "th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:8px}"
    ".yes{color:#1a7f37;font-weight:bold}.no{color:#b42318;font-weight:bold}.note{color:#666;font-size:13px}"
    "li{margin:6px 0}";

}  // namespace

json pipeline_findings(const json& summary, const std::vector<json>& metrics) {
  json out = json::array();
  const json& rows = summary.at("rows");
  const std::string task = summary.at("tasks").at(0);
  auto has = [&](const std::string& s) { return rows.contains(s) && rows.at(s).contains(task); };
  auto get = [&](const std::string& s, const char* key) { return rows.at(s).at(task).at(key).get<double>(); };

  if (has("base") && has("r1_zero")) {
    const double p0 = get("base", "pass@1"), p1 = get("r1_zero", "pass@1");
    const double l0 = get("base", "response_length"), l1 = get("r1_zero", "response_length");
    const bool holds = p1 > p0 && l1 > l0;
    out.push_back(finding("Does R1-Zero RL raise pass@1 and response length?", holds,
                          std::string(holds ? "Yes" : "No") + ": pass@1 " + fmt("%.3f", p0) + " -> " + fmt("%.3f", p1) +
                              ", response length " + fmt("%.1f", l0) + " -> " + fmt("%.1f", l1) + " tokens.",
                          {{"pass@1", {p0, p1}}, {"response_length", {l0, l1}}}, p1 - p0));
  }
  const auto zero = metric_curve(metrics, "r1_zero", "accuracy"), cold = metric_curve(metrics, "reasoning_rl", "accuracy");
  if (zero.size() >= 10 && !cold.empty()) {
    double target = 0;
    for (size_t i = zero.size() - 10; i < zero.size(); ++i) target += zero[i] / 10;
    const int64_t s_zero = steps_to_reach(zero, target, 10), s_cold = steps_to_reach(cold, target, 10);
    const bool holds = s_cold > 0 && (s_zero < 0 || s_cold < s_zero);
    std::string answer = std::string(holds ? "Yes" : "No") + ": R1-Zero's final training accuracy (" +
                         fmt("%.3f", target) + ", mean of its last 10 steps) is first reached, as a 10-step mean, " +
                         (s_cold > 0 ? "after " + std::to_string(s_cold) + " RL steps from the cold start"
                                     : "never in " + std::to_string(cold.size()) + " RL steps from the cold start") +
                         " vs " + (s_zero > 0 ? std::to_string(s_zero) : std::string("never")) + " from the base.";
    out.push_back(finding("Does cold start reach R1-Zero's final accuracy in fewer RL steps?", holds, answer,
                          {{"target_accuracy", target}, {"steps_from_cold_start", s_cold}, {"steps_from_base", s_zero}},
                          s_cold > 0 && s_zero > 0 ? json(s_zero - s_cold) : json(nullptr)));
  }
  if (has("reasoning_rl") && has("reasoning_rl_no_lc")) {
    // Held-out mixing (sampled at the eval temperature) and the training rollouts' language
    // consistency (temperature 1, last 10 steps): the second shows mixing the first can round to 0.
    const double m1 = get("reasoning_rl", "language_mixing"), m0 = get("reasoning_rl_no_lc", "language_mixing");
    const double p1 = get("reasoning_rl", "pass@1"), p0 = get("reasoning_rl_no_lc", "pass@1");
    const double c1 = tail_mean(metric_curve(metrics, "reasoning_rl", "language"), 10);
    const double c0 = tail_mean(metric_curve(metrics, "reasoning_rl_no_lc", "language"), 10);
    const bool holds = m1 < m0 || (m1 == m0 && c1 > c0);
    out.push_back(finding("Does the language-consistency reward cut language mixing, and at what accuracy cost?",
                          holds,
                          std::string(holds ? "Yes" : "No") + ": mixed-language CoTs on held-out problems " +
                              fmt("%.3f", m0) + " without the reward vs " + fmt("%.3f", m1) +
                              " with it; target-language share of the training rollouts' CoTs " + fmt("%.3f", c0) +
                              " vs " + fmt("%.3f", c1) + "; pass@1 " + fmt("%.3f", p0) + " vs " + fmt("%.3f", p1) +
                              " (cost " + fmt("%+.3f", p0 - p1) + ").",
                          {{"mixing", {m0, m1}}, {"rollout_language", {c0, c1}}, {"pass@1", {p0, p1}}},
                          m0 != m1 ? m0 - m1 : c1 - c0));
  }
  if (has("distill") && has("student_rl")) {
    // Both lift the same student base; the stages' wall seconds say what each lift cost.
    const double d = get("distill", "pass@1"), r = get("student_rl", "pass@1");
    const bool holds = d > r;
    json numbers = {{"distill", d}, {"student_rl", r}};
    std::string from;
    if (has("student_base")) {
      numbers["student_base"] = get("student_base", "pass@1");
      from = " from the student's base at " + fmt("%.3f", numbers["student_base"].get<double>());
    }
    std::string cost;
    const json& wall = summary.contains("wall_seconds") ? summary.at("wall_seconds") : json::object();
    if (wall.contains("distill") && wall.contains("student_rl")) {
      numbers["seconds"] = {{"distill", wall.at("distill")}, {"student_rl", wall.at("student_rl")}};
      cost = " (" + fmt("%.0f", wall.at("distill").get<double>()) + " s of sampling and SFT vs " +
             fmt("%.0f", wall.at("student_rl").get<double>()) + " s of RL)";
    }
    out.push_back(finding("Does distillation lift the student more than RL alone?", holds,
                          std::string(holds ? "Yes" : "No") + ": pass@1" + from + " to " + fmt("%.3f", d) +
                              " distilled vs " + fmt("%.3f", r) + " by RL alone" + cost + ".",
                          std::move(numbers), d - r));
  }
  // Majority voting can only show its worth on a model off the ceiling and the floor.
  int64_t above = 0, off = 0, n = 0;
  for (auto it = rows.begin(); it != rows.end(); ++it)
    if (it.value().contains(task)) {
      ++n;
      const double p = it.value().at(task).at("pass@1").get<double>();
      if (p <= kFloor || p >= kCeiling) continue;
      ++off;
      above += it.value().at(task).at("cons@k").get<double>() > p;
    }
  if (n > 0) {
    const std::string range = "pass@1 in (" + fmt("%.2f", kFloor) + ", " + fmt("%.2f", kCeiling) + ")";
    const bool holds = off > 0 && above == off;
    out.push_back(finding("Is cons@k above pass@1 off the ceiling?", holds,
                          off == 0 ? "Undecided: no model is off the ceiling and the floor (" + range + ")."
                                   : std::string(holds ? "Yes" : "Not everywhere") + ": cons@k exceeds pass@1 for " +
                                         std::to_string(above) + " of the " + std::to_string(off) + " models with " +
                                         range + "; " + std::to_string(n - off) + " sit at the ceiling or floor.",
                          {{"models_above", above}, {"models", off}, {"at_ceiling_or_floor", n - off}}));
  }
  return out;
}

void write_pipeline_report(const std::string& run_dir) {
  auto metrics = read_metrics(run_dir + "/metrics.jsonl");
  json summary = json::parse(read_file(run_dir + "/summary.json"));
  const json& rows = summary.at("rows");
  const std::string task = summary.at("tasks").at(0);
  std::ostringstream h;
  h << "<!doctype html><html><head><meta charset='utf-8'><title>r1cpp R1 pipeline report</title><style>" << kStyle
    << "</style></head><body><h1>The R1 pipeline in a tiny world</h1>"
    << "<p class='note'>Every model is measured on the same held-out problems: pass@1 is the mean correctness over "
       "k samples per problem, cons@k the majority answer's, <i>mixing</i> the share of chains of thought written in "
       "two languages, <i>general</i> the share of replies to held-out general prompts that the hidden preference "
       "rule accepts.</p>";

  h << "<h2>Results (" << html_escape(task) << ")</h2><table><tr><th>model</th><th>pass@1</th><th>cons@k</th>"
       "<th>think-rate</th><th>response length</th><th>language mixing</th><th>general</th><th>wall s</th></tr>";
  std::vector<std::string> cats;
  Series pass{"pass@1", {}, {}, "#1f77b4"}, cons{"cons@k", {}, {}, "#ff7f0e"};
  for (const auto& [stage, label] : row_labels()) {
    if (!rows.contains(stage) || !rows.at(stage).contains(task)) continue;
    const json& r = rows.at(stage).at(task);
    const double wall = summary.at("wall_seconds").value(stage, 0.0);
    h << "<tr><td>" << html_escape(label) << "</td><td>" << fmt("%.3f", r.at("pass@1")) << "</td><td>"
      << fmt("%.3f", r.at("cons@k")) << "</td><td>" << fmt("%.2f", r.at("think_rate")) << "</td><td>"
      << fmt("%.1f", r.at("response_length")) << "</td><td>" << fmt("%.3f", r.at("language_mixing")) << "</td><td>"
      << fmt("%.3f", rows.at(stage).at("general").at("pass@1")) << "</td><td>" << fmt("%.0f", wall) << "</td></tr>";
    cats.push_back(stage);
    pass.y.push_back(r.at("pass@1"));
    cons.y.push_back(r.at("cons@k"));
  }
  h << "</table><div class='charts'>" << svg_bar_chart(cats, {pass, cons}, {"held-out accuracy", "", "", 1000, 280, 1})
    << "</div>";

  h << "<h2>The paper's findings, measured</h2><ul>";
  for (const auto& f : summary.at("findings"))
    h << "<li><b>" << html_escape(f.at("question")) << "</b> <span class='" << (f.at("holds").get<bool>() ? "yes" : "no")
      << "'>" << (f.at("holds").get<bool>() ? "holds" : "does not hold") << "</span><br>"
      << html_escape(f.at("answer")) << "</li>";
  h << "</ul>";

  const std::vector<std::string> rl_stages = {"r1_zero", "reasoning_rl", "reasoning_rl_no_lc", "final_rl", "student_rl"};
  auto rl_chart = [&](const std::string& key, const std::string& title, const std::string& y) {
    std::vector<Series> s;
    for (const auto& st : rl_stages) {
      auto one = metric_series(metrics, st, key, st);
      if (!one.x.empty()) s.push_back(std::move(one));
    }
    return s.empty() ? std::string() : svg_line_chart(s, {title, "RL step", y, 540, 280, 5});
  };
  h << "<h2>RL stages (GRPO)</h2><p class='note'>Rollout batches of each step, smoothed over 5 steps.</p>"
    << "<div class='charts'>" << rl_chart("accuracy", "training accuracy", "share correct")
    << rl_chart("language", "language consistency of the CoT", "target-language share")
    << rl_chart("response_length", "response length", "tokens") << rl_chart("reward", "reward", "reward") << "</div>";

  auto loss_chart = [&](const std::vector<std::string>& stages, const std::string& title) {
    std::vector<Series> s;
    for (const auto& st : stages) {
      auto one = metric_series(metrics, st, "loss", st);
      if (!one.x.empty()) s.push_back(std::move(one));
    }
    return s.empty() ? std::string() : svg_line_chart(s, {title, "step", "cross-entropy", 540, 280, 1});
  };
  h << "<h2>Pretraining and SFT</h2><div class='charts'>"
    << loss_chart({"base", "student_base"}, "pretraining loss")
    << loss_chart({"cold_start", "rejection_sft", "distill"}, "SFT loss") << "</div>";

  if (summary.contains("data")) {
    h << "<h2>Sampled data</h2><table><tr><th>set</th><th>from</th><th>samples</th><th>correct</th><th>kept</th>"
         "<th>mixed language</th><th>repetitive</th><th>duplicate</th></tr>";
    for (auto it = summary["data"].begin(); it != summary["data"].end(); ++it) {
      const json& d = it.value();
      h << "<tr><td>" << html_escape(it.key()) << "</td><td>" << html_escape(d.value("sampled_from", "")) << "</td><td>"
        << d.value("total", 0) << "</td><td>" << fmt("%.3f", d.value("correct_rate", 0.0)) << "</td><td>"
        << d.value("kept", 0) << "</td><td>" << d.value("mixed_language", 0) << "</td><td>" << d.value("repetitive", 0)
        << "</td><td>" << d.value("duplicate", 0) << "</td></tr>";
    }
    h << "</table>";
  }
  if (summary.contains("reward_model"))
    h << "<p>Reward model: held-out pairwise accuracy "
      << fmt("%.3f", summary["reward_model"].value("eval_accuracy_before", 0.0)) << " before training, "
      << fmt("%.3f", summary["reward_model"].value("eval_accuracy", 0.0)) << " after.</p>";
  h << "<h2>Wall time</h2><table><tr><th>stage</th><th>seconds</th></tr>";
  for (auto it = summary["wall_seconds"].begin(); it != summary["wall_seconds"].end(); ++it)
    h << "<tr><td>" << html_escape(it.key()) << "</td><td>" << fmt("%.1f", it.value()) << "</td></tr>";
  h << "</table></body></html>\n";
  write_file_atomic(run_dir + "/report.html", h.str());
}

}  // namespace r1::report
