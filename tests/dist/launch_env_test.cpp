// torchrun's environment and the options of r1 launch and dist::DistConfig: every malformed value is
// an error that names the variable or option and its value.
#include <gtest/gtest.h>

#include <map>

#include "core/error.h"
#include "dist/dist_config.h"
#include "dist/launch_env.h"
#include "dist/launcher.h"

namespace {

using r1::dist::LaunchEnv;

LaunchEnv read(const std::map<std::string, std::string>& vars) {
  return r1::dist::read_launch_env([&](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
}

// The error's message, or "" when none was thrown.
std::string error_of(const std::map<std::string, std::string>& vars) {
  try {
    read(vars);
  } catch (const r1::Error& e) {
    return e.what();
  }
  return "";
}

const std::map<std::string, std::string> kTorchrun = {
    {"RANK", "1"},           {"WORLD_SIZE", "4"},         {"LOCAL_RANK", "1"},
    {"LOCAL_WORLD_SIZE", "2"}, {"MASTER_ADDR", "10.0.0.5"}, {"MASTER_PORT", "29500"}};

std::map<std::string, std::string> with(std::map<std::string, std::string> vars, const std::string& k,
                                        const std::string& v) {
  vars[k] = v;
  return vars;
}

std::map<std::string, std::string> without(std::map<std::string, std::string> vars, const std::string& k) {
  vars.erase(k);
  return vars;
}

TEST(LaunchEnv, NoVariablesIsAOneProcessJob) {
  const LaunchEnv e = read({});
  EXPECT_EQ(e.world_size, 1);
  EXPECT_EQ(e.rank, 0);
  EXPECT_FALSE(e.distributed());
  // WORLD_SIZE=1 needs no master either.
  EXPECT_FALSE(read({{"RANK", "0"}, {"WORLD_SIZE", "1"}}).distributed());
}

TEST(LaunchEnv, ReadsTorchrunsVariables) {
  const LaunchEnv e = read(with(with(kTorchrun, "TORCHELASTIC_USE_AGENT_STORE", "True"), "TORCHELASTIC_RESTART_COUNT", "2"));
  EXPECT_EQ(e.rank, 1);
  EXPECT_EQ(e.world_size, 4);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.local_world_size, 2);
  EXPECT_EQ(e.master_addr, "10.0.0.5");
  EXPECT_EQ(e.master_port, 29500);
  EXPECT_TRUE(e.agent_store);
  EXPECT_EQ(e.restart_count, 2);
  EXPECT_FALSE(read(kTorchrun).agent_store);
  // Without the local variables: one node.
  const LaunchEnv one_node = read(without(without(kTorchrun, "LOCAL_RANK"), "LOCAL_WORLD_SIZE"));
  EXPECT_EQ(one_node.local_rank, 1);
  EXPECT_EQ(one_node.local_world_size, 4);
}

TEST(LaunchEnv, RankMustBeBelowWorldSize) {
  const std::string e = error_of(with(kTorchrun, "RANK", "4"));
  EXPECT_NE(e.find("RANK='4'"), std::string::npos) << e;
  EXPECT_NE(e.find("WORLD_SIZE='4'"), std::string::npos) << e;
  EXPECT_NE(e.find("0..3"), std::string::npos) << e;
}

TEST(LaunchEnv, NonNumericAndOutOfRangeValuesNameTheVariable) {
  for (const auto& [var, value] : std::vector<std::pair<std::string, std::string>>{
           {"RANK", "one"}, {"RANK", "-1"}, {"RANK", "1.5"}, {"RANK", " 1"}, {"RANK", ""}, {"WORLD_SIZE", "4x"},
           {"WORLD_SIZE", "0"}, {"MASTER_PORT", "http"}, {"MASTER_PORT", "70000"}, {"MASTER_PORT", "0"},
           {"LOCAL_RANK", "2"}, {"LOCAL_WORLD_SIZE", "5"}, {"RANK", "99999999999"}}) {
    const std::string e = error_of(with(kTorchrun, var, value));
    EXPECT_NE(e.find(var + "='" + value + "'"), std::string::npos) << var << "=" << value << ": " << e;
  }
}

TEST(LaunchEnv, MissingPiecesAreNamed) {
  EXPECT_NE(error_of(without(kTorchrun, "MASTER_ADDR")).find("MASTER_ADDR: is not set"), std::string::npos);
  EXPECT_NE(error_of(with(kTorchrun, "MASTER_ADDR", "")).find("MASTER_ADDR"), std::string::npos);
  EXPECT_NE(error_of(without(kTorchrun, "MASTER_PORT")).find("MASTER_PORT: is not set"), std::string::npos);
  EXPECT_NE(error_of(without(kTorchrun, "WORLD_SIZE")).find("WORLD_SIZE: is not set but RANK='1' is"), std::string::npos);
  EXPECT_NE(error_of(without(kTorchrun, "RANK")).find("RANK: is not set but WORLD_SIZE='4' is"), std::string::npos);
}

TEST(LaunchEnv, LauncherVariablesReadBack) {
  LaunchEnv e;
  e.rank = 3;
  e.world_size = 4;
  e.local_rank = 1;
  e.local_world_size = 2;
  e.master_addr = "node0";
  e.master_port = 1234;
  std::map<std::string, std::string> vars;
  for (const auto& [k, v] : r1::dist::launch_variables(e, 1)) vars[k] = v;
  EXPECT_EQ(vars.at("GROUP_RANK"), "1");
  const LaunchEnv back = read(vars);
  EXPECT_EQ(back.rank, 3);
  EXPECT_EQ(back.world_size, 4);
  EXPECT_EQ(back.local_rank, 1);
  EXPECT_EQ(back.local_world_size, 2);
  EXPECT_EQ(back.master_addr, "node0");
  EXPECT_EQ(back.master_port, 1234);
}

// validate()'s message for a default T changed by `change`, or "" when it passes.
template <typename T, typename F>
std::string validate_error(F&& change) {
  T value;
  change(value);
  try {
    r1::dist::validate(value);
  } catch (const r1::Error& e) {
    return e.what();
  }
  return "";
}

TEST(DistConfig, InvalidValuesNameTheKey) {
  auto bad = [](auto&& change) { return validate_error<r1::dist::DistConfig>(change); };
  EXPECT_EQ(bad([](auto&) {}), "");
  EXPECT_NE(bad([](auto& c) { c.backend = "mpi"; }).find("dist.backend"), std::string::npos);
  EXPECT_NE(bad([](auto& c) { c.timeout_s = 0; }).find("dist.timeout_s"), std::string::npos);
  EXPECT_NE(bad([](auto& c) { c.lost_after_s = 2; }).find("dist.lost_after_s"), std::string::npos);
  EXPECT_NE(bad([](auto& c) { c.grad_sync = "later"; }).find("dist.grad_sync"), std::string::npos);
  EXPECT_NE(bad([](auto& c) { c.bucket_mb = 0; }).find("dist.bucket_mb"), std::string::npos);
  EXPECT_NE(bad([](auto& c) { c.gloo_threads = 0; }).find("dist.gloo_threads"), std::string::npos);
  // heartbeat off: lost_after_s is not constrained.
  EXPECT_EQ(bad([](auto& c) { c.heartbeat_s = 0, c.lost_after_s = 0.1; }), "");
}

TEST(DistConfig, SecondsReadAsWritten) {
  EXPECT_EQ(r1::dist::seconds_text(1800), "1800 s");
  EXPECT_EQ(r1::dist::seconds_text(2.25), "2.25 s");
  EXPECT_EQ(r1::dist::seconds_text(0.754), "0.75 s");
}

TEST(LaunchOptions, InvalidValuesNameTheOption) {
  auto bad = [](auto&& change) { return validate_error<r1::dist::LaunchOptions>(change); };
  EXPECT_EQ(bad([](auto&) {}), "");
  EXPECT_NE(bad([](auto& o) { o.nproc_per_node = 0; }).find("--nproc_per_node"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.nnodes = 2, o.node_rank = 2, o.master_addr = "10.0.0.1"; }).find("--node_rank"),
            std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.master_port = 70000; }).find("--master_port"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.nnodes = 2, o.master_port = 0, o.master_addr = "10.0.0.1"; }).find("--master_port 0"),
            std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.nnodes = 2; }).find("loopback"), std::string::npos);
}

}  // namespace
