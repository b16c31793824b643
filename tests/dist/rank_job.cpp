#include "rank_job.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "dist/net.h"

extern char** environ;

namespace r1::test {
namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string self_exe() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

namespace {

// The directories temp_dir() handed out, removed when the test process that created them exits
// (a rank worker is a separate process and removes nothing).
struct TempDirs {
  pid_t owner = ::getpid();
  std::vector<std::filesystem::path> paths;
  ~TempDirs() {
    if (::getpid() != owner) return;
    std::error_code ec;
    for (const auto& p : paths) std::filesystem::remove_all(p, ec);
  }
};

}  // namespace

std::string temp_dir(const std::string& tag) {
  namespace fs = std::filesystem;
  static int counter = 0;
  static TempDirs dirs;
  const fs::path p = fs::temp_directory_path() /
                     ("r1-dist-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(p);
  fs::create_directories(p);
  dirs.paths.push_back(p);
  return p.string();
}

Job::Job(int world, const std::string& program, const std::vector<std::string>& args,
         const std::map<std::string, std::string>& extra_env)
    : dir_(temp_dir("job")), start_(now_s()) {
  port_ = r1::dist::pick_free_port("127.0.0.1");
  const std::set<std::string> launcher_vars = {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE",
                                               "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_USE_AGENT_STORE"};
  const int n = world == 0 ? 1 : world;
  for (int r = 0; r < n; ++r) {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
      const std::string kv = *e;
      const std::string k = kv.substr(0, kv.find('='));
      if (!launcher_vars.count(k)) env[k] = kv.substr(kv.find('=') + 1);
    }
    // Ranks get one thread each; a launcher chooses for its own ranks.
    env.erase("OMP_NUM_THREADS");
    if (world > 0) {
      env["OMP_NUM_THREADS"] = "1";
      env["RANK"] = env["LOCAL_RANK"] = std::to_string(r);
      env["WORLD_SIZE"] = env["LOCAL_WORLD_SIZE"] = std::to_string(world);
      env["MASTER_ADDR"] = "127.0.0.1";
      env["MASTER_PORT"] = std::to_string(port_);
    }
    for (const auto& [k, v] : extra_env) env[k] = v;
    std::vector<std::string> env_strings, argv_strings{program};
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv, envp;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);

    Proc p;
    p.out_path = dir_ + "/" + std::to_string(r) + ".out";
    p.err_path = dir_ + "/" + std::to_string(r) + ".err";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, p.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, p.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::posix_spawn(&p.pid, program.c_str(), &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    procs_.push_back(p);
  }
}

Job::~Job() {
  for (size_t i = 0; i < procs_.size(); ++i)
    if (!poll(static_cast<int>(i))) {
      ::kill(procs_[i].pid, SIGKILL);
      ::waitpid(procs_[i].pid, &procs_[i].status, 0);
    }
  std::filesystem::remove_all(dir_);
}

double Job::elapsed_s() const { return now_s() - start_; }

bool Job::poll(int i) {
  Proc& p = procs_[i];
  if (p.done) return true;
  if (p.pid > 0 && ::waitpid(p.pid, &p.status, WNOHANG) == p.pid) {
    p.done = true;
    p.exit_after_s = elapsed_s();
  }
  return p.done;
}

bool Job::wait_all(double timeout_s) {
  const double deadline = now_s() + timeout_s;
  for (;;) {
    bool all = true;
    for (size_t i = 0; i < procs_.size(); ++i) all = poll(static_cast<int>(i)) && all;
    if (all) return true;
    if (now_s() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (size_t i = 0; i < procs_.size(); ++i)
    if (!procs_[i].done) ::kill(procs_[i].pid, SIGKILL);
  return false;
}

bool Job::wait_for_output(int i, const std::string& text, double timeout_s) {
  const double deadline = now_s() + timeout_s;
  while (now_s() < deadline) {
    if (output(i).find(text) != std::string::npos) return true;
    if (poll(i)) return output(i).find(text) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::string Job::output(int i) const { return slurp(procs_[i].out_path) + slurp(procs_[i].err_path); }

int Job::exit_code(int i) const {
  const int s = procs_[i].status;
  return WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s);
}

}  // namespace r1::test
