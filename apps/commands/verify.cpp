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
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "rewards/math/verify.h"

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

int run_verify(int argc, char** argv) {
  VerifyCommand c;
  if (!r1::cli::parse(kSpec, c, argc, argv)) return 0;
  m::VerifyOptions opt;
  opt.float_rounding = c.float_rounding;
  opt.timeout_ms = c.timeout_ms;
  opt.strict = c.strict;
  opt.allow_set_relation_comp = c.set_relation;
  opt.pred_extract.boxed_priority = c.boxed_priority;
  opt.gold_extract.boxed_priority = c.boxed_priority;
  opt.pred_extract.choices = c.choices;
  opt.gold_extract.choices = c.choices;
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
