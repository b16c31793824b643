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
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "rewards/math/verify_jsonl.h"

namespace {

namespace m = r1::rewards::math;

// The command's options; the per-record grading options are rewards/math/verify.h's.
struct VerifyCommand {
  std::string in, out, choices;
  int float_rounding = 6;
  int timeout_ms = 3000;
  int boxed_priority = 0;
  bool strict = true;
  bool set_relation = false;
};

template <class V>
void visit_fields(V& v, VerifyCommand& c) {
  using namespace r1::schema;
  v.field("in", c.in, "input JSONL; \"\" = stdin");
  v.field("out", c.out, "output JSONL; \"\" = stdout");
  v.field("float_rounding", c.float_rounding, "decimal places compared for decimal answers", closed(0, 30));
  v.field("timeout_ms", c.timeout_ms, "time bound of one record; 0 = none", at_least(0));
  v.field("boxed_priority", c.boxed_priority,
          "0: \\boxed{} before everything; 50: after \"final answer is\" (Math-Verify's default); < 0: off");
  v.field("choices", c.choices, "multiple-choice letters to extract, e.g. ABCD");
  v.field("strict", c.strict, "variable names matter (false: f(x) == f(y))");
  v.field("set_relation", c.set_relation, "a gold interval may equal a predicted inequality");
}

const r1::cli::CommandSpec kSpec{
    "verify", "[--in FILE.jsonl] [--out FILE.jsonl] [--key value ...]",
    "Grades math answers: JSONL records {\"gold\", \"pred\"} in, the same records with \"verdict\",\n"
    "\"gold_extracted\", \"gold_rule\", \"pred_extracted\", \"pred_rule\" and \"reason\" out. \"pred\" may be a\n"
    "whole model response (graded after its last </think>). A malformed line is written back as\n"
    "{\"line\", \"error\"} and makes the exit status 1 once every line is done.",
    {}};

int run_verify(VerifyCommand& c) {
  m::VerifyOptions opt;
  opt.precision = c.float_rounding;
  opt.timeout_ms = c.timeout_ms;
  opt.strict = c.strict;
  opt.allow_set_relation_comp = c.set_relation;
  opt.pred_extract.boxed_priority = c.boxed_priority;
  opt.gold_extract.boxed_priority = c.boxed_priority;
  m::MatchSettings defaults;
  defaults.precision = opt.precision;
  if (!c.choices.empty()) {
    defaults.letters = true;
    for (auto* e : {&opt.pred_extract, &opt.gold_extract})
      for (char letter : c.choices) e->choice_labels.push_back(std::string(1, letter));
  }
  const std::string& in_path = c.in;
  const std::string& out_path = c.out;

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

r1::cli::RegisterCommand reg(kSpec, "grade math answers (JSONL {gold, pred} -> verdicts)", run_verify);

}  // namespace
