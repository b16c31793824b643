#include "serve/prepared_request.h"

#include <random>

#include "serve/api_error.h"
#include "serve/reasoning_split.h"

namespace r1::serve {
namespace {

ApiError context_error(const std::string& what) {
  return ApiError(400, "invalid_request_error", what, "messages", "context_length_exceeded");
}

}  // namespace

PreparedRequest prepare_request(ApiRequest api, const ServedModel& model, const RequestLimits& limits) {
  if (!api.model.empty() && api.model != model.name)
    throw ApiError(404, "invalid_request_error",
                   "The model `" + api.model + "` does not exist (this server serves `" + model.name + "`)",
                   "model", "model_not_found");
  PreparedRequest p;
  const bool chat = api.endpoint == Endpoint::chat;
  if (chat) {
    if (!model.chat_template)
      throw bad_request("messages", "cannot be rendered: the model has no chat template (tokenizer_config.json); "
                                    "send a prompt to /v1/completions instead");
    try {
      p.prompt_text = model.chat_template->render(api.messages, /*add_generation_prompt=*/true);
    } catch (const std::exception& e) {
      throw bad_request("messages", std::string("were refused by the model's chat template: ") + e.what());
    }
    p.prompt_ids = model.tokenizer.encode(p.prompt_text, /*add_special_tokens=*/false);
    p.opened_think = prompt_opens_think(p.prompt_text);
  } else {
    p.prompt_text = api.prompt;
    p.prompt_ids = model.tokenizer.encode(p.prompt_text, /*add_special_tokens=*/true);
  }
  const std::string param = chat ? "messages" : "prompt";
  if (p.prompt_ids.empty()) throw bad_request(param, "tokenize to no tokens");
  const auto prompt_len = static_cast<int64_t>(p.prompt_ids.size());
  const int64_t ctx = model.max_context;
  auto ctx_error = [&](const std::string& what) {
    ApiError e = context_error(what);
    e.param = param;
    return e;
  };
  if (prompt_len >= ctx)
    throw ctx_error("This model's maximum context length is " + std::to_string(ctx) + " tokens. However, your " +
                    (chat ? "messages" : "prompt") + " resulted in " + std::to_string(prompt_len) +
                    " tokens, leaving none to generate.");
  int64_t max_new = std::min(limits.max_tokens, ctx - prompt_len);
  if (api.max_tokens) {
    if (prompt_len + *api.max_tokens > ctx)
      throw ctx_error("This model's maximum context length is " + std::to_string(ctx) + " tokens. However, you " +
                      "requested " + std::to_string(prompt_len + *api.max_tokens) + " tokens (" +
                      std::to_string(prompt_len) + " in the " + (chat ? "messages" : "prompt") + ", " +
                      std::to_string(*api.max_tokens) + " in the completion). Please reduce the length of the " +
                      (chat ? "messages" : "prompt") + " or max_tokens.");
    max_new = *api.max_tokens;
  }
  engine::RequestOptions& o = p.options;
  o.sampling.temperature = api.temperature;
  o.sampling.top_p = api.top_p;
  o.sampling.top_k = api.top_k;
  o.sampling.max_new_tokens = max_new;
  // No seed: a fresh one, so two unseeded requests differ as clients expect.
  o.sampling.seed = api.seed ? *api.seed : (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  o.n = api.n;
  o.stop_token_ids = model.stop_token_ids;
  o.top_logprobs = api.logprobs ? api.top_logprobs : 0;
  p.api = std::move(api);
  return p;
}

}  // namespace r1::serve
