#include "core/data_dir.h"

#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "core/files.h"

// The build passes both folders (CMakeLists.txt); a build without them still honours 1 and 2.
#ifndef R1_INSTALLED_DATA_DIR
#define R1_INSTALLED_DATA_DIR ""
#endif
#ifndef R1_SOURCE_DATA_DIR
#define R1_SOURCE_DATA_DIR ""
#endif

namespace r1 {
namespace {

// <prefix>/share/r1cpp/data for the prefix this binary sits in (<prefix>/bin/r1), so an installed
// tree still finds its data after being moved; "" when the executable's path is unknown.
std::string data_dir_beside_executable() {
  char exe[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return "";
  const std::filesystem::path bin = std::filesystem::path(std::string(exe, n)).parent_path();
  return (bin / ".." / "share" / "r1cpp" / "data").lexically_normal().string();
}

}  // namespace

std::vector<DataDirCandidate> data_dir_candidates(const std::string& explicit_dir) {
  std::vector<DataDirCandidate> out;
  if (!explicit_dir.empty()) out.push_back({"--data_dir", explicit_dir});
  const char* env = std::getenv("R1_DATA_DIR");
  if (env && *env) out.push_back({"$R1_DATA_DIR", env});
  const std::string beside = data_dir_beside_executable();
  if (!beside.empty() && path_exists(beside)) out.push_back({"installed", beside});
  if (*R1_INSTALLED_DATA_DIR) out.push_back({"installed", R1_INSTALLED_DATA_DIR});
  if (*R1_SOURCE_DATA_DIR) out.push_back({"source tree", R1_SOURCE_DATA_DIR});
  return out;
}

std::string find_data_dir(const std::string& relative_file, const std::string& explicit_dir) {
  const auto candidates = data_dir_candidates(explicit_dir);
  // An explicit folder is the user's choice: it is the only place looked in.
  if (!explicit_dir.empty()) {
    if (path_exists(explicit_dir + "/" + relative_file)) return explicit_dir;
    throw Error(explicit_dir + "/" + relative_file, "not found (the folder given by --data_dir)");
  }
  std::string looked;
  for (const auto& c : candidates) {
    if (path_exists(c.path + "/" + relative_file)) return c.path;
    looked += "\n  " + c.path + " (" + c.origin + ")";
  }
  throw Error("data file " + relative_file,
              "not found; looked in:" + (looked.empty() ? std::string("\n  (no data folder known)") : looked) +
                  "\nset --data_dir DIR or $R1_DATA_DIR to the folder that holds it");
}

std::string default_data_dir(const std::string& explicit_dir) {
  for (const auto& c : data_dir_candidates(explicit_dir))
    if (path_exists(c.path)) return c.path;
  return "";
}

}  // namespace r1
