// File helpers: whole-file reads and atomic writes (a crash mid-write leaves the old file intact).
#pragma once
#include <string>
#include <string_view>

namespace r1 {

std::string read_file(const std::string& path);

// Writes to `path.tmp.<pid>`, fsyncs, then renames over `path`: readers see the old or the new file,
// never a torn one.
void write_file_atomic(const std::string& path, std::string_view contents);

void make_dirs(const std::string& path);
bool path_exists(const std::string& path);

}  // namespace r1
