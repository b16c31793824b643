// Errors that say what went wrong and where: a file, a key, a tensor, a request field.
#pragma once
#include <stdexcept>
#include <string>

namespace r1 {

// The one exception type of r1cpp. `where` names the culprit (a path, "config key rl.beta",
// "tensor model.norm.weight", ...); the CLI prints "error: <where>: <what>" and exits non-zero.
class Error : public std::runtime_error {
 public:
  Error(std::string where, const std::string& what)
      : std::runtime_error(where.empty() ? what : where + ": " + what), where_(std::move(where)) {}
  const std::string& where() const { return where_; }

 private:
  std::string where_;
};

// A mistake in how a command was called: an unknown option, a value of the wrong type or outside its
// allowed range, a config file that is not a JSON object of known keys. The CLI exits with status 2
// for these (1 for every other error), before any work is done.
class UsageError : public Error {
 public:
  using Error::Error;
};

// Throws r1::Error(where, what) unless cond holds.
inline void check(bool cond, const std::string& where, const std::string& what) {
  if (!cond) throw Error(where, what);
}

}  // namespace r1
