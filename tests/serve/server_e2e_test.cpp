// `r1 serve` end to end, driven by the official openai npm client: chat with and without streaming,
// n = 2, stop strings, seeds, the reasoning split under a template that opens <think> in the prompt
// and one that does not, auth, errors as the client's exception classes, the other endpoints, a
// full queue, a client that goes away, and the chat page in headless Chromium.
#include <gtest/gtest.h>

#include <memory>

#include "serve_test_util.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using r1::test::chat_body;
using r1::test::join_stream;
using r1::test::OpenAiPeer;
using r1::test::ServerProcess;

constexpr const char* kKey = "sk-test-r1-serve";

class ServeE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = r1::test::fresh_temp_dir("serve_e2e");
    r1::test::write_chain_checkpoint(root_ + "/chain", /*open_think=*/false);
    r1::test::write_chain_checkpoint(root_ + "/chain_opened", /*open_think=*/true);
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  void SetUp() override {
    if (!OpenAiPeer::get().error.empty()) GTEST_SKIP() << OpenAiPeer::get().error;
  }

  // A server on `model` ("chain" or "chain_opened"), named "chain" for clients, with a context of 256
  // tokens unless `extra` sets one.
  std::unique_ptr<ServerProcess> start(const std::string& model, const std::string& extra = "") {
    const std::string context = extra.find("--max_context") == std::string::npos ? " --max_context 256" : "";
    auto s = std::make_unique<ServerProcess>(root_ + "/" + model, root_ + "/" + model + "_" + std::to_string(servers_++) + ".log",
                                             std::string("--api_key ") + kKey + " --served_model_name chain " + extra + context);
    EXPECT_TRUE(s->ready()) << s->log();
    return s;
  }
  // A list, so that one request in braces stays a list of one.
  json run(const ServerProcess& s, const std::vector<json>& requests, bool concurrent = false,
           const std::string& key = kKey) {
    return OpenAiPeer::get().run(s, key, json(requests), concurrent, root_);
  }
  static json chat(const json& body) { return {{"endpoint", "chat"}, {"body", body}}; }

  static std::string root_;
  static int servers_;
};
std::string ServeE2E::root_;
int ServeE2E::servers_ = 0;

}  // namespace

TEST_F(ServeE2E, ChatNonStreamingAndStreaming) {
  auto s = start("chain");
  ASSERT_TRUE(s->ready());
  json out = run(*s, {chat(chat_body("What is 2 + 3?", {{"temperature", 0}})),
                      chat(chat_body("What is 2 + 3?", {{"temperature", 0}, {"stream", true},
                                                        {"stream_options", {{"include_usage", true}}}}))});
  ASSERT_EQ(out.size(), 2u);
  ASSERT_TRUE(out[0]["ok"]) << out[0].dump();
  const json& r = out[0]["response"];
  EXPECT_EQ(r["object"], "chat.completion");
  EXPECT_EQ(r["model"], "chain");
  ASSERT_EQ(r["choices"].size(), 1u);
  EXPECT_EQ(r["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(r["choices"][0]["message"]["reasoning_content"], "hm");
  EXPECT_EQ(r["choices"][0]["message"]["content"], "OK");
  EXPECT_EQ(r["choices"][0]["finish_reason"], "stop");
  // <think> \n h m </think> O K <|end|>: 8 completion tokens.
  EXPECT_EQ(r["usage"]["completion_tokens"], 8);
  EXPECT_EQ(r["usage"]["total_tokens"].get<int>(), r["usage"]["prompt_tokens"].get<int>() + 8);

  ASSERT_TRUE(out[1]["ok"]) << out[1].dump();
  const json& chunks = out[1]["chunks"];
  auto joined = join_stream(chunks, 1);
  EXPECT_EQ(joined[0].reasoning, "hm");
  EXPECT_EQ(joined[0].content, "OK");
  EXPECT_EQ(joined[0].finish, "stop");
  // The usage chunk comes last, with no choices.
  ASSERT_FALSE(chunks.empty());
  EXPECT_TRUE(chunks.back()["choices"].empty());
  EXPECT_EQ(chunks.back()["usage"]["completion_tokens"], 8);
  // The server logged one line per request.
  EXPECT_NE(s->log().find("POST /v1/chat/completions 200"), std::string::npos) << s->log();
  EXPECT_EQ(s->stop(), 0) << s->log();
}

// R1-Distill-style template: the prompt ends in "<think>\n", the model writes only "hm</think>OK", and
// the thinking still lands in reasoning_content (streamed and not); a reply cut inside the thinking
// is all reasoning with an empty content and finish_reason "length", under both templates.
TEST_F(ServeE2E, ReasoningSplitForBothTemplates) {
  for (const char* model : {"chain", "chain_opened"}) {
    SCOPED_TRACE(model);
    auto s = start(model);
    ASSERT_TRUE(s->ready());
    const bool opened = std::string(model) == "chain_opened";
    // Tokens up to "h": 3 when the model writes <think>\n itself, 1 when the template did.
    const int cut = opened ? 1 : 3;
    json out = run(*s, {chat(chat_body("hi", {{"temperature", 0}})),
                        chat(chat_body("hi", {{"temperature", 0}, {"stream", true}})),
                        chat(chat_body("hi", {{"temperature", 0}, {"max_tokens", cut}})),
                        chat(chat_body("hi", {{"temperature", 0}, {"max_tokens", cut}, {"stream", true}}))});
    ASSERT_EQ(out.size(), 4u);
    for (const auto& o : out) ASSERT_TRUE(o["ok"]) << o.dump();
    const json& msg = out[0]["response"]["choices"][0]["message"];
    EXPECT_EQ(msg["reasoning_content"], "hm");
    EXPECT_EQ(msg["content"], "OK");
    auto streamed = join_stream(out[1]["chunks"], 1);
    EXPECT_EQ(streamed[0].reasoning, "hm");
    EXPECT_EQ(streamed[0].content, "OK");

    const json& cut_choice = out[2]["response"]["choices"][0];
    EXPECT_EQ(cut_choice["message"]["reasoning_content"], "h");
    EXPECT_EQ(cut_choice["message"]["content"], "");
    EXPECT_EQ(cut_choice["finish_reason"], "length");
    auto cut_stream = join_stream(out[3]["chunks"], 1);
    EXPECT_EQ(cut_stream[0].reasoning, "h");
    EXPECT_EQ(cut_stream[0].content, "");
    EXPECT_EQ(cut_stream[0].finish, "length");

    // /tokenize shows where the prompt ends: in <think>\n for the opened template only.
    auto c = s->client();
    c.set_bearer_token_auth(kKey);
    auto t = c.Post("/tokenize", json{{"messages", {{{"role", "user"}, {"content", "hi"}}}}}.dump(), "application/json");
    ASSERT_TRUE(t && t->status == 200);
    auto ids = json::parse(t->body)["tokens"].get<std::vector<int32_t>>();
    auto d = c.Post("/detokenize", json{{"tokens", ids}}.dump(), "application/json");
    ASSERT_TRUE(d && d->status == 200);
    EXPECT_EQ(json::parse(d->body)["prompt"], std::string("<|user|>hi<|assistant|>") + (opened ? "<think>\n" : ""));
  }
}

// A client sends the previous turn back with its reasoning_content: the template decides what to keep.
TEST_F(ServeE2E, AssistantTurnWithReasoningIsAccepted) {
  auto s = start("chain");
  json body = {{"messages",
                {{{"role", "user"}, {"content", "hi"}},
                 {{"role", "assistant"}, {"content", "OK"}, {"reasoning_content", "hm"}},
                 {{"role", "user"}, {"content", "again"}}}},
               {"temperature", 0}};
  json out = run(*s, {chat(body)});
  ASSERT_TRUE(out[0]["ok"]) << out[0].dump();
  EXPECT_EQ(out[0]["response"]["choices"][0]["message"]["content"], "OK");
}

TEST_F(ServeE2E, ChoicesStopStringsAndSeeds) {
  auto s = start("chain");
  ASSERT_TRUE(s->ready());
  // Random completions (temperature 1 off the chain): n = 2 choices; the same seed gives the same
  // choices, streamed or not; another seed gives others.
  auto completion = [](uint64_t seed, bool stream) {
    return json{{"endpoint", "completions"},
                {"body", {{"model", "chain"}, {"prompt", "zq"}, {"n", 2}, {"max_tokens", 12}, {"temperature", 1.0},
                          {"seed", seed}, {"stream", stream}}}};
  };
  json out = run(*s, {completion(5, false), completion(5, false), completion(6, false), completion(5, true),
                      chat(chat_body("hi", {{"temperature", 0}, {"stop", json::array({"K", "zzz"})}})),
                      chat(chat_body("hi", {{"temperature", 0}, {"stop", "m"}, {"stream", true}}))});
  ASSERT_EQ(out.size(), 6u);
  for (const auto& o : out) ASSERT_TRUE(o["ok"]) << o.dump();
  auto texts = [](const json& r) {
    std::vector<std::string> t;
    for (const auto& c : r["response"]["choices"]) t.push_back(c["text"]);
    return t;
  };
  const auto a = texts(out[0]), b = texts(out[1]), c = texts(out[2]);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a[0], a[1]);  // two choices of one request draw apart
  auto streamed = join_stream(out[3]["chunks"], 2, /*chat=*/false);
  EXPECT_EQ(streamed[0].content, a[0]);
  EXPECT_EQ(streamed[1].content, a[1]);

  // stop "K": "<think>\nhm</think>O|K" is cut before K, finish_reason "stop".
  const json& stopped = out[4]["response"]["choices"][0];
  EXPECT_EQ(stopped["message"]["content"], "O");
  EXPECT_EQ(stopped["message"]["reasoning_content"], "hm");
  EXPECT_EQ(stopped["finish_reason"], "stop");
  // stop "m" inside the thinking, streamed: reasoning "h", no content.
  auto in_thought = join_stream(out[5]["chunks"], 1);
  EXPECT_EQ(in_thought[0].reasoning, "h");
  EXPECT_EQ(in_thought[0].content, "");
  EXPECT_EQ(in_thought[0].finish, "stop");
}

TEST_F(ServeE2E, ErrorsAreTheClientsExceptions) {
  auto s = start("chain");
  ASSERT_TRUE(s->ready());
  json out = run(*s, {chat(chat_body("hi"))}, false, "sk-wrong");
  ASSERT_FALSE(out[0]["ok"]);
  EXPECT_EQ(out[0]["error"]["class"], "AuthenticationError");
  EXPECT_EQ(out[0]["error"]["status"], 401);

  json bad_role = {{"model", "chain"}, {"messages", {{{"role", "user"}, {"content", "a"}}, {{"role", "robot"}, {"content", "b"}}}}};
  out = run(*s, {chat(bad_role), chat(chat_body("hi", {{"n", 0}})), chat(chat_body("hi", {{"model", "gpt-9"}})),
                 chat(chat_body("hi", {{"max_tokens", 1000}})), chat(chat_body(std::string(300, 'x')))});
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0]["error"]["class"], "BadRequestError");
  EXPECT_EQ(out[0]["error"]["status"], 400);
  EXPECT_EQ(out[0]["error"]["param"], "messages[1].role");
  EXPECT_NE(out[0]["error"]["message"].get<std::string>().find("messages[1].role must be one of"), std::string::npos);
  EXPECT_EQ(out[1]["error"]["class"], "BadRequestError");
  EXPECT_EQ(out[1]["error"]["param"], "n");
  EXPECT_EQ(out[2]["error"]["class"], "NotFoundError");
  // The context is 256 tokens: both counts are in the message.
  EXPECT_EQ(out[3]["error"]["class"], "BadRequestError");
  EXPECT_EQ(out[3]["error"]["code"], "context_length_exceeded");
  EXPECT_NE(out[3]["error"]["message"].get<std::string>().find("256 tokens"), std::string::npos) << out[3].dump();
  EXPECT_EQ(out[4]["error"]["code"], "context_length_exceeded");
  EXPECT_NE(out[4]["error"]["message"].get<std::string>().find("302 tokens"), std::string::npos) << out[4].dump();

  // Without the key: 401 everywhere but the chat page and /health.
  auto c = s->client();
  EXPECT_EQ(c.Get("/health")->status, 200);
  EXPECT_EQ(c.Get("/")->status, 200);
  for (const char* path : {"/v1/models", "/metrics"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << path;
    EXPECT_EQ(json::parse(r->body)["error"]["code"], "invalid_api_key");
  }
  EXPECT_EQ(s->stop(), 0);
}

TEST_F(ServeE2E, ModelsMetricsTokenizeAndLegacyCompletions) {
  auto s = start("chain");
  ASSERT_TRUE(s->ready());
  json out = run(*s, {{{"endpoint", "completions"},
                       {"body", {{"model", "chain"}, {"prompt", "<|assistant|>"}, {"max_tokens", 4}, {"temperature", 0},
                                 {"logprobs", 2}, {"echo", true}}}},
                      chat(chat_body("hi", {{"temperature", 0}, {"logprobs", true}, {"top_logprobs", 2}}))});
  ASSERT_TRUE(out[1]["ok"]) << out[1].dump();
  // Chat logprobs: one entry per token of the text (<think> \n h m </think> O K; EOS is not text).
  const json& lp = out[1]["response"]["choices"][0]["logprobs"]["content"];
  ASSERT_EQ(lp.size(), 7u) << lp.dump();
  EXPECT_EQ(lp[0]["token"], "<think>");
  EXPECT_EQ(lp[6]["token"], "K");
  for (const auto& e : lp) {
    EXPECT_EQ(e["top_logprobs"].size(), 2u);
    EXPECT_EQ(e["top_logprobs"][0]["token"], e["token"]);  // greedy: the best alternative is the token itself
  }
  ASSERT_TRUE(out[0]["ok"]) << out[0].dump();
  const json& ch = out[0]["response"]["choices"][0];
  EXPECT_EQ(ch["text"], "<|assistant|><think>\nhm");  // echo, and no reasoning split in raw completions
  EXPECT_EQ(ch["finish_reason"], "length");
  ASSERT_EQ(ch["logprobs"]["tokens"].size(), 4u);
  EXPECT_EQ(ch["logprobs"]["tokens"][0], "<think>");
  EXPECT_GT(ch["logprobs"]["token_logprobs"][0].get<double>(), -0.1);  // the planted chain is near certain
  EXPECT_EQ(ch["logprobs"]["top_logprobs"][0].size(), 2u);

  auto c = s->client();
  c.set_bearer_token_auth(kKey);
  auto models = c.Get("/v1/models");
  ASSERT_TRUE(models && models->status == 200);
  EXPECT_EQ(json::parse(models->body)["data"][0]["id"], "chain");
  auto metrics = c.Get("/metrics");
  ASSERT_TRUE(metrics && metrics->status == 200);
  for (const char* m : {"r1_requests_total{route=\"/v1/completions\",status=\"200\"} 1", "r1_generation_tokens_total 12",
                        "r1_queue_depth 0", "r1_running_sequences 0", "r1_generation_tokens_per_second"})
    EXPECT_NE(metrics->body.find(m), std::string::npos) << m << "\n" << metrics->body;
  auto t = c.Post("/tokenize", R"({"prompt": "hé"})", "application/json");
  ASSERT_TRUE(t && t->status == 200);
  EXPECT_EQ(json::parse(t->body)["count"], 3);  // h, and é's two bytes
  auto bad = c.Post("/detokenize", R"({"tokens": [1, 999999]})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body)["error"]["param"], "tokens[1]");
}

// "Z" starts the planted loop: a generation that runs to max_tokens.
static json long_completion(int max_tokens, int abort_after = 0) {
  json r = {{"endpoint", "completions"},
            {"body", {{"model", "chain"}, {"prompt", "Z"}, {"max_tokens", max_tokens}, {"temperature", 0}, {"stream", true}}}};
  if (abort_after) r["abort_after"] = abort_after;
  return r;
}

// One batch slot and a queue of one: of four requests at once, those beyond get 429 (RateLimitError).
TEST_F(ServeE2E, FullQueueAnswers429) {
  auto s = start("chain", "--max_running 1 --max_waiting 1 --max_context 4096");
  ASSERT_TRUE(s->ready());
  const json long_one = long_completion(1500);
  json out = run(*s, {long_one, long_one, long_one, long_one}, /*concurrent=*/true);
  int ok = 0, limited = 0;
  for (const auto& o : out) {
    if (o["ok"]) ++ok;
    else if (o["error"]["class"] == "RateLimitError" && o["error"]["status"] == 429) ++limited;
  }
  EXPECT_GE(ok, 1) << out.dump();
  EXPECT_GE(limited, 1) << out.dump();
  EXPECT_EQ(ok + limited, 4) << out.dump();
  for (const auto& o : out)
    if (o["ok"]) {
      EXPECT_EQ(join_stream(o["chunks"], 1, false)[0].content.size(), 1500u);  // "YZYZ..."
    }
}

// A client that goes away mid-stream frees its sequence: the engine runs nothing afterwards.
TEST_F(ServeE2E, DisconnectFreesTheSequence) {
  auto s = start("chain", "--max_context 4096");
  ASSERT_TRUE(s->ready());
  json out = run(*s, {long_completion(4000, /*abort_after=*/3)});
  ASSERT_TRUE(out[0]["ok"]) << out[0].dump();
  EXPECT_EQ(out[0]["chunks"].size(), 3u);
  auto c = s->client();
  c.set_bearer_token_auth(kKey);
  // Within a few seconds the running count is 0, long before 4000 tokens were generated.
  std::string body;
  for (int i = 0; i < 100; ++i) {
    body = c.Get("/metrics")->body;
    if (body.find("r1_running_sequences 0\n") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(body.find("r1_running_sequences 0\n"), std::string::npos) << body;
  const auto at = body.find("\nr1_generation_tokens_total ");
  ASSERT_NE(at, std::string::npos);
  const double generated = std::stod(body.substr(at + 28));
  std::printf("tokens generated for a stream abandoned after 3 chunks (max_tokens 4000): %.0f\n", generated);
  EXPECT_LT(generated, 2000.0) << body;
}

// Headless Chromium opens the chat page, which sends a message on load (#q=) with the key (#key=),
// and the page shows the streamed answer with the thinking collapsed above it.
TEST_F(ServeE2E, ChatPageStreamsTheAnswerInChromium) {
  const char* chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) GTEST_SKIP() << chromium << " is not installed (scripts/install-deps.sh test)";
  auto s = start("chain_opened");
  ASSERT_TRUE(s->ready());
  const std::string dir = root_ + "/chromium";
  fs::create_directories(dir);
  const std::string url = "http://127.0.0.1:" + std::to_string(s->port()) + "/#key=" + kKey + "&q=hello";
  // Through the DevTools protocol: --dump-dom returns before a streamed fetch delivers anything.
  auto r = r1::test::run_shell("node --experimental-websocket " + std::string(R1_SOURCE_DIR) +
                               "/tests/serve/chat_page_cdp.mjs --chromium " + chromium + " --url '" + url +
                               "' --profile " + dir + "/profile --png " + dir + "/chat.png" +
                               " --done_selector '.turn.assistant[data-done]' --timeout_ms 60000");
  ASSERT_EQ(r.status, 0) << r.output;
  const json page = json::parse(r.output.substr(r.output.find('{')));
  ASSERT_TRUE(page["done"]) << page["dom"];
  const std::string dom = page["dom"];
  EXPECT_NE(dom.find("data-done=\"true\""), std::string::npos) << dom;
  EXPECT_NE(dom.find("<div class=\"answer\">OK</div>"), std::string::npos) << dom;
  EXPECT_NE(dom.find("<div class=\"thought\">hm</div>"), std::string::npos) << dom;
  EXPECT_NE(dom.find("<details class=\"thinking\">"), std::string::npos) << "the thinking shows, collapsed: " << dom;
  // The screenshot of that page (the conversation drawn, not a blank page).
  EXPECT_TRUE(fs::exists(dir + "/chat.png") && fs::file_size(dir + "/chat.png") > 3000);
  EXPECT_NE(s->log().find("POST /v1/chat/completions 200"), std::string::npos) << s->log();
}

// A checkpoint that cannot be loaded: the server, already listening, stops and r1 exits 1 naming the file.
TEST(ServeCommand, UnloadableModelExitsNamingTheFile) {
  const auto r = r1::test::run_shell("timeout 60 " + std::string(R1_BINARY) + " serve --model /nonexistent/ckpt --port 0");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("error: /nonexistent/ckpt/config.json"), std::string::npos) << r.output;
}
