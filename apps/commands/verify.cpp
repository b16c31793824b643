// `r1 verify`: grades math answers. Reads JSONL records {"gold": ..., "pred": ...} (stdin or
// --in FILE) and writes each record back with
//   "verdict": true|false, "gold_extracted", "gold_rule", "pred_extracted", "pred_rule", "reason".
// "pred" may be a whole model response (graded after its last </think>), "gold" a bare answer,
// "$...$", "\boxed{...}" or a solution ending in "#### N".
//
// A malformed line (not JSON, not an object, "gold"/"pred" missing or not strings) does not stop
// the run: it is written back as {"line": N, "error": "..."} (also reported on stderr) and the
// command exits with status 1 once all lines are done, so one bad record never hides the grades
// of the others. Blank lines are skipped.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands/commands.h"
#include "core/error.h"
#include "rewards/math/verify.h"

namespace {

namespace m = r1::rewards::math;

int run_verify(int argc, char** argv) {
  CLI::App app{"Grade math answers: JSONL {gold, pred} in, the same records with verdicts out", "r1 verify"};
  std::string in_path, out_path, choices;
  m::VerifyOptions opt;
  int boxed_priority = 0;
  app.add_option("--in", in_path, "input JSONL (default: stdin)")->check(CLI::ExistingFile);
  app.add_option("--out", out_path, "output JSONL (default: stdout)");
  app.add_option("--float-rounding", opt.float_rounding, "decimal places for decimal answers")->capture_default_str();
  app.add_option("--timeout-ms", opt.timeout_ms, "time bound of one record (0 = none)")->capture_default_str();
  app.add_option("--boxed-priority", boxed_priority,
                 "0: \\boxed{} before everything; 50: after \"final answer is\" (Math-Verify default); -1: off")
      ->capture_default_str();
  app.add_option("--choices", choices, "multiple-choice letters to extract, e.g. ABCD");
  bool non_strict = false;
  app.add_flag("--non-strict", non_strict, "variable names don't matter (f(x) == f(y))");
  app.add_flag("--set-relation", opt.allow_set_relation_comp, "a gold interval may equal a predicted inequality");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  opt.strict = !non_strict;
  opt.pred_extract.boxed_priority = boxed_priority;
  opt.gold_extract.boxed_priority = boxed_priority;
  opt.pred_extract.choices = choices;
  opt.gold_extract.choices = choices;

  std::ifstream file;
  if (!in_path.empty()) {
    file.open(in_path, std::ios::binary);
    if (!file) throw r1::Error(in_path, "cannot open input");
  }
  std::istream& in = in_path.empty() ? std::cin : file;
  std::ofstream out_file;
  if (!out_path.empty()) {
    out_file.open(out_path, std::ios::binary);
    if (!out_file) throw r1::Error(out_path, "cannot open output");
  }
  std::ostream& out = out_path.empty() ? std::cout : out_file;
  const std::string source = in_path.empty() ? "stdin" : in_path;

  std::string line;
  size_t lineno = 0, malformed = 0, graded = 0, correct = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json rec;
    std::string error;
    try {
      rec = nlohmann::json::parse(line);
      if (!rec.is_object()) error = "record is not a JSON object";
      else if (!rec.contains("gold") || !rec["gold"].is_string()) error = "field \"gold\" is missing or not a string";
      else if (!rec.contains("pred") || !rec["pred"].is_string()) error = "field \"pred\" is missing or not a string";
    } catch (const nlohmann::json::exception& e) {
      error = std::string("invalid JSON: ") + e.what();
    }
    if (!error.empty()) {
      ++malformed;
      std::string where = source + ":" + std::to_string(lineno);
      std::cerr << "error: " << where << ": " << error << "\n";
      out << nlohmann::json{{"line", lineno}, {"error", where + ": " + error}}.dump() << "\n";
      continue;
    }
    m::VerifyResult r = m::verify(rec["gold"].get<std::string>(), rec["pred"].get<std::string>(), opt);
    rec["verdict"] = r.correct;
    rec["gold_extracted"] = r.gold;
    rec["gold_rule"] = m::rule_name(r.gold_rule);
    rec["pred_extracted"] = r.pred;
    rec["pred_rule"] = r.pred.empty() ? "none" : m::rule_name(r.pred_rule);
    rec["reason"] = r.reason;
    out << rec.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    ++graded;
    correct += r.correct;
  }
  out.flush();
  std::cerr << "verify: " << graded << " graded, " << correct << " correct, " << malformed << " malformed\n";
  return malformed ? 1 : 0;
}

r1::cli::RegisterCommand reg("verify", "grade math answers (JSONL {gold, pred} -> verdicts)", run_verify);

}  // namespace
