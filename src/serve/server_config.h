// The HTTP side of `r1 serve`: address, key, threads, timeouts and request limits. Config keys,
// ranges and docs in visit_fields below (the command's options).
#pragma once
#include <cstdint>
#include <string>

#include "core/schema.h"
#include "serve/openai_request.h"

namespace r1::serve {

struct ServerConfig {
  std::string host = "127.0.0.1";  // loopback unless asked: a server open to the network is a choice
  int64_t port = 8000;             // 0: any free port (the log line says which)
  std::string api_key;             // empty: no key (the command reads R1_API_KEY when --api_key is absent)
  std::string served_model_name;   // empty: the model directory's name
  int64_t threads = 128;           // HTTP worker threads: one per open connection (streams hold theirs)
  int64_t max_body_bytes = 1 << 20;
  int64_t read_timeout_s = 10;      // a request's headers and body must arrive within this
  int64_t write_timeout_s = 30;     // a client that stops reading is dropped after this
  int64_t keep_alive_timeout_s = 5;  // an idle keep-alive connection is closed after this
  RequestLimits limits;
};

template <class V>
void visit_fields(V& v, RequestLimits& c) {
  using namespace r1::schema;
  v.field("max_tokens", c.max_tokens, "cap on a request's max_tokens (and its default, within the context)",
          at_least(1));
  v.field("max_n", c.max_n, "choices per request at most", at_least(1));
  v.field("max_stop", c.max_stop, "stop strings per request at most", at_least(0));
  v.field("max_top_logprobs", c.max_top_logprobs, "top_logprobs per token at most", at_least(0));
}

template <class V>
void visit_fields(V& v, ServerConfig& c) {
  using namespace r1::schema;
  v.field("host", c.host, "address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface)",
          kRequired | kNotResult);
  v.field("port", c.port, "TCP port; 0 picks a free one", closed(0, 65535) | kNotResult);
  v.field("api_key", c.api_key,
          "key every endpoint but / and /health requires as 'Authorization: Bearer KEY' (default: $R1_API_KEY; "
          "empty: none)",
          kNotResult);
  v.field("served_model_name", c.served_model_name, "model name clients send and /v1/models lists (default: "
          "the model directory's name)", kNotResult);
  v.field("threads", c.threads, "HTTP worker threads (each open connection holds one)", at_least(1) | kNotResult);
  v.field("max_body_bytes", c.max_body_bytes, "largest request body accepted (413 beyond)",
          at_least(1024) | kNotResult);
  v.field("read_timeout_s", c.read_timeout_s, "seconds a request may take to arrive", at_least(1) | kNotResult);
  v.field("write_timeout_s", c.write_timeout_s, "seconds a client may stall reading its response",
          at_least(1) | kNotResult);
  v.field("keep_alive_timeout_s", c.keep_alive_timeout_s, "seconds an idle keep-alive connection stays open",
          at_least(1) | kNotResult);
  visit_fields(v, c.limits);
}

}  // namespace r1::serve
