// GET /metrics: Prometheus text exposition (format 0.0.4) of the server's counters and the engine's
// state, with names in the style of vLLM's and llama.cpp's (`r1_` prefix): requests by route and
// status, prompt and generated tokens, generation tokens/s while busy, queue depth, running sequences.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "engine/engine.h"

namespace r1::serve {

class ServerMetrics {
 public:
  ServerMetrics();
  void request_started();
  void request_finished(const std::string& route, int status, double seconds);
  // Engine figures are read at scrape time; `engine` is null while the model loads.
  std::string prometheus(const engine::EngineStats* engine) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, int64_t> requests_;  // (route, status) -> count
  double request_seconds_ = 0.0;
  int64_t in_flight_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace r1::serve
