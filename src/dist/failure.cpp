#include "dist/failure.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/files.h"
#include "dist/launch_env.h"
#include "dist/process_group.h"

namespace r1::dist {
namespace {

struct AbortChannel {
  std::mutex mu;
  std::shared_ptr<Store> store;
  int rank = 0;
  double linger_s = 0;  // > 0 when this process hosts the store
};

AbortChannel& channel() {
  static AbortChannel c;
  return c;
}

// 0: no failure yet; else 1 + the Reporter that claimed it.
std::atomic<int> g_failure_claimed{0};

}  // namespace

std::string rank_prefix() {
  try {
    const LaunchEnv env = read_launch_env();
    return env.distributed() ? "[rank " + std::to_string(env.rank) + "] " : "";
  } catch (const std::exception&) {
    return "";  // a malformed environment is reported by whoever reads it for real
  }
}

bool claim_failure(Reporter who) {
  int none = 0;
  return g_failure_claimed.compare_exchange_strong(none, 1 + static_cast<int>(who));
}

bool watchdog_is_ending_process() { return g_failure_claimed.load() == 1 + static_cast<int>(Reporter::watchdog); }

void print_fatal_error(const std::string& what) {
  std::fprintf(stderr, "%serror: %s\n", rank_prefix().c_str(), what.c_str());
  std::fflush(stderr);
  // torchrun reads {"message": ..., "timestamp": ...} from here and reports the earliest failure.
  if (const char* path = std::getenv("TORCHELASTIC_ERROR_FILE")) {
    try {
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      nlohmann::json j = {{"message", what},
                          {"timestamp", std::chrono::duration_cast<std::chrono::seconds>(now).count()}};
      write_file_atomic(path, j.dump());
    } catch (const std::exception&) {
      // the error line above is the report that matters
    }
  }
}

void set_abort_channel(std::shared_ptr<Store> store, int rank, double linger_s) {
  std::lock_guard<std::mutex> lock(channel().mu);
  channel().store = std::move(store);
  channel().rank = rank;
  channel().linger_s = linger_s;
}

void clear_abort_channel() { set_abort_channel(nullptr, 0, 0); }

std::string publish_abort(Store& store, const std::string& msg) { return store.set_if_absent(kAbortKey, msg); }

void report_fatal_error(const std::string& what) {
  print_fatal_error(what);
  std::shared_ptr<Store> store;
  double linger = 0;
  int rank = 0;
  {
    std::lock_guard<std::mutex> lock(channel().mu);
    store = channel().store;
    linger = channel().linger_s;
    rank = channel().rank;
  }
  if (!store) return;
  try {
    publish_abort(*store, "rank " + std::to_string(rank) + " failed: " + what);
    if (linger > 0) std::this_thread::sleep_for(std::chrono::duration<double>(linger));
  } catch (const std::exception&) {
    // the store is gone with the job; the others find out through their own connections
  }
}

}  // namespace r1::dist
