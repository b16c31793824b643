// `r1 distill` end to end between two tiny checkpoints with DIFFERENT tokenizers and formats: a teacher
// with a 40-merge BPE and R1-Zero prompts, SFT'd here until it solves a four-problem running_sum; a
// student with a 12-merge BPE trained on other text and Qwen2.5's chat template. The kept samples must
// reach the student as the same text in its own ids, its loss on them must fall, OUT/final must load
// as a Hugging Face checkpoint with the student's tokenizer, and a second run must resume.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/cli.h"
#include "common/temp_dir.h"
#include "common/tiny_model.h"
#include "core/files.h"
#include "io/model_dir.h"
#include "rl/distillation.h"
#include "tasks/datasets/benchmarks.h"
#include "tasks/task_options.h"
#include "text/chat_template.h"
#include "text/text_codec.h"
#include "text/bpe_trainer.h"
#include "train/sft.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using r1::test::run_r1;

// The task both sides see: 2 terms of 0..1 mod 2 (4 distinct problems, so a tiny teacher can learn it).
const char* const kTask =
    " --tasks running_sum --task_options.running_sum.terms 2 --task_options.running_sum.max_digit 1"
    " --task_options.running_sum.modulus 2";

r1::tasks::TaskOptions task_options() {
  r1::tasks::TaskOptions o;
  o.running_sum.terms = 2;
  o.running_sum.max_digit = 1;
  o.running_sum.modulus = 2;
  return o;
}

void save_tiny(const std::string& dir, const r1::text::Tokenizer& tok, const std::string& bos, const std::string& eos,
               int64_t width, const json& tokenizer_config = nullptr) {
  auto mc = r1::test::tiny_qwen2_config(tok.vocab_size(), 256);
  mc.hidden_size = width;
  mc.intermediate_size = 2 * width;
  mc.bos_token_id = bos.empty() ? -1 : tok.token_to_id(bos);
  mc.eos_token_id = tok.token_to_id(eos);
  r1::model::CausalLM m(mc);
  r1::model::init_weights(*m, 7);
  r1::io::save_model_dir(dir, *m, &tok, tokenizer_config);
}

// Mean cross-entropy of the masked (response) tokens, computed here from the logits.
double response_loss(r1::model::CausalLMImpl& m, const std::vector<r1::train::Example>& examples) {
  torch::NoGradGuard g;
  double sum = 0;
  int64_t n = 0;
  for (const auto& e : examples) {
    std::vector<int64_t> ids(e.ids.begin(), e.ids.end());
    auto logp = torch::log_softmax(m.forward(torch::tensor(ids).unsqueeze(0)), -1)[0];  // [T, V]
    for (size_t t = 1; t < ids.size(); ++t)
      if (e.loss_mask[t]) {
        sum -= logp[t - 1][ids[t]].item<double>();
        ++n;
      }
  }
  return sum / std::max<int64_t>(n, 1);
}

TEST(Distill, BetweenTokenizersReencodesTrainsAndResumes) {
  const std::string dir = r1::test::fresh_temp_dir("distill");
  auto task = r1::tasks::make_synthetic_task("running_sum", task_options());

  // Teacher: its own BPE over the task's text.
  std::vector<std::string> corpus;
  r1::tasks::Rng rng(1);
  std::string sft_lines;
  for (int i = 0; i < 32; ++i) {
    auto p = task->sample(rng);
    const std::string response = task->write_solution(p, /*think=*/true, rng);
    corpus.push_back("User: " + p.question + "\nAssistant: " + response);
    sft_lines += json{{"prompt", p.question}, {"response", response}}.dump() + "\n";
  }
  r1::text::BpeTrainerConfig tc;
  tc.num_merges = 40;
  tc.special_tokens = {"<|bos|>", "<|eos|>"};
  tc.added_tokens = {"<think>", "</think>", "<answer>", "</answer>"};
  tc.bos_token = "<|bos|>";
  const auto teacher_tok = r1::text::train_bpe(corpus, tc);
  save_tiny(dir + "/teacher0", teacher_tok, "<|bos|>", "<|eos|>", 32);
  r1::write_file_atomic(dir + "/teach.jsonl", sft_lines);
  auto r = run_r1("sft --model " + dir + "/teacher0 --data " + dir + "/teach.jsonl --out " + dir +
                  "/teacher --epochs 25 --train.batch_size 8 --train.lr 3e-3 --train.warmup_steps 2");
  ASSERT_EQ(r.status, 0) << r.output;

  // Student: another BPE (other text, fewer merges, ChatML specials) and Qwen2.5's chat template.
  r1::text::BpeTrainerConfig sc;
  sc.num_merges = 12;
  sc.special_tokens = {"<|im_start|>", "<|im_end|>"};
  const auto student_tok =
      r1::text::train_bpe({"You are a helpful assistant. Add the numbers: one plus one is two, mod two is zero."}, sc);
  ASSERT_NE(student_tok.vocab_size(), teacher_tok.vocab_size());
  json qwen = json::parse(r1::read_file(std::string(R1_SOURCE_DIR) +
                                        "/tests/text/data/chat_templates/qwen2.5-7b-instruct/tokenizer_config.json"));
  const json student_config = {{"chat_template", qwen["chat_template"]}, {"eos_token", "<|im_end|>"}};
  save_tiny(dir + "/student", student_tok, "", "<|im_end|>", 24, student_config);

  const std::string cmd = "distill --teacher " + dir + "/teacher/final --student " + dir + "/student --out " + dir +
                          "/out" + kTask +
                          " --prompts 8 --k 4 --sampling.max_new_tokens 24 --sft.epochs 30 --sft.train.batch_size 4"
                          " --sft.train.lr 1e-2 --checkpoint_every 2";
  r = run_r1(cmd + " --stop_after 2");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("[distill] teacher: 8/8 problems"), std::string::npos) << r.output;
  EXPECT_EQ(r1::read_file(dir + "/out/checkpoints/latest"), "step-2\n");
  EXPECT_FALSE(fs::exists(dir + "/out/final"));
  const std::string data = r1::read_file(dir + "/out/distill_data.jsonl");
  const json stats = json::parse(r1::read_file(dir + "/out/distill_data.json"));
  EXPECT_EQ(stats["total"], 32);
  ASSERT_GE(stats["kept"].get<int64_t>(), 4) << stats.dump();

  // The kept text, re-encoded: the student's ids decode to exactly the teacher's text, ids that
  // the teacher's tokenizer would not give (another vocabulary).
  const auto conversations = r1::train::read_sft_jsonl(dir + "/out/distill_data.jsonl");
  ASSERT_EQ(static_cast<int64_t>(conversations.size()), stats["kept"].get<int64_t>());
  auto student0 = r1::io::load_model_dir(dir + "/student");
  const auto fmt = r1::train::sft_format_of(student0, dir + "/student", 256);
  ASSERT_TRUE(fmt.chat.has_value());
  const auto examples = r1::rl::student_examples(conversations, fmt);
  ASSERT_EQ(examples.size(), conversations.size());
  int64_t differ = 0;
  for (size_t i = 0; i < examples.size(); ++i) {
    const std::string response = conversations[i].back()["content"];
    // Kept = verified: the answer block holds (a + b) mod 2 of the question "a+b mod 2".
    const std::string q = conversations[i][0]["content"];
    ASSERT_EQ(q.size(), 9u) << q;
    const std::string gold = std::to_string(((q[0] - '0') + (q[2] - '0')) % 2);
    EXPECT_NE(response.find("<answer>" + gold + "</answer>"), std::string::npos) << q << " -> " << response;
    const auto& e = examples[i];
    std::vector<int32_t> target;
    for (size_t t = 0; t < e.ids.size(); ++t)
      if (e.loss_mask[t]) target.push_back(e.ids[t]);
    ASSERT_EQ(target.back(), student_tok.token_to_id("<|im_end|>"));
    target.pop_back();
    EXPECT_EQ(student_tok.decode(target, false), response);
    EXPECT_EQ(teacher_tok.decode(teacher_tok.encode(response, false), false), response);
    differ += target != teacher_tok.encode(response, false);
    // The prompt is the student's ChatML rendering of the user turn the teacher saw.
    std::vector<int32_t> prompt(e.ids.begin(), e.ids.begin() + (e.ids.size() - target.size() - 1));
    const std::string prompt_text = student_tok.decode(prompt, false);
    EXPECT_NE(prompt_text.find("<|im_start|>user\n" + conversations[i][0]["content"].get<std::string>() + "<|im_end|>"),
              std::string::npos)
        << prompt_text;
  }
  EXPECT_EQ(differ, static_cast<int64_t>(examples.size()));

  // Second run: reuses the data, resumes the SFT, finishes.
  r = run_r1(cmd);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("distill: reusing"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("resuming from"), std::string::npos) << r.output;
  EXPECT_EQ(r1::read_file(dir + "/out/distill_data.jsonl"), data);

  // OUT/final: a Hugging Face checkpoint with the student's tokenizer and template; lower loss.
  auto final = r1::io::load_model_dir(dir + "/out/final");
  ASSERT_TRUE(final.tokenizer.has_value());
  EXPECT_EQ(final.tokenizer->vocab_size(), student_tok.vocab_size());
  EXPECT_EQ(final.tokenizer_config.at("chat_template"), qwen["chat_template"]);
  const json hf = json::parse(r1::read_file(dir + "/out/final/config.json"));
  EXPECT_EQ(hf["model_type"], "qwen2");
  EXPECT_EQ(hf["hidden_size"], 24);
  EXPECT_TRUE(fs::exists(dir + "/out/final/model.safetensors"));
  const double before = response_loss(*student0.model, examples), after = response_loss(*final.model, examples);
  EXPECT_LT(after, 0.5 * before) << before << " -> " << after << " over " << examples.size() << " examples";

  // Errors name what is wrong.
  r = run_r1("distill --teacher " + dir + "/nope --student " + dir + "/student --out " + dir + "/o2" + kTask);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find(dir + "/nope"), std::string::npos) << r.output;
  r = run_r1("distill --teacher " + dir + "/teacher/final --student " + dir + "/student --out " + dir +
             "/o3 --tasks running_summ");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("running_summ"), std::string::npos) << r.output;
  r = run_r1(cmd + " --k 2");  // the data in OUT was sampled with k = 4
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("data.k"), std::string::npos) << r.output;
  fs::remove_all(dir);
}

// Benchmark-file tasks: problems taken from the file without replacement, in a seeded order, and
// prompted as RL and `r1 eval` do — the teacher's chat template with R1's boxed-answer instruction and
// a forced "<think>\n" — while a synthetic family keeps the R1-Zero prompt.
TEST(Distill, BenchmarkFileProblemsGetTheTeachersChatPrompt) {
  r1::text::BpeTrainerConfig tc;
  tc.num_merges = 20;
  tc.special_tokens = {"<\xEF\xBD\x9C" "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
                       "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
                       "<\xEF\xBD\x9CUser\xEF\xBD\x9C>", "<\xEF\xBD\x9C" "Assistant\xEF\xBD\x9C>"};
  tc.added_tokens = {"<think>", "</think>"};
  const auto tok = r1::text::train_bpe({"How many apples? Please reason step by step."}, tc);
  r1::rl::TeacherText teacher;
  teacher.codec = r1::text::make_codec(tok, tok.token_to_id(tc.special_tokens[0]), tok.token_to_id(tc.special_tokens[1]));
  teacher.chat = r1::text::ChatTemplate::builtin(r1::text::ChatFamily::DeepSeekR1);

  r1::rl::DistillDataConfig cfg;
  cfg.tasks = {"gsm8k_train", "running_sum"};
  cfg.data_dir = R1_SOURCE_DATA_DIR;
  const auto tasks = r1::rl::make_distill_tasks(cfg);
  const auto problems = r1::rl::distill_problems(tasks, 40, 3, teacher);
  ASSERT_EQ(problems.size(), 40u);
  std::set<std::string> questions;
  for (size_t i = 0; i < problems.size(); ++i) {
    const auto& d = problems[i];
    EXPECT_EQ(d.prompt.index, i);
    const std::string text = tok.decode(d.prompt.ids, false);
    if (i % 2 == 0) {
      EXPECT_EQ(d.prompt.problem.task, "gsm8k_train");
      questions.insert(d.prompt.problem.question);
      EXPECT_EQ(d.user_message, d.prompt.problem.question + "\n" + r1::tasks::kBoxedInstruction);
      EXPECT_EQ(d.prompt.response_prefix, "<think>\n");
      const std::string tail = "<\xEF\xBD\x9CUser\xEF\xBD\x9C>" + d.user_message + "<\xEF\xBD\x9C" "Assistant\xEF\xBD\x9C><think>\n";
      ASSERT_GE(text.size(), tail.size());
      EXPECT_EQ(text.substr(text.size() - tail.size()), tail) << text;
    } else {
      EXPECT_EQ(d.prompt.problem.task, "running_sum");
      EXPECT_EQ(d.user_message, d.prompt.problem.question);
      EXPECT_EQ(text, tc.special_tokens[0] + "User: " + d.prompt.problem.question + "\nAssistant: ");
    }
  }
  EXPECT_EQ(questions.size(), 20u);  // no file problem twice
  // A pure function of the seed.
  const auto again = r1::rl::distill_problems(tasks, 40, 3, teacher), other = r1::rl::distill_problems(tasks, 40, 4, teacher);
  int same = 0;
  for (size_t i = 0; i < problems.size(); ++i) {
    EXPECT_EQ(again[i].prompt.ids, problems[i].prompt.ids);
    same += other[i].prompt.problem.question == problems[i].prompt.problem.question;
  }
  EXPECT_LT(same, 10);
}

}  // namespace
