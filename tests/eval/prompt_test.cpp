// The R1 eval prompt through real chat templates: no system prompt, the boxed instruction, and a
// response forced to open with "<think>\n" whether or not the template writes it.
#include <gtest/gtest.h>

#include "eval/eval_prompt.h"
#include "tasks/datasets/benchmarks.h"

using namespace r1;

TEST(EvalPrompt, R1ChatPromptForcesThinkOnce) {
  tasks::Problem p{"aime24", "Find x.", "3"};
  EXPECT_EQ(eval::r1_user_message(p), "Find x.\nPlease reason step by step, and put your final answer within \\boxed{}.");
  nlohmann::json msgs = nlohmann::json::array({{{"role", "user"}, {"content", eval::r1_user_message(p)}}});
  for (auto family : {text::ChatFamily::DeepSeekR1, text::ChatFamily::DeepSeekV3, text::ChatFamily::Qwen25}) {
    auto tmpl = text::ChatTemplate::builtin(family);
    auto ep = eval::r1_chat_prompt(tmpl, p);
    std::string rendered = tmpl.render(msgs, true);
    EXPECT_EQ(ep.response_prefix, "<think>\n");
    std::string full = ep.text + ep.response_prefix;
    // Exactly one "<think>\n" at the end: the template's own, or the one appended.
    EXPECT_EQ(full.size() - full.rfind("<think>\n"), 8u);
    EXPECT_TRUE(full == rendered || full == rendered + "<think>\n") << text::chat_family_name(family);
    EXPECT_NE(full.find(eval::r1_user_message(p)), std::string::npos);
    EXPECT_FALSE(ep.add_bos);
  }
}

TEST(EvalPrompt, R1ZeroFallback) {
  tasks::Problem p{"running_sum", "3+5 mod 10", "8"};
  auto ep = eval::r1_zero_prompt(p);
  EXPECT_EQ(ep.text, "User: 3+5 mod 10\nAssistant: ");
  EXPECT_EQ(ep.response_prefix, "");
  EXPECT_TRUE(ep.add_bos);
}
