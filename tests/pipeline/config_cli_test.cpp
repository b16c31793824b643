// Every r1 command on bad configuration (issue 17's cases): each is refused before any work, with
// status 2, a message on stderr that starts with "error:" and names the user's key and the allowed
// range. Also: one --help layout for every command, top-level --help/--version, and the README's
// options exist in the commands' schemas.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "common/cli.h"
#include "common/tiny_model.h"
#include "io/model_dir.h"
#include "model/causal_lm.h"
#include "text/bpe_trainer.h"

namespace {

namespace fs = std::filesystem;
using r1::test::run_r1;
using r1::test::slurp;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The commands and what each needs besides the option under test (validation runs before any of
// these paths is opened).
const std::vector<std::pair<std::string, std::string>>& commands() {
  static const std::vector<std::pair<std::string, std::string>> c = {
      {"demo", ""},
      {"pretrain", ""},
      {"grpo", ""},
      {"pipeline", ""},
      {"sft", "--model M --data D --out O"},
      {"rm", "--model M --data D --out O"},
      {"sample", "--model M --out O"},
      {"distill", "--teacher T --student S --out O"},
      {"eval", "--model M --bench gsm8k"},
      {"generate", "--model M --prompt P"},
      {"score", "--model M --ids I --out O"},
      {"tokenize", "--tokenizer T"},
      {"tokenizer train", "c.txt --out T --vocab_size 300"},
      {"verify", ""},
      {"inspect", "DIR"},
  };
  return c;
}

struct Case {
  std::string command;  // with the arguments it needs
  std::string option;   // what is wrong
  std::string key;      // the key the message must name
  std::string rule;     // and the rule it must state
};

// Runs `r1 <args>` and captures its stderr alone.
r1::test::RunResult run_r1_stderr(const std::string& args) {
  const std::string cmd = std::string(R1_BINARY) + " " + args + " 2>&1 >/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  return {WEXITSTATUS(status), out};
}

void expect_usage_error(const Case& c) {
  const auto r = run_r1_stderr(c.command + " " + c.option);
  EXPECT_EQ(r.status, 2) << c.command << " " << c.option << ": " << r.output;
  EXPECT_EQ(r.output.rfind("error: ", 0), 0u) << c.command << " " << c.option << ": " << r.output;
  EXPECT_TRUE(contains(r.output, c.key)) << c.command << " " << c.option << ": no key " << c.key << " in " << r.output;
  EXPECT_TRUE(contains(r.output, c.rule)) << c.command << " " << c.option << ": no rule " << c.rule << " in "
                                          << r.output;
}

}  // namespace

TEST(ConfigCli, Issue17ValuesAreRefusedBeforeAnyWork) {
  const std::string sft = "sft --model M --data D --out O";
  const std::string gen = "generate --model M --prompt P";
  const std::string eval = "eval --model M --bench gsm8k";
  const std::vector<Case> cases = {
      {"pretrain", "--pretrain.log_every 0", "pretrain.log_every", ">= 1"},  // SIGFPE on the start commit
      {sft, "--train.log_every 0", "train.log_every", ">= 1"},
      {"pipeline", "--pretrain.log_every 0", "pretrain.log_every", ">= 1"},
      {"demo", "--rl.top_p 0", "rl.top_p", "in (0, 1]"},
      {gen, "--top_p 0", "top_p", "in (0, 1]"},
      {"demo", "--rl.temperature nan", "rl.temperature", "finite"},
      {gen, "--temperature nan", "temperature", "finite"},
      {"demo", "--rl.temperature -1", "rl.temperature", "> 0"},
      {gen, "--temperature -0.5", "temperature", ">= 0"},
      {"demo", "--rl.beta -0.1", "rl.beta", ">= 0"},
      {"demo", "--rl.epsilon_low -0.1", "rl.epsilon_low", "in [0, 1)"},
      {"pretrain", "--pretrain.batch_size 0", "pretrain.batch_size", ">= 1"},
      {"pretrain", "--pretrain.batch_size -1", "pretrain.batch_size", ">= 1"},
      {"grpo", "--rl.prompts_per_step 0", "rl.prompts_per_step", ">= 1"},
      {"grpo", "--rl.num_iterations 0", "rl.num_iterations", ">= 1"},
      {"pretrain", "--pretrain.lr 1e30", "pretrain.lr", "in (0, 1]"},
      {gen, "--max_new_tokens 0", "max_new_tokens", ">= 1"},
      {"demo", "--rl.max_new_tokens 0", "rl.max_new_tokens", ">= 1"},
      {"demo", "--rl.group_size 0", "rl.group_size", ">= 2"},
      {"demo", "--eval.k 0", "eval.k", ">= 1"},  // at the start, not after training
      {eval, "--k 0", "k", ">= 1"},              // status 105 from the option parser on the start commit
      {"demo", "--pretrain_data.pack_length 100000", "pretrain_data.pack_length", "max_position_embeddings"},
      {"demo", "--eval.max_new_tokens 32768", "eval.max_new_tokens", "max_position_embeddings"},
      {"demo", "--rl.loss_type ppo", "rl.loss_type", "one of grpo, dapo, dr_grpo"},
      {"demo", "--tasks running_sm", "tasks", "running_sum"},
      {"pipeline", "--stages base,nope", "stages", "one of base, r1_zero"},
      {"pipeline", "--general.task running_sum", "general.task", "one of greeting"},
      {"demo", "--model.arch gpt2", "model.arch", "one of qwen2, llama, deepseek_v3"},
      {"demo", "--model.num_attention_heads 3", "model", "num_key_value_heads"},
      {"demo", "--resume sometimes", "resume", "auto|force|never"},
      {"demo", "--threads.aten -1", "threads.aten", ">= 0"},
      {"sample --model M --out O", "--tasks gsm8k", "tasks", "one of running_sum, countdown"},
      {"rm --model M --data D --out O", "--eval_fraction 1", "eval_fraction", "in [0, 1)"},
      {"tokenizer train c.txt --out T", "", "vocab_size", "num_merges"},
      {"tokenizer train c.txt --out T --vocab_size 300", "--min_frequency 0", "min_frequency", ">= 1"},
      {"verify", "--float_rounding -1", "float_rounding", "in [0, 30]"},
  };
  for (const auto& c : cases) expect_usage_error(c);
}

TEST(ConfigCli, OneOptionSyntaxForEveryCommand) {
  for (const auto& [cmd, needs] : commands()) {
    // A dashed spelling is refused with the underscored one suggested; an unknown key with the nearest.
    auto r = run_r1(cmd + " " + needs + " --data-dir x");
    EXPECT_EQ(r.status, 2) << cmd << ": " << r.output;
    EXPECT_TRUE(contains(r.output, "error: --data-dir") && contains(r.output, "unknown option")) << cmd << r.output;
    r = run_r1(cmd + " " + needs + " --nonsense_key 1");
    EXPECT_EQ(r.status, 2) << cmd << ": " << r.output;
    EXPECT_TRUE(contains(r.output, "error: --nonsense_key: unknown option")) << cmd << ": " << r.output;
    EXPECT_TRUE(contains(r.output, "r1 " + cmd + " --help")) << cmd << ": " << r.output;
  }
  auto r = run_r1("generate --model M --prompt P --max-new-tokens 5");
  EXPECT_TRUE(contains(r.output, "keys are spelled with underscores: --max_new_tokens")) << r.output;
  r = run_r1("demo --rl.grop_size 4");
  EXPECT_TRUE(contains(r.output, "did you mean --rl.group_size")) << r.output;
  r = run_r1("demo --top_p 0.9");
  EXPECT_TRUE(contains(r.output, "--rl.top_p") && contains(r.output, "--eval.top_p")) << r.output;
  r = run_r1("eval --model M --bench gsm8k --top-p 0.9");
  EXPECT_TRUE(contains(r.output, "--top_p")) << r.output;
}

TEST(ConfigCli, EveryHelpHasTheSameLayoutAndEveryKeyItsDefault) {
  for (const auto& [cmd, needs] : commands()) {
    const auto r = run_r1(cmd + " --help");
    ASSERT_EQ(r.status, 0) << cmd << ": " << r.output;
    EXPECT_EQ(r.output.rfind("usage: r1 " + cmd + " ", 0), 0u) << r.output;
    EXPECT_TRUE(contains(r.output, "\n\nOptions are --key value or --key=value")) << cmd;
    EXPECT_TRUE(contains(r.output, "\noptions:\n  --config <file>")) << cmd;
    // Every option line: --key <type>, then its default (or "required") and its range.
    std::istringstream lines(r.output.substr(r.output.find("\noptions:\n")));
    int keys = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("  --", 0) != 0 || line.rfind("  --config", 0) == 0 || line.rfind("  --help", 0) == 0) continue;
      ++keys;
      EXPECT_TRUE(std::regex_search(line, std::regex(R"(^  --[a-z0-9_.]+ <[^>]+> +(default .+|required.*)$)")))
          << cmd << ": " << line;
    }
    EXPECT_GT(keys, 0) << cmd;
  }
  const auto top = run_r1("--help");
  EXPECT_EQ(top.status, 0);
  for (const auto& [cmd, needs] : commands()) EXPECT_TRUE(contains(top.output, "\n  " + cmd.substr(0, cmd.find(' '))));
  EXPECT_EQ(run_r1("--version").status, 0);
  const auto none = run_r1("");
  EXPECT_EQ(none.status, 2);
  const auto unknown = run_r1_stderr("evl");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_TRUE(contains(unknown.output, "error: unknown command 'evl'") && contains(unknown.output, "eval"))
      << unknown.output;
}

// The README names options per command (its table and its examples): each must be a key of that
// command's schema, as its --help lists them. `--x.*` names a group.
TEST(ConfigCli, ReadmeOptionsExistInTheCommandsHelp) {
  const std::string readme = slurp(fs::path(R1_SOURCE_DIR) / "README.md");
  std::map<std::string, std::set<std::string>> named;  // command -> options the README gives it
  std::istringstream lines(readme);
  const std::regex command_re(R"((?:build/)?r1 ([a-z]+(?: train)?)\b)");
  const std::regex option_re(R"(--([a-z0-9_]+(?:\.[a-z0-9_]+)*)(\.\*)?)");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    std::string cmd;
    // A table row `| `r1 cmd ...` | ... |` or an example `build/r1 cmd ...`.
    if (std::regex_search(line, m, command_re)) cmd = m[1];
    if (cmd.empty() || cmd == "tokenizer") continue;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), option_re); it != std::sregex_iterator(); ++it)
      named[cmd].insert((*it)[1].str() + ((*it)[2].matched ? ".*" : ""));
  }
  // The GRPO paragraph names the rl.* keys of the demo's schema.
  const size_t grpo = readme.find("GRPO options (`--rl.*`):");
  ASSERT_NE(grpo, std::string::npos);
  const std::string para = readme.substr(grpo, readme.find("\n\n", grpo) - grpo);
  const std::regex key_re(R"(`([a-z_]+)`)");
  for (auto it = std::sregex_iterator(para.begin(), para.end(), key_re);
       it != std::sregex_iterator(); ++it)
    if ((*it)[1].str() != "grpo" && (*it)[1].str() != "dapo" && (*it)[1].str() != "dr_grpo")
      named["demo"].insert("rl." + (*it)[1].str());
  ASSERT_GE(named.size(), 8u);
  for (const auto& [cmd, options] : named) {
    const auto help = run_r1(cmd + " --help");
    ASSERT_EQ(help.status, 0) << cmd;
    for (const auto& o : options) {
      if (o == "help" || o == "config" || o == "version") continue;
      const bool group = o.size() > 2 && o.compare(o.size() - 2, 2, ".*") == 0;
      const std::string want = group ? "\n  " + o.substr(0, o.size() - 2) + ".*:" : "\n  --" + o + " <";
      EXPECT_TRUE(contains(help.output, want)) << "README names --" << o << " for r1 " << cmd
                                               << ", which its --help does not list";
    }
  }
}

// --model.vocab_size must be the tokenizer's size (0 = that): a different one is refused right after
// the tokenizer is built, before pretraining.
TEST(ConfigCli, ModelVocabSizeMustBeTheTokenizers) {
  const fs::path dir = fs::temp_directory_path() / "r1_config_cli_vocab";
  fs::remove_all(dir);
  const auto r = run_r1("pretrain --run_dir " + dir.string() + " --tokenizer.num_merges 8 --model.vocab_size 10 2>&1");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "error: model.vocab_size: is 10 but the tokenizer has")) << r.output;
  EXPECT_FALSE(fs::exists(dir / "checkpoints/base"));
  fs::remove_all(dir);
}

// `generate --chat` on a checkpoint without tokenizer_config.json says what is missing and what to do.
TEST(ConfigCli, GenerateChatWithoutTokenizerConfigSaysSo) {
  const fs::path dir = fs::temp_directory_path() / "r1_config_cli_chat";
  fs::remove_all(dir);
  r1::text::BpeTrainerConfig tc;
  tc.num_merges = 4;
  tc.special_tokens = {"<|eos|>"};
  const auto tok = r1::text::train_bpe({"1+2=3 abc"}, tc);
  r1::model::CausalLM m(r1::test::tiny_qwen2_config(tok.vocab_size(), 64));
  r1::io::save_model_dir(dir.string(), *m, &tok);
  ASSERT_FALSE(fs::exists(dir / "tokenizer_config.json"));
  auto r = run_r1("generate --model " + dir.string() + " --prompt hi --chat --max_new_tokens 2");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "error: " + dir.string() + ": has no tokenizer_config.json") &&
              contains(r.output, "drop --chat"))
      << r.output;
  r = run_r1("generate --model " + dir.string() + " --prompt hi --max_new_tokens 2");  // raw text works
  EXPECT_EQ(r.status, 0) << r.output;
  fs::remove_all(dir);
}
