// Token ids to client text: incremental detokenization releases whole UTF-8 characters only and adds
// up to the tokenizer's own decode of all ids; stop strings and the reasoning split sit on top.
#include <gtest/gtest.h>

#include <random>

#include "serve/choice_text.h"
#include "text/bpe_trainer.h"
#include "text/utf8.h"

namespace {

using r1::serve::ChoiceText;
using r1::serve::IncrementalDetokenizer;

const r1::text::Tokenizer& tokenizer() {
  static const r1::text::Tokenizer tok = [] {
    r1::text::BpeTrainerConfig cfg;
    cfg.num_merges = 40;
    cfg.min_frequency = 1;
    cfg.special_tokens = {"<|end|>"};
    cfg.added_tokens = {"<think>", "</think>"};
    return r1::text::train_bpe({"héllo wörld 中文字 🙂🙂 the thinking of the model", "hello hello world"}, cfg);
  }();
  return tok;
}

std::string random_text(std::mt19937& rng) {
  const std::vector<std::string> pieces = {"h", "é", "llo", " ", "中", "文", "🙂", "\n", "wörld", "<think>", "</think>",
                                           "the", "ü"};
  std::string t;
  const int n = static_cast<int>(rng() % 12);
  for (int i = 0; i < n; ++i) t += pieces[rng() % pieces.size()];
  return t;
}

}  // namespace

TEST(IncrementalDetokenizer, WholeCharactersThatAddUpToDecode) {
  const auto& tok = tokenizer();
  std::mt19937 rng(3);
  for (int iter = 0; iter < 500; ++iter) {
    const std::string text = random_text(rng);
    const auto ids = tok.encode(text);
    IncrementalDetokenizer d(tok);
    std::string joined;
    for (int32_t id : ids) {
      const std::string piece = d.push(id);
      EXPECT_TRUE(r1::text::utf8::is_valid(piece)) << text;
      joined += piece;
    }
    joined += d.finish();
    EXPECT_EQ(joined, tok.decode(ids, true)) << text;
    EXPECT_EQ(joined, text);
  }
}

TEST(IncrementalDetokenizer, HoldsHalfACharacter) {
  // Without merges every byte is its own token: "🙂" is four.
  r1::text::BpeTrainerConfig cfg;
  cfg.num_merges = 0;
  const auto tok = r1::text::train_bpe({"x"}, cfg);
  const std::vector<int32_t> ids = tok.encode("🙂");
  ASSERT_EQ(ids.size(), 4u);
  IncrementalDetokenizer d(tok);
  std::string out;
  for (size_t i = 0; i + 1 < ids.size(); ++i) EXPECT_EQ(d.push(ids[i]), "");
  EXPECT_EQ(d.push(ids.back()), "🙂");
}

TEST(ChoiceText, StopStringsThenReasoningSplit) {
  const auto& tok = tokenizer();
  ChoiceText c(tok, {"END"}, /*split=*/true, /*opened=*/true);
  std::string reasoning, content;
  for (int32_t id : tok.encode("hm, the wörld\n</think>\n\nhello END ignored")) {
    for (const auto& d : c.push(id)) (d.reasoning ? reasoning : content) += d.text;
  }
  for (const auto& d : c.finish()) (d.reasoning ? reasoning : content) += d.text;
  EXPECT_TRUE(c.stopped());
  EXPECT_TRUE(c.has_reasoning());
  EXPECT_EQ(reasoning, "hm, the wörld");
  EXPECT_EQ(content, "hello ");

  // No split (legacy completions): the raw text, tags included.
  ChoiceText raw(tok, {}, /*split=*/false, /*opened=*/false);
  std::string all;
  for (int32_t id : tok.encode("<think>a</think>b")) for (const auto& d : raw.push(id)) all += d.text;
  for (const auto& d : raw.finish()) all += d.text;
  EXPECT_EQ(all, "<think>a</think>b");
  EXPECT_FALSE(raw.has_reasoning());
}
