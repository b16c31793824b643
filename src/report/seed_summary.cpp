#include "report/seed_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/files.h"
#include "report/svg_chart.h"

namespace r1::report {
namespace {

using json = nlohmann::json;

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string mean_sd(const json& s, const char* f) {
  return fmt(f, s.at("mean").get<double>()) + " ± " + fmt(f, s.at("sd").get<double>());
}

// The question's finding in one seed's summary, or nullptr.
const json* finding_of(const json& summary, const std::string& question) {
  for (const auto& f : summary.at("findings"))
    if (f.at("question") == question) return &f;
  return nullptr;
}

}  // namespace

json spread_of(const std::vector<double>& values) {
  const double n = static_cast<double>(values.size());
  double mean = 0;
  for (double v : values) mean += v / n;
  double ss = 0;
  for (double v : values) ss += (v - mean) * (v - mean);
  const double sd = values.size() > 1 ? std::sqrt(ss / (n - 1)) : 0.0;
  return {{"mean", mean},
          {"sd", sd},
          {"min", *std::min_element(values.begin(), values.end())},
          {"max", *std::max_element(values.begin(), values.end())},
          {"values", values}};
}

json aggregate_seed_summaries(const std::vector<json>& summaries, const std::vector<int64_t>& seeds) {
  json out = {{"seeds", seeds}, {"rows", json::object()}, {"findings", json::array()}};
  if (summaries.empty()) return out;
  const json& first = summaries.front();
  for (auto stage = first.at("rows").begin(); stage != first.at("rows").end(); ++stage)
    for (auto task = stage.value().begin(); task != stage.value().end(); ++task)
      for (auto metric = task.value().begin(); metric != task.value().end(); ++metric) {
        if (!metric.value().is_number()) continue;
        std::vector<double> values;
        for (const auto& s : summaries) {
          const json* cell = &s.at("rows");
          for (const std::string& key : {stage.key(), task.key(), metric.key()})
            cell = cell && cell->is_object() && cell->contains(key) ? &cell->at(key) : nullptr;
          if (!cell || !cell->is_number()) break;
          values.push_back(cell->get<double>());
        }
        if (values.size() == summaries.size())
          out["rows"][stage.key()][task.key()][metric.key()] = spread_of(values);
      }

  for (const auto& f : first.at("findings")) {
    const std::string question = f.at("question");
    json answers = json::array(), holds_in = json::array();
    std::vector<double> margins;
    bool everywhere = true;
    for (size_t i = 0; i < summaries.size(); ++i) {
      const json* g = finding_of(summaries[i], question);
      if (!g) {
        everywhere = false;
        break;
      }
      answers.push_back(g->at("answer"));
      if (g->at("holds").get<bool>()) holds_in.push_back(seeds[i]);
      if (g->contains("margin") && g->at("margin").is_number()) margins.push_back(g->at("margin").get<double>());
    }
    if (!everywhere) continue;
    json row = {{"question", question}, {"holds_in", holds_in}, {"seeds", seeds}, {"answers", answers},
                {"margin", nullptr}, {"decided", false}};
    if (margins.size() == summaries.size()) {
      const json m = spread_of(margins);
      const bool one_sign = std::all_of(margins.begin(), margins.end(), [](double x) { return x > 0; }) ||
                            std::all_of(margins.begin(), margins.end(), [](double x) { return x < 0; });
      row["margin"] = m;
      row["decided"] = one_sign && std::abs(m.at("mean").get<double>()) > m.at("sd").get<double>();
    }
    out["findings"].push_back(row);
  }
  return out;
}

void write_seed_report(const std::string& run_dir, const json& aggregate, const std::vector<std::string>& stage_order) {
  const json& rows = aggregate.at("rows");
  std::ostringstream h;
  h << "<!doctype html><html><head><meta charset='utf-8'><title>r1cpp R1 pipeline over seeds</title><style>"
       "body{font-family:sans-serif;max-width:1100px;margin:24px auto;color:#222}"
       "table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
       "th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.note{color:#666;font-size:13px}"
       ".yes{color:#1a7f37;font-weight:bold}.no{color:#b42318;font-weight:bold}li{margin:6px 0}"
       "</style></head><body><h1>The R1 pipeline over seeds</h1><p class='note'>Seeds";
  for (const auto& s : aggregate.at("seeds")) {
    const std::string n = std::to_string(s.get<int64_t>());
    h << " <a href='seed-" << n << "/report.html'>" << n << "</a>";
  }
  h << ". Each cell is the mean ± sample standard deviation over the seeds.</p>";
  h << "<table><tr><th>model</th><th>task</th><th>pass@1</th><th>cons@k</th><th>think-rate</th>"
       "<th>response length</th><th>language mixing</th></tr>";
  for (const auto& stage : stage_order) {
    if (!rows.contains(stage)) continue;
    for (auto task = rows.at(stage).begin(); task != rows.at(stage).end(); ++task) {
      const json& c = task.value();
      h << "<tr><td>" << html_escape(stage) << "</td><td>" << html_escape(task.key()) << "</td>";
      for (const char* key : {"pass@1", "cons@k", "think_rate", "response_length", "language_mixing"})
        h << "<td>" << (c.contains(key) ? mean_sd(c.at(key), std::string(key) == "response_length" ? "%.1f" : "%.3f") : "")
          << "</td>";
      h << "</tr>";
    }
  }
  h << "</table>";
  h << "<h2>The paper's findings over seeds</h2><ul>";
  for (const auto& f : aggregate.at("findings")) {
    const bool decided = f.at("decided").get<bool>();
    h << "<li><b>" << html_escape(f.at("question")) << "</b> holds in " << f.at("holds_in").size() << " of "
      << f.at("seeds").size() << " seeds";
    if (f.at("margin").is_object())
      h << "; margin " << mean_sd(f.at("margin"), "%+.3f") << " <span class='" << (decided ? "yes" : "no") << "'>"
        << (decided ? "decided" : "within seed noise") << "</span>";
    h << "<ul>";
    for (size_t i = 0; i < f.at("answers").size(); ++i)
      h << "<li>seed " << f.at("seeds").at(i).get<int64_t>() << ": " << html_escape(f.at("answers").at(i)) << "</li>";
    h << "</ul></li>";
  }
  h << "</ul></body></html>\n";
  write_file_atomic(run_dir + "/report.html", h.str());
}

}  // namespace r1::report
