#include "serve/completion_session.h"

#include <algorithm>

namespace r1::serve {
namespace {

using nlohmann::json;

json bytes_of(const std::string& s) {
  json b = json::array();
  for (unsigned char c : s) b.push_back(static_cast<int>(c));
  return b;
}

// A token's text for logprobs: decoded alone (half a character shows as U+FFFD, the bytes are exact).
std::string token_text(const text::Tokenizer& tok, int32_t id) { return tok.decode({id}, false); }

}  // namespace

std::string sse_event(const std::string& payload) { return "data: " + payload + "\n\n"; }
std::string sse_event(const json& payload) {
  return sse_event(payload.dump(-1, ' ', false, json::error_handler_t::replace));
}


CompletionSession::CompletionSession(const PreparedRequest& req, const ServedModel& model, std::string id,
                                     int64_t created)
    : req_(req), model_(model), id_(std::move(id)), created_(created) {
  choices_.reserve(static_cast<size_t>(req.api.n));
  for (int64_t i = 0; i < req.api.n; ++i)
    choices_.emplace_back(ChoiceText(model.tokenizer, req.api.stop, chat(), req.opened_think));
}

int64_t CompletionSession::completion_tokens() const {
  int64_t n = 0;
  for (const auto& c : choices_) n += c.tokens;
  return n;
}

json CompletionSession::logprob_entry(const engine::TokenEvent& e) const {
  const std::string t = token_text(model_.tokenizer, e.token);
  json top = json::array();
  for (const auto& [id, lp] : e.top) {
    const std::string s = token_text(model_.tokenizer, id);
    top.push_back({{"token", s}, {"logprob", lp}, {"bytes", bytes_of(s)}});
  }
  return {{"token", t}, {"logprob", e.logprob}, {"bytes", bytes_of(t)}, {"top_logprobs", top}};
}

std::vector<CompletionSession::Update> CompletionSession::process(const std::vector<engine::TokenEvent>& events,
                                                                  RequestStream& stream) {
  std::vector<Update> out;
  for (const auto& e : events) {
    if (e.choice < 0 || e.choice >= static_cast<int64_t>(choices_.size())) continue;
    Choice& c = choices_[static_cast<size_t>(e.choice)];
    if (!c.finish.empty()) continue;  // events after a stop string matched
    ++c.tokens;
    Update u;
    u.choice = e.choice;
    const bool stop_token = e.finish == engine::FinishReason::stop &&
                            std::count(model_.stop_token_ids.begin(), model_.stop_token_ids.end(), e.token) > 0;
    if (!stop_token) {
      u.deltas = c.text.push(e.token);
      if (req_.api.logprobs && !c.text.stopped()) u.logprobs = json::array({logprob_entry(e)});
    }
    if (c.text.stopped()) {
      u.finish = "stop";
      stream.end_choice(e.choice);
    } else if (e.finish != engine::FinishReason::none) {
      for (auto& d : c.text.finish()) {
        if (!u.deltas.empty() && u.deltas.back().reasoning == d.reasoning) u.deltas.back().text += d.text;
        else u.deltas.push_back(std::move(d));
      }
      u.finish = e.finish == engine::FinishReason::length ? "length" : "stop";
    }
    c.finish = u.finish;
    for (const auto& d : u.deltas) (d.reasoning ? c.reasoning : c.content) += d.text;
    out.push_back(std::move(u));
  }
  return out;
}

json CompletionSession::chunk(int64_t choice, const json& delta_or_text, const json& logprobs,
                              const std::string& finish) const {
  json lp = nullptr;
  if (req_.api.logprobs && logprobs.is_array()) {
    if (chat()) {
      lp = {{"content", logprobs}};
    } else {
      lp = {{"tokens", json::array()}, {"token_logprobs", json::array()}, {"top_logprobs", json::array()}};
      for (const auto& e : logprobs) {
        lp["tokens"].push_back(e["token"]);
        lp["token_logprobs"].push_back(e["logprob"]);
        json top = json::object();
        for (const auto& t : e["top_logprobs"]) top[t["token"].get<std::string>()] = t["logprob"];
        lp["top_logprobs"].push_back(top);
      }
    }
  }
  json c = {{"index", choice}, {"logprobs", lp}, {"finish_reason", finish.empty() ? json(nullptr) : json(finish)}};
  c[chat() ? "delta" : "text"] = delta_or_text;
  json out = {{"id", id_},
              {"object", chat() ? "chat.completion.chunk" : "text_completion"},
              {"created", created_},
              {"model", model_.name},
              {"choices", json::array({c})}};
  if (req_.api.include_usage) out["usage"] = nullptr;
  return out;
}

json CompletionSession::usage() const {
  return {{"prompt_tokens", prompt_tokens()},
          {"completion_tokens", completion_tokens()},
          {"total_tokens", prompt_tokens() + completion_tokens()}};
}

std::string CompletionSession::stream_start() const {
  std::string out;
  for (int64_t i = 0; i < static_cast<int64_t>(choices_.size()); ++i) {
    if (chat()) out += sse_event(chunk(i, {{"role", "assistant"}, {"content", ""}}, nullptr, ""));
    else if (req_.api.echo) out += sse_event(chunk(i, req_.prompt_text, nullptr, ""));
  }
  return out;
}

std::string CompletionSession::stream_events(const std::vector<engine::TokenEvent>& events, RequestStream& stream) {
  std::string out;
  for (auto& u : process(events, stream)) {
    Choice& c = choices_[static_cast<size_t>(u.choice)];
    if (u.logprobs.is_array())
      for (auto& e : u.logprobs) c.logprobs.push_back(std::move(e));
    auto take_logprobs = [&] {
      json lp = c.logprobs;
      c.logprobs = json::array();
      return lp;
    };
    for (const auto& d : u.deltas) {
      const json body = chat() ? json{{d.reasoning ? "reasoning_content" : "content", d.text}} : json(d.text);
      out += sse_event(chunk(u.choice, body, take_logprobs(), ""));
    }
    if (!u.finish.empty()) out += sse_event(chunk(u.choice, chat() ? json::object() : json(""), take_logprobs(), u.finish));
  }
  return out;
}

std::string CompletionSession::stream_end(const std::string& error) {
  std::string out;
  if (!error.empty()) {
    out += sse_event(json{{"error", {{"message", error}, {"type", "server_error"}, {"param", nullptr}, {"code", nullptr}}}});
  } else {
    for (int64_t i = 0; i < static_cast<int64_t>(choices_.size()); ++i) {
      Choice& c = choices_[static_cast<size_t>(i)];
      if (!c.finish.empty()) continue;
      c.finish = "stop";
      out += sse_event(chunk(i, chat() ? json::object() : json(""), nullptr, c.finish));
    }
    if (req_.api.include_usage) {
      json u = {{"id", id_},
                {"object", chat() ? "chat.completion.chunk" : "text_completion"},
                {"created", created_},
                {"model", model_.name},
                {"choices", json::array()},
                {"usage", usage()}};
      out += sse_event(u);
    }
  }
  out += sse_event(std::string("[DONE]"));
  return out;
}

void CompletionSession::absorb(const std::vector<engine::TokenEvent>& events, RequestStream& stream) {
  for (auto& u : process(events, stream))
    if (u.logprobs.is_array())
      for (auto& e : u.logprobs) choices_[static_cast<size_t>(u.choice)].logprobs.push_back(std::move(e));
}

json CompletionSession::response() const {
  json choices = json::array();
  for (size_t i = 0; i < choices_.size(); ++i) {
    const Choice& c = choices_[i];
    json item = chunk(static_cast<int64_t>(i), nullptr, c.logprobs, c.finish.empty() ? "stop" : c.finish)["choices"][0];
    if (chat()) {
      item.erase("delta");
      item["message"] = {{"role", "assistant"},
                         {"content", c.content},
                         {"reasoning_content", c.text.has_reasoning() ? json(c.reasoning) : json(nullptr)}};
    } else {
      item["text"] = (req_.api.echo ? req_.prompt_text : std::string()) + c.content;
    }
    choices.push_back(std::move(item));
  }
  return {{"id", id_},
          {"object", chat() ? "chat.completion" : "text_completion"},
          {"created", created_},
          {"model", model_.name},
          {"choices", choices},
          {"usage", usage()}};
}

}  // namespace r1::serve
