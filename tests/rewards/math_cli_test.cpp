// `r1 verify` end to end: JSONL in, verdicts out, malformed lines reported by line number.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <unistd.h>

namespace {

std::string temp_path(const std::string& name) {
  return (testing::TempDir().empty() ? std::string("/tmp/") : testing::TempDir()) + "r1_verify_" +
         std::to_string(getpid()) + "_" + name;
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

int run(const std::string& args) {
  int status = std::system((std::string(R1_BINARY) + " verify " + args).c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST(MathVerifyCli, GradesRecordsAndFlagsMalformedLines) {
  std::string in = temp_path("in.jsonl"), out = temp_path("out.jsonl"), err = temp_path("err.txt");
  {
    std::ofstream f(in);
    f << R"({"gold": "\\frac{1}{2}", "pred": "<think>hmm</think>So the answer is $\\boxed{0.5}$.", "id": 7})" << "\n";
    f << R"({"gold": "#### 72", "pred": "The answer is 71."})" << "\n";
    f << "\n";
    f << R"({"gold": "3"})" << "\n";
    f << "not json" << "\n";
  }
  EXPECT_EQ(run("--in " + in + " --out " + out + " 2>" + err), 1);  // malformed lines -> status 1
  auto recs = read_jsonl(out);
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[0].at("verdict"), true);
  EXPECT_EQ(recs[0].at("id"), 7);  // other fields pass through
  EXPECT_EQ(recs[0].at("pred_extracted"), "0.5");
  EXPECT_EQ(recs[0].at("pred_rule"), "boxed");
  EXPECT_EQ(recs[1].at("verdict"), false);
  EXPECT_EQ(recs[1].at("gold_extracted"), "72");
  EXPECT_EQ(recs[1].at("reason"), "not equivalent");
  EXPECT_EQ(recs[2].at("line"), 4);
  EXPECT_NE(recs[2].at("error").get<std::string>().find(":4: field \"pred\""), std::string::npos);
  EXPECT_EQ(recs[3].at("line"), 5);
  std::ifstream e(err);
  std::stringstream ss;
  ss << e.rdbuf();
  EXPECT_NE(ss.str().find(in + ":5: invalid JSON"), std::string::npos) << ss.str();

  // All lines well formed: status 0, stdin works.
  {
    std::ofstream f(in);
    f << R"({"gold": "\\{1,2\\}", "pred": "$\\boxed{2, 1}$"})" << "\n";
  }
  EXPECT_EQ(run("< " + in + " > " + out + " 2>" + err), 0);
  recs = read_jsonl(out);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].at("verdict"), true);
  std::remove(in.c_str());
  std::remove(out.c_str());
  std::remove(err.c_str());
}

// Per-line settings (lighteval's targets / language / precision) and bytes that are not UTF-8:
// every line gets a verdict, and a bad setting is that line's error, not the batch's.
TEST(MathVerifyCli, PerLineSettingsAndInvalidUtf8) {
  std::string in = temp_path("in2.jsonl"), out = temp_path("out2.jsonl"), err = temp_path("err2.txt");
  {
    std::ofstream f(in, std::ios::binary);
    f << R"({"gold": "\\frac{1}{3}", "pred": "0.3333", "precision": 4})" << "\n";
    f << R"({"gold": "\\frac{1}{3}", "pred": "0.3333"})" << "\n";
    f << R"({"gold": "(C) Curie", "pred": "r\u00e9ponse est C non A", "targets": ["letters"], "language": "fr"})"
      << "\n";
    f << "{\"gold\": \"5\", \"pred\": \"The answer is \\\\boxed{5}. \xe4\xb8\"}" << "\n";  // cut character
    f << "{\"gold\": \"\xff\", \"pred\": \"\xfe\"}" << "\n";
    f << R"({"gold": "1", "pred": "1", "targets": ["roman"]})" << "\n";
    f << R"({"gold": "1", "pred": "1", "precision": -1})" << "\n";
  }
  EXPECT_EQ(run("--in " + in + " --out " + out + " 2>" + err), 1);  // two bad settings
  auto recs = read_jsonl(out);
  ASSERT_EQ(recs.size(), 7u);
  EXPECT_EQ(recs[0].at("verdict"), true);
  EXPECT_EQ(recs[1].at("verdict"), false);  // 6 places by default: 0.3333 is not 1/3
  EXPECT_EQ(recs[1].at("status"), "not_equivalent");
  EXPECT_EQ(recs[2].at("verdict"), true);
  EXPECT_EQ(recs[2].at("pred_rule"), "choice");
  EXPECT_EQ(recs[3].at("verdict"), true);
  EXPECT_FALSE(recs[4].contains("error"));  // graded (as U+FFFD), not dropped
  EXPECT_EQ(recs[4].at("verdict"), false);
  EXPECT_NE(recs[5].at("error").get<std::string>().find("unknown target \"roman\""), std::string::npos);
  EXPECT_NE(recs[6].at("error").get<std::string>().find("\"precision\" must be in [0, 20]"), std::string::npos);
  std::remove(in.c_str());
  std::remove(out.c_str());
  std::remove(err.c_str());
}

