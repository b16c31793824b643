// The answer to one completion request, built from its engine events: OpenAI's chat.completion /
// text_completion objects, or their streamed chunks as server-sent events.
//
// Streams follow what the official clients parse: every chunk is `data: {json}\n\n`; each choice
// opens with a {"role": "assistant", "content": ""} delta; a delta carries reasoning_content or
// content, never both; a choice's last chunk has an empty delta and its finish_reason ("stop" for
// EOS or a stop string, "length" for max_tokens or the context's end); with
// stream_options.include_usage a chunk with empty choices and the usage comes last; then
// `data: [DONE]`. A failure mid-stream is a chunk with an "error" object (the clients raise it).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "serve/choice_text.h"
#include "serve/prepared_request.h"
#include "serve/served_model.h"
#include "serve/serving_loop.h"

namespace r1::serve {

// One server-sent event: "data: <payload>\n\n".
std::string sse_event(const std::string& payload);
std::string sse_event(const nlohmann::json& payload);

class CompletionSession {
 public:
  CompletionSession(const PreparedRequest& req, const ServedModel& model, std::string id, int64_t created);

  // Streaming: the role chunks that open every choice.
  std::string stream_start() const;
  // Streaming: the chunks these events produce. Ends choices whose stop string matched (`stream`'s
  // sinks stop them).
  std::string stream_events(const std::vector<engine::TokenEvent>& events, RequestStream& stream);
  // Streaming, after the request is done: choices still open (cancelled by a failure), usage, [DONE].
  std::string stream_end(const std::string& error);

  // Non-streaming: take the events in, then build the response object once the request is done.
  void absorb(const std::vector<engine::TokenEvent>& events, RequestStream& stream);
  nlohmann::json response() const;

  int64_t prompt_tokens() const { return static_cast<int64_t>(req_.prompt_ids.size()); }
  int64_t completion_tokens() const;

 private:
  struct Choice {
    explicit Choice(ChoiceText t) : text(std::move(t)) {}
    ChoiceText text;
    std::string reasoning, content;                   // everything released so far
    nlohmann::json logprobs = nlohmann::json::array();  // non-streaming: all entries; streaming: those not yet sent
    std::string finish;                               // "" while running
    int64_t tokens = 0;
  };
  struct Update {  // what one event released for one choice
    int64_t choice = 0;
    std::vector<TextDelta> deltas;
    nlohmann::json logprobs;  // entries for the tokens of this update (null: none asked)
    std::string finish;       // "" while the choice runs
  };
  std::vector<Update> process(const std::vector<engine::TokenEvent>& events, RequestStream& stream);
  nlohmann::json logprob_entry(const engine::TokenEvent& e) const;
  nlohmann::json chunk(int64_t choice, const nlohmann::json& delta_or_text, const nlohmann::json& logprobs,
                       const std::string& finish) const;
  nlohmann::json usage() const;
  bool chat() const { return req_.api.endpoint == Endpoint::chat; }

  const PreparedRequest& req_;
  const ServedModel& model_;
  std::string id_;
  int64_t created_;
  std::vector<Choice> choices_;
};

}  // namespace r1::serve
