// `r1 verify`: grades math answers. Reads JSONL records {"gold": ..., "pred": ...} (stdin or
// --in FILE) and writes each record back with
//   "verdict": true|false, "status", "reason", "gold_extracted", "gold_rule", "pred_extracted",
//   "pred_rule" (rewards/math/verify_jsonl.h).
// "pred" may be a whole model response (graded after its last </think>), "gold" a bare answer,
// "$...$", "\boxed{...}" or a solution ending in "#### N". A record may carry its own extraction
// settings, as lighteval's ExtractiveMatch takes them: "targets" (["latex", "expr", "letters"]),
// "language" ("en", "zh", "fr", ...), "precision" (decimal places), "choices" (number of options).
//
// A malformed line (not JSON, not an object, "gold"/"pred" missing or not strings, bad settings)
// does not stop the run: it is written back as {"line": N, "error": "..."} (also reported on
// stderr) and the command exits with status 1 once all lines are done, so one bad record never
// hides the grades of the others. Bytes that are not UTF-8 are graded as U+FFFD. Blank lines are
// skipped.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands/commands.h"
#include "core/error.h"
#include "rewards/math/verify_jsonl.h"

namespace {

namespace m = r1::rewards::math;

int run_verify(int argc, char** argv) {
  CLI::App app{"Grade math answers: JSONL {gold, pred} in, the same records with verdicts out", "r1 verify"};
  std::string in_path, out_path, choices;
  m::VerifyOptions opt;
  int boxed_priority = 0;
  app.add_option("--in", in_path, "input JSONL (default: stdin)")->check(CLI::ExistingFile);
  app.add_option("--out", out_path, "output JSONL (default: stdout)");
  app.add_option("--float-rounding", opt.precision, "decimal places for decimal answers")->capture_default_str();
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
  m::MatchSettings defaults;
  defaults.precision = opt.precision;
  if (!choices.empty()) {
    defaults.letters = true;
    for (auto* e : {&opt.pred_extract, &opt.gold_extract})
      for (char c : choices) e->choice_labels.push_back(std::string(1, c));
  }

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
    const std::string where = source + ":" + std::to_string(lineno);
    m::GradedLine g = m::grade_jsonl_line(line, lineno, where, opt, defaults);
    if (g.malformed) {
      ++malformed;
      std::cerr << "error: " << g.error << "\n";
    } else {
      ++graded;
      correct += g.correct;
    }
    out << g.record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  out.flush();
  std::cerr << "verify: " << graded << " graded, " << correct << " correct, " << malformed << " malformed\n";
  return malformed ? 1 : 0;
}

r1::cli::RegisterCommand reg("verify", "grade math answers (JSONL {gold, pred} -> verdicts)", run_verify);

}  // namespace
