// Request parsing: what a client sends is read into the fields the engine takes, and every malformed
// body is a 400 that names the field at fault — never an exception of another type, never a crash.
#include <gtest/gtest.h>

#include <random>

#include "serve/api_error.h"
#include "serve/openai_request.h"

namespace {

using r1::serve::ApiError;
using r1::serve::parse_chat_request;
using r1::serve::parse_completion_request;
using r1::serve::RequestLimits;

// The ApiError a body gives (status 0: it parsed).
ApiError chat_error(const std::string& body) {
  try {
    parse_chat_request(body, RequestLimits{});
  } catch (const ApiError& e) {
    return e;
  }
  return ApiError(0, "", "");
}

}  // namespace

TEST(OpenAiRequest, ReadsEveryField) {
  auto r = parse_chat_request(R"({"model": "m", "messages": [{"role": "system", "content": "be brief"},
      {"role": "user", "content": [{"type": "text", "text": "hi "}, {"type": "text", "text": "there"}]},
      {"role": "assistant", "content": "hello", "reasoning_content": "greet back"},
      {"role": "user", "content": "2+2?"}],
      "stream": true, "stream_options": {"include_usage": true}, "n": 2, "temperature": 0, "top_p": 0.9,
      "top_k": 5, "max_tokens": 10, "max_completion_tokens": 12, "stop": ["\n\n", "END"], "seed": -1,
      "logprobs": true, "top_logprobs": 3, "user": "u", "presence_penalty": 0})",
                              RequestLimits{});
  EXPECT_EQ(r.model, "m");
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[1]["content"], "hi there");
  EXPECT_EQ(r.messages[2]["reasoning_content"], "greet back");
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(r.n, 2);
  EXPECT_EQ(r.temperature, 0.0);
  EXPECT_DOUBLE_EQ(r.top_p, 0.9);
  EXPECT_EQ(r.top_k, 5);
  EXPECT_EQ(*r.max_tokens, 12);  // max_completion_tokens wins
  EXPECT_EQ(r.stop, (std::vector<std::string>{"\n\n", "END"}));
  EXPECT_EQ(*r.seed, ~uint64_t(0));
  EXPECT_TRUE(r.logprobs);
  EXPECT_EQ(r.top_logprobs, 3);

  auto c = parse_completion_request(R"({"prompt": ["once"], "logprobs": 2, "echo": true, "stop": "x"})", RequestLimits{});
  EXPECT_EQ(c.prompt, "once");
  EXPECT_TRUE(c.logprobs);
  EXPECT_EQ(c.top_logprobs, 2);
  EXPECT_TRUE(c.echo);
  EXPECT_EQ(c.stop, (std::vector<std::string>{"x"}));
}

TEST(OpenAiRequest, ErrorsNameTheField) {
  struct Case {
    const char* body;
    const char* param;
    const char* says;
  };
  const Case cases[] = {
      {R"({"messages": [{"role": "user", "content": "a"}, {"role": "robot", "content": "b"}]})", "messages[1].role",
       "messages[1].role must be one of system, user, assistant, tool, developer (got \"robot\")"},
      {R"({})", "messages", "messages is required"},
      {R"({"messages": []})", "messages", "at least one"},
      {R"({"messages": "hi"})", "messages", "must be an array"},
      {R"({"messages": [{"content": "x"}]})", "messages[0].role", "is required"},
      {R"({"messages": [{"role": "user"}]})", "messages[0].content", "is required"},
      {R"({"messages": [{"role": "user", "content": 5}]})", "messages[0].content", "must be a string"},
      {R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})", "messages[0].content[0].type", "text"},
      {R"({"messages": [{"role": "user", "content": "x", "reasoning_content": "y"}]})", "messages[0].reasoning_content",
       "not a field"},
      {R"({"messages": [{"role": "user", "content": "x"}], "n": 0})", "n", "must be in [1, 16]"},
      {R"({"messages": [{"role": "user", "content": "x"}], "n": 2.5})", "n", "must be an integer"},
      {R"({"messages": [{"role": "user", "content": "x"}], "n": 1e400})", "", "number overflow"},  // past double
      {R"({"messages": [{"role": "user", "content": "x"}], "n": 99999999999999999999999})", "n", ""},
      {R"({"messages": [{"role": "user", "content": "x"}], "temperature": "hot"})", "temperature", "must be a number"},
      {R"({"messages": [{"role": "user", "content": "x"}], "temperature": 3})", "temperature", "must be in [0, 2]"},
      {R"({"messages": [{"role": "user", "content": "x"}], "top_p": 0})", "top_p", "must be in (0, 1]"},
      {R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": 0})", "max_tokens", "must be in"},
      {R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": 18446744073709551615})", "max_tokens", ""},
      {R"({"messages": [{"role": "user", "content": "x"}], "stop": [1]})", "stop[0]", "must be a string"},
      {R"({"messages": [{"role": "user", "content": "x"}], "stop": ["a","b","c","d","e"]})", "stop", "at most 4"},
      {R"({"messages": [{"role": "user", "content": "x"}], "stop": ""})", "stop", "must not be empty"},
      {R"({"messages": [{"role": "user", "content": "x"}], "seed": "1"})", "seed", "must be an integer"},
      {R"({"messages": [{"role": "user", "content": "x"}], "top_logprobs": 2})", "top_logprobs", "needs logprobs"},
      {R"({"messages": [{"role": "user", "content": "x"}], "stream_options": {"include_usage": true}})",
       "stream_options", "only allowed when stream"},
      {R"({"messages": [{"role": "user", "content": "x"}], "stream": "yes"})", "stream", "must be a boolean"},
      {R"({"messages": [{"role": "user", "content": "x"}], "frequency_penalty": 1})", "frequency_penalty",
       "not supported"},
      {R"({"messages": [{"role": "user", "content": "x"}], "temprature": 1})", "temprature", "not a field"},
      {R"([1, 2])", "", "must be a JSON object"},
      {R"({"messages": [)", "", "not valid JSON"},
      {"{\"messages\": [{\"role\": \"user\", \"content\": \"\xff\xfe\"}]}", "", "not valid JSON"},
  };
  for (const auto& c : cases) {
    ApiError e = chat_error(c.body);
    EXPECT_EQ(e.status, 400) << c.body;
    EXPECT_EQ(e.type, "invalid_request_error") << c.body;
    EXPECT_EQ(e.param, c.param) << c.body << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << c.body << ": " << e.what();
    const auto j = e.to_json();
    ASSERT_TRUE(j["error"].is_object());
    for (const char* k : {"message", "type", "param", "code"}) EXPECT_TRUE(j["error"].contains(k)) << k;
  }
}

TEST(OpenAiRequest, CompletionErrors) {
  for (const char* body : {R"({})", R"({"prompt": 3})", R"({"prompt": ["a", "b"]})", R"({"prompt": ""})",
                           R"({"prompt": "a", "logprobs": 9})", R"({"prompt": "a", "messages": []})"}) {
    try {
      parse_completion_request(body, RequestLimits{});
      ADD_FAILURE() << body << " parsed";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status, 400) << body;
      EXPECT_FALSE(e.param.empty()) << body;
    }
  }
}

// Random mutations of a valid body (bytes flipped, cut, duplicated): each parses or is a 400 ApiError.
TEST(OpenAiRequest, MutatedBodiesGiveOnly400s) {
  const std::string good =
      R"({"model": "m", "messages": [{"role": "user", "content": "hé"}], "n": 2, "stop": ["x"], "max_tokens": 5,)"
      R"( "temperature": 0.5, "seed": 3, "stream": true, "stream_options": {"include_usage": true}})";
  std::mt19937 rng(11);
  const std::string alphabet = "{}[]\":,0123456789-+.eE tfnul\\\xff\xc3\x80";
  int rejected = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string b = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      const size_t at = rng() % b.size();
      switch (rng() % 3) {
        case 0: b[at] = alphabet[rng() % alphabet.size()]; break;
        case 1: b.erase(at, 1 + rng() % 8); break;
        default: b.insert(at, b.substr(rng() % b.size(), 1 + rng() % 8)); break;
      }
      if (b.empty()) b = "{";
    }
    try {
      parse_chat_request(b, RequestLimits{});
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status, 400);
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 2500);
}
