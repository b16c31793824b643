// r1 serve's HTTP server (cpp-httplib): the OpenAI-compatible routes, /health, /metrics, /tokenize,
// /detokenize and the chat page, with bearer auth, a body size limit, timeouts and one log line per
// request. The server listens before the model is loaded, so /health can answer 503 while it loads;
// set_model() switches it to serving. No request can take the server down: every handler's errors
// become OpenAI-shaped error responses.
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "serve/server_config.h"
#include "serve/server_metrics.h"
#include "serve/served_model.h"
#include "serve/serving_loop.h"

namespace httplib {
class Server;
}

namespace r1::serve {

class Server {
 public:
  explicit Server(ServerConfig cfg);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the address (r1::Error naming it when it cannot) and returns the port.
  int bind();
  // Serves until stop(); call after bind(), from any thread.
  void run();
  void stop();
  // From now on requests are answered with `model` through `loop` (both outlive the server).
  void set_model(const ServedModel* model, ServingLoop* loop);

 private:
  struct Routes;
  ServerConfig cfg_;
  std::unique_ptr<httplib::Server> http_;
  ServerMetrics metrics_;
  std::atomic<const ServedModel*> model_{nullptr};
  std::atomic<ServingLoop*> loop_{nullptr};
  std::atomic<bool> in_run_{false}, stopping_{false};
};

}  // namespace r1::serve
