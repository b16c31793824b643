// r1 serve under load, on loopback and bounded in time: 64 concurrent streaming clients (the openai
// npm client) each get a well-formed stream whose greedy text equals what the same request gives
// alone; 1,000 malformed requests all get a 4xx in OpenAI's error shape, and the server still
// answers /health and a real request afterwards.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>

#include "serve_test_util.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using r1::test::join_stream;
using r1::test::OpenAiPeer;
using r1::test::ServerProcess;

constexpr const char* kKey = "sk-load";

class ServeLoad : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = r1::test::fresh_temp_dir("serve_load");
    r1::test::write_chain_checkpoint(root_ + "/chain", /*open_think=*/false);
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }
  static std::string root_;
};
std::string ServeLoad::root_;

// A random prompt of letters (off the planted chain, so the model's own random continuation follows).
std::string random_prompt(std::mt19937& rng) {
  const std::string letters = "abcdefgijlnpqrstuvwx";
  std::string p;
  const int n = 3 + static_cast<int>(rng() % 8);
  for (int i = 0; i < n; ++i) p += letters[rng() % letters.size()];
  return p;
}

}  // namespace

TEST_F(ServeLoad, SixtyFourConcurrentStreamsEqualTheirRequestAlone) {
  if (!OpenAiPeer::get().error.empty()) GTEST_SKIP() << OpenAiPeer::get().error;
  ServerProcess s(root_ + "/chain", root_ + "/load.log",
                  std::string("--api_key ") + kKey + " --served_model_name chain --max_running 64 --threads 96");
  ASSERT_TRUE(s.ready()) << s.log();
  std::mt19937 rng(1);
  json requests = json::array();
  for (int i = 0; i < 64; ++i) {
    // Mostly raw completions of random prompts (varied texts); every 8th a chat turn (reasoning split).
    if (i % 8 == 0)
      requests.push_back({{"endpoint", "chat"}, {"body", r1::test::chat_body(random_prompt(rng), {{"temperature", 0}, {"max_tokens", 24}, {"stream", true}})}});
    else
      requests.push_back({{"endpoint", "completions"},
                          {"body", {{"model", "chain"}, {"prompt", random_prompt(rng)}, {"max_tokens", 24},
                                    {"temperature", 0}, {"stream", true}}}});
  }
  const json alone = OpenAiPeer::get().run(s, kKey, requests, /*concurrent=*/false, root_);
  const json together = OpenAiPeer::get().run(s, kKey, requests, /*concurrent=*/true, root_);
  ASSERT_EQ(alone.size(), 64u);
  ASSERT_EQ(together.size(), 64u);
  std::set<std::string> distinct;
  for (size_t i = 0; i < 64; ++i) {
    ASSERT_TRUE(alone[i]["ok"]) << alone[i].dump();
    ASSERT_TRUE(together[i]["ok"]) << together[i].dump();
    const bool chat = requests[i]["endpoint"] == "chat";
    auto a = join_stream(alone[i]["chunks"], 1, chat), t = join_stream(together[i]["chunks"], 1, chat);
    EXPECT_EQ(t[0].content, a[0].content) << "request " << i;
    EXPECT_EQ(t[0].reasoning, a[0].reasoning) << "request " << i;
    EXPECT_EQ(t[0].finish, a[0].finish) << "request " << i;
    if (chat) {
      EXPECT_EQ(a[0].reasoning, "hm");
      EXPECT_EQ(a[0].content, "OK");
    }
    distinct.insert(a[0].content);
  }
  EXPECT_GT(distinct.size(), 40u) << "the random continuations should differ";
  // Every request was logged and counted.
  auto c = s.client();
  c.set_bearer_token_auth(kKey);
  auto m = c.Get("/metrics");
  ASSERT_TRUE(m && m->status == 200);
  EXPECT_EQ(s.stop(), 0) << s.log();
}

// What a fuzzing client throws at the server; each must get a 4xx with an OpenAI error body.
TEST_F(ServeLoad, ThousandMalformedRequestsGet4xx) {
  ServerProcess s(root_ + "/chain", root_ + "/malformed.log",
                  std::string("--api_key ") + kKey + " --served_model_name chain --max_body_bytes 65536 --threads 16");
  ASSERT_TRUE(s.ready()) << s.log();
  const std::string good = R"({"model": "chain", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4})";
  const std::vector<std::string> bodies = {
      "", "{", "}", "[]", "null", "42", "\"text\"", "{\"messages\": [", R"({"messages": {}})",
      R"({"messages": [{"role": 1, "content": "x"}]})", R"({"messages": [{"role": "user", "content": {"a": 1}}]})",
      R"({"messages": [{"role": "user", "content": "x"}], "n": "two"})",
      R"({"messages": [{"role": "user", "content": "x"}], "n": 1e308})",
      R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": 99999999999999999999999999})",
      R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": -1})",
      R"({"messages": [{"role": "user", "content": "x"}], "temperature": 1e999})",
      R"({"messages": [{"role": "user", "content": "x"}], "temperature": NaN})",
      R"({"messages": [{"role": "user", "content": "x"}], "seed": 1.5})",
      R"({"messages": [{"role": "user", "content": "x"}], "stop": {"a": 1}})",
      R"({"messages": [{"role": "user", "content": "x"}], "logprobs": "yes"})",
      R"({"messages": [{"role": "user", "content": "x"}], "top_logprobs": 1000})",
      R"({"messages": [{"role": "user", "content": "x"}], "stream": 1})",
      R"({"model": 5, "messages": [{"role": "user", "content": "x"}]})",
      R"({"model": "other", "messages": [{"role": "user", "content": "x"}]})",
      R"({"messages": [{"role": "user", "content": "x"}], "bogus": true})",
      "{\"messages\": [{\"role\": \"user\", \"content\": \"\xc3\x28\"}]}",
      "{\"messages\": [{\"role\": \"user\", \"content\": \"\xed\xa0\x80\"}]}",
      "{\"messages\": [{\"role\": \"user\", \"content\": \"\\ud800\"}]}",
      std::string("{\"messages\": [{\"role\": \"user\", \"content\": \"x\0y\"}]}", 50),
      "{\"messages\": [{\"role\": \"user\", \"content\": \"" + std::string(300, 'x') + "\"}]}",  // past the context
  };
  struct Tally {
    std::mutex mu;
    std::map<int, int> by_status;
    std::vector<std::string> bad;
  } tally;
  std::atomic<int> next{0};
  auto worker = [&](int seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    auto c = s.client();
    c.set_bearer_token_auth(kKey);
    for (int i = next++; i < 1000; i = next++) {
      std::string body, path = i % 5 == 0 ? "/v1/completions" : "/v1/chat/completions";
      std::string content_type = "application/json";
      switch (i % 10) {
        case 0: body = bodies[rng() % bodies.size()]; break;
        case 1: body = std::string(70000 + rng() % 50000, 'a'); break;  // larger than --max_body_bytes
        case 2: {  // random bytes
          body.resize(rng() % 200);
          for (auto& ch : body) ch = static_cast<char>(rng());
          break;
        }
        case 3: {  // a valid body cut short
          body = good.substr(0, rng() % good.size());
          break;
        }
        case 4: path = i % 3 == 0 ? "/detokenize" : "/tokenize"; body = bodies[rng() % bodies.size()]; break;
        default: {  // a valid body with one byte changed or deleted
          body = good;
          const size_t at = rng() % body.size();
          if (rng() % 2) body[at] = "{}[]\":,x\xff"[rng() % 10];
          else body.erase(at, 1);
          break;
        }
      }
      auto r = c.Post(path, body, content_type);
      std::lock_guard<std::mutex> lock(tally.mu);
      if (!r) {
        tally.bad.push_back(path + " no response (" + httplib::to_string(r.error()) + ") for " + body.substr(0, 80));
        continue;  // the client reconnects on its next request
      }
      ++tally.by_status[r->status];
      if (r->status == 200) continue;  // an edit that left a valid request
      bool shaped = false;
      try {
        const json j = json::parse(r->body);
        shaped = j["error"].is_object() && j["error"]["message"].is_string() && j["error"].contains("param");
      } catch (...) {
      }
      if (r->status < 400 || r->status >= 500 || !shaped)
        tally.bad.push_back(path + " " + std::to_string(r->status) + " " + r->body.substr(0, 200) + " for " +
                            body.substr(0, 80));
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(worker, t);
  for (auto& t : threads) t.join();
  std::string summary;
  for (const auto& [status, n] : tally.by_status) summary += std::to_string(status) + ": " + std::to_string(n) + "  ";
  std::printf("malformed requests by status: %s\n", summary.c_str());
  EXPECT_TRUE(tally.bad.empty()) << tally.bad.size() << " bad answers, first: " << tally.bad.front();
  EXPECT_GT(tally.by_status[400], 500) << summary;
  EXPECT_GT(tally.by_status[413], 50) << summary;
  // Still serving.
  auto c = s.client();
  EXPECT_EQ(c.Get("/health")->status, 200);
  c.set_bearer_token_auth(kKey);
  auto ok = c.Post("/v1/chat/completions", good, "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(s.stop(), 0) << s.log();
}
