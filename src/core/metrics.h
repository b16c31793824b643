// Appends one JSON object per line to a run's metrics.jsonl (flushed each line, so a crash keeps
// everything written so far).
#pragma once
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace r1 {

class MetricsWriter {
 public:
  MetricsWriter() = default;
  explicit MetricsWriter(const std::string& path, bool append = true);
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter&) = delete;
  MetricsWriter& operator=(const MetricsWriter&) = delete;
  void write(const nlohmann::json& record);

 private:
  std::FILE* file_ = nullptr;
};

}  // namespace r1
