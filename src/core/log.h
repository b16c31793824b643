// Minimal leveled logging to stderr; rank-aware prefixes are added by dist/ when running distributed.
#pragma once
#include <cstdio>
#include <string>

namespace r1 {

void log_info(const std::string& msg);
void log_warn(const std::string& msg);

}  // namespace r1
