// The continuous-batching engine against the full-recompute reference (generate with use_cache =
// false: no cache, the whole sequence recomputed every step), and its scheduling: joining mid-decode,
// per-choice seeds, cancel, the queue, and no decode work on finished rows.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>
#include <string>

#include "common/tiny_model.h"
#include "engine/engine.h"
#include "engine/engine_schema.h"
#include "engine/generator.h"
#include "model/causal_lm.h"

using namespace r1;
using engine::Engine;
using engine::EngineConfig;
using engine::FinishReason;
using engine::RequestOptions;
using engine::TokenEvent;

namespace {

model::CausalLM qwen2(uint64_t seed) {
  auto c = test::micro_qwen2(29);
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.initializer_range = 0.3;  // peaked logits, so greedy ties are unlikely
  return test::seeded_model(c, seed);
}

model::CausalLM deepseek(uint64_t seed) { return test::seeded_model(test::micro_deepseek_v3(29), seed); }

std::map<std::string, model::CausalLM> models() { return {{"qwen2", qwen2(11)}, {"deepseek_v3", deepseek(12)}}; }

// What one choice received.
struct Received {
  std::vector<int32_t> tokens;
  std::vector<float> logprobs;
  std::vector<std::vector<std::pair<int32_t, float>>> top;
  FinishReason finish = FinishReason::none;
  int calls_after_end = 0;
};

struct Collector {
  std::map<std::pair<int64_t, int64_t>, Received> got;  // (request, choice)
  Received& at(int64_t id, int64_t choice) { return got[{id, choice}]; }
  engine::TokenSink sink() {
    return [this](const TokenEvent& ev) {
      auto& r = at(ev.request_id, ev.choice);
      if (r.finish != FinishReason::none) ++r.calls_after_end;
      r.tokens.push_back(ev.token);
      r.logprobs.push_back(ev.logprob);
      r.top.push_back(ev.top);
      r.finish = ev.finish;
      return true;
    };
  }
};

RequestOptions greedy(int64_t max_new, int64_t n = 1) {
  RequestOptions o;
  o.sampling.temperature = 0.0;
  o.sampling.max_new_tokens = max_new;
  o.n = n;
  return o;
}

std::vector<std::vector<int32_t>> prompts() { return {{1, 2, 3, 4, 5}, {7, 8}, {9, 10, 11, 3, 4, 5, 6, 1}}; }

// One prompt alone through the engine.
Received alone(model::CausalLMImpl& m, const std::vector<int32_t>& prompt, RequestOptions o, EngineConfig cfg = {}) {
  Engine e(m, cfg);
  Collector c;
  const auto id = e.submit(prompt, std::move(o), c.sink());
  e.run_until_idle();
  return c.at(id, 0);
}

}  // namespace

TEST(Engine, GreedyTokensAndLogprobsEqualFullRecomputation) {
  for (auto& [name, m] : models()) {
    engine::GenerationConfig cfg;
    cfg.sampling.temperature = 0.0;
    cfg.sampling.max_new_tokens = 14;
    cfg.use_cache = false;
    auto ref = engine::generate(*m, prompts(), 2, cfg);
    cfg.use_cache = true;
    auto got = engine::generate(*m, prompts(), 2, cfg);
    ASSERT_EQ(got.size(), ref.size()) << name;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].tokens, ref[i].tokens) << name << " row " << i;
      ASSERT_EQ(got[i].logprobs.size(), ref[i].logprobs.size()) << name;
      for (size_t t = 0; t < got[i].logprobs.size(); ++t)
        EXPECT_NEAR(got[i].logprobs[t], ref[i].logprobs[t], 1e-4) << name << " row " << i << " token " << t;
    }
  }
}

TEST(Engine, FastPathsEqualPlainPaths) {
  // Fused projections and each decode attention against separate projections and matmul, with rows
  // of different lengths in one batch (the masked case).
  for (auto& [name, m] : models()) {
    auto run = [&, &m = m](const EngineConfig& cfg) {
      Engine e(*m, cfg);
      Collector c;
      std::vector<int64_t> ids;
      for (const auto& p : prompts()) {
        ids.push_back(e.submit(p, greedy(12), c.sink()));
        e.step();
      }
      e.run_until_idle();
      std::vector<Received> out;
      for (auto id : ids) out.push_back(c.at(id, 0));
      return out;
    };
    EngineConfig plain;
    plain.fuse_projections = false;
    plain.decode_attention = "matmul";
    const auto ref = run(plain);
    for (const std::string kind : {"kernel", "broadcast"}) {
      EngineConfig fast;
      fast.decode_attention = kind;
      const auto got = run(fast);
      for (size_t i = 0; i < ref.size(); ++i) {
        EXPECT_EQ(got[i].tokens, ref[i].tokens) << name << " " << kind << " request " << i;
        for (size_t t = 0; t < got[i].logprobs.size(); ++t)
          EXPECT_NEAR(got[i].logprobs[t], ref[i].logprobs[t], 1e-4) << name << " " << kind;
      }
    }
  }
}

TEST(Engine, RequestJoiningMidDecodeGivesTheTokensItGivesAlone) {
  for (auto& [name, m] : models()) {
    auto ps = prompts();
    std::vector<Received> ref;
    for (const auto& p : ps) ref.push_back(alone(*m, p, greedy(10)));
    Engine e(*m, {});
    Collector c;
    std::vector<int64_t> ids;
    ids.push_back(e.submit(ps[0], greedy(10), c.sink()));
    e.step();
    e.step();
    e.step();  // request 0 is three tokens in
    ids.push_back(e.submit(ps[1], greedy(10), c.sink()));
    e.step();
    ids.push_back(e.submit(ps[2], greedy(10), c.sink()));
    e.run_until_idle();
    for (size_t i = 0; i < ps.size(); ++i) {
      const auto& got = c.at(ids[i], 0);
      EXPECT_EQ(got.tokens, ref[i].tokens) << name << " request " << i;
      for (size_t t = 0; t < got.logprobs.size(); ++t)
        EXPECT_NEAR(got.logprobs[t], ref[i].logprobs[t], 1e-4) << name << " request " << i;
      EXPECT_EQ(got.finish, FinishReason::length);
      EXPECT_EQ(got.calls_after_end, 0);
    }
    EXPECT_EQ(e.stats().requests_finished, 3);
    EXPECT_EQ(e.stats().running, 0);
  }
}

TEST(Engine, SeededChoicesDoNotDependOnTheirBatchNeighbours) {
  auto m = qwen2(13);
  RequestOptions o;
  o.sampling.temperature = 0.8;
  o.sampling.top_k = 6;
  o.sampling.max_new_tokens = 12;
  o.n = 2;
  o.choice_seeds = {101, 202};
  Engine solo(*m, {});
  Collector a;
  auto id_a = solo.submit({1, 2, 3}, o, a.sink());
  solo.run_until_idle();

  // The same request beside others with other distributions, joining after them.
  Engine busy(*m, {});
  Collector b;
  RequestOptions other;
  other.sampling.temperature = 1.0;
  other.sampling.top_p = 0.9;
  other.sampling.max_new_tokens = 20;
  other.n = 3;
  busy.submit({4, 5, 6, 7}, other, b.sink());
  busy.submit({8}, greedy(5), b.sink());
  busy.step();
  busy.step();
  auto id_b = busy.submit({1, 2, 3}, o, b.sink());
  busy.run_until_idle();
  for (int64_t c = 0; c < 2; ++c) {
    EXPECT_EQ(a.at(id_a, c).tokens, b.at(id_b, c).tokens) << "choice " << c;
    EXPECT_EQ(a.at(id_a, c).tokens.size(), 12u);
  }
  EXPECT_NE(a.at(id_a, 0).tokens, a.at(id_a, 1).tokens);  // the two seeds draw differently
}

TEST(Engine, LogprobsAndTopAlternativesFollowTheSamplingDistribution) {
  auto m = qwen2(14);
  const std::vector<int32_t> prompt{3, 1, 4, 1, 5};
  RequestOptions o;
  o.sampling.temperature = 0.7;
  o.sampling.top_k = 5;
  o.sampling.max_new_tokens = 6;
  o.top_logprobs = 3;
  auto got = alone(*m, prompt, o);
  ASSERT_EQ(got.tokens.size(), 6u);
  // Reference: full forwards over prompt + tokens so far, sampling_logprobs of the last position.
  std::vector<int64_t> seq(prompt.begin(), prompt.end());
  torch::NoGradGuard ng;
  for (size_t t = 0; t < got.tokens.size(); ++t) {
    auto ids = torch::tensor(seq, torch::kInt64).unsqueeze(0);
    auto lp = engine::sampling_logprobs(m->forward(ids).select(1, -1), o.sampling)[0];  // [V]
    EXPECT_NEAR(got.logprobs[t], lp[got.tokens[t]].item<float>(), 1e-4) << "token " << t;
    auto [v, i] = lp.topk(3);
    ASSERT_EQ(got.top[t].size(), 3u);
    for (int k = 0; k < 3; ++k) {
      EXPECT_EQ(got.top[t][k].first, i[k].item<int64_t>()) << "token " << t << " alternative " << k;
      EXPECT_NEAR(got.top[t][k].second, v[k].item<float>(), 1e-4);
    }
    EXPECT_GT(got.logprobs[t], -std::numeric_limits<float>::infinity());  // drawn inside the top-k
    seq.push_back(got.tokens[t]);
  }
}

TEST(Engine, StopTokenEndsTheChoiceAndIsItsLastEvent) {
  auto m = qwen2(15);
  auto free_run = alone(*m, {2, 4, 6}, greedy(10));
  ASSERT_GE(free_run.tokens.size(), 4u);
  auto o = greedy(10);
  o.stop_token_ids = {free_run.tokens[3]};
  auto stopped = alone(*m, {2, 4, 6}, o);
  auto first = std::find(free_run.tokens.begin(), free_run.tokens.end(), free_run.tokens[3]);
  const size_t expect = first - free_run.tokens.begin() + 1;
  ASSERT_EQ(stopped.tokens.size(), expect);
  EXPECT_EQ(stopped.finish, FinishReason::stop);
  EXPECT_EQ(std::string(engine::finish_reason_name(stopped.finish)), "stop");
  EXPECT_EQ(stopped.calls_after_end, 0);
}

TEST(Engine, FinishedRowsCostNoDecodeWork) {
  auto m = qwen2(16);
  Engine e(*m, {});
  Collector c;
  e.submit({1, 2}, greedy(2, 3), c.sink());   // three choices of 2 tokens
  e.submit({3, 4, 5}, greedy(9), c.sink());   // one of 9
  e.run_until_idle();
  auto st = e.stats();
  // A choice's first token comes from the prefill, each later one from one decoded row.
  EXPECT_EQ(st.generated_tokens, 3 * 2 + 9);
  EXPECT_EQ(st.decoded_rows, 3 * (2 - 1) + (9 - 1));  // lockstep would decode 4 rows x 8 steps = 32
  EXPECT_EQ(st.decode_steps, 9 - 1);
  EXPECT_EQ(st.prompt_tokens, 2 + 3);
  EXPECT_EQ(st.requests_finished, 2);
}

TEST(Engine, CancelFreesTheSlotForAWaitingRequest) {
  auto m = qwen2(17);
  EngineConfig cfg;
  cfg.max_running = 2;
  Engine e(*m, cfg);
  Collector c;
  const auto a = e.submit({1, 2, 3}, greedy(30, 2), c.sink());
  const auto b = e.submit({4, 5}, greedy(3), c.sink());
  e.step();
  e.step();
  EXPECT_EQ(e.stats().running, 2);
  EXPECT_EQ(e.stats().waiting, 1);  // b needs a slot
  const auto before = c.at(a, 0).tokens.size();
  e.cancel(a);
  e.cancel(9999);  // unknown ids are ignored
  e.step();
  EXPECT_EQ(e.stats().waiting, 0);
  EXPECT_EQ(e.stats().running, 1);  // b admitted into a freed slot
  e.run_until_idle();
  EXPECT_EQ(c.at(a, 0).tokens.size(), before);  // no calls after the cancel
  EXPECT_EQ(c.at(b, 0).tokens.size(), 3u);
  EXPECT_EQ(e.stats().requests_finished, 2);
  EXPECT_FALSE(e.step());
}

TEST(Engine, SinkReturningFalseEndsOnlyThatChoice) {
  auto m = qwen2(18);
  Engine e(*m, {});
  std::map<int64_t, int> calls;
  const auto id = e.submit({1, 2, 3}, greedy(8, 2), [&](const TokenEvent& ev) {
    ++calls[ev.choice];
    return !(ev.choice == 0 && calls[0] == 3);
  });
  e.run_until_idle();
  EXPECT_EQ(calls[0], 3);
  EXPECT_EQ(calls[1], 8);
  EXPECT_EQ(e.stats().requests_finished, 1);
  EXPECT_GT(id, 0);
}

TEST(Engine, RefusesWhatItCannotServe) {
  auto m = qwen2(19);
  EngineConfig cfg;
  cfg.max_waiting = 1;
  cfg.max_context = 12;
  cfg.max_running = 4;
  Engine e(*m, cfg);
  using W = engine::Rejected::Why;
  auto why = [&](std::vector<int32_t> p, RequestOptions o) -> std::pair<W, std::string> {
    try {
      e.submit(std::move(p), std::move(o), nullptr);
    } catch (const engine::Rejected& r) {
      return {r.why, r.what()};
    }
    return {W::invalid, "accepted"};
  };
  auto [w1, m1] = why({1, 2, 3, 4, 5, 6, 7, 8}, greedy(5));
  EXPECT_EQ(w1, W::prompt_too_long);
  EXPECT_NE(m1.find("13"), std::string::npos) << m1;  // 8 + 5
  EXPECT_NE(m1.find("12"), std::string::npos) << m1;
  EXPECT_EQ(why({}, greedy(2)).first, W::invalid);
  EXPECT_EQ(why({1}, greedy(2, 5)).first, W::invalid);  // n above max_running
  EXPECT_EQ(why({1, 99}, greedy(2)).first, W::invalid);  // outside the vocabulary
  e.submit({1, 2}, greedy(2), nullptr);
  auto [w2, m2] = why({1, 2}, greedy(2));
  EXPECT_EQ(w2, W::queue_full) << m2;
  EXPECT_NE(m2.find("max_waiting 1"), std::string::npos) << m2;
  e.run_until_idle();
  EXPECT_EQ(e.stats().generated_tokens, 2);
}

TEST(Engine, GenerateGivesTheSameRowsWithParallelWorkers) {
  auto m = qwen2(20);
  engine::GenerationConfig cfg;
  cfg.sampling.temperature = 1.0;
  cfg.sampling.max_new_tokens = 10;
  cfg.sampling.seed = 7;
  cfg.stop_token_ids = {3};
  auto one = engine::generate(*m, prompts(), 3, cfg);
  cfg.workers = 2;
  auto two = engine::generate(*m, prompts(), 3, cfg);
  ASSERT_EQ(one.size(), two.size());
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].tokens, two[i].tokens) << "row " << i;
    EXPECT_EQ(one[i].prompt_index, two[i].prompt_index);
    EXPECT_EQ(one[i].stopped, two[i].stopped);
  }
}

TEST(Engine, ConfigSchemaListsAndChecksTheKeys) {
  EngineConfig cfg;
  const auto keys = schema::key_names(cfg);
  for (const char* k : {"max_running", "max_waiting", "max_context", "fuse_projections", "decode_attention"})
    EXPECT_NE(std::find(keys.begin(), keys.end(), k), keys.end()) << k;
  EXPECT_NO_THROW(schema::validate(cfg));
  cfg.decode_attention = "fast";
  EXPECT_ANY_THROW(schema::validate(cfg));
  cfg.decode_attention = "matmul";
  cfg.max_running = 0;
  EXPECT_ANY_THROW(schema::validate(cfg));
  // Every request passes through the queue, so an empty one would refuse them all.
  cfg.max_running = 4;
  cfg.max_waiting = 0;
  EXPECT_ANY_THROW(schema::validate(cfg));
}
