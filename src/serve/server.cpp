#include "serve/server.h"

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "core/error.h"
#include "core/log.h"
#include "serve/api_error.h"
#include "serve/bearer_auth.h"
#include "serve/chat_page.h"
#include "serve/completion_session.h"
#include "serve/prepared_request.h"

namespace r1::serve {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(dump(body), "application/json");
}

void send_error(httplib::Response& res, const ApiError& e) {
  send_json(res, e.status, e.to_json());
  if (e.status == 429) res.set_header("Retry-After", "1");
}

// Paths answered without the key: the chat page (it asks for the key itself) and the health check.
bool is_public(const std::string& path) {
  return path == "/" || path == "/index.html" || path == "/favicon.ico" || path == "/health";
}

// The metrics label of a path: known routes by name, everything else "other" (bounded cardinality).
std::string route_label(const std::string& path) {
  for (const char* r : {"/", "/health", "/metrics", "/v1/models", "/v1/chat/completions", "/v1/completions",
                        "/tokenize", "/detokenize"})
    if (path == r) return path;
  return "other";
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string new_id(const char* prefix) {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t salt = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%016llx", prefix,
                static_cast<unsigned long long>(salt ^ (++counter * 0x9E3779B97F4A7C15ULL)));
  return buf;
}

// Per worker thread: when the request being answered started (a connection's requests are served in
// order on one thread, so this is the current one's).
thread_local Clock::time_point t_request_start;
thread_local bool t_request_counted = false;

ApiError rejected_error(const engine::Rejected& r) {
  switch (r.why) {
    case engine::Rejected::Why::queue_full:
      return ApiError(429, "rate_limit_error", std::string("the server is busy: ") + r.what(), "", "queue_full");
    case engine::Rejected::Why::prompt_too_long:
      return ApiError(400, "invalid_request_error", r.what(), "messages", "context_length_exceeded");
    default:
      return ApiError(400, "invalid_request_error", r.what(), "", "invalid_value");
  }
}

json parse_body_object(const std::string& body) {
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e400
    throw bad_request("", std::string("the body is not valid JSON: ") + e.what(), "invalid_json");
  }
  if (!j.is_object()) throw bad_request("", "the body must be a JSON object", "invalid_json");
  return j;
}

}  // namespace

// The route handlers, with what they share.
struct Server::Routes {
  Server& s;

  const ServedModel& model() const {
    const ServedModel* m = s.model_.load();
    if (!m || !s.loop_.load())
      throw ApiError(503, "server_error", "the model is still loading; retry when /health answers 200", "",
                     "model_loading");
    return *m;
  }

  void completion(const httplib::Request& req, httplib::Response& res, Endpoint endpoint) {
    const ServedModel& m = model();
    ServingLoop& loop = *s.loop_.load();
    ApiRequest api = endpoint == Endpoint::chat ? parse_chat_request(req.body, s.cfg_.limits)
                                                : parse_completion_request(req.body, s.cfg_.limits);
    auto prep = std::make_shared<PreparedRequest>(prepare_request(std::move(api), m, s.cfg_.limits));
    std::shared_ptr<RequestStream> stream;
    try {
      stream = loop.submit(prep->prompt_ids, prep->options);
    } catch (const engine::Rejected& r) {
      throw rejected_error(r);
    }
    auto session = std::make_shared<CompletionSession>(*prep, m, new_id(endpoint == Endpoint::chat ? "chatcmpl" : "cmpl"),
                                                       unix_now());
    if (!prep->api.stream) {
      for (;;) {
        auto events = stream->wait(std::chrono::milliseconds(200));
        session->absorb(events, *stream);
        if (events.empty() && stream->done()) break;
      }
      if (!stream->error().empty()) throw ApiError(500, "server_error", stream->error());
      send_json(res, 200, session->response());
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    ServingLoop* lp = &loop;
    res.set_chunked_content_provider(
        "text/event-stream",
        [prep, session, stream, lp](size_t, httplib::DataSink& sink) {
          // A failed write means the client is gone: its sequences leave the batch at the next step.
          auto write = [&](const std::string& text) {
            if (text.empty() || sink.write(text.data(), text.size())) return true;
            lp->cancel(*stream);
            return false;
          };
          if (!write(session->stream_start())) return false;
          auto last_write = Clock::now();
          for (;;) {
            auto events = stream->wait(std::chrono::milliseconds(250));
            const std::string out = session->stream_events(events, *stream);
            if (!out.empty()) {
              if (!write(out)) return false;
              last_write = Clock::now();
            } else if (Clock::now() - last_write > std::chrono::seconds(2)) {
              // An SSE comment while queued: clients ignore it, and a closed connection shows up.
              if (!write(": keep-alive\n\n")) return false;
              last_write = Clock::now();
            }
            if (events.empty() && stream->done()) break;
          }
          if (!write(session->stream_end(stream->error()))) return false;
          sink.done();
          return true;
        },
        [stream, lp](bool success) {
          if (!success) lp->cancel(*stream);
        });
  }

  void models(httplib::Response& res) {
    const ServedModel& m = model();
    send_json(res, 200,
              {{"object", "list"},
               {"data", json::array({{{"id", m.name},
                                      {"object", "model"},
                                      {"created", m.created},
                                      {"owned_by", "r1cpp"},
                                      {"max_model_len", m.max_context}}})}});
  }

  // vLLM's shapes: {"prompt": TEXT} or {"messages": [...]} -> {"count", "max_model_len", "tokens"}.
  void tokenize(const httplib::Request& req, httplib::Response& res) {
    const ServedModel& m = model();
    const json j = parse_body_object(req.body);
    std::vector<int32_t> ids;
    bool add_special = true, add_generation_prompt = true;
    for (const auto& [k, v] : j.items()) {
      if (k == "add_special_tokens" || k == "add_generation_prompt") {
        if (!v.is_boolean()) throw bad_request(k, "must be a boolean", "invalid_type");
        (k == "add_special_tokens" ? add_special : add_generation_prompt) = v.get<bool>();
      } else if (k != "prompt" && k != "messages" && k != "model") {
        throw bad_request(k, "is not a field of a tokenize request", "unknown_parameter");
      }
    }
    if (j.contains("prompt") == j.contains("messages")) throw bad_request("prompt", "or messages is required (one of them)");
    if (j.contains("prompt")) {
      if (!j["prompt"].is_string()) throw bad_request("prompt", "must be a string", "invalid_type");
      ids = m.tokenizer.encode(j["prompt"].get<std::string>(), add_special);
    } else {
      // The messages are checked as a chat request's are.
      ApiRequest api = parse_chat_request(dump(json{{"messages", j["messages"]}}), s.cfg_.limits);
      if (!m.chat_template) throw bad_request("messages", "cannot be rendered: the model has no chat template");
      std::string text;
      try {
        text = m.chat_template->render(api.messages, add_generation_prompt);
      } catch (const std::exception& e) {
        throw bad_request("messages", std::string("were refused by the model's chat template: ") + e.what());
      }
      ids = m.tokenizer.encode(text, false);
    }
    send_json(res, 200, {{"count", ids.size()}, {"max_model_len", m.max_context}, {"tokens", ids}});
  }

  void detokenize(const httplib::Request& req, httplib::Response& res) {
    const ServedModel& m = model();
    const json j = parse_body_object(req.body);
    for (const auto& [k, v] : j.items())
      if (k != "tokens" && k != "model") throw bad_request(k, "is not a field of a detokenize request", "unknown_parameter");
    if (!j.contains("tokens")) throw bad_request("tokens", "is required", "missing_required_parameter");
    const json& t = j["tokens"];
    if (!t.is_array()) throw bad_request("tokens", "must be an array of token ids", "invalid_type");
    std::vector<int32_t> ids;
    const int64_t vocab = m.tokenizer.vocab_size();
    for (size_t i = 0; i < t.size(); ++i) {
      const std::string at = "tokens[" + std::to_string(i) + "]";
      if (!t[i].is_number_integer()) throw bad_request(at, "must be an integer", "invalid_type");
      const int64_t id = t[i].is_number_unsigned() && t[i].get<uint64_t>() > uint64_t(INT64_MAX) ? -1 : t[i].get<int64_t>();
      if (id < 0 || id >= vocab)
        throw bad_request(at, "must be a token id in [0, " + std::to_string(vocab) + "), got " + t[i].dump());
      ids.push_back(static_cast<int32_t>(id));
    }
    send_json(res, 200, {{"prompt", m.tokenizer.decode(ids, false)}});
  }

  // Runs a handler; whatever it throws becomes an error response, never a crash.
  template <class F>
  auto guarded(F f) {
    return [f](const httplib::Request& req, httplib::Response& res) {
      try {
        f(req, res);
      } catch (const ApiError& e) {
        send_error(res, e);
      } catch (const std::exception& e) {
        log_warn(std::string("serve: ") + req.method + " " + req.path + ": " + e.what());
        send_error(res, ApiError(500, "server_error", std::string("internal error: ") + e.what()));
      }
    };
  }
};

Server::Server(ServerConfig cfg) : cfg_(std::move(cfg)), http_(std::make_unique<httplib::Server>()) {
  auto& h = *http_;
  const auto threads = static_cast<size_t>(cfg_.threads);
  h.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  h.set_payload_max_length(static_cast<size_t>(cfg_.max_body_bytes));
  h.set_read_timeout(static_cast<time_t>(cfg_.read_timeout_s), 0);
  h.set_write_timeout(static_cast<time_t>(cfg_.write_timeout_s), 0);
  h.set_keep_alive_timeout(static_cast<time_t>(cfg_.keep_alive_timeout_s));
  h.set_keep_alive_max_count(1000);

  h.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    t_request_start = Clock::now();
    t_request_counted = true;
    metrics_.request_started();
    if (cfg_.api_key.empty() || is_public(req.path) ||
        bearer_matches(req.get_header_value("Authorization"), cfg_.api_key))
      return httplib::Server::HandlerResponse::Unhandled;
    send_error(res, ApiError(401, "invalid_request_error",
                             req.has_header("Authorization") ? "Incorrect API key provided"
                                                             : "Missing API key: send 'Authorization: Bearer KEY'",
                             "", "invalid_api_key"));
    return httplib::Server::HandlerResponse::Handled;
  });
  // Errors httplib answers itself (unknown route 404, body too large 413, malformed request 400) get
  // the OpenAI error body too.
  h.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string what = res.status == 404   ? "no route " + req.method + " " + req.path
                       : res.status == 413 ? "the request body is larger than the server accepts (--max_body_bytes)"
                                           : "the request could not be read (HTTP " + std::to_string(res.status) + ")";
    send_error(res, ApiError(res.status, "invalid_request_error", what, "", res.status == 404 ? "not_found" : ""));
    return httplib::Server::HandlerResponse::Handled;
  }));
  h.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    send_error(res, ApiError(500, "server_error", "internal error"));
  });
  h.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    const double seconds =
        t_request_counted ? std::chrono::duration<double>(Clock::now() - t_request_start).count() : 0.0;
    if (t_request_counted) metrics_.request_finished(route_label(req.path), res.status, seconds);
    else {
      metrics_.request_started();
      metrics_.request_finished(route_label(req.path), res.status, 0.0);
    }
    t_request_counted = false;
    char line[512];
    std::snprintf(line, sizeof line, "serve: %s %s %s %d %.3fs %s", req.remote_addr.c_str(), req.method.c_str(),
                  req.path.substr(0, 200).c_str(), res.status, seconds,
                  res.get_header_value("Content-Type").c_str());
    log_info(line);
  });

  auto routes = std::make_shared<Routes>(Routes{*this});
  h.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(chat_page_html(), "text/html; charset=utf-8");
  });
  h.Get("/index.html", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(chat_page_html(), "text/html; charset=utf-8");
  });
  h.Get("/favicon.ico", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  h.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    const bool ready = model_.load() && loop_.load();
    send_json(res, ready ? 200 : 503, {{"status", ready ? "ok" : "loading"}});
  });
  h.Get("/metrics", routes->guarded([this](const httplib::Request&, httplib::Response& res) {
    ServingLoop* loop = loop_.load();
    engine::EngineStats stats;
    if (loop) stats = loop->stats();
    res.set_content(metrics_.prometheus(loop ? &stats : nullptr), "text/plain; version=0.0.4");
  }));
  h.Get("/v1/models", routes->guarded([routes](const httplib::Request&, httplib::Response& res) { routes->models(res); }));
  h.Post("/v1/chat/completions", routes->guarded([routes](const httplib::Request& req, httplib::Response& res) {
    routes->completion(req, res, Endpoint::chat);
  }));
  h.Post("/v1/completions", routes->guarded([routes](const httplib::Request& req, httplib::Response& res) {
    routes->completion(req, res, Endpoint::completions);
  }));
  h.Post("/tokenize", routes->guarded([routes](const httplib::Request& req, httplib::Response& res) {
    routes->tokenize(req, res);
  }));
  h.Post("/detokenize", routes->guarded([routes](const httplib::Request& req, httplib::Response& res) {
    routes->detokenize(req, res);
  }));
}

Server::~Server() { stop(); }

int Server::bind() {
  int port = static_cast<int>(cfg_.port);
  bool ok = port == 0 ? (port = http_->bind_to_any_port(cfg_.host)) > 0 : http_->bind_to_port(cfg_.host, port);
  check(ok, cfg_.host + ":" + std::to_string(cfg_.port),
        "cannot listen there (address in use, or not an address of this machine?)");
  return port;
}

void Server::run() {
  in_run_ = true;
  if (!stopping_) http_->listen_after_bind();
  in_run_ = false;
}

void Server::stop() {
  stopping_ = true;
  // run() may be about to listen (a model that failed to load stops the server at once): wait until
  // it listens or returns, so that the stop is not lost.
  while (in_run_ && !http_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  http_->stop();
}

void Server::set_model(const ServedModel* model, ServingLoop* loop) {
  loop_.store(loop);
  model_.store(model);
}

}  // namespace r1::serve
