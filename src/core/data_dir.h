// Where r1 finds its data (benchmark files, third-party cases): the project ships them in `data/`,
// and a user never has to configure anything. Candidates, in order:
//   1. an explicit folder (`--data_dir`),
//   2. $R1_DATA_DIR,
//   3. the installed data folder (`cmake --install` puts data/ in <prefix>/share/r1cpp/data): the one
//      beside the running executable (<prefix>/bin/r1), then the install prefix it was built for,
//   4. the data/ folder of the source tree this binary was built from.
// The first candidate that holds the wanted file wins; when none does, the error lists them all.
#pragma once
#include <string>
#include <vector>

namespace r1 {

// The candidate folders above that are set (explicit may be ""), in search order, with where each
// came from: {"--data_dir", path}, {"$R1_DATA_DIR", path}, {"installed", path}, {"source tree", path}.
struct DataDirCandidate {
  std::string origin;
  std::string path;
};
std::vector<DataDirCandidate> data_dir_candidates(const std::string& explicit_dir = "");

// The first candidate holding `relative_file` (e.g. "math500_test.jsonl"); throws r1::Error naming
// the file and every folder looked in.
std::string find_data_dir(const std::string& relative_file, const std::string& explicit_dir = "");

// The folder r1 reads data from when nothing names a file yet: the first candidate that exists.
// "" when none does.
std::string default_data_dir(const std::string& explicit_dir = "");

}  // namespace r1
