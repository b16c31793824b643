// JSON and JSONL files (core/json_file.h): the values in order, blank lines skipped, and every error
// naming the file, or the file and line, at fault.
#include "core/json_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "core/error.h"
#include "core/files.h"

namespace {

std::string write(const std::string& name, const std::string& text) {
  const std::string path = r1::test::fresh_temp_dir("json_file_" + name) + "/" + name;
  r1::write_file_atomic(path, text);
  return path;
}

// The message of the r1::Error `f` throws ("" when it throws none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const r1::Error& e) {
    return e.what();
  }
  return "";
}

TEST(JsonFile, ReadsAWholeFileAndNamesItWhenItIsNotJson) {
  EXPECT_EQ(r1::read_json_file(write("ok.json", "{\"a\": [1, 2]}\n")), nlohmann::json({{"a", {1, 2}}}));
  const std::string bad = write("bad.json", "{\"a\": ");
  EXPECT_NE(error_of([&] { r1::read_json_file(bad); }).find(bad + ": invalid JSON"), std::string::npos);
  EXPECT_NE(error_of([] { r1::read_json_file("/nonexistent/x.json"); }).find("/nonexistent/x.json"), std::string::npos);
}

TEST(JsonFile, JsonlRecordsInOrderWithTheirLinesBlankLinesSkipped) {
  const std::string path = write("ok.jsonl", "{\"n\": 1}\n\n  \t\r\n[2]\n\"three\"\n");
  std::vector<nlohmann::json> values;
  std::vector<std::string> wheres;
  r1::for_each_jsonl_record(path, [&](const nlohmann::json& j, const std::string& where) {
    values.push_back(j);
    wheres.push_back(where);
  });
  EXPECT_EQ(values, (std::vector<nlohmann::json>{{{"n", 1}}, nlohmann::json::array({2}), "three"}));
  EXPECT_EQ(wheres, (std::vector<std::string>{path + ":1", path + ":4", path + ":5"}));
  EXPECT_EQ(r1::read_jsonl(path), values);
}

TEST(JsonFile, JsonlErrorsNameTheFileAndTheLine) {
  const std::string bad = write("bad.jsonl", "{\"n\": 1}\n\n{not json\n{\"n\": 3}\n");
  EXPECT_NE(error_of([&] { r1::read_jsonl(bad); }).find(bad + ":3: invalid JSON"), std::string::npos);
  EXPECT_NE(error_of([] { r1::read_jsonl("/nonexistent/x.jsonl"); }).find("/nonexistent/x.jsonl: cannot open"),
            std::string::npos);
}

}  // namespace
