// core/schema.h and core/cli.h on a small config written here: the expected values are spelled out
// by hand (what a user typed and what the struct must then hold), not recomputed by the schema.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/cli.h"
#include "core/error.h"
#include "core/files.h"
#include "core/resume.h"
#include "core/schema.h"

namespace demo_cfg {

using namespace r1::schema;

struct Rl {
  int64_t group_size = 8;
  double top_p = 1.0;
  double beta = 0.0;
  bool drop = true;
  std::string loss_type = "grpo";
};

template <class V>
void visit_fields(V& v, Rl& c) {
  v.field("group_size", c.group_size, "G", at_least(2));
  v.field("top_p", c.top_p, "nucleus", open_closed(0, 1));
  v.field("beta", c.beta, "KL weight", at_least(0));
  v.field("drop", c.drop, "drop equal groups");
  v.field("loss_type", c.loss_type, "aggregation", one_of({"grpo", "dapo"}));
}

struct Cfg {
  std::string run_dir = "runs/x";
  uint64_t seed = 1;
  double lr = 0.001;
  int log_every = 10;
  std::vector<std::string> tasks = {"a", "b"};
  r1::ResumeMode resume = r1::ResumeMode::kAuto;
  Rl rl;
  int64_t pack = 128, context = 256;
  double max_norm = 1.0;
};

template <class V>
void visit_fields(V& v, Cfg& c) {
  v.field("run_dir", c.run_dir, "where it goes", kNotResult);
  v.field("seed", c.seed, "seed");
  v.field("lr", c.lr, "learning rate", open_closed(0, 1));
  v.field("log_every", c.log_every, "logging", at_least(1) | kNotResult);
  v.field("tasks", c.tasks, "tasks", kRequired | one_of({"a", "b", "c"}));
  v.field("resume", c.resume, "resume policy", kNotResult);
  v.field("rl", c.rl, "RL settings");
  v.field("pack", c.pack, "packed length", at_least(0));
  v.field("context", c.context, "context", at_least(1));
  v.field("max_norm", c.max_norm, "a float that may be infinite", at_least(0) | kNonFiniteOk);
  v.require(c.pack <= c.context, "pack", "must be at most context");
}

}  // namespace demo_cfg

namespace {

using demo_cfg::Cfg;
using r1::schema::json;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const r1::UsageError& e) {
    return e.what();
  } catch (const r1::Error& e) {
    return std::string("not a usage error: ") + e.what();
  }
  return "";
}

// Parses a command line (after the command's name) into a fresh Cfg.
Cfg parse(std::vector<std::string> args, const r1::cli::CommandSpec& spec = {"demo", "", "", {}}) {
  args.insert(args.begin(), spec.name);
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  Cfg c;
  EXPECT_TRUE(r1::cli::parse(spec, c, static_cast<int>(argv.size()), argv.data()));
  return c;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(Schema, OverridesKeepTypes) {
  Cfg c = parse({"--rl.group_size", "16", "--lr=3e-4", "--run_dir", "123", "--seed", "2.0", "--rl.beta", "1"});
  EXPECT_EQ(c.rl.group_size, 16);
  EXPECT_DOUBLE_EQ(c.lr, 3e-4);
  EXPECT_EQ(c.run_dir, "123");  // a string takes the text verbatim
  EXPECT_EQ(c.seed, 2u);        // an integral float is an integer
  EXPECT_DOUBLE_EQ(c.rl.beta, 1.0);
}

TEST(Schema, BooleansListsEnumsAndGroups) {
  EXPECT_FALSE(parse({"--rl.drop", "false"}).rl.drop);
  EXPECT_TRUE(parse({"--rl.drop", "false", "--rl.drop"}).rl.drop);  // a bare flag means true
  EXPECT_FALSE(parse({"--rl.drop=false"}).rl.drop);
  EXPECT_EQ(parse({"--tasks", "c"}).tasks, (std::vector<std::string>{"c"}));  // the first replaces the default
  EXPECT_EQ(parse({"--tasks", "c,a", "--tasks", "b"}).tasks, (std::vector<std::string>{"c", "a", "b"}));
  EXPECT_EQ(parse({"--tasks", R"(["b"])"}).tasks, (std::vector<std::string>{"b"}));
  EXPECT_EQ(parse({"--resume", "never"}).resume, r1::ResumeMode::kNever);
  Cfg g = parse({"--rl", R"({"top_p": 0.5, "loss_type": "dapo"})"});
  EXPECT_DOUBLE_EQ(g.rl.top_p, 0.5);
  EXPECT_EQ(g.rl.loss_type, "dapo");
  EXPECT_EQ(g.rl.group_size, 8);  // keys the object does not name keep their values
}

TEST(Schema, UnknownAndDashedKeysSuggestTheKnownOne) {
  std::string msg = error_of([] { parse({"--rl.grop_size", "4"}); });
  EXPECT_TRUE(contains(msg, "--rl.grop_size") && contains(msg, "unknown option") && contains(msg, "--rl.group_size"))
      << msg;
  msg = error_of([] { parse({"--log-every", "4"}); });
  EXPECT_TRUE(contains(msg, "underscores") && contains(msg, "--log_every")) << msg;
  msg = error_of([] { parse({"--top_p", "0.5"}); });  // the key lives in a group
  EXPECT_TRUE(contains(msg, "did you mean --rl.top_p")) << msg;
  msg = error_of([] { parse({"-k", "4"}); });
  EXPECT_TRUE(contains(msg, "two dashes")) << msg;
  msg = error_of([] { parse({"--seed"}); });
  EXPECT_TRUE(contains(msg, "--seed") && contains(msg, "missing its value")) << msg;
  msg = error_of([] { parse({"stray"}); });
  EXPECT_TRUE(contains(msg, "stray") && contains(msg, "unexpected")) << msg;
  msg = error_of([] { parse({"--rl", "3"}); });
  EXPECT_TRUE(contains(msg, "group of keys")) << msg;
}

TEST(Schema, WrongTypesNameTheKeyAndWhereTheValueCameFrom) {
  std::string msg = error_of([] { parse({"--rl.group_size", "many"}); });
  EXPECT_TRUE(contains(msg, "rl.group_size") && contains(msg, "expects an integer") && contains(msg, "\"many\"") &&
              contains(msg, "command line"))
      << msg;
  msg = error_of([] { parse({"--rl.drop", "1"}); });
  EXPECT_TRUE(contains(msg, "rl.drop") && contains(msg, "boolean")) << msg;
  msg = error_of([] { parse({"--log_every", "1.5"}); });
  EXPECT_TRUE(contains(msg, "log_every") && contains(msg, "integer")) << msg;
  msg = error_of([] { parse({"--seed", "-3"}); });  // uint64: no negatives, no wrap-around
  EXPECT_TRUE(contains(msg, "seed") && contains(msg, "non-negative")) << msg;
  msg = error_of([] { parse({"--log_every", "3000000000"}); });  // beyond int
  EXPECT_TRUE(contains(msg, "log_every") && contains(msg, "2147483647")) << msg;
  msg = error_of([] { parse({"--resume", "sometimes"}); });
  EXPECT_TRUE(contains(msg, "resume") && contains(msg, "auto|force|never")) << msg;
}

TEST(Schema, ValidationNamesTheKeyAndTheAllowedRange) {
  struct Case {
    std::vector<std::string> args;
    std::string key, range;
  };
  const std::vector<Case> cases = {
      {{"--rl.top_p", "0"}, "rl.top_p", "in (0, 1]"},
      {{"--rl.top_p", "1.5"}, "rl.top_p", "in (0, 1]"},
      {{"--rl.top_p", "nan"}, "rl.top_p", "finite"},
      {{"--lr", "inf"}, "lr", "finite"},
      {{"--lr", "1e30"}, "lr", "in (0, 1], got 1e+30"},
      {{"--rl.group_size", "1"}, "rl.group_size", ">= 2, got 1"},
      {{"--rl.beta", "-0.1"}, "rl.beta", ">= 0"},
      {{"--log_every", "0"}, "log_every", ">= 1"},
      {{"--rl.loss_type", "ppo"}, "rl.loss_type", "one of grpo, dapo"},
      {{"--tasks", "a,z"}, "tasks", "one of a, b, c"},
      {{"--tasks", "[]"}, "tasks", "at least one"},
      {{"--pack", "300"}, "pack", "at most context"},  // a cross-key rule
  };
  for (const auto& c : cases) {
    const std::string msg = error_of([&] { parse(c.args); });
    EXPECT_TRUE(contains(msg, c.key) && contains(msg, c.range) && contains(msg, "command line")) << c.args[0] << ": "
                                                                                                  << msg;
  }
  EXPECT_EQ(error_of([] { parse({"--rl.top_p", "1", "--rl.group_size", "2", "--lr", "1"}); }), "");  // bounds
  EXPECT_TRUE(std::isinf(parse({"--max_norm", "inf"}).max_norm));  // a key that allows it
  EXPECT_TRUE(contains(error_of([] { parse({"--max_norm", "-inf"}); }), ">= 0"));
}

TEST(Schema, ConfigFileIsMergedAndTheCommandLineWins) {
  const auto dir = std::filesystem::temp_directory_path() / "r1_schema_test";
  std::filesystem::create_directories(dir);
  const std::string good = (dir / "good.json").string(), bad = (dir / "bad.json").string(),
                    wrong = (dir / "wrong.json").string(), range = (dir / "range.json").string();
  r1::write_file_atomic(good, R"({"rl": {"beta": 0.04, "group_size": 4}, "seed": 7})");
  r1::write_file_atomic(bad, R"({"rl": {"beta": )");
  r1::write_file_atomic(wrong, R"({"rl": {"betta": 1}})");
  r1::write_file_atomic(range, R"({"rl": {"top_p": 0}})");
  Cfg c = parse({"--config", good, "--rl.beta", "0.1"});
  EXPECT_DOUBLE_EQ(c.rl.beta, 0.1);  // the command line wins over the file
  EXPECT_EQ(c.rl.group_size, 4);
  EXPECT_EQ(c.seed, 7u);
  EXPECT_TRUE(contains(error_of([&] { parse({"--config", bad}); }), bad));
  std::string msg = error_of([&] { parse({"--config", wrong}); });
  EXPECT_TRUE(contains(msg, "rl.betta") && contains(msg, wrong) && contains(msg, "rl.beta")) << msg;
  msg = error_of([&] { parse({"--config", range}); });
  EXPECT_TRUE(contains(msg, "rl.top_p") && contains(msg, "(0, 1]") && contains(msg, range)) << msg;
  msg = error_of([&] { parse({"--config", (dir / "missing.json").string()}); });
  EXPECT_TRUE(contains(msg, "missing.json")) << msg;
  // A positional key may name the config file (`r1 pipeline CONFIG.json`).
  EXPECT_EQ(parse({good}, {"pipeline", "", "", {"config"}}).seed, 7u);
  std::filesystem::remove_all(dir);
}

TEST(Schema, JsonFormRoundTripsAndResultPartLeavesOutBookkeeping) {
  Cfg c = parse({"--rl.top_p", "0.25", "--tasks", "c", "--resume", "force", "--run_dir", "elsewhere"});
  const json j = r1::schema::to_json(c);
  EXPECT_EQ(j.at("rl").at("top_p"), 0.25);
  EXPECT_EQ(j.at("resume"), "force");
  EXPECT_EQ(j.at("tasks"), json::array({"c"}));
  Cfg back;
  r1::schema::read_json(back, j, "config.json");
  EXPECT_EQ(r1::schema::to_json(back), j);

  const json r = r1::schema::result_part(c);
  EXPECT_FALSE(r.contains("run_dir"));
  EXPECT_FALSE(r.contains("resume"));
  EXPECT_FALSE(r.contains("log_every"));
  EXPECT_EQ(r.at("rl").at("top_p"), 0.25);
  EXPECT_EQ(r.at("seed"), 1);

  // A run directory written with another lr differs in a result-affecting key; another run_dir does not.
  Cfg other = c;
  other.run_dir = "again";
  other.log_every = 3;
  EXPECT_EQ(r1::schema::first_difference(r, r1::schema::to_json(other)), std::nullopt);
  other.lr = 0.002;
  EXPECT_EQ(r1::schema::first_difference(r, r1::schema::to_json(other)),
            std::optional<std::string>("lr: 0.002 in the run directory, 0.001 now"));
}

TEST(Schema, HelpListsEveryKeyWithItsTypeDefaultAndRange) {
  std::vector<std::string> args = {"demo", "--rl.top_p", "0", "--help"};  // --help wins over everything else
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  const auto dir = std::filesystem::temp_directory_path() / "r1_schema_help.txt";
  std::FILE* f = std::fopen(dir.c_str(), "w");
  Cfg c;
  EXPECT_FALSE(r1::cli::parse({"demo", "[options]", "Does the demo.", {}}, c, 4, argv.data(), nullptr, f));
  std::fclose(f);
  const std::string help = r1::read_file(dir.string());
  std::filesystem::remove(dir);
  EXPECT_EQ(help.rfind("usage: r1 demo [options]\n\nDoes the demo.\n", 0), 0u) << help;
  for (const char* line : {"--rl.top_p <float>", "default 1; in (0, 1]", "--rl.group_size <int>", "default 8; >= 2",
                           "--tasks <list>", "default a,b", "--resume <auto|force|never>", "default auto",
                           "--run_dir <string>", "default runs/x", "rl.*: RL settings", "--config <file>"})
    EXPECT_TRUE(contains(help, line)) << line << "\n" << help;
}

TEST(Files, AtomicWriteReplacesWholeFile) {
  auto path = (std::filesystem::temp_directory_path() / "r1_atomic.txt").string();
  r1::write_file_atomic(path, "first version, long");
  r1::write_file_atomic(path, "second");
  EXPECT_EQ(r1::read_file(path), "second");
}
