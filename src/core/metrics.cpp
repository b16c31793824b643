#include "core/metrics.h"

#include <sstream>

#include "core/error.h"
#include "core/files.h"

namespace r1 {

MetricsWriter::MetricsWriter(const std::string& path, bool append) : path_(path) {
  file_ = std::fopen(path.c_str(), append ? "a" : "w");
  check(file_ != nullptr, path, "cannot open metrics file");
}

MetricsWriter::~MetricsWriter() {
  if (file_) std::fclose(file_);
}

void MetricsWriter::write(const nlohmann::json& record) {
  if (!file_) return;
  std::string line = record.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

void MetricsWriter::drop_rows(const std::function<bool(const nlohmann::json& row)>& drop) {
  if (!file_) return;
  std::fclose(file_);
  file_ = nullptr;
  std::istringstream in(read_file(path_));
  std::string kept;
  for (std::string line; std::getline(in, line);) {
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      continue;  // a torn line
    }
    if (!drop(row)) kept += line + "\n";
  }
  write_file_atomic(path_, kept);
  file_ = std::fopen(path_.c_str(), "a");
  check(file_ != nullptr, path_, "cannot reopen metrics file");
}

}  // namespace r1
