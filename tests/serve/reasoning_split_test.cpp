// The streaming reasoning splitter against its one-shot form (written apart with find()): the same
// reasoning and content for every way of cutting the text into pieces, every delta of one kind, and
// the cases clients depend on — a template that opened <think> in the prompt, an output cut inside
// the thinking, no thinking at all, tags split across pieces.
#include <gtest/gtest.h>

#include <random>

#include "serve/reasoning_split.h"
#include "text/chat_template.h"

namespace {

using r1::serve::prompt_opens_think;
using r1::serve::ReasoningSplitter;
using r1::serve::split_reasoning;
using r1::serve::SplitText;
using r1::serve::TextDelta;

// Feeds `text` cut at `cuts` and joins what comes out, checking no delta is empty.
SplitText streamed(const std::string& text, bool opened, const std::vector<size_t>& cuts) {
  ReasoningSplitter s(opened);
  SplitText out;
  std::vector<TextDelta> all;
  size_t at = 0;
  for (size_t c : cuts) {
    for (auto& d : s.feed(std::string_view(text).substr(at, c - at))) all.push_back(d);
    at = c;
  }
  for (auto& d : s.feed(std::string_view(text).substr(at))) all.push_back(d);
  for (auto& d : s.finish()) all.push_back(d);
  bool seen_content = false;
  for (const auto& d : all) {
    EXPECT_FALSE(d.text.empty());
    if (d.reasoning) {
      EXPECT_FALSE(seen_content) << "reasoning after content in " << text;
    }
    seen_content |= !d.reasoning;
    (d.reasoning ? out.reasoning : out.content) += d.text;
  }
  out.has_reasoning = s.has_reasoning();
  return out;
}

void expect_same(const SplitText& a, const SplitText& b, const std::string& what) {
  EXPECT_EQ(a.reasoning, b.reasoning) << what;
  EXPECT_EQ(a.content, b.content) << what;
  EXPECT_EQ(a.has_reasoning, b.has_reasoning) << what;
}

const std::vector<std::string> kTexts = {
    "<think>\nLet me add 2 and 3.\n</think>\n\nThe answer is 5.",
    "Let me add.\n</think>\n\n5",
    "<think>a</think>b",
    "<think></think>",
    "</think>answer only",
    "no thinking at all",
    "<think>\ncut in the middle of a tho",
    "cut in the middle with a partial tag </thi",
    "<thin",
    "<think>x < y and </b> tags </thinking> then </think> done </think> again",
    "  <think> leading space is content",
    "<think>\n\n   \n</think>\n\n   ",
    "<think><think>twice</think>ok",
    "é 中文 🙂 <think>ü</think>ñ",
    "",
};

}  // namespace

TEST(ReasoningSplit, OneShotCases) {
  auto s = split_reasoning("<think>\nplan\n</think>\n\nanswer", false);
  EXPECT_TRUE(s.has_reasoning);
  EXPECT_EQ(s.reasoning, "plan");
  EXPECT_EQ(s.content, "answer");
  // The template opened <think>: the output has only the closing tag, and the thought still goes apart.
  s = split_reasoning("plan\n</think>\n\nanswer", true);
  EXPECT_EQ(s.reasoning, "plan");
  EXPECT_EQ(s.content, "answer");
  // Without an opening tag anywhere, everything is the answer (a closing tag alone is just text).
  s = split_reasoning("plan</think>answer", false);
  EXPECT_FALSE(s.has_reasoning);
  EXPECT_EQ(s.content, "plan</think>answer");
  // Cut by max_tokens inside the thought: all of it is reasoning, the content is empty.
  s = split_reasoning("still thinking about", true);
  EXPECT_TRUE(s.has_reasoning);
  EXPECT_EQ(s.reasoning, "still thinking about");
  EXPECT_EQ(s.content, "");
  // A model that writes <think> although the prompt opened it.
  s = split_reasoning("<think>\nx</think>y", true);
  EXPECT_EQ(s.reasoning, "x");
  EXPECT_EQ(s.content, "y");
}

TEST(ReasoningSplit, PromptTail) {
  EXPECT_TRUE(prompt_opens_think("<｜User｜>hi<｜Assistant｜><think>\n"));
  EXPECT_TRUE(prompt_opens_think("<|im_start|>assistant\n<think>"));
  EXPECT_FALSE(prompt_opens_think("<|im_start|>assistant\n"));
  EXPECT_FALSE(prompt_opens_think("<think>a</think><|assistant|>"));
  EXPECT_FALSE(prompt_opens_think(""));
}

TEST(ReasoningSplit, EveryTwoCutStreamingEqualsOneShot) {
  for (bool opened : {false, true})
    for (const auto& t : kTexts) {
      const SplitText want = split_reasoning(t, opened);
      expect_same(streamed(t, opened, {}), want, t);
      for (size_t i = 0; i <= t.size(); ++i)
        for (size_t j = i; j <= t.size(); ++j)
          expect_same(streamed(t, opened, {i, j}), want, t + " cut at " + std::to_string(i) + "," + std::to_string(j));
    }
}

TEST(ReasoningSplit, RandomChunkingsEqualOneShot) {
  std::mt19937 rng(7);
  // Random texts built from the pieces that matter: tags, partial tags, whitespace, words.
  const std::vector<std::string> parts = {"<think>", "</think>", "<", "</", "</th", "think>", "\n", " ", "a", "bc",
                                          "é", "<thi", ">", "\n\n"};
  for (int iter = 0; iter < 3000; ++iter) {
    std::string t;
    const int n = static_cast<int>(rng() % 10);
    for (int i = 0; i < n; ++i) t += parts[rng() % parts.size()];
    std::vector<size_t> cuts;
    for (size_t i = 1; i < t.size(); ++i)
      if (rng() % 3 == 0) cuts.push_back(i);
    const bool opened = rng() % 2;
    expect_same(streamed(t, opened, cuts), split_reasoning(t, opened), t);
    // One byte at a time: the extreme chunking.
    std::vector<size_t> every;
    for (size_t i = 1; i < t.size(); ++i) every.push_back(i);
    expect_same(streamed(t, opened, every), split_reasoning(t, opened), t);
  }
}

// What is held back is only what could still be a tag: plain text comes out as it arrives.
TEST(ReasoningSplit, ReleasesTextAsSoonAsItCannotBeATag) {
  ReasoningSplitter s(true);
  auto d = s.feed("thinking hard");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0].reasoning);
  EXPECT_EQ(d[0].text, "thinking hard");
  EXPECT_TRUE(s.feed(" </th").empty());  // a partial tag and the space before it wait
  d = s.feed("ink>\n\nOK");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_FALSE(d[0].reasoning);
  EXPECT_EQ(d[0].text, "OK");
  d = s.feed(" more");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].text, " more");
}

// The real templates: R1-Distill's generation prompt opens <think> (so its thinking needs the
// opened-in-prompt split), Qwen2.5's and Llama 3's do not.
TEST(ReasoningSplit, RealTemplatesTail) {
  auto render = [](const std::string& name) {
    const auto t = r1::text::ChatTemplate::from_tokenizer_config(std::string(R1_SOURCE_DIR) +
                                                                 "/tests/text/data/chat_templates/" + name +
                                                                 "/tokenizer_config.json");
    return t.render(nlohmann::json::array({{{"role", "user"}, {"content", "What is 2 + 3?"}}}), true);
  };
  EXPECT_TRUE(prompt_opens_think(render("deepseek-r1-distill-qwen-32b")));
  EXPECT_FALSE(prompt_opens_think(render("qwen2.5-7b-instruct")));
  EXPECT_FALSE(prompt_opens_think(render("llama-3.2-3b-instruct")));
}
