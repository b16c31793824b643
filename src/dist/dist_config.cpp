#include "dist/dist_config.h"

#include <cmath>

#include "core/error.h"

namespace r1::dist {

std::string seconds_text(double s) {
  std::string t = std::to_string(std::round(s * 100) / 100);  // "2.250000"
  t.erase(t.find_last_not_of('0') + 1);
  if (t.back() == '.') t.pop_back();
  return t + " s";
}

void to_json(nlohmann::json& j, const DistConfig& c) {
  j = {{"backend", c.backend},     {"timeout_s", c.timeout_s}, {"heartbeat_s", c.heartbeat_s},
       {"lost_after_s", c.lost_after_s}, {"bucket_mb", c.bucket_mb}, {"grad_sync", c.grad_sync},
       {"gloo_threads", c.gloo_threads}};
}

// Keys left out keep their defaults (the resolved command config always has them all).
void from_json(const nlohmann::json& j, DistConfig& c) {
  c = DistConfig{};
  auto take = [&](const char* key, auto& field) {
    if (j.contains(key)) j.at(key).get_to(field);
  };
  take("backend", c.backend);
  take("timeout_s", c.timeout_s);
  take("heartbeat_s", c.heartbeat_s);
  take("lost_after_s", c.lost_after_s);
  take("bucket_mb", c.bucket_mb);
  take("grad_sync", c.grad_sync);
  take("gloo_threads", c.gloo_threads);
}

void validate(const DistConfig& c) {
  check(c.backend == "auto" || c.backend == "gloo" || c.backend == "nccl", "config key dist.backend",
        "is '" + c.backend + "'; expected auto, gloo or nccl");
  check(c.timeout_s > 0, "config key dist.timeout_s", "must be > 0, got " + seconds_text(c.timeout_s));
  check(c.heartbeat_s >= 0, "config key dist.heartbeat_s", "must be >= 0 (0 = no heartbeat watch)");
  check(c.heartbeat_s == 0 || c.lost_after_s >= 3 * c.heartbeat_s, "config key dist.lost_after_s",
        "must be at least 3 heartbeats (3 x dist.heartbeat_s = " + seconds_text(3 * c.heartbeat_s) + "), got " +
            seconds_text(c.lost_after_s));
  check(c.bucket_mb > 0, "config key dist.bucket_mb", "must be > 0");
  check(c.grad_sync == "overlap" || c.grad_sync == "after_backward", "config key dist.grad_sync",
        "is '" + c.grad_sync + "'; expected overlap or after_backward");
  check(c.gloo_threads >= 1, "config key dist.gloo_threads", "must be >= 1");
}

}  // namespace r1::dist
