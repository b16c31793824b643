// BPE trainer: output loads, round-trips, keeps digits single, and its merges are the ones a
// naive recount of pair frequencies picks.
#include "text/bpe_trainer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "core/error.h"
#include "text/byte_level.h"

namespace r1::text {
namespace {

std::vector<std::string> demo_corpus() {
  std::vector<std::string> c;
  for (int i = 0; i < 200; ++i) {
    const int a = i % 10, b = (i * 7) % 10, d = (i * 3) % 10;
    c.push_back(std::to_string(a) + "+" + std::to_string(b) + "+" + std::to_string(d) + "=");
    c.push_back("<think>" + std::to_string(a) + "+" + std::to_string(b) + "=" +
                std::to_string((a + b) % 10) + " the answer is " + std::to_string(d) +
                "</think><|endoftext|>");
  }
  return c;
}

BpeTrainerConfig demo_config() {
  BpeTrainerConfig cfg;
  cfg.num_merges = 20;
  cfg.special_tokens = {"<|endoftext|>"};
  cfg.added_tokens = {"<think>", "</think>"};
  return cfg;
}

TEST(BpeTrainer, DigitsStaySingleTokensAndTextRoundTrips) {
  const Tokenizer tok = train_bpe(demo_corpus(), demo_config());
  // The corpus has only 11 mergeable pairs (" the", " answer", " is"); digits never merge.
  const size_t merges = tok.to_json()["model"]["merges"].size();
  EXPECT_EQ(merges, 11u);
  EXPECT_EQ(tok.vocab_size(), static_cast<int64_t>(256 + merges + 3));
  const std::string text = "<think>3+5=8 8+2=0</think>12345 the answer<|endoftext|>";
  const auto ids = tok.encode(text);
  EXPECT_EQ(tok.decode(ids), text);
  // "12345": each digit is its own token (the byte-level char of the digit).
  const auto digits = tok.encode("12345");
  ASSERT_EQ(digits.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(digits[i], tok.token_to_id(std::string(1, '1' + i)));
  // Added tokens are single ids; the special one is dropped by skip_special_tokens.
  EXPECT_EQ(ids.front(), tok.token_to_id("<think>"));
  EXPECT_EQ(ids.back(), tok.token_to_id("<|endoftext|>"));
  EXPECT_EQ(tok.decode(ids, /*skip_special_tokens=*/true),
            "<think>3+5=8 8+2=0</think>12345 the answer");
}

TEST(BpeTrainer, FirstMergeIsTheMostFrequentPairByNaiveCount) {
  const std::vector<std::string> corpus = {"low lower lowest", "low low slow", "newer wider"};
  BpeTrainerConfig cfg;
  cfg.num_merges = 1;
  cfg.min_frequency = 1;
  const Tokenizer tok = train_bpe(corpus, cfg);
  // Naive reference: Qwen2-style words here are " low", "er", ...; count byte pairs per word.
  std::map<std::pair<std::string, std::string>, int> counts;
  const std::vector<std::string> words = {"low", " lower", " lowest", "low", " low", " slow",
                                          "newer", " wider"};
  for (const auto& w : words)
    for (size_t i = 0; i + 1 < w.size(); ++i)
      ++counts[{byte_level::encode(w.substr(i, 1)), byte_level::encode(w.substr(i + 1, 1))}];
  auto best = counts.begin();
  for (auto it = counts.begin(); it != counts.end(); ++it)
    if (it->second > best->second) best = it;
  const nlohmann::json j = tok.to_json();
  ASSERT_EQ(j["model"]["merges"].size(), 1u);
  EXPECT_EQ(j["model"]["merges"][0][0], best->first.first);
  EXPECT_EQ(j["model"]["merges"][0][1], best->first.second);
}

TEST(BpeTrainer, SavedFileLoadsAndEncodesIdentically) {
  const Tokenizer tok = train_bpe(demo_corpus(), demo_config());
  const std::string path = ::testing::TempDir() + "/r1_trained_tokenizer.json";
  tok.save(path);
  const Tokenizer loaded = Tokenizer::from_file(path);
  for (const auto& s : demo_corpus()) EXPECT_EQ(loaded.encode(s), tok.encode(s)) << s;
  std::remove(path.c_str());
}

TEST(BpeTrainer, VocabSizeBudgetCountsBytesMergesAndAddedTokens) {
  BpeTrainerConfig cfg = demo_config();
  cfg.num_merges = -1;
  cfg.vocab_size = 256 + 3 + 10;
  cfg.min_frequency = 1;
  EXPECT_EQ(train_bpe(demo_corpus(), cfg).vocab_size(), cfg.vocab_size);
  cfg.vocab_size = 100;
  EXPECT_THROW((void)train_bpe(demo_corpus(), cfg), r1::Error);
}

}  // namespace
}  // namespace r1::text
