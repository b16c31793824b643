// Reading JSON and JSONL files, with errors that name the file ("FILE") or the line ("FILE:N").
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace r1 {

// The JSON value of a whole file. r1::Error naming the file when it cannot be read or is not JSON.
nlohmann::json read_json_file(const std::string& path);

// Calls `record(value, where)` for each line of `path` that is not blank, in order; `where` is
// "PATH:N" (N from 1), for the caller's own messages about the record. r1::Error naming the file when
// it cannot be opened, naming PATH:N when a line is not JSON.
void for_each_jsonl_record(const std::string& path,
                           const std::function<void(const nlohmann::json& value, const std::string& where)>& record);

// Every record of a JSONL file, in order (errors as for_each_jsonl_record's).
std::vector<nlohmann::json> read_jsonl(const std::string& path);

}  // namespace r1
