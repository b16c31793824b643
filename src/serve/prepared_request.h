// An API request made ready for the engine: the prompt rendered through the chat template and
// tokenized, the context limits checked (a 400 with both token counts, as OpenAI's and llama.cpp's
// servers answer), and the engine's options filled in.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "serve/openai_request.h"
#include "serve/served_model.h"

namespace r1::serve {

struct PreparedRequest {
  ApiRequest api;
  std::string prompt_text;          // as rendered (chat) or sent (completions)
  std::vector<int32_t> prompt_ids;
  engine::RequestOptions options;
  bool opened_think = false;        // the rendered prompt ends inside <think>
};

// ApiError 404 for another model's name, 400 for a chat request to a model without a chat template,
// a template that refuses the conversation, or a prompt that does not fit the context.
PreparedRequest prepare_request(ApiRequest api, const ServedModel& model, const RequestLimits& limits);

}  // namespace r1::serve
