// r1 serve: an OpenAI-compatible server for a checkpoint directory (serve/server.h), on the
// continuous-batching engine. The server listens first (/health answers 503 while the model loads),
// then serves until SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "engine/engine.h"
#include "engine/engine_schema.h"
#include "io/inference_load.h"
#include "io/model_dir.h"
#include "serve/server.h"
#include "tasks/prompt_template.h"
#include "serve/server_config.h"
#include "serve/serving_loop.h"

namespace {

struct ServeCommand {
  std::string model;
  r1::io::InferenceLoad load;  // --quant none|int8|int4, --quant_kernel
  r1::serve::ServerConfig server;
  r1::engine::EngineConfig engine;
};

template <class V>
void visit_fields(V& v, ServeCommand& c) {
  using namespace r1::schema;
  v.field("model", c.model, "checkpoint directory (config.json, safetensors, tokenizer.json, tokenizer_config.json) or a .gguf file",
          kRequired);
  visit_fields(v, c.load);
  visit_fields(v, c.server);
  visit_fields(v, c.engine);  // max_running, max_waiting (a full queue answers 429), max_context, fast paths
}

const r1::cli::CommandSpec kSpec{
    "serve", "--model DIR [--port 8000] [--api_key KEY] [--key value ...]",
    "Serves a checkpoint through the OpenAI API: POST /v1/chat/completions and /v1/completions (streaming\n"
    "or not; the thinking apart in reasoning_content), GET /v1/models, /health, /metrics (Prometheus),\n"
    "POST /tokenize and /detokenize, and a chat page at /. Requests join the running batch as they arrive.\n"
    "Listens on 127.0.0.1 unless --host says otherwise; with --api_key (or $R1_API_KEY) every endpoint but\n"
    "/ and /health needs 'Authorization: Bearer KEY'. Logs one line per request to stderr.",
    {}};

std::string served_name(const std::string& dir) {
  std::filesystem::path p(dir);
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

// The model as the server needs it: tokenizer, chat template, stop tokens, context.
r1::serve::ServedModel describe(const r1::io::LoadedModel& loaded, const ServeCommand& c, int64_t max_context) {
  r1::check(loaded.tokenizer.has_value(), c.model, "has no tokenizer.json (r1 serve needs the checkpoint's tokenizer)");
  r1::serve::ServedModel m;
  m.name = c.server.served_model_name.empty() ? served_name(c.model) : c.server.served_model_name;
  m.tokenizer = *loaded.tokenizer;
  const auto& tc = loaded.tokenizer_config;
  if (tc.is_object() && tc.contains("chat_template")) {
    m.chat_template = r1::text::ChatTemplate::from_config_json(tc, r1::io::tokenizer_config_where(c.model));
  } else {
    // No template of its own (r1cpp's R1-Zero checkpoints, the demo's): chat in the prompt it was
    // trained on, "User: …\nAssistant: " after its BOS, as r1 eval's R1-Zero prompts are.
    const int64_t bos = loaded.model->config().bos_token_id;
    nlohmann::json fallback = {{"chat_template", r1::tasks::r1zero_chat_template()}};
    if (bos >= 0) fallback["bos_token"] = m.tokenizer.id_to_token(static_cast<int32_t>(bos));
    m.chat_template = r1::text::ChatTemplate::from_config_json(fallback, "the R1-Zero prompt (tasks/prompt_template.h)");
    r1::log_info("serve: " + c.model + " has no chat template: chat turns are rendered as R1-Zero prompts (User: …\\nAssistant: )");
  }
  auto add_stop = [&](int64_t id) {
    if (id >= 0 && std::find(m.stop_token_ids.begin(), m.stop_token_ids.end(), id) == m.stop_token_ids.end())
      m.stop_token_ids.push_back(static_cast<int32_t>(id));
  };
  add_stop(loaded.model->config().eos_token_id);
  if (m.chat_template && !m.chat_template->eos_token().empty())
    add_stop(m.tokenizer.token_to_id(m.chat_template->eos_token()));
  m.max_context = max_context;
  m.created = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return m;
}

int run(ServeCommand& c) {
  if (c.server.api_key.empty())
    if (const char* key = std::getenv("R1_API_KEY")) c.server.api_key = key;

  // SIGINT/SIGTERM are taken by sigwait below, on this thread only: block them before any thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  r1::serve::Server server(c.server);
  const int port = server.bind();
  std::thread http([&] { server.run(); });
  r1::log_info("serve: listening on http://" + c.server.host + ":" + std::to_string(port) + " (loading " + c.model +
               ")" + (c.server.api_key.empty() ? "" : ", API key required"));
  try {
    auto loaded = r1::io::load_for_inference(c.model, c.load);
    loaded.model->eval();
    r1::engine::EngineConfig ecfg = c.engine;
    const int64_t max_context =
        ecfg.max_context > 0 ? ecfg.max_context : loaded.model->config().max_position_embeddings;
    ecfg.max_context = max_context;
    const r1::serve::ServedModel served = describe(loaded, c, max_context);
    r1::engine::Engine engine(*loaded.model, ecfg);
    r1::serve::ServingLoop loop(engine);
    server.set_model(&served, &loop);
    r1::log_info("serve: ready: model " + served.name + ", context " + std::to_string(max_context) + " tokens, " +
                 std::to_string(ecfg.max_running) + " batch slots");
    int sig = 0;
    sigwait(&stop_signals, &sig);
    r1::log_info(std::string("serve: ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
    server.stop();
    http.join();
    server.set_model(nullptr, nullptr);
  } catch (...) {
    server.stop();
    if (http.joinable()) http.join();
    throw;
  }
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "an OpenAI-compatible server for a checkpoint (chat page at /)", run);

}  // namespace
