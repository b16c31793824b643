// What r1 serve's end-to-end tests share: a tiny checkpoint whose outputs are known by construction,
// `r1 serve` as a child process on a free loopback port, and the official openai npm client as peer.
//
// The checkpoint: a 2-layer Qwen2 of width 64 over a byte-level tokenizer (no merges) with added
// tokens <think>, </think> and the chat markers. Its weights are random except for a chain the
// construction plants: the embedding of each chain token is a large vector along its own orthonormal
// direction u_t, and the output head's row of its successor is 3 u_t, so after the final norm the
// successor's logit (~24) dominates every other (random rows, logits of std ~4) whatever the
// context:
//     <|assistant|> -> <think> -> "\n" -> "h" -> "m" -> </think> -> "O" -> "K" -> <|end|> (EOS)
// and a loop "Z" -> "Y" -> "Z" that never reaches EOS (a long generation on demand). A chat reply is therefore "<think>\nhm</think>OK" (reasoning "hm", answer "OK"), and from a prompt
// that already ends in "<think>\n" it is "hm</think>OK" — the two template cases of the reasoning
// split. Away from the chain the model is random: raw completions of random prompts differ from each
// other, which the load test needs.
#pragma once
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "common/cli.h"
#include "common/temp_dir.h"
#include "common/tiny_model.h"
#include "io/model_dir.h"
#include "text/bpe_trainer.h"

namespace r1::test {

namespace fs = std::filesystem;
using nlohmann::json;

// The chat template family the tests use; `open_think` ends the generation prompt with "<think>\n"
// as R1's and R1-Distill's templates do.
inline std::string chat_template(bool open_think) {
  return std::string("{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{% endfor %}"
                     "{% if add_generation_prompt %}<|assistant|>") +
         (open_think ? "<think>\n" : "") + "{% endif %}";
}

inline text::Tokenizer chain_tokenizer() {
  text::BpeTrainerConfig cfg;
  cfg.num_merges = 0;
  cfg.special_tokens = {"<|end|>", "<|system|>", "<|user|>", "<|assistant|>"};
  cfg.added_tokens = {"<think>", "</think>"};
  return text::train_bpe({"seed corpus"}, cfg);
}

// Writes the chain checkpoint to DIR with the given chat template.
inline void write_chain_checkpoint(const std::string& dir, bool open_think) {
  const text::Tokenizer tok = chain_tokenizer();
  auto id = [&](const std::string& t) {
    const int32_t special = tok.token_to_id(t);
    if (special >= 0 && t.size() > 1) return special;
    return tok.encode(t).at(0);
  };
  auto cfg = tiny_qwen2_config(tok.vocab_size(), 4096);
  cfg.hidden_size = 64;
  cfg.intermediate_size = 128;
  cfg.num_attention_heads = 4;
  cfg.num_key_value_heads = 2;
  cfg.tie_word_embeddings = false;
  cfg.eos_token_id = id("<|end|>");
  model::CausalLM m(cfg);
  model::init_weights(*m, 17);
  const std::vector<std::pair<std::string, std::string>> next = {
      {"<|assistant|>", "<think>"}, {"<think>", "\n"}, {"\n", "h"}, {"h", "m"}, {"m", "</think>"},
      {"</think>", "O"}, {"O", "K"}, {"K", "<|end|>"}, {"Z", "Y"}, {"Y", "Z"}};
  {
    torch::NoGradGuard no_grad;
    auto params = m->named_parameters(true);
    torch::Tensor embed = params["model.embed_tokens.weight"], head = params["lm_head.weight"];  // [V, C]
    torch::manual_seed(5);
    head.normal_(0.0, 0.5);
    // Orthonormal directions, one per planted token: [C, planted] from a QR of a random matrix.
    auto q = std::get<0>(torch::linalg_qr(torch::randn({cfg.hidden_size, static_cast<int64_t>(next.size())})));
    for (size_t i = 0; i < next.size(); ++i) {
      const torch::Tensor u = q.select(1, static_cast<int64_t>(i));
      embed[id(next[i].first)].copy_(u * 4.0);
      head[id(next[i].second)].copy_(u * 3.0);
    }
  }
  json tc = {{"chat_template", chat_template(open_think)}, {"eos_token", "<|end|>"}, {"bos_token", ""}};
  io::save_model_dir(dir, *m, &tok, tc);
}

// `r1 serve` as a child process; its stderr (the request log) goes to LOG.
class ServerProcess {
 public:
  ServerProcess(const std::string& model_dir, const std::string& log, const std::string& extra_args) : log_(log) {
    fs::remove(log);  // a previous server's log must not be read for this one's port
    const std::string cmd = std::string(R1_BINARY) + " serve --model " + model_dir + " --port 0 " + extra_args +
                            " >" + log + " 2>&1";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // The port is in the first log line; then wait for /health to answer 200 (the model loaded).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline && port_ == 0) {
      const std::string text = slurp(log_);
      const auto at = text.find("listening on http://127.0.0.1:");
      if (at != std::string::npos) port_ = std::stoi(text.substr(at + 30));
      else std::this_thread::sleep_for(std::chrono::milliseconds(20));
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
    }
    while (port_ != 0 && std::chrono::steady_clock::now() < deadline) {
      auto r = client().Get("/health");
      if (r && r->status == 200) {
        ready_ = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~ServerProcess() { stop(); }

  // SIGTERM, and the exit status (0: a clean shutdown).
  int stop() {
    if (pid_ <= 0) return exit_status_;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_status_;
  }

  bool ready() const { return ready_; }
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::string log() const { return slurp(log_); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(5);
    c.set_read_timeout(60);
    return c;
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
  bool ready_ = false;
  int exit_status_ = -1;
};

// The openai npm package, installed once into <build>/npm-openai by scripts/openai_peer/install.sh.
// Tests skip only when that install failed (no npm registry).
class OpenAiPeer {
 public:
  static const OpenAiPeer& get() {
    static const OpenAiPeer peer;
    return peer;
  }
  std::string modules, error;

  // Runs scripts/openai_peer/client.mjs over `requests`; the JSON array of results.
  json run(const ServerProcess& s, const std::string& key, const json& requests, bool concurrent,
           const std::string& scratch) const {
    const std::string file = scratch + "/requests_" + std::to_string(counter_++) + ".json";
    std::ofstream(file) << requests.dump();
    const RunResult r = run_shell("node " + std::string(R1_SOURCE_DIR) + "/scripts/openai_peer/client.mjs --modules " +
                                  modules + " --base_url " + s.base_url() + " --api_key '" + key + "' --requests " +
                                  file + (concurrent ? " --concurrent" : ""));
    EXPECT_EQ(r.status, 0) << r.output;
    try {
      return json::parse(r.output.substr(r.output.find('[')));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "client output is not JSON: " << r.output;
      return json::array();
    }
  }

 private:
  OpenAiPeer() {
    const std::string bin = R1_BINARY;
    modules = bin.substr(0, bin.rfind('/')) + "/npm-openai";
    const RunResult r = run_shell("bash " + std::string(R1_SOURCE_DIR) + "/scripts/openai_peer/install.sh " + modules);
    if (r.status != 0) error = "installing the openai npm client failed (exit " + std::to_string(r.status) + "):\n" + r.output;
  }
  mutable int counter_ = 0;
};

// A chat request body of one user message.
inline json chat_body(const std::string& text, json extra = json::object()) {
  json b = {{"model", "chain"}, {"messages", json::array({{{"role", "user"}, {"content", text}}})}};
  for (auto& [k, v] : extra.items()) b[k] = v;
  return b;
}

// A streamed chat reply put back together, per choice, with the checks every well-formed stream passes.
struct StreamedChoice {
  std::string reasoning, content, finish;
  bool had_reasoning = false;
};
inline std::vector<StreamedChoice> join_stream(const json& chunks, int64_t n, bool chat = true) {
  std::vector<StreamedChoice> out(static_cast<size_t>(n));
  std::vector<int> role_chunks(static_cast<size_t>(n), 0);
  for (const auto& c : chunks) {
    EXPECT_TRUE(c.contains("id") && c.contains("created") && c.contains("model")) << c.dump();
    EXPECT_EQ(c["object"], chat ? "chat.completion.chunk" : "text_completion") << c.dump();
    for (const auto& ch : c["choices"]) {
      const auto i = ch["index"].get<size_t>();
      EXPECT_LT(i, out.size()) << c.dump();
      if (i >= out.size()) continue;
      auto& o = out[i];
      EXPECT_TRUE(o.finish.empty()) << "a chunk after the finish_reason of choice " << i << ": " << c.dump();
      if (chat) {
        const json& d = ch["delta"];
        if (d.contains("role")) {
          ++role_chunks[i];
          EXPECT_EQ(d["role"], "assistant");
        }
        const bool r = d.contains("reasoning_content") && d["reasoning_content"].is_string();
        const bool t = d.contains("content") && d["content"].is_string() && !d["content"].get<std::string>().empty();
        EXPECT_FALSE(r && t) << "a delta with both reasoning and content: " << c.dump();
        if (r) {
          EXPECT_TRUE(o.content.empty()) << "reasoning after the answer began: " << c.dump();
          o.reasoning += d["reasoning_content"].get<std::string>();
          o.had_reasoning = true;
        }
        if (t) o.content += d["content"].get<std::string>();
      } else {
        o.content += ch["text"].get<std::string>();
      }
      if (ch.contains("finish_reason") && ch["finish_reason"].is_string()) o.finish = ch["finish_reason"];
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_FALSE(out[i].finish.empty()) << "choice " << i << " never finished";
    if (chat) {
      EXPECT_EQ(role_chunks[i], 1) << "choice " << i;
    }
  }
  return out;
}

}  // namespace r1::test
