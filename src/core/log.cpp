#include "core/log.h"

namespace r1 {

void log_info(const std::string& msg) {
  std::fprintf(stderr, "%s\n", msg.c_str());
  std::fflush(stderr);
}

void log_warn(const std::string& msg) {
  std::fprintf(stderr, "warning: %s\n", msg.c_str());
  std::fflush(stderr);
}

}  // namespace r1
