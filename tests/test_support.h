// Helpers shared by the tests: temporary directories, files, and child processes
// (the segsync binary and the fake WeCom server run as real processes).
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace segsync::testing {

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& content);

// Polls `done` every 20 ms until it is true or `timeout_ms` has passed; returns its last value.
bool WaitFor(const std::function<bool()>& done, int timeout_ms);
std::string ReadFile(const std::string& path);

struct RunResult {
  int exit_code = -1;  // the process's exit code, or 128+signal
  std::string out;
  std::string err;
};

// Runs argv[0] with arguments, waits, and captures stdout and stderr. `env` entries are
// added to the current environment; `stdin_text` is written to its standard input.
RunResult Run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
              const std::string& cwd = {}, const std::string& stdin_text = {});

// Runs the segsync binary built with the tests.
RunResult RunSegsync(const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env = {}, const std::string& cwd = {});

// A long-running child process (the fake WeCom server, the daemon). Killed with SIGKILL on
// destruction unless it was already waited for.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv,
               const std::map<std::string, std::string>& env = {}, const std::string& cwd = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Reads one line of the child's stdout (without the newline); empty on EOF or timeout.
  std::string ReadLine(int timeout_ms = 10000);
  // Everything the child wrote to stderr so far is kept in this file.
  const std::string& stderr_path() const { return stderr_path_; }
  void Signal(int sig);
  // Waits up to timeout_ms for exit; returns the exit code (128+signal), or -1 on timeout.
  int Wait(int timeout_ms = 10000);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  std::string stderr_path_;
  bool reaped_ = false;
};

}  // namespace segsync::testing
