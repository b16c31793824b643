// ZeRO stage 1 on two ranks against one unsharded torch::optim::AdamW given the same gradients
// (relative error <= 1e-6): after 3 steps, and after 2 more taken by a fresh sharded optimizer that
// reloaded the 3-step shards. The assembled shards hold exactly the unsharded optimizer's state, and
// a one-process run continues from them to the same parameters.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "core/error.h"

#include "dist/runtime.h"
#include "dist/sharded_adamw.h"
#include "io/safetensors.h"
#include "rank_job.h"
#include "tiny_net.h"

namespace {

using r1::test::Job;

double rel_error(const torch::Tensor& got, const torch::Tensor& want) {
  const double scale = std::max(want.abs().max().item<double>(), 1e-12);
  return (got.to(torch::kFloat64) - want.to(torch::kFloat64)).abs().max().item<double>() / scale;
}

void set_lr(torch::optim::AdamW& opt, double lr) {
  for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
}

r1::dist::NamedTensors named_of(r1::test::TinyNet& net) {
  r1::dist::NamedTensors out;
  for (const auto& kv : net->named_parameters()) out.emplace_back(kv.key(), kv.value());
  return out;
}

TEST(Zero1, TwoShardedRanksEqualOneUnshardedAdamW) {
  const std::string out = r1::test::temp_dir("zero");
  Job job(2, r1::test::self_exe(), {"--rank-worker", "zero", out});
  ASSERT_TRUE(job.wait_all(120));
  std::vector<r1::io::TensorMap> res;
  for (int r = 0; r < 2; ++r) {
    ASSERT_EQ(job.exit_code(r), 0) << job.output(r);
    res.push_back(r1::io::load_safetensors(out + "/rank-" + std::to_string(r) + ".safetensors"));
  }
  // Both ranks keep some of the state, and together all of it.
  const int64_t n0 = res[0].at("local_numel").item<int64_t>(), n1 = res[1].at("local_numel").item<int64_t>();
  EXPECT_GT(n0, 0);
  EXPECT_GT(n1, 0);

  auto net = r1::test::make_net(7);
  torch::optim::AdamW opt(net->parameters(), r1::test::zero_test_options());
  int64_t total = 0;
  for (const auto& p : net->parameters()) total += p.numel();
  EXPECT_EQ(n0 + n1, total);
  r1::io::TensorMap state_after_3;
  for (int step = 0; step < 5; ++step) {
    r1::test::set_step_gradients(net, step);
    set_lr(opt, r1::test::step_lr(step));
    opt.step();
    if (step != 2) continue;
    state_after_3 = r1::dist::adamw_state(opt, named_of(net));
    for (int r = 0; r < 2; ++r)
      for (const auto& kv : net->named_parameters())
        EXPECT_LE(rel_error(res[r].at("step3." + kv.key()), kv.value()), 1e-6) << "rank " << r << " " << kv.key();
  }
  for (int r = 0; r < 2; ++r)
    for (const auto& kv : net->named_parameters())
      EXPECT_LE(rel_error(res[r].at("final." + kv.key()), kv.value()), 1e-6) << "rank " << r << " resumed " << kv.key();

  // The shards assemble into exactly the unsharded state (the unused layer never had any).
  const std::string ckpt = out + "/ckpt";
  EXPECT_TRUE(std::filesystem::exists(ckpt + "/" + r1::dist::optimizer_shard_name(0, 2)));
  EXPECT_TRUE(std::filesystem::exists(ckpt + "/" + r1::dist::optimizer_shard_name(1, 2)));
  const auto assembled = r1::dist::load_optimizer_state(ckpt);
  ASSERT_EQ(assembled.size(), state_after_3.size());
  for (const auto& [key, want] : state_after_3) {
    ASSERT_TRUE(assembled.count(key)) << key;
    EXPECT_LE(rel_error(assembled.at(key), want), 1e-6) << key;
  }
  EXPECT_EQ(assembled.count("unused.weight.exp_avg"), 0u);

  // A different world size (one process) continues from the assembled state to the same place.
  r1::dist::Runtime one(r1::dist::LaunchEnv{}, r1::dist::DistConfig{});
  auto resumed = r1::test::make_net(7);
  r1::dist::NamedTensors named;
  for (const auto& kv : resumed->named_parameters()) {
    torch::NoGradGuard no_grad;
    kv.value().copy_(res[0].at("step3." + kv.key()));
    named.emplace_back(kv.key(), kv.value());
  }
  r1::dist::ShardedAdamW single(one, named, r1::test::zero_test_options());
  single.load_state(assembled, ckpt);
  for (int step = 3; step < 5; ++step) {
    r1::test::set_step_gradients(resumed, step);
    single.set_lr(r1::test::step_lr(step));
    single.step();
  }
  for (const auto& kv : net->named_parameters())
    EXPECT_LE(rel_error(resumed->named_parameters()[kv.key()], kv.value()), 1e-6) << "one process resumed " << kv.key();
}

TEST(Zero1, MissingOrClashingShardsAreNamed) {
  const std::string dir = r1::test::temp_dir("shards");
  auto message = [&] {
    try {
      r1::dist::load_optimizer_state(dir);
    } catch (const r1::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message().find("neither optimizer.safetensors nor"), std::string::npos);
  r1::io::save_safetensors(dir + "/" + r1::dist::optimizer_shard_name(0, 3), {{"a.exp_avg", torch::zeros({2})}});
  r1::io::save_safetensors(dir + "/" + r1::dist::optimizer_shard_name(2, 3), {{"a.exp_avg", torch::zeros({2})}});
  EXPECT_NE(message().find("optimizer-00002-of-00003.safetensors is missing"), std::string::npos) << message();
  r1::io::save_safetensors(dir + "/" + r1::dist::optimizer_shard_name(1, 3), {{"b.exp_avg", torch::zeros({2})}});
  EXPECT_NE(message().find("which another shard holds too"), std::string::npos) << message();
  std::filesystem::remove_all(dir);
}

}  // namespace
