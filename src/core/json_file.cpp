#include "core/json_file.h"

#include <fstream>

#include "core/error.h"
#include "core/files.h"

namespace r1 {

nlohmann::json read_json_file(const std::string& path) {
  const std::string text = read_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path, std::string("invalid JSON: ") + e.what());
  }
}

void for_each_jsonl_record(const std::string& path,
                           const std::function<void(const nlohmann::json& value, const std::string& where)>& record) {
  std::ifstream in(path);
  check(in.good(), path, "cannot open");
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(n);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw Error(where, std::string("invalid JSON: ") + e.what());
    }
    record(j, where);
  }
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> out;
  for_each_jsonl_record(path, [&](const nlohmann::json& j, const std::string&) { out.push_back(j); });
  return out;
}

}  // namespace r1
