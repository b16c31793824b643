// End-to-end: `r1 tokenizer train` writes a tokenizer.json that `r1 tokenize` loads; ids round-trip
// through --decode; --chat renders the R1_SPEC §7.5 prompt; bad paths fail with the path named.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "core/files.h"
#include "text/tokenizer.h"

namespace {

struct Result {
  int status;
  std::string out;
};

Result sh(const std::string& cmd) {
  Result r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  r.status = pclose(p);
  return r;
}

TEST(TokenizerCli, TrainTokenizeDecodeAndChat) {
  const std::string dir = ::testing::TempDir() + "/r1_tok_cli";
  r1::make_dirs(dir);
  r1::write_file_atomic(dir + "/corpus.txt",
                        "3+5+2+7=17\n<think>3+5=8 8+2=10</think> the answer is 17\n"
                        "12+34=46 the answer is 46\n");
  const std::string bin = R1_BINARY;
  Result r = sh(bin + " tokenizer train " + dir + "/corpus.txt --vocab_size 270 "
                "--min_frequency 1 --special_tokens '<|endoftext|>' --added_tokens '<think>' "
                "--added_tokens '</think>' --out " + dir + "/tokenizer.json 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto tok = r1::text::Tokenizer::from_file(dir + "/tokenizer.json");
  EXPECT_EQ(tok.vocab_size(), 270);

  const std::string text = "<think>3+5=8</think> the answer is 8";
  r1::write_file_atomic(dir + "/in.txt", text);
  r = sh(bin + " tokenize --tokenizer " + dir + "/tokenizer.json < " + dir + "/in.txt");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto ids = nlohmann::json::parse(r.out).get<std::vector<int32_t>>();
  EXPECT_EQ(ids, tok.encode(text));
  r1::write_file_atomic(dir + "/ids.json", nlohmann::json(ids).dump());
  r = sh(bin + " tokenize --decode --tokenizer " + dir + " < " + dir + "/ids.json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, text);

  r1::write_file_atomic(dir + "/chat.json", R"([{"role": "user", "content": "What is 3+5?"}])");
  r = sh(bin + " tokenize --tokenizer " + dir + " --chat " + dir +
         "/chat.json --chat_family deepseek_r1 --render_only");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "<｜begin▁of▁sentence｜><｜User｜>What is 3+5?<｜Assistant｜><think>\n");

  // Ids outside the vocabulary (270 here), negative or not integers are refused naming the element,
  // never dropped from the text.
  for (const std::string bad : {"[5, 270]", "[-1]", "[5, 2.5]", "[\"7\"]", "[5, 99999999999]"}) {
    r1::write_file_atomic(dir + "/bad_ids.json", bad);
    r = sh(bin + " tokenize --decode --tokenizer " + dir + " < " + dir + "/bad_ids.json 2>&1");
    EXPECT_NE(r.status, 0) << bad << ": " << r.out;
    EXPECT_NE(r.out.find("stdin: element "), std::string::npos) << bad << ": " << r.out;
    EXPECT_NE(r.out.find("[0, 270)"), std::string::npos) << bad << ": " << r.out;
  }

  r = sh(bin + " tokenize --tokenizer " + dir + "/missing.json < /dev/null 2>&1");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("missing.json"), std::string::npos) << r.out;
}

}  // namespace
