#include "dist/launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>

#include "core/error.h"
#include "dist/dist_config.h"
#include "dist/launch_env.h"
#include "dist/net.h"

extern char** environ;

namespace r1::dist {
namespace {

using Clock = std::chrono::steady_clock;

int g_signal_pipe[2] = {-1, -1};

void on_signal(int sig) {
  const unsigned char b = static_cast<unsigned char>(sig);
  const int saved = errno;
  (void)!::write(g_signal_pipe[1], &b, 1);
  errno = saved;
}

void write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

void say(const std::string& msg) { write_all(2, "r1 launch: " + msg + "\n"); }

// One rank's output stream, re-emitted line by line with the rank's prefix (a line that already
// starts with it -- a rank's own error line -- is passed through as is).
struct Stream {
  int fd = -1;
  int to = 1;
  std::string pending;

  void emit(const std::string& prefix, bool all) {
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      const std::string line = pending.substr(start, nl + 1 - start);
      write_all(to, line.rfind(prefix, 0) == 0 ? line : prefix + line);
    }
    pending.erase(0, start);
    if (all && !pending.empty()) {
      write_all(to, (pending.rfind(prefix, 0) == 0 ? pending : prefix + pending) + "\n");
      pending.clear();
    }
  }
};

struct Rank {
  int rank = 0;
  pid_t pid = -1;
  bool running = false;
  int status = 0;
  Stream out, err;
  std::string prefix() const { return "[rank " + std::to_string(rank) + "] "; }
};

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return "was killed by signal " + std::to_string(sig) + " (" + (name ? name : "?") + ")";
  }
  return "ended with status " + std::to_string(status);
}

bool failed(int status) { return !(WIFEXITED(status) && WEXITSTATUS(status) == 0); }

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

// The environment of one rank: this process's, minus any launcher variables it inherited, plus the
// rank's own (and OMP_NUM_THREADS=1 when several ranks share the node and it is unset, as torchrun).
std::vector<std::string> rank_environment(const LaunchEnv& env, int node_rank, bool set_omp) {
  const std::set<std::string> ours = {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK",
                                      "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_USE_AGENT_STORE",
                                      "TORCHELASTIC_RESTART_COUNT", "TORCHELASTIC_ERROR_FILE"};
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    if (!ours.count(kv.substr(0, kv.find('=')))) out.push_back(kv);
  }
  for (const auto& [k, v] : launch_variables(env, node_rank)) out.push_back(k + "=" + v);
  if (set_omp) out.push_back("OMP_NUM_THREADS=1");
  return out;
}

pid_t spawn(const std::string& program, const std::vector<std::string>& args, const std::vector<std::string>& env,
            int out_fd, int err_fd) {
  std::vector<char*> argv, envp;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  check(pid >= 0, "r1 launch", std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    // Its own process group, so a terminal's Ctrl-C reaches the launcher alone (which forwards it
    // once), and a launcher that dies takes the rank with it.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execve(program.c_str(), argv.data(), envp.data());
    const std::string msg = "r1 launch: cannot run " + program + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, msg.data(), msg.size());
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  return pid;
}

}  // namespace

void validate(const LaunchOptions& o) {
  check(o.nproc_per_node >= 1, "--nproc_per_node", "must be >= 1, got " + std::to_string(o.nproc_per_node));
  check(o.nnodes >= 1, "--nnodes", "must be >= 1, got " + std::to_string(o.nnodes));
  check(o.node_rank >= 0 && o.node_rank < o.nnodes, "--node_rank",
        "must be in 0.." + std::to_string(o.nnodes - 1) + " (--nnodes " + std::to_string(o.nnodes) + "), got " +
            std::to_string(o.node_rank));
  check(o.master_port >= 0 && o.master_port <= 65535, "--master_port",
        "must be a TCP port (1..65535, or 0 for a free one), got " + std::to_string(o.master_port));
  check(o.master_port != 0 || o.nnodes == 1, "--master_port 0",
        "picks a port on this node only; with --nnodes > 1 every node must be given the same port");
  check(!o.master_addr.empty(), "--master_addr", "must name rank 0's host");
  check(o.nnodes == 1 || !is_loopback_address(o.master_addr), "--master_addr " + o.master_addr,
        "is this machine's loopback, which the other nodes cannot reach; give node 0's address");
  check(o.stop_timeout_s >= 0, "--stop_timeout_s", "must be >= 0");
}

int launch(const LaunchOptions& opt, const std::string& program, const std::vector<std::string>& args) {
  validate(opt);
  LaunchEnv env;
  env.world_size = opt.nnodes * opt.nproc_per_node;
  env.local_world_size = opt.nproc_per_node;
  env.master_addr = opt.master_addr;
  env.master_port = opt.master_port ? opt.master_port : pick_free_port(opt.master_addr);
  const bool set_omp = opt.nproc_per_node > 1 && !std::getenv("OMP_NUM_THREADS");

  check(::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) == 0, "r1 launch", "cannot create a pipe");
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);

  say(std::to_string(opt.nproc_per_node) + " rank(s) of " + std::to_string(env.world_size) + " on this node, store at " +
      env.master_addr + ":" + std::to_string(env.master_port) + (set_omp ? ", OMP_NUM_THREADS=1 each" : ""));
  std::vector<Rank> ranks(opt.nproc_per_node);
  for (int local = 0; local < opt.nproc_per_node; ++local) {
    Rank& r = ranks[local];
    env.local_rank = local;
    env.rank = r.rank = opt.node_rank * opt.nproc_per_node + local;
    int out[2], err[2];
    check(::pipe2(out, O_CLOEXEC) == 0 && ::pipe2(err, O_CLOEXEC) == 0, "r1 launch", "cannot create pipes");
    r.pid = spawn(program, args, rank_environment(env, opt.node_rank, set_omp), out[1], err[1]);
    ::close(out[1]);
    ::close(err[1]);
    r.running = true;
    r.out = {out[0], 1, ""};
    r.err = {err[0], 2, ""};
  }

  const Rank* failure = nullptr;
  int stop_signal = 0;
  bool stopping = false, killed = false;
  Clock::time_point deadline{}, all_exited{};
  auto signal_all = [&](int sig) {
    for (auto& r : ranks)
      if (r.running) ::kill(-r.pid, sig);
  };
  auto begin_stop = [&](int sig) {
    stopping = true;
    deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.stop_timeout_s));
    signal_all(sig);
  };

  for (;;) {
    std::vector<pollfd> fds{{g_signal_pipe[0], POLLIN, 0}};
    std::vector<Stream*> streams;
    for (auto& r : ranks)
      for (Stream* s : {&r.out, &r.err})
        if (s->fd >= 0) {
          fds.push_back({s->fd, POLLIN, 0});
          streams.push_back(s);
        }
    bool any_running = false;
    for (auto& r : ranks) any_running = any_running || r.running;
    if (!any_running && streams.empty()) break;
    // A rank's child process may keep its pipes open after the rank exited: stop reading soon.
    if (!any_running && all_exited == Clock::time_point{}) all_exited = Clock::now();
    if (!any_running && Clock::now() - all_exited > std::chrono::seconds(2)) {
      for (Stream* s : streams) ::close(s->fd), s->fd = -1;
      continue;
    }
    ::poll(fds.data(), fds.size(), 100);

    unsigned char sig;
    while (::read(g_signal_pipe[0], &sig, 1) == 1) {
      if (!stopping) {
        stop_signal = sig;
        say("got signal " + std::to_string(sig) + "; passing it to every rank");
        begin_stop(sig);
      } else if (sig == SIGINT && !killed) {
        say("second interrupt: killing every rank");
        signal_all(SIGKILL);
        killed = true;
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Stream& s = *streams[i - 1];
      const Rank& owner = *std::find_if(ranks.begin(), ranks.end(), [&](const Rank& r) { return &r.out == &s || &r.err == &s; });
      char buf[65536];
      const ssize_t n = ::read(s.fd, buf, sizeof buf);
      if (n > 0) {
        s.pending.append(buf, static_cast<size_t>(n));
        s.emit(owner.prefix(), false);
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        s.emit(owner.prefix(), true);
        ::close(s.fd);
        s.fd = -1;
      }
    }
    // Reap; within one sweep a rank killed by a signal is the likelier root cause than one that
    // exited with an error after noticing it.
    const Rank* first_bad = nullptr;
    for (auto& r : ranks) {
      if (!r.running || ::waitpid(r.pid, &r.status, WNOHANG) != r.pid) continue;
      r.running = false;
      if (failed(r.status) && !stopping && (!first_bad || (WIFSIGNALED(r.status) && !WIFSIGNALED(first_bad->status))))
        first_bad = &r;
    }
    if (first_bad && !failure) {
      failure = first_bad;
      say("rank " + std::to_string(failure->rank) + " (pid " + std::to_string(failure->pid) + ") " +
          describe_status(failure->status) + "; stopping the other ranks");
      begin_stop(SIGTERM);
    }
    if (stopping && !killed && Clock::now() > deadline) {
      bool any = false;
      for (auto& r : ranks) any = any || r.running;
      if (any) {
        say("ranks still running " + seconds_text(opt.stop_timeout_s) + " after being stopped: killing them");
        signal_all(SIGKILL);
      }
      killed = true;
    }
  }
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);
  ::close(g_signal_pipe[0]);
  ::close(g_signal_pipe[1]);

  if (failure) {
    say("failed: rank " + std::to_string(failure->rank) + " " + describe_status(failure->status));
    return exit_code_of(failure->status);
  }
  if (stop_signal) return 128 + stop_signal;
  return 0;
}

}  // namespace r1::dist
