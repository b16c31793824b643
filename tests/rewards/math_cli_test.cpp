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
