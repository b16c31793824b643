// Benchmark loaders on the real files the project ships in data/ (counts and formats: data/SOURCES.md),
// and malformed files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tasks/datasets/benchmarks.h"
#include "tasks/datasets/dataset_task.h"

using namespace r1::tasks;

namespace {

const std::string kData = std::string(R1_SOURCE_DATA_DIR);

nlohmann::json raw_line(const std::string& file, size_t index) {
  std::ifstream in(kData + "/" + file);
  std::string line;
  for (size_t i = 0; i <= index; ++i) std::getline(in, line);
  return nlohmann::json::parse(line);
}

}  // namespace

TEST(DatasetBenchmarks, CountsMatchSources) {
  const std::pair<const char*, size_t> expected[] = {
      {"gsm8k", 1319}, {"gsm8k_train", 7473}, {"math500", 500},        {"aime24", 30},        {"aime25", 30},
      {"amc23", 40},   {"minerva", 272},      {"olympiadbench", 675}, {"countdown_cd3", 256}, {"mcq_sample", 24}};
  for (auto [name, n] : expected) {
    auto ps = load_benchmark(name, kData);
    EXPECT_EQ(ps.size(), n) << name;
    std::set<std::string> ids;
    for (const auto& p : ps) {
      EXPECT_EQ(p.task, name);
      EXPECT_FALSE(p.question.empty()) << name;
      EXPECT_FALSE(p.answer.empty()) << name << " " << p.data["id"];
      ids.insert(p.data.at("id").get<std::string>());
    }
    EXPECT_EQ(ids.size(), n) << name << ": ids must be unique";
  }
  // mmlu and gpqa_diamond are read when their files are provided; they do not ship.
  EXPECT_EQ(dataset_benchmark_names().size(), 12u);
}

TEST(DatasetBenchmarks, GoldAnswersFollowEachFormat) {
  auto gsm = load_benchmark("gsm8k", kData);
  EXPECT_EQ(gsm[0].answer, "18");
  EXPECT_EQ(raw_line("gsm8k_test.jsonl", 146)["answer"].get<std::string>().substr(
                raw_line("gsm8k_test.jsonl", 146)["answer"].get<std::string>().rfind("#### ") + 5),
            "2,125");
  EXPECT_EQ(gsm[146].answer, "2125");  // "#### 2,125": thousands separators dropped
  EXPECT_EQ(gsm[0].question, raw_line("gsm8k_test.jsonl", 0)["question"].get<std::string>());

  auto math = load_benchmark("math500", kData);
  EXPECT_EQ(math[0].answer, "\\left( 3, \\frac{\\pi}{2} \\right)");
  EXPECT_EQ(math[0].data["id"], "math500/test/precalculus/807.json");

  auto amc = load_benchmark("amc23", kData);
  EXPECT_EQ(amc[0].answer, "27");  // 27.0 in the file
  EXPECT_EQ(amc[15].answer, "-1");

  // AIME: the QwQ prompt is problem + "\n" + the R1 instruction; the loader keeps the bare problem.
  for (const char* name : {"aime24", "aime25"}) {
    auto aime = load_benchmark(name, kData);
    for (size_t i = 0; i < aime.size(); ++i) {
      auto raw = raw_line(std::string("qwq_") + name + ".jsonl", i);
      EXPECT_EQ(aime[i].question + "\n" + kBoxedInstruction, raw["prompt"].get<std::string>());
      EXPECT_EQ(aime[i].answer, std::to_string(raw["answer"].get<long long>()));
    }
  }
  EXPECT_EQ(load_benchmark("aime24", kData)[0].answer, "204");

  auto minerva = load_benchmark("minerva", kData);
  EXPECT_EQ(minerva[0].answer, "1.6");
  EXPECT_EQ(minerva[5].answer, "np.arcsin(10/13)");

  auto olympiad = load_benchmark("olympiadbench", kData);
  EXPECT_EQ(olympiad[0].answer, "2");
  EXPECT_EQ(olympiad[13].answer, "$69$,$84$");
  EXPECT_TRUE(olympiad[13].data["is_multiple_answer"].get<bool>());

  auto cd = load_benchmark("countdown_cd3", kData);
  EXPECT_EQ(cd[0].data["numbers"], nlohmann::json({30, 100, 93}));
  EXPECT_EQ(cd[0].data["target"], 23);
  EXPECT_EQ(cd[0].answer, "23");
}

TEST(DatasetBenchmarks, MalformedLinesNameFileAndLine) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "r1_dataset_malformed";
  fs::create_directories(dir);
  auto expect_error = [&](const std::string& name, const std::string& file, const std::string& body,
                          const std::string& want) {
    std::ofstream(dir / file) << body;
    try {
      load_benchmark(name, dir.string());
      ADD_FAILURE() << "no error for " << body;
    } catch (const r1::Error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(file + ":2"), std::string::npos) << msg;
      EXPECT_NE(msg.find(want), std::string::npos) << msg;
    }
  };
  const std::string ok = R"({"question": "q", "answer": "w\n#### 3"})" "\n";
  expect_error("gsm8k", "gsm8k_test.jsonl", ok + "{not json\n", "not valid JSON");
  expect_error("gsm8k", "gsm8k_test.jsonl", ok + R"({"question": "q", "answer": "no final"})" "\n", "####");
  expect_error("gsm8k", "gsm8k_test.jsonl", ok + R"({"answer": "#### 3"})" "\n", "question");
  expect_error("countdown_cd3", "countdown_cd3_test.jsonl", R"({"input": "1,2,3", "output": "6"})" "\n"
               R"({"input": "1,,3", "output": "6"})" "\n", "comma-separated");
  expect_error("minerva", "qwen25math_minerva_math_test.jsonl",
               R"({"problem": "p", "solution": "\\boxed{1}"})" "\n" R"({"problem": "p", "solution": "none"})" "\n",
               "boxed");
  expect_error("olympiadbench", "qwen25math_olympiadbench_test.jsonl",
               R"({"question": "p", "final_answer": ["1"]})" "\n" R"({"question": "p", "final_answer": []})" "\n",
               "final_answer");
  EXPECT_THROW(load_benchmark("nope", kData), r1::Error);
  EXPECT_THROW(load_benchmark("gsm8k", (dir / "missing").string()), r1::Error);
  fs::remove_all(dir);
}

TEST(DatasetTask, SamplesFromTheFileAndItsSolutionsVerify) {
  auto task = make_dataset_task("gsm8k", kData);
  DatasetTaskOptions lenient;
  lenient.require_think_close = false;
  auto plain = make_dataset_task("gsm8k", kData, lenient);
  Rng rng(3);
  for (int i = 0; i < 20; ++i) {
    Problem p = task->sample(rng);
    auto thought = task->score(p, task->write_solution(p, true, rng));
    EXPECT_TRUE(thought.correct) << p.data["id"];
    EXPECT_TRUE(thought.thinks && thought.well_formed);
    EXPECT_EQ(thought.answer, p.answer);
    // A direct answer has no reasoning to close: 0 under the R1 rule, graded when that is relaxed.
    auto direct = task->write_solution(p, false, rng);
    EXPECT_FALSE(task->score(p, direct).correct) << p.data["id"];
    EXPECT_TRUE(plain->score(p, direct).correct) << p.data["id"];
    // The boxed answer inside the reasoning does not count, only the one after </think>.
    EXPECT_FALSE(task->score(p, "<think>\\boxed{" + p.answer + "}</think> so \\boxed{-1.5}").correct);
    // check_answer grades a bare answer: there is no reasoning to close.
    EXPECT_TRUE(task->check_answer(p, p.answer)) << p.data["id"];
    EXPECT_FALSE(task->check_answer(p, p.answer + "1")) << p.data["id"];
  }
}

TEST(DatasetTask, CountdownUsesTheTinyZeroRules) {
  auto task = make_dataset_task("countdown_cd3", kData);
  Problem p = load_benchmark("countdown_cd3", kData)[0];  // 30,100,93 -> 23
  EXPECT_TRUE(task->score(p, "<think>100-93=7 no</think><answer>30 - (100 - 93)</answer>").correct);
  EXPECT_TRUE(task->score(p, "<think>\nok\n</think>\n\nSo \\boxed{30-100+93}.").correct);  // R1 chat: boxed
  EXPECT_FALSE(task->score(p, "<answer>100 - 93 + 30 - 30</answer>").correct);               // numbers reused
  EXPECT_FALSE(task->score(p, "<answer>100 - 93</answer>").correct);                         // number unused
  EXPECT_FALSE(task->score(p, "<think>30 - (100 - 93) is it").correct);                       // never closed
  EXPECT_TRUE(task->score(p, "<think>x</think><answer>30-(100-93)</answer>").well_formed);
}
