// Multiple-choice benchmarks: the shipped sample (data/mcq_sample_test.jsonl), simple-evals'
// prompt, letter grading after the reasoning, shuffled views mapped back to the original labels,
// and malformed files.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/temp_dir.h"
#include "core/error.h"
#include "tasks/datasets/benchmarks.h"
#include "tasks/datasets/dataset_task.h"
#include "tasks/datasets/mcq_task.h"

using namespace r1::tasks;

namespace {

const std::string kData = std::string(R1_SOURCE_DATA_DIR);

std::string response_naming(const std::string& letter) {
  return "<think>\nComparing the options one by one.\n</think>\n\nAnswer: " + letter;
}

}  // namespace

TEST(McqTask, SampleFileLoadsAsQuestionsWithFourOptions) {
  auto task = make_dataset_task("mcq_sample", kData);
  ASSERT_EQ(task->problems().size(), 24u);
  std::set<std::string> golds;
  for (const auto& p : task->problems()) {
    auto choices = p.data.at("choices").get<std::vector<std::string>>();
    ASSERT_EQ(choices.size(), 4u);
    // simple-evals' prompt: the instruction, the question, "A) ..." lines.
    EXPECT_NE(p.question.find("'Answer: $LETTER'"), std::string::npos);
    EXPECT_NE(p.question.find(p.data.at("stem").get<std::string>()), std::string::npos);
    for (size_t k = 0; k < 4; ++k)
      EXPECT_NE(p.question.find(std::string(1, char('A' + k)) + ") " + choices[k]), std::string::npos);
    EXPECT_EQ(p.answer, std::string(1, char('A' + p.data.at("gold_index").get<size_t>())));
    golds.insert(p.answer);
  }
  EXPECT_EQ(golds.size(), 4u);  // the gold is not always the same position
}

TEST(McqTask, GradesTheLetterAfterTheReasoning) {
  auto task = make_dataset_task("mcq_sample", kData);
  const Problem& p = task->problems()[0];  // Mercury: B
  ASSERT_EQ(p.answer, "B");
  Score right = task->score(p, response_naming("B"));
  EXPECT_TRUE(right.correct);
  EXPECT_EQ(right.answer, "B");
  EXPECT_TRUE(right.thinks && right.well_formed);
  EXPECT_FALSE(task->score(p, response_naming("C")).correct);
  EXPECT_TRUE(task->score(p, "<think>\nhm\n</think>\nSo it is $\\boxed{B}$.").correct);
  EXPECT_TRUE(task->score(p, "<think>\nhm\n</think>\nThe answer is (B), not (A).").correct);
  // A letter inside the reasoning is not an answer.
  Score unfinished = task->score(p, "<think>\nMaybe B, or maybe A.");
  EXPECT_FALSE(unfinished.correct);
  EXPECT_TRUE(unfinished.answer.empty());
  Rng rng(1);
  EXPECT_TRUE(task->score(p, task->write_solution(p, true, rng)).correct);
  EXPECT_TRUE(task->check_answer(p, "B"));
  EXPECT_FALSE(task->check_answer(p, "D"));
}

TEST(McqTask, ShuffledViewsKeepTheGoldOptionAndMapAnswersBack) {
  auto task = make_dataset_task("mcq_sample", kData);
  const Problem& p = task->problems()[4];  // 2310 has 5 distinct prime factors: B
  const auto choices = p.data.at("choices").get<std::vector<std::string>>();
  const std::string gold_text = choices[p.data.at("gold_index").get<size_t>()];
  EXPECT_EQ(shuffled_view(p, 0).question, p.question);
  std::set<std::string> golds_seen;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    Problem v = shuffled_view(p, seed);
    EXPECT_EQ(v.question, shuffled_view(p, seed).question);  // a seed is one order
    auto perm = v.data.at("permutation").get<std::vector<size_t>>();
    std::vector<size_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<size_t>{0, 1, 2, 3}));
    // The gold letter of the view shows the gold option's text.
    size_t shown = static_cast<size_t>(v.answer[0] - 'A');
    EXPECT_EQ(choices[perm[shown]], gold_text);
    EXPECT_NE(v.question.find(v.answer + ") " + gold_text), std::string::npos);
    golds_seen.insert(v.answer);
    // Naming the view's gold letter is correct, and the answer is the original label.
    Score s = task->score(v, response_naming(v.answer));
    EXPECT_TRUE(s.correct);
    EXPECT_EQ(s.answer, p.answer);
    // Naming another shown letter maps to that option's original label.
    std::string other = v.answer == "A" ? "B" : "A";
    Score w = task->score(v, response_naming(other));
    EXPECT_FALSE(w.correct);
    EXPECT_EQ(w.answer, std::string(1, char('A' + perm[other[0] - 'A'])));
  }
  EXPECT_GE(golds_seen.size(), 3u);  // the gold moves between positions
}

TEST(McqTask, MalformedFilesNameLineAndField) {
  const std::filesystem::path dir = r1::test::fresh_temp_dir("mcq");
  auto load = [&](const std::string& line) {
    std::ofstream(dir / "mcq_sample_test.jsonl") << R"({"question": "ok?", "choices": ["a", "b"], "answer": "A"})"
                                                 << "\n"
                                                 << line << "\n";
    try {
      load_benchmark("mcq_sample", dir.string());
    } catch (const r1::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(load(R"({"question": "q", "choices": ["only"], "answer": "A"})").find(":2: a multiple-choice question needs 2..26 choices"),
            std::string::npos);
  EXPECT_NE(load(R"({"question": "q", "choices": ["a", "b"], "answer": "C"})").find("gold answer index 2"), std::string::npos);
  EXPECT_NE(load(R"({"question": "q", "choices": ["a", "b"], "answer": "b"})").find("\"answer\" must be a capital letter"),
            std::string::npos);
  EXPECT_NE(load(R"({"question": "q", "choices": "a, b", "answer": 0})").find("\"choices\""), std::string::npos);
  EXPECT_NE(load(R"({"question": "q", "choices": ["a", "b"]})").find("missing field \"answer\""), std::string::npos);
  EXPECT_EQ(load(R"({"question": "q", "choices": ["a", "b", "c"], "answer": 2})"), "");  // a 0-based index
  std::filesystem::remove_all(dir);
}
