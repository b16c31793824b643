// SFT: data reading and errors, rendering with the loss on responses only, the loss mask's effect on
// gradients, and exact resume from a checkpoint.
#include "train/sft.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/temp_dir.h"
#include "common/tiny_model.h"
#include "common/tiny_tokenizer.h"
#include "core/error.h"
#include "core/files.h"
#include "model/causal_lm.h"

namespace r1::train {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string temp_dir(const std::string& name) { return test::fresh_temp_dir("sft_test_" + name); }

std::string write_lines(const std::string& dir, const std::vector<std::string>& lines) {
  std::string p = dir + "/data.jsonl";
  std::ofstream f(p);
  for (const auto& l : lines) f << l << "\n";
  return p;
}

text::Tokenizer tiny_tokenizer() {
  return test::chat_bpe({"User: what is 2+3?\nAssistant: 5", "User: hello\nAssistant: hi there"}, 20);
}

model::CausalLM tiny_model(int64_t vocab, uint64_t seed) { return test::tiny_qwen2(vocab, 64, seed); }

TEST(SftData, ReadsBothFormats) {
  auto dir = temp_dir("formats");
  auto p = write_lines(dir, {R"({"prompt": "2+3?", "response": "5"})", "",
                             R"({"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]})"});
  auto convs = read_sft_jsonl(p);
  ASSERT_EQ(convs.size(), 2u);
  EXPECT_EQ(convs[0], json::parse(R"([{"role":"user","content":"2+3?"},{"role":"assistant","content":"5"}])"));
  EXPECT_EQ(convs[1].size(), 3u);
  EXPECT_EQ(r1zero_conversation_prompt(convs[1]), "be brief\nUser: hi\nAssistant: ");
  fs::remove_all(dir);
}

TEST(SftData, MalformedLinesNameFileAndLine) {
  auto dir = temp_dir("bad");
  const std::string good = R"({"prompt": "a", "response": "b"})";
  struct Case {
    std::string line, message;
  } cases[] = {
      {"{not json", "invalid JSON"},
      {R"({"prompt": "a"})", "\"prompt\" and \"response\""},
      {R"({"prompt": 3, "response": "b"})", "\"prompt\" must be a string"},
      {R"({"messages": [{"role": "user", "content": "x"}]})", "last message must be the assistant"},
      {R"({"messages": [{"role": "robot", "content": "x"}, {"role": "assistant", "content": "y"}]})", "role must be"},
      {R"({"messages": [{"role": "user"}, {"role": "assistant", "content": "y"}]})", "messages[0]"},
  };
  for (const auto& c : cases) {
    auto p = write_lines(dir, {good, good, c.line});
    try {
      read_sft_jsonl(p);
      ADD_FAILURE() << "accepted: " << c.line;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(p + ":3"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(read_sft_jsonl(dir + "/missing.jsonl"), Error);
  fs::remove_all(dir);
}

TEST(SftRender, LossOnResponseAndEosOnly) {
  auto tok = tiny_tokenizer();
  SftFormat f;
  f.tokenizer = &tok;
  f.bos_id = tok.token_to_id("<|bos|>");
  f.eos_id = tok.token_to_id("<|eos|>");
  json conv = json::parse(R"([{"role":"user","content":"what is 2+3?"},{"role":"assistant","content":"5"}])");
  auto e = render_sft_example(conv, f);
  ASSERT_TRUE(e);
  auto prompt = tok.encode("User: what is 2+3?\nAssistant: ");
  auto response = tok.encode("5");
  std::vector<int32_t> expect{f.bos_id};
  expect.insert(expect.end(), prompt.begin(), prompt.end());
  expect.insert(expect.end(), response.begin(), response.end());
  expect.push_back(f.eos_id);
  EXPECT_EQ(e->ids, expect);
  for (size_t i = 0; i < expect.size(); ++i) EXPECT_EQ(e->loss_mask[i], i >= 1 + prompt.size() ? 1 : 0) << i;

  // Truncation cuts the response; a prompt that fills max_length leaves nothing to learn.
  f.max_length = static_cast<int64_t>(prompt.size()) + 2;
  e = render_sft_example(conv, f);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->ids.size(), prompt.size() + 2);
  f.max_length = static_cast<int64_t>(prompt.size());
  EXPECT_FALSE(render_sft_example(conv, f));

  // With a chat template the prompt is the template's rendering with the generation prompt.
  f.max_length = 1024;
  f.chat = text::ChatTemplate::builtin(text::ChatFamily::Qwen25);
  e = render_sft_example(conv, f);
  ASSERT_TRUE(e);
  auto chat_prompt = tok.encode(f.chat->render(json::array({conv[0]}), true));
  EXPECT_EQ(std::vector<int32_t>(e->ids.begin(), e->ids.begin() + chat_prompt.size()), chat_prompt);
  EXPECT_EQ(std::count(e->loss_mask.begin(), e->loss_mask.end(), 1), static_cast<long>(response.size() + 1));
}

TEST(SftRender, PackingKeepsMasksAndBounds) {
  std::vector<Example> ex = {{{1, 2, 3}, {0, 1, 1}}, {{4, 5, 6, 7}, {0, 0, 1, 1}}, {{8, 9}, {}}, {{10, 11, 12, 13, 14, 15}, {0, 1, 1, 1, 1, 1}}};
  auto rows = pack_examples(ex, 7);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].ids, (std::vector<int32_t>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(rows[0].loss_mask, (std::vector<uint8_t>{0, 1, 1, 0, 0, 1, 1}));
  EXPECT_EQ(rows[1].ids, (std::vector<int32_t>{8, 9}));
  EXPECT_EQ(rows[1].loss_mask, (std::vector<uint8_t>{1, 1}));
  EXPECT_EQ(rows[2].ids.size(), 6u);
}

// Prompt tokens contribute nothing: the gradient is that of a response-only cross-entropy computed
// independently, and changing the targets at masked positions changes no gradient bit.
TEST(SftLoss, MaskedPositionsHaveZeroGradientContribution) {
  torch::manual_seed(0);
  auto m = tiny_model(40, 7);
  Example e{{3, 17, 5, 9, 21, 30, 2, 11}, {0, 0, 0, 0, 1, 1, 1, 1}};  // 4 prompt tokens, 4 targets
  auto batch = make_batch({e}, 0, torch::kCPU);

  auto grads = [&](const std::function<torch::Tensor()>& f) {
    m->zero_grad();
    f().backward();
    std::vector<torch::Tensor> g;
    for (auto& p : m->parameters()) g.push_back(p.grad().clone());
    return g;
  };
  auto g_masked = grads([&] { return lm_loss_sum(*m, batch); });
  auto g_reference = grads([&] {
    auto logp = torch::log_softmax(m->forward(torch::tensor({{3, 17, 5, 9, 21, 30, 2}}, torch::kLong)), -1)[0];
    // targets of input positions 3..6 are the response tokens 21, 30, 2, 11
    return -(logp[3][21] + logp[4][30] + logp[5][2] + logp[6][11]);
  });
  auto altered = batch;
  altered.targets = batch.targets.clone();
  altered.targets[0][0] = 39;
  altered.targets[0][1] = 38;
  altered.targets[0][2] = 1;
  auto g_altered = grads([&] { return lm_loss_sum(*m, altered); });
  ASSERT_EQ(g_masked.size(), g_reference.size());
  for (size_t i = 0; i < g_masked.size(); ++i) {
    EXPECT_TRUE(torch::allclose(g_masked[i], g_reference[i], 1e-5, 1e-6)) << i;
    EXPECT_TRUE(torch::equal(g_masked[i], g_altered[i])) << i;
  }
  EXPECT_EQ(batch.tokens(), 4);
}

TEST(SftOrder, EveryEpochVisitsEveryUnitOnce) {
  SftDataOrder order(12, 4, 5);
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    std::vector<int> seen(12, 0);
    for (int64_t s = epoch * 3; s < epoch * 3 + 3; ++s)
      for (auto i : order.indices(s)) ++seen[i];
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 12);
    EXPECT_EQ(order.epoch_of(epoch * 3), epoch);
  }
  EXPECT_NE(order.indices(0), order.indices(3));  // epochs are shuffled differently
  EXPECT_EQ(SftDataOrder::steps_for_epochs(10, 4, 3), 8);
}

std::vector<Example> toy_units() {
  std::vector<Example> units;
  std::mt19937 rng(3);
  for (int i = 0; i < 10; ++i) {
    Example e;
    int len = 6 + i % 5;
    for (int t = 0; t < len; ++t) e.ids.push_back(1 + rng() % 39);
    for (int t = 0; t < len; ++t) e.loss_mask.push_back(t >= 3);
    units.push_back(e);
  }
  return units;
}

SftConfig toy_config() {
  SftConfig c;
  c.epochs = 0;
  c.train.steps = 6;
  c.train.batch_size = 4;
  c.train.micro_batch_size = 2;
  c.train.warmup_steps = 2;
  c.train.lr = 1e-2;
  c.seed = 11;
  return c;
}

TEST(SftResume, StraightAndResumedRunsAreBitwiseEqual) {
  auto units = toy_units();
  auto dir_a = temp_dir("straight"), dir_b = temp_dir("resumed");
  auto a = tiny_model(40, 1);
  auto ra = run_sft(*a, units, toy_config(), 0, {}, SftOutput{dir_a, nullptr, nullptr}, nullptr);
  EXPECT_EQ(ra.end_step, 6);
  EXPECT_EQ(ra.final_dir, dir_a + "/final");

  auto b = tiny_model(40, 1);
  RunControl stop;
  stop.stop_after = 3;
  auto rb = run_sft(*b, units, toy_config(), 0, stop, SftOutput{dir_b, nullptr, nullptr}, nullptr);
  EXPECT_EQ(rb.end_step, 3);
  EXPECT_TRUE(rb.final_dir.empty());
  EXPECT_EQ(latest_checkpoint(dir_b), dir_b + "/checkpoints/step-3");
  // A crash while writing the next checkpoint leaves partial directories; `latest` still rules,
  // and the restart removes them.
  fs::create_directories(dir_b + "/checkpoints/.step-4.partial");
  fs::create_directories(dir_b + "/checkpoints/.step-4.partial.tmp-123-0");

  auto fresh = tiny_model(40, 99);  // different weights: everything must come from the checkpoint
  auto rc = run_sft(*fresh, units, toy_config(), 0, {}, SftOutput{dir_b, nullptr, nullptr}, nullptr);
  EXPECT_EQ(rc.start_step, 3);
  EXPECT_EQ(rc.end_step, 6);
  EXPECT_EQ(latest_checkpoint(dir_b), dir_b + "/checkpoints/step-6");
  EXPECT_FALSE(fs::exists(dir_b + "/checkpoints/.step-4.partial"));
  EXPECT_FALSE(fs::exists(dir_b + "/checkpoints/.step-4.partial.tmp-123-0"));

  auto pa = a->named_parameters(), pc = fresh->named_parameters();
  for (const auto& kv : pa) EXPECT_TRUE(torch::equal(kv.value(), pc[kv.key()])) << kv.key();
  // and not trivially: training moved the weights
  auto init = tiny_model(40, 1);
  EXPECT_FALSE(torch::equal(init->named_parameters()["model.norm.weight"], pa["model.norm.weight"]) &&
               torch::equal(init->named_parameters()["model.embed_tokens.weight"], pa["model.embed_tokens.weight"]));

  // Resuming with other data is refused.
  auto other = units;
  other[0].ids[0] = 2;
  auto again = tiny_model(40, 1);
  auto c3 = toy_config();
  c3.train.steps = 6;
  try {
    run_sft(*again, other, c3, 0, {}, SftOutput{dir_b, nullptr, nullptr}, nullptr);
    ADD_FAILURE() << "resumed on other data";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sft.data_hash"), std::string::npos) << e.what();
  }
  fs::remove_all(dir_a);
  fs::remove_all(dir_b);
}

}  // namespace
}  // namespace r1::train
