#include "serve/server_metrics.h"

#include <cstdio>

namespace r1::serve {
namespace {

void metric(std::string& out, const char* name, const char* type, const char* help, double value) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, value);
  out += buf;
}

}  // namespace

ServerMetrics::ServerMetrics() : start_(std::chrono::steady_clock::now()) {}

void ServerMetrics::request_started() {
  std::lock_guard<std::mutex> lock(mu_);
  ++in_flight_;
}

void ServerMetrics::request_finished(const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  --in_flight_;
  ++requests_[{route, status}];
  request_seconds_ += seconds;
}

std::string ServerMetrics::prometheus(const engine::EngineStats* engine) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out += "# HELP r1_requests_total HTTP requests answered, by route and status.\n# TYPE r1_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "r1_requests_total{route=\"%s\",status=\"%d\"} %lld\n", key.first.c_str(),
                  key.second, static_cast<long long>(n));
    out += buf;
  }
  metric(out, "r1_request_seconds_total", "counter", "Seconds spent answering requests, summed.", request_seconds_);
  metric(out, "r1_requests_in_flight", "gauge", "HTTP requests being answered now.", static_cast<double>(in_flight_));
  metric(out, "r1_uptime_seconds", "gauge", "Seconds since the server started.",
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  metric(out, "r1_model_loaded", "gauge", "1 once the model is loaded and requests are served.", engine ? 1 : 0);
  if (!engine) return out;
  const auto& s = *engine;
  metric(out, "r1_prompt_tokens_total", "counter", "Prompt tokens prefilled.", static_cast<double>(s.prompt_tokens));
  metric(out, "r1_generation_tokens_total", "counter", "Tokens generated, summed over choices.",
         static_cast<double>(s.generated_tokens));
  metric(out, "r1_engine_requests_finished_total", "counter", "Requests the engine finished.",
         static_cast<double>(s.requests_finished));
  metric(out, "r1_engine_busy_seconds_total", "counter", "Seconds the engine spent stepping.", s.busy_seconds);
  metric(out, "r1_generation_tokens_per_second", "gauge", "Generated tokens per second of engine busy time.",
         s.busy_seconds > 0 ? static_cast<double>(s.generated_tokens) / s.busy_seconds : 0.0);
  metric(out, "r1_queue_depth", "gauge", "Requests waiting for a batch slot.", static_cast<double>(s.waiting));
  metric(out, "r1_running_sequences", "gauge", "Sequences being decoded in the batch.", static_cast<double>(s.running));
  return out;
}

}  // namespace r1::serve
