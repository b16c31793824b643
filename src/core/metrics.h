// Appends one JSON object per line to a run's metrics.jsonl (flushed each line, so a crash keeps
// everything written so far).
#pragma once
#include <cstdio>
#include <functional>
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

  // Rewrites the file (atomically) without the rows `drop` selects and without a torn last line (a
  // crash mid-write); later writes append to the rewritten file. A resumed run drops the rows it
  // is about to write again.
  void drop_rows(const std::function<bool(const nlohmann::json& row)>& drop);

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace r1
