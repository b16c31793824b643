#include <gtest/gtest.h>

#include <filesystem>

#include "core/config.h"
#include "core/error.h"
#include "core/files.h"

using r1::json;

namespace {

json defaults() {
  return json{{"seed", 1}, {"lr", 0.001}, {"name", "demo"}, {"rl", {{"beta", 0.0}, {"group_size", 8}, {"drop", true}}}};
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const r1::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Config, OverridesKeepTypes) {
  json c = r1::resolve_config(defaults(), "", {{"rl.group_size", "16"}, {"lr", "3e-4"}, {"name", "123"}});
  EXPECT_EQ(c["rl"]["group_size"], 16);
  EXPECT_DOUBLE_EQ(c["lr"].get<double>(), 3e-4);
  EXPECT_EQ(c["name"], "123");  // a string slot takes the text verbatim
  // An integer slot accepts an integral float; a float slot accepts an integer.
  c = r1::resolve_config(defaults(), "", {{"seed", "2.0"}, {"lr", "1"}});
  EXPECT_EQ(c["seed"], 2);
  EXPECT_DOUBLE_EQ(c["lr"].get<double>(), 1.0);
}

TEST(Config, UnknownKeyIsAnErrorNamingIt) {
  std::string msg = error_of([] { r1::resolve_config(defaults(), "", {{"rl.grop_size", "4"}}); });
  EXPECT_NE(msg.find("rl.grop_size"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("group_size"), std::string::npos) << msg;  // lists the known keys
}

TEST(Config, BadValueIsAnErrorNamingIt) {
  std::string msg = error_of([] { r1::resolve_config(defaults(), "", {{"rl.group_size", "many"}}); });
  EXPECT_NE(msg.find("rl.group_size"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expects an integer"), std::string::npos) << msg;
  msg = error_of([] { r1::resolve_config(defaults(), "", {{"rl.drop", "1"}}); });
  EXPECT_NE(msg.find("expects a boolean"), std::string::npos) << msg;
  msg = error_of([] { r1::resolve_config(defaults(), "", {{"seed", "1.5"}}); });
  EXPECT_NE(msg.find("seed"), std::string::npos) << msg;
}

TEST(Config, FileIsMergedAndErrorsNameTheFile) {
  auto dir = std::filesystem::temp_directory_path() / "r1_config_test";
  std::filesystem::create_directories(dir);
  std::string good = (dir / "good.json").string(), bad = (dir / "bad.json").string(),
              wrong = (dir / "wrong.json").string();
  r1::write_file_atomic(good, R"({"rl": {"beta": 0.04}})");
  r1::write_file_atomic(bad, R"({"rl": {"beta": )");
  r1::write_file_atomic(wrong, R"({"rl": {"betta": 1}})");
  json c = r1::resolve_config(defaults(), good, {{"rl.beta", "0.1"}});
  EXPECT_DOUBLE_EQ(c["rl"]["beta"].get<double>(), 0.1);  // command line wins over file
  EXPECT_NE(error_of([&] { r1::resolve_config(defaults(), bad, {}); }).find(bad), std::string::npos);
  std::string msg = error_of([&] { r1::resolve_config(defaults(), wrong, {}); });
  EXPECT_NE(msg.find("rl.betta"), std::string::npos) << msg;
  EXPECT_NE(msg.find(wrong), std::string::npos) << msg;
  EXPECT_NE(error_of([&] { r1::resolve_config(defaults(), (dir / "missing.json").string(), {}); }).find("missing.json"),
            std::string::npos);
}

TEST(Files, AtomicWriteReplacesWholeFile) {
  auto path = (std::filesystem::temp_directory_path() / "r1_atomic.txt").string();
  r1::write_file_atomic(path, "first version, long");
  r1::write_file_atomic(path, "second");
  EXPECT_EQ(r1::read_file(path), "second");
}
