// Without torchrun's environment the runtime is the whole job: no c10d call, collectives return
// their input, and the data-parallel pieces reduce to their one-process selves.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "dist/grad_reducer.h"
#include "dist/runtime.h"
#include "dist/sharded_adamw.h"
#include "tiny_net.h"

namespace {

using r1::dist::Reduce;

TEST(OneProcess, CollectivesReturnTheirInput) {
  r1::dist::Runtime rt(r1::dist::LaunchEnv{}, r1::dist::DistConfig{});
  EXPECT_FALSE(rt.distributed());
  EXPECT_TRUE(rt.is_main());
  EXPECT_STREQ(rt.backend_name(), "none");
  auto t = torch::randn({5});
  const auto before = t.clone();
  rt.all_reduce(t, Reduce::mean);
  EXPECT_TRUE(torch::equal(t, before));
  std::vector<torch::Tensor> list = {t};
  rt.all_reduce_bucketed(list, Reduce::sum);
  rt.broadcast(t, 0);
  EXPECT_TRUE(torch::equal(t, before));
  EXPECT_EQ(rt.all_gather(t).size(), 1u);
  EXPECT_EQ(rt.all_reduce_scalars({1.5, 2.5}, Reduce::sum), (std::vector<double>{1.5, 2.5}));
  rt.barrier();
  EXPECT_EQ(rt.slice(10).size(), 10);
}

TEST(OneProcess, ShardedAdamWIsAdamW) {
  r1::dist::Runtime rt(r1::dist::LaunchEnv{}, r1::dist::DistConfig{});
  auto net = r1::test::make_net(7), ref = r1::test::make_net(7);
  r1::dist::NamedTensors named;
  for (const auto& kv : net->named_parameters()) named.emplace_back(kv.key(), kv.value());
  r1::dist::ShardedAdamW opt(rt, named, r1::test::zero_test_options());
  torch::optim::AdamW ref_opt(ref->parameters(), r1::test::zero_test_options());
  for (int step = 0; step < 3; ++step) {
    r1::test::set_step_gradients(net, step);
    r1::test::set_step_gradients(ref, step);
    opt.set_lr(r1::test::step_lr(step));
    for (auto& g : ref_opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(r1::test::step_lr(step));
    opt.step();
    ref_opt.step();
  }
  const auto a = net->parameters(), b = ref->parameters();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << i;
  EXPECT_EQ(opt.local_numel(), [&] {
    int64_t n = 0;
    for (const auto& p : b) n += p.numel();
    return n;
  }());
}

TEST(OneProcess, GradReducerLeavesGradientsAlone) {
  r1::dist::Runtime rt(r1::dist::LaunchEnv{}, r1::dist::DistConfig{});
  auto net = r1::test::make_net(3);
  r1::dist::GradReducer red(rt, net->parameters());
  const auto [x, y] = r1::test::global_batch();
  red.arm();
  net->loss(x, y, false).backward();
  const auto g = net->a->weight.grad().clone();
  red.finish();
  EXPECT_TRUE(torch::equal(net->a->weight.grad(), g));
  EXPECT_FALSE(net->unused->weight.grad().defined());
}

}  // namespace
