// Test helpers that start real processes as the ranks of a job on 127.0.0.1: this test binary in
// its rank mode (main.cpp: `test_dist --rank-worker <scenario> ...`), the r1 binary, or a launcher.
// Output goes to files so a test can wait for a line and read what each process printed.
#pragma once
#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace r1::test {

std::string self_exe();  // this test binary

struct Proc {
  pid_t pid = -1;
  std::string out_path, err_path;
  bool done = false;
  int status = 0;           // waitpid status
  double exit_after_s = 0;  // since the job started
};

class Job {
 public:
  // Starts `world` processes of `program args...`; rank r gets RANK=r, WORLD_SIZE, LOCAL_RANK,
  // LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1, MASTER_PORT=port() (a free one), OMP_NUM_THREADS=1 and
  // extra_env. world == 0 starts one process without any of those (a launcher).
  Job(int world, const std::string& program, const std::vector<std::string>& args,
      const std::map<std::string, std::string>& extra_env = {});
  ~Job();  // kills what is still running
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  int port() const { return port_; }
  pid_t pid(int i) const { return procs_[i].pid; }
  const Proc& proc(int i) const { return procs_[i]; }
  size_t size() const { return procs_.size(); }
  double elapsed_s() const;

  // Reaps what has exited; true once process i has.
  bool poll(int i);
  // Waits until every process exited or timeout_s passed (then kills them); true when all exited.
  bool wait_all(double timeout_s);
  // Waits until process i's stdout or stderr holds `text`; false after timeout_s or its exit.
  bool wait_for_output(int i, const std::string& text, double timeout_s);
  std::string output(int i) const;  // stdout then stderr
  int exit_code(int i) const;       // WEXITSTATUS, or 128 + signal

 private:
  std::vector<Proc> procs_;
  int port_ = 0;
  std::string dir_;
  double start_ = 0;
};

// A fresh empty directory under the system's temp dir, removed when this test process exits.
std::string temp_dir(const std::string& tag);

}  // namespace r1::test
