#include "serve/openai_request.h"

#include <cmath>
#include <limits>
#include <set>

#include "serve/api_error.h"

namespace r1::serve {
namespace {

using nlohmann::json;

std::string type_of(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    case json::value_t::number_float: return "a number";
    default: return "an integer";
  }
}

// A short rendering of a bad value for messages: long strings are cut.
std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

json parse_object(const std::string& body) {
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e400
    throw bad_request("", std::string("the body is not valid JSON: ") + e.what(), "invalid_json");
  }
  if (!j.is_object()) throw bad_request("", "the body must be a JSON object, got " + type_of(j), "invalid_json");
  return j;
}

bool get_bool(const json& v, const std::string& key) {
  if (!v.is_boolean()) throw bad_request(key, "must be a boolean, got " + type_of(v), "invalid_type");
  return v.get<bool>();
}

// An integer in [lo, hi]; a float (even 2.0), a string or a number past int64 is refused.
int64_t get_int(const json& v, const std::string& key, int64_t lo, int64_t hi) {
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    throw bad_request(key, "must be at most " + std::to_string(hi) + ", got " + shown(v));
  if (!v.is_number_integer()) throw bad_request(key, "must be an integer, got " + type_of(v), "invalid_type");
  const int64_t x = v.get<int64_t>();
  if (x < lo || x > hi)
    throw bad_request(key, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                               std::to_string(x));
  return x;
}

double get_number(const json& v, const std::string& key, double lo, double hi, bool lo_open = false) {
  if (!v.is_number()) throw bad_request(key, "must be a number, got " + type_of(v), "invalid_type");
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < lo || x > hi || (lo_open && x == lo)) {
    char range[64];
    std::snprintf(range, sizeof range, "%c%g, %g]", lo_open ? '(' : '[', lo, hi);
    throw bad_request(key, std::string("must be in ") + range + ", got " + shown(v));
  }
  return x;
}

std::string get_string(const json& v, const std::string& key) {
  if (!v.is_string()) throw bad_request(key, "must be a string, got " + type_of(v), "invalid_type");
  return v.get<std::string>();
}

// A message's content: a string, or an array of {"type": "text", "text": ...} parts (joined), or
// null (an assistant turn that carried only tool calls).
std::string message_content(const json& v, const std::string& key, bool null_ok) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null() && null_ok) return "";
  if (!v.is_array())
    throw bad_request(key, "must be a string or an array of text parts, got " + type_of(v), "invalid_type");
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string part = key + "[" + std::to_string(i) + "]";
    const json& p = v[i];
    if (!p.is_object()) throw bad_request(part, "must be an object, got " + type_of(p), "invalid_type");
    if (!p.contains("type") || !p["type"].is_string() || p["type"] != "text")
      throw bad_request(part + ".type", "must be \"text\" (this server reads text only)");
    if (!p.contains("text")) throw bad_request(part + ".text", "is required", "missing_required_parameter");
    out += get_string(p["text"], part + ".text");
  }
  return out;
}

json parse_messages(const json& v, const std::string& key) {
  if (!v.is_array()) throw bad_request(key, "must be an array of messages, got " + type_of(v), "invalid_type");
  if (v.empty()) throw bad_request(key, "must hold at least one message");
  static const std::set<std::string> kRoles = {"system", "user", "assistant", "tool", "developer"};
  json out = json::array();
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string at = key + "[" + std::to_string(i) + "]";
    const json& m = v[i];
    if (!m.is_object()) throw bad_request(at, "must be an object, got " + type_of(m), "invalid_type");
    if (!m.contains("role")) throw bad_request(at + ".role", "is required", "missing_required_parameter");
    const std::string role = get_string(m["role"], at + ".role");
    if (!kRoles.count(role))
      throw bad_request(at + ".role", "must be one of system, user, assistant, tool, developer (got " +
                                          shown(m["role"]) + ")");
    const bool assistant = role == "assistant";
    if (!m.contains("content") && !assistant)
      throw bad_request(at + ".content", "is required", "missing_required_parameter");
    json msg = {{"role", role == "developer" ? "system" : role},
                {"content", m.contains("content") ? message_content(m["content"], at + ".content", assistant) : ""}};
    for (const auto& [k, val] : m.items()) {
      if (k == "role" || k == "content") continue;
      if (k == "name" || (assistant && k == "reasoning_content") || (role == "tool" && k == "tool_call_id"))
        msg[k] = get_string(val, at + "." + k);
      else if (assistant && k == "reasoning" && val.is_string())  // vLLM >= 0.11's name for it
        msg["reasoning_content"] = val;
      else if (!(assistant && k == "tool_calls" && (val.is_null() || (val.is_array() && val.empty()))))
        throw bad_request(at + "." + k, "is not a field of a " + role + " message", "unknown_parameter");
    }
    out.push_back(std::move(msg));
  }
  return out;
}

std::vector<std::string> parse_stop(const json& v, const RequestLimits& limits) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  auto add = [&](const json& s, const std::string& key) {
    std::string text = get_string(s, key);
    if (text.empty()) throw bad_request(key, "must not be empty");
    if (static_cast<int64_t>(text.size()) > limits.max_stop_chars)
      throw bad_request(key, "must be at most " + std::to_string(limits.max_stop_chars) + " bytes long");
    out.push_back(std::move(text));
  };
  if (v.is_string()) {
    add(v, "stop");
  } else if (v.is_array()) {
    if (static_cast<int64_t>(v.size()) > limits.max_stop)
      throw bad_request("stop", "may hold at most " + std::to_string(limits.max_stop) + " strings, got " +
                                    std::to_string(v.size()));
    for (size_t i = 0; i < v.size(); ++i) add(v[i], "stop[" + std::to_string(i) + "]");
  } else {
    throw bad_request("stop", "must be a string or an array of strings, got " + type_of(v), "invalid_type");
  }
  return out;
}

// Fields read the same way by both endpoints; false when `key` is none of them.
bool parse_common(ApiRequest& r, const std::string& key, const json& v, const RequestLimits& limits) {
  if (key == "model") {
    r.model = get_string(v, key);
  } else if (key == "stream") {
    r.stream = !v.is_null() && get_bool(v, key);
  } else if (key == "stream_options") {
    if (v.is_null()) return true;
    if (!v.is_object()) throw bad_request(key, "must be an object, got " + type_of(v), "invalid_type");
    for (const auto& [k, x] : v.items()) {
      if (k != "include_usage") throw bad_request(key + "." + k, "is not a stream option", "unknown_parameter");
      r.include_usage = get_bool(x, key + "." + k);
    }
  } else if (key == "n") {
    r.n = v.is_null() ? 1 : get_int(v, key, 1, limits.max_n);
  } else if (key == "temperature") {
    r.temperature = v.is_null() ? 1.0 : get_number(v, key, 0.0, 2.0);
  } else if (key == "top_p") {
    r.top_p = v.is_null() ? 1.0 : get_number(v, key, 0.0, 1.0, /*lo_open=*/true);
  } else if (key == "top_k") {
    r.top_k = v.is_null() ? 0 : get_int(v, key, -1, std::numeric_limits<int32_t>::max());
    if (r.top_k < 0) r.top_k = 0;
  } else if (key == "max_tokens") {
    if (!v.is_null() && !r.max_tokens) r.max_tokens = get_int(v, key, 1, limits.max_tokens);
  } else if (key == "max_completion_tokens") {
    if (!v.is_null()) r.max_tokens = get_int(v, key, 1, limits.max_tokens);  // wins over max_tokens
  } else if (key == "stop") {
    r.stop = parse_stop(v, limits);
  } else if (key == "seed") {
    if (v.is_null()) return true;
    if (v.is_number_unsigned()) r.seed = v.get<uint64_t>();
    else r.seed = static_cast<uint64_t>(get_int(v, key, std::numeric_limits<int64_t>::min(),
                                                std::numeric_limits<int64_t>::max()));
  } else if (key == "user") {
    get_string(v, key);
  } else if (key == "presence_penalty" || key == "frequency_penalty") {
    if (!v.is_null() && get_number(v, key, -2.0, 2.0) != 0.0)
      throw bad_request(key, "is not supported by this server (only 0)", "unsupported_parameter");
  } else if (key == "logit_bias") {
    if (!v.is_null() && !(v.is_object() && v.empty()))
      throw bad_request(key, "is not supported by this server (only {} or null)", "unsupported_parameter");
  } else {
    return false;
  }
  return true;
}

// max_completion_tokens is read after max_tokens whatever the order of the keys.
std::vector<std::pair<std::string, const json*>> ordered_items(const json& j) {
  std::vector<std::pair<std::string, const json*>> items, last;
  for (const auto& [k, v] : j.items()) (k == "max_completion_tokens" ? last : items).push_back({k, &v});
  items.insert(items.end(), last.begin(), last.end());
  return items;
}

void check_stream_options(const ApiRequest& r, const json& j) {
  if (!r.stream && j.contains("stream_options") && !j["stream_options"].is_null())
    throw bad_request("stream_options", "is only allowed when stream is true");
}

}  // namespace

ApiRequest parse_chat_request(const std::string& body, const RequestLimits& limits) {
  const json j = parse_object(body);
  ApiRequest r;
  r.endpoint = Endpoint::chat;
  bool top_logprobs_given = false;
  for (const auto& [key, vp] : ordered_items(j)) {
    const json& v = *vp;
    if (parse_common(r, key, v, limits)) continue;
    if (key == "messages") {
      r.messages = parse_messages(v, key);
    } else if (key == "logprobs") {
      r.logprobs = !v.is_null() && get_bool(v, key);
    } else if (key == "top_logprobs") {
      if (v.is_null()) continue;
      r.top_logprobs = get_int(v, key, 0, limits.max_top_logprobs);
      top_logprobs_given = true;
    } else if (key == "response_format") {
      if (!v.is_object() || v.value("type", json()) != "text")
        throw bad_request(key, "must be {\"type\": \"text\"} (this server has no JSON mode)", "unsupported_parameter");
    } else if (key == "reasoning_effort" || key == "parallel_tool_calls") {
      // accepted and ignored: R1 has no effort levels, and this server offers no tools
    } else if (key == "tools" || key == "tool_choice" || key == "functions") {
      if (!v.is_null() && !(v.is_array() && v.empty()) && v != "none")
        throw bad_request(key, "is not supported by this server", "unsupported_parameter");
    } else {
      throw bad_request(key, "is not a field of a chat completion request", "unknown_parameter");
    }
  }
  if (!j.contains("messages")) throw bad_request("messages", "is required", "missing_required_parameter");
  if (top_logprobs_given && !r.logprobs) throw bad_request("top_logprobs", "needs logprobs: true");
  check_stream_options(r, j);
  return r;
}

ApiRequest parse_completion_request(const std::string& body, const RequestLimits& limits) {
  const json j = parse_object(body);
  ApiRequest r;
  r.endpoint = Endpoint::completions;
  for (const auto& [key, vp] : ordered_items(j)) {
    const json& v = *vp;
    if (parse_common(r, key, v, limits)) continue;
    if (key == "prompt") {
      if (v.is_array() && v.size() == 1 && v[0].is_string()) r.prompt = v[0].get<std::string>();
      else if (v.is_array()) throw bad_request(key, "must be one string (batches of prompts are not supported)");
      else r.prompt = get_string(v, key);
    } else if (key == "logprobs") {
      // legacy completions: an integer count of alternatives, 0..5
      if (v.is_null()) continue;
      r.logprobs = true;
      r.top_logprobs = get_int(v, key, 0, std::min<int64_t>(5, limits.max_top_logprobs));
    } else if (key == "echo") {
      r.echo = !v.is_null() && get_bool(v, key);
    } else if (key == "suffix") {
      if (!v.is_null()) throw bad_request(key, "is not supported by this server", "unsupported_parameter");
    } else {
      throw bad_request(key, "is not a field of a completion request", "unknown_parameter");
    }
  }
  if (!j.contains("prompt")) throw bad_request("prompt", "is required", "missing_required_parameter");
  if (r.prompt.empty()) throw bad_request("prompt", "must not be empty");
  check_stream_options(r, j);
  return r;
}

}  // namespace r1::serve
