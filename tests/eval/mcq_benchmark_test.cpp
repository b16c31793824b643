// Multiple-choice benchmarks in `r1 eval`: per-sample shuffled views, votes on the original
// labels, and per-benchmark verifier settings (--match).
#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/benchmark.h"
#include "eval/benchmark_runner.h"

using namespace r1::eval;

namespace {

BenchmarkOptions sample_options() {
  BenchmarkOptions o;
  o.data_dir = R1_SOURCE_DATA_DIR;
  return o;
}

}  // namespace

TEST(McqBenchmark, EachSampleSeesItsOwnSeededOrder) {
  Benchmark b = make_benchmark("mcq_sample", sample_options());
  ASSERT_TRUE(b.sample_view);
  const auto& p = b.problems[3];
  EXPECT_EQ(b.sample_view(p, 0).question, p.question);  // sample 0: as written
  size_t reordered = 0;
  for (int64_t s = 1; s < 8; ++s) {
    auto v = b.sample_view(p, s);
    EXPECT_EQ(v.question, b.sample_view(p, s).question);  // resumable: the same view every run
    reordered += v.question != p.question;
  }
  EXPECT_GE(reordered, 5u);
  BenchmarkOptions fixed = sample_options();
  fixed.shuffle_choices = false;
  EXPECT_FALSE(make_benchmark("mcq_sample", fixed).sample_view);
  EXPECT_FALSE(make_benchmark("math500", sample_options()).sample_view);
}

TEST(McqBenchmark, VotesAreOnOriginalLabels) {
  Benchmark b = make_benchmark("mcq_sample", sample_options());
  const auto& p = b.problems[0];  // gold B
  // Three samples, each graded on its own view; their answers come back as original labels.
  std::vector<SampleRecord> records;
  for (int64_t s = 0; s < 3; ++s) {
    auto v = b.sample_view(p, s);
    std::string letter = s < 2 ? v.answer : (v.answer == "A" ? "B" : "A");  // two right, one wrong
    auto score = b.task->score(v, "<think>\nok\n</think>\nAnswer: " + letter);
    SampleRecord r;
    r.prompt_id = p.data.at("id");
    r.sample = s;
    r.answer = score.answer;
    r.correct = score.correct;
    r.stopped = true;
    records.push_back(r);
  }
  EXPECT_EQ(records[0].answer, "B");
  EXPECT_EQ(records[1].answer, "B");
  EXPECT_NE(records[2].answer, "B");
  auto summary = summarize(b, records, 3);
  EXPECT_NEAR(summary["pass@1"].get<double>(), 2.0 / 3, 1e-12);
  EXPECT_NEAR(summary["cons@k"].get<double>(), 1.0, 1e-12);
}

TEST(McqBenchmark, MatchSettingsPerBenchmark) {
  const std::vector<std::string> names = {"mcq_sample", "math500"};
  auto j = parse_match_option(R"({"mcq_sample": {"language": "fr"}})", names);
  BenchmarkOptions o = sample_options();
  o.match = j;
  Benchmark b = make_benchmark("mcq_sample", o);
  const auto& p = b.problems[0];  // gold B
  EXPECT_TRUE(b.task->score(p, "<think>\nok\n</think>\nLa réponse est B, pas A").correct);
  EXPECT_THROW(parse_match_option(R"({"gsm8k": {}})", names), r1::Error);          // not a --bench name
  EXPECT_THROW(parse_match_option(R"({"math500": 4})", names), r1::Error);         // not an object
  EXPECT_THROW(parse_match_option("{not json", names), r1::Error);
  o.match = parse_match_option(R"({"math500": {"targets": ["roman"]}})", names);
  EXPECT_THROW(make_benchmark("math500", o), r1::Error);  // checked before any sample is drawn
}
