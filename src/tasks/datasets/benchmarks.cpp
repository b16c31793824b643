#include "tasks/datasets/benchmarks.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/data_dir.h"
#include "core/error.h"
#include "rewards/math/boxed.h"
#include "tasks/datasets/mcq_task.h"

namespace r1::tasks {

using nlohmann::json;

const char* const kBoxedInstruction = "Please reason step by step, and put your final answer within \\boxed{}.";

namespace {

struct Spec {
  const char* name;
  const char* file;
  bool mcq = false;
};

const Spec kSpecs[] = {
    {"gsm8k", "gsm8k_test.jsonl"},
    {"gsm8k_train", "gsm8k_train.jsonl"},
    {"math500", "math500_test.jsonl"},
    {"aime24", "qwq_aime24.jsonl"},
    {"aime25", "qwq_aime25.jsonl"},
    {"amc23", "qwen25math_amc23_test.jsonl"},
    {"minerva", "qwen25math_minerva_math_test.jsonl"},
    {"olympiadbench", "qwen25math_olympiadbench_test.jsonl"},
    {"countdown_cd3", "countdown_cd3_test.jsonl"},
    {"mcq_sample", "mcq_sample_test.jsonl", true},
    {"mmlu", "mmlu_test.jsonl", true},
    {"gpqa_diamond", "gpqa_diamond.jsonl", true},
};

const Spec& find_spec(const std::string& name) {
  for (const auto& s : kSpecs)
    if (name == s.name) return s;
  std::string known;
  for (const auto& s : kSpecs) known += std::string(known.empty() ? "" : ", ") + s.name;
  throw Error("benchmark " + name, "unknown (known: " + known + ")");
}

std::string strip(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// A JSON number or string as answer text: 27.0 -> "27", 2.5 -> "2.5", 70 -> "70".
std::string number_text(const json& v, const std::string& where) {
  if (v.is_string()) return strip(v.get<std::string>());
  check(v.is_number(), where, "answer is neither a number nor a string");
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  double d = v.get<double>();
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  json copy = d;
  return copy.dump();  // shortest round-trip form
}

std::string field_string(const json& r, const char* key, const std::string& where) {
  check(r.contains(key) && r[key].is_string(), where, std::string("missing string field \"") + key + "\"");
  return r[key].get<std::string>();
}

// {"question", "choices": [...], "answer": "B" | 1}.
Problem parse_mcq_record(const std::string& name, const json& r, const std::string& where) {
  std::string question = field_string(r, "question", where);
  check(r.contains("choices") && r["choices"].is_array(), where, "missing array field \"choices\"");
  std::vector<std::string> choices;
  for (const auto& c : r["choices"]) {
    check(c.is_string(), where, "\"choices\" must hold strings");
    choices.push_back(c.get<std::string>());
  }
  check(r.contains("answer"), where, "missing field \"answer\" (a letter such as \"B\" or a 0-based index)");
  const json& a = r["answer"];
  size_t gold = 0;
  if (a.is_number_integer()) {
    check(a.get<long long>() >= 0, where, "\"answer\" index must be >= 0");
    gold = a.get<size_t>();
  } else {
    check(a.is_string() && a.get<std::string>().size() == 1 && a.get<std::string>()[0] >= 'A' &&
              a.get<std::string>()[0] <= 'Z',
          where, "\"answer\" must be a capital letter or a 0-based index");
    gold = static_cast<size_t>(a.get<std::string>()[0] - 'A');
  }
  Problem p = make_mcq_problem(name, question, choices, gold, where);
  if (r.contains("subject") && r["subject"].is_string()) p.data["subject"] = r["subject"];
  return p;
}

Problem parse_record(const std::string& name, const json& r, size_t index, const std::string& where) {
  check(r.is_object(), where, "record is not a JSON object");
  Problem p;
  if (find_spec(name).mcq) p = parse_mcq_record(name, r, where);
  p.task = name;
  p.data["id"] = name + "/" + std::to_string(index);
  if (name == "gsm8k" || name == "gsm8k_train") {
    p.question = field_string(r, "question", where);
    std::string sol = field_string(r, "answer", where);
    size_t pos = sol.rfind("#### ");
    check(pos != std::string::npos, where, "answer has no \"#### \" final answer");
    std::string gold;
    for (char c : strip(sol.substr(pos + 5)))
      if (c != ',') gold += c;
    check(!gold.empty(), where, "empty final answer after \"#### \"");
    p.answer = gold;
    p.data["solution"] = strip(sol.substr(0, pos));
  } else if (name == "math500") {
    p.question = field_string(r, "problem", where);
    p.answer = field_string(r, "answer", where);
    p.data["solution"] = field_string(r, "solution", where);
    if (r.contains("unique_id") && r["unique_id"].is_string()) p.data["id"] = name + "/" + r["unique_id"].get<std::string>();
    if (r.contains("level")) p.data["level"] = r["level"];
    if (r.contains("subject")) p.data["subject"] = r["subject"];
  } else if (name == "aime24" || name == "aime25") {
    std::string prompt = field_string(r, "prompt", where);
    // The QwQ prompt is "<problem>\n<instruction>"; keep the bare problem (the eval prompt re-adds it).
    std::string suffix = std::string("\n") + kBoxedInstruction;
    if (prompt.size() >= suffix.size() && prompt.compare(prompt.size() - suffix.size(), suffix.size(), suffix) == 0)
      prompt.resize(prompt.size() - suffix.size());
    p.question = prompt;
    check(r.contains("answer"), where, "missing field \"answer\"");
    p.answer = number_text(r["answer"], where);
  } else if (name == "amc23") {
    p.question = field_string(r, "problem", where);
    check(r.contains("answer"), where, "missing field \"answer\"");
    p.answer = number_text(r["answer"], where);
    if (r.contains("id") && r["id"].is_number_integer()) p.data["id"] = name + "/" + std::to_string(r["id"].get<long long>());
  } else if (name == "minerva") {
    p.question = field_string(r, "problem", where);
    std::string sol = field_string(r, "solution", where);
    p.answer = rewards::math::last_boxed(sol);
    check(!p.answer.empty(), where, "solution has no \\boxed{} answer");
    p.data["solution"] = sol;
  } else if (name == "olympiadbench") {
    std::string q = field_string(r, "question", where);
    if (r.contains("context") && r["context"].is_string() && !r["context"].get<std::string>().empty())
      q = r["context"].get<std::string>() + "\n" + q;
    p.question = q;
    check(r.contains("final_answer") && r["final_answer"].is_array() && !r["final_answer"].empty() &&
              r["final_answer"][0].is_string(),
          where, "final_answer must be a non-empty list of strings");
    p.answer = r["final_answer"][0].get<std::string>();
    p.data["is_multiple_answer"] = r.value("is_multiple_answer", false);
    if (r.contains("id") && r["id"].is_number_integer()) p.data["id"] = name + "/" + std::to_string(r["id"].get<long long>());
  } else if (name == "countdown_cd3") {
    std::string input = field_string(r, "input", where);
    std::vector<long long> nums;
    size_t start = 0;
    while (start <= input.size()) {
      size_t comma = input.find(',', start);
      std::string tok = strip(input.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      check(!tok.empty() && tok.find_first_not_of("0123456789") == std::string::npos, where,
            "input \"" + input + "\" is not comma-separated integers");
      nums.push_back(std::stoll(tok));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    std::string out = strip(field_string(r, "output", where));
    check(!out.empty() && out.find_first_not_of("0123456789") == std::string::npos, where,
          "output \"" + out + "\" is not an integer");
    long long target = std::stoll(out);
    std::string list;
    for (auto n : nums) list += (list.empty() ? "" : ", ") + std::to_string(n);
    p.question = "Using the numbers [" + list + "], create an equation that equals " + out +
                 ". You can use basic arithmetic operations (+, -, *, /) and each number can only be used once.";
    p.answer = out;
    p.data["numbers"] = nums;
    p.data["target"] = target;
  }
  return p;
}

}  // namespace

const std::vector<std::string>& dataset_benchmark_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& s : kSpecs) v.push_back(s.name);
    return v;
  }();
  return names;
}

bool is_dataset_benchmark(const std::string& name) {
  for (const auto& s : kSpecs)
    if (name == s.name) return true;
  return false;
}

bool is_mcq_benchmark(const std::string& name) { return is_dataset_benchmark(name) && find_spec(name).mcq; }

std::string benchmark_file(const std::string& name) { return find_spec(name).file; }

std::string benchmark_path(const std::string& name, const std::string& data_dir) {
  const std::string file = find_spec(name).file;
  return find_data_dir(file, data_dir) + "/" + file;
}

std::vector<Problem> load_benchmark(const std::string& name, const std::string& data_dir) {
  std::string path = benchmark_path(name, data_dir);
  std::ifstream in(path);
  check(in.good(), path, "cannot open benchmark file");
  std::vector<Problem> out;
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (strip(line).empty()) continue;
    std::string where = path + ":" + std::to_string(lineno);
    json r;
    try {
      r = json::parse(line);
    } catch (const json::exception& e) {
      throw Error(where, std::string("not valid JSON: ") + e.what());
    }
    out.push_back(parse_record(name, r, out.size(), where));
  }
  check(!out.empty(), path, "benchmark file has no records");
  return out;
}

}  // namespace r1::tasks
