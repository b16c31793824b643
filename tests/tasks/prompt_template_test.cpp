// The R1 chat prompt through real chat templates: no system prompt, the boxed instruction, and a
// response forced to open with "<think>\n" whether or not the template writes it; the R1-Zero
// prompt's forced modes; how a prompt becomes ids.
#include <gtest/gtest.h>

#include "tasks/prompt_template.h"
#include "tasks/datasets/benchmarks.h"

using namespace r1;

TEST(PromptTemplate, R1ChatPromptForcesThinkOnce) {
  tasks::Problem p{"aime24", "Find x.", "3"};
  EXPECT_EQ(tasks::r1_user_message(p), "Find x.\nPlease reason step by step, and put your final answer within \\boxed{}.");
  nlohmann::json msgs = nlohmann::json::array({{{"role", "user"}, {"content", tasks::r1_user_message(p)}}});
  for (auto family : {text::ChatFamily::DeepSeekR1, text::ChatFamily::DeepSeekV3, text::ChatFamily::Qwen25}) {
    auto tmpl = text::ChatTemplate::builtin(family);
    auto ep = tasks::r1_chat_prompt(tmpl, p);
    std::string rendered = tmpl.render(msgs, true);
    EXPECT_EQ(ep.response_prefix, "<think>\n");
    std::string full = ep.text + ep.response_prefix;
    // Exactly one "<think>\n" at the end: the template's own, or the one appended.
    EXPECT_EQ(full.size() - full.rfind("<think>\n"), 8u);
    EXPECT_TRUE(full == rendered || full == rendered + "<think>\n") << text::chat_family_name(family);
    EXPECT_NE(full.find(tasks::r1_user_message(p)), std::string::npos);
    EXPECT_FALSE(ep.add_bos);
  }
}

TEST(PromptTemplate, R1ZeroFallback) {
  tasks::Problem p{"running_sum", "3+5 mod 10", "8"};
  auto ep = tasks::r1_zero_prompt(p);
  EXPECT_EQ(ep.text, "User: 3+5 mod 10\nAssistant: ");
  EXPECT_EQ(ep.response_prefix, "");
  EXPECT_TRUE(ep.add_bos);
}

// The R1-Zero prompt as a chat template (what r1 serve renders chat turns with for a checkpoint
// without a template): one user turn is BOS + the prompt r1 eval and GRPO feed, character for character.
TEST(PromptTemplate, R1ZeroChatTemplateRendersTheR1ZeroPrompt) {
  tasks::Problem p{"running_sum", "3+5 mod 10", "8"};
  auto tmpl = text::ChatTemplate::from_config_json(
      {{"chat_template", tasks::r1zero_chat_template()}, {"bos_token", "<bos>"}}, "test");
  nlohmann::json one = nlohmann::json::array({{{"role", "user"}, {"content", p.question}}});
  EXPECT_EQ(tmpl.render(one, true), "<bos>" + tasks::r1zero_prompt(p));
  nlohmann::json three = one;
  three.push_back({{"role", "assistant"}, {"content", "<think>8</think> <answer>8</answer>"}});
  three.push_back({{"role", "user"}, {"content", "1+1 mod 10"}});
  EXPECT_EQ(tmpl.render(three, true),
            "<bos>User: 3+5 mod 10\nAssistant: <think>8</think> <answer>8</answer>\nUser: 1+1 mod 10\nAssistant: ");
}

TEST(PromptTemplate, R1ZeroModesForceTheFirstTag) {
  tasks::Problem p{"running_sum", "3+5 mod 10", "8"};
  EXPECT_EQ(tasks::r1_zero_prompt(p, tasks::ResponseMode::kForceThink).response_prefix, "<think>");
  EXPECT_EQ(tasks::r1_zero_prompt(p, tasks::ResponseMode::kForceDirect).response_prefix, "<answer>");
}

TEST(PromptTemplate, EncodedIdsAreBosTextAndForcedPrefix) {
  text::TextCodec bytes;  // one id per byte
  bytes.encode = [](const std::string& s) { return std::vector<int32_t>(s.begin(), s.end()); };
  bytes.bos_id = 1000;
  tasks::Problem p{"running_sum", "1+2 mod 10", "3"};
  auto zero = tasks::encode_prompt(bytes, tasks::r1_zero_prompt(p, tasks::ResponseMode::kForceThink));
  const std::string text = "User: 1+2 mod 10\nAssistant: <think>";
  ASSERT_EQ(zero.size(), text.size() + 1);
  EXPECT_EQ(zero[0], 1000);
  EXPECT_EQ(std::string(zero.begin() + 1, zero.end()), text);
  // A chat template writes its own BOS (as text), so none is prepended; the prefix closes the ids.
  auto tmpl = tasks::model_chat_template(
      {{"chat_template", "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{% endfor %}"
                         "{% if add_generation_prompt %}<|assistant|>{% endif %}"}},
      "tokenizer_config.json");
  ASSERT_TRUE(tmpl.has_value());
  auto chat = tasks::encode_prompt(bytes, tasks::r1_chat_prompt(*tmpl, p));
  EXPECT_EQ(std::string(chat.begin(), chat.end()), "<|user|>" + tasks::r1_user_message(p) + "<|assistant|><think>\n");
  bytes.bos_id = -1;  // no BOS id: nothing prepended for R1-Zero either
  EXPECT_EQ(tasks::encode_prompt(bytes, tasks::r1_zero_prompt(p)).size(), std::string("User: 1+2 mod 10\nAssistant: ").size());
}

TEST(PromptTemplate, ModelChatTemplateOnlyWhenTheConfigHasOne) {
  EXPECT_FALSE(tasks::model_chat_template(nullptr, "x").has_value());
  EXPECT_FALSE(tasks::model_chat_template({{"bos_token", "<s>"}}, "x").has_value());
}
