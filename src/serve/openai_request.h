// The body of POST /v1/chat/completions and /v1/completions, parsed and validated before any work:
// every mistake is a 400 ApiError naming the field ("messages[1].role must be one of system, user,
// assistant, tool, developer (got \"robot\")"), so a client learns what to fix from one reply.
//
// Unknown fields are errors too (as OpenAI's own API answers "Unrecognized request argument"), except
// a few that clients send with neutral values (user, presence/frequency penalties of 0, ...).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace r1::serve {

// Server-wide limits a request is checked against (r1 serve's options).
struct RequestLimits {
  int64_t max_tokens = 4096;  // cap on max_tokens / max_completion_tokens
  int64_t max_n = 16;         // choices per request
  int64_t max_stop = 4;       // stop strings per request (OpenAI's limit)
  int64_t max_stop_chars = 256;
  int64_t max_top_logprobs = 20;
};

enum class Endpoint { chat, completions };

struct ApiRequest {
  Endpoint endpoint = Endpoint::chat;
  std::string model;        // as sent; empty when absent
  nlohmann::json messages;  // chat: [{role, content (a string), reasoning_content?, name?}]
  std::string prompt;       // completions
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  int64_t n = 1;
  double temperature = 1.0;
  double top_p = 1.0;
  int64_t top_k = 0;                  // 0 or -1 = off
  std::optional<int64_t> max_tokens;  // max_completion_tokens, else max_tokens
  std::vector<std::string> stop;
  std::optional<uint64_t> seed;       // a negative int64 seed is taken modulo 2^64
  bool logprobs = false;
  int64_t top_logprobs = 0;
  bool echo = false;  // completions: the prompt is prepended to each choice's text
};

// Both throw ApiError (400) for a body that is not a JSON object, a field of the wrong type or range,
// a missing required field, or an unknown field.
ApiRequest parse_chat_request(const std::string& body, const RequestLimits& limits);
ApiRequest parse_completion_request(const std::string& body, const RequestLimits& limits);

}  // namespace r1::serve
