// SPDX-License-Identifier: Apache-2.0
// The harness every interop test stands on: a network namespace of its own,
// Linux commands run inside it as time-bounded child processes, and cleanup
// that happens even when the test fails.
//
// The usual shape of a test: create a NetworkNamespace, enter() it with the
// test's thread (so that the TAP a TapDevice creates lives there), give the TAP
// the Linux side's address with add_address(), spawn() a Linux tool, and keep
// polling Tandem (real_time.hpp) until the tool has finished.
//
// Namespaces are named "tdm-interop-<pid>-<n>-<purpose>", so that concurrent
// runs never collide and a later run can delete what a crashed one left behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::interop {

// Why interop tests cannot run here (not root, no /dev/net/tun, no `ip`), or
// nullopt when they can.
std::optional<std::string> why_unavailable();

struct CommandResult {
  std::vector<std::string> argv;
  int exit_code = -1;  // -1 when it ended by a signal (a timeout included)
  int signal = 0;
  bool timed_out = false;
  std::string out;  // stdout
  std::string err;  // stderr
  bool ok() const { return exit_code == 0; }
  // The command line, how it ended and what it printed: for failure messages.
  std::string describe() const;
};

// A child process with stdout and stderr collected, and `input` fed to its
// stdin (closed after it). It runs in a process group of its own and is killed,
// group and all, once `limit` has passed or when this object goes away.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::chrono::milliseconds limit,
               std::string input = {});
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Moves input and output along without blocking; true once the process has
  // ended (on its own, or killed at its time limit).
  bool poll();
  // Sends `signal` to the process's group (SIGTERM: ask it to finish cleanly).
  void signal(int signal);
  // Blocks until the process has ended (at most until its limit).
  const CommandResult& wait();
  // Blocks until the process has printed `text` on stdout or stderr (true),
  // has ended, or `limit` has passed (false).
  bool wait_for_output(std::string_view text, std::chrono::milliseconds limit);
  bool finished() const { return pid_ < 0; }
  // Complete once finished().
  const CommandResult& result() const { return result_; }

 private:
  void pump();
  void reap(int status);
  void close_fds();

  pid_t pid_ = -1;
  std::chrono::steady_clock::time_point deadline_;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string input_;
  std::size_t input_sent_ = 0;
  CommandResult result_;
};

// A network namespace that exists for the lifetime of this object.
class NetworkNamespace {
 public:
  // Creates the namespace (deleting namespaces left by dead earlier runs first)
  // and brings its loopback up. Throws std::runtime_error with what `ip` said.
  explicit NetworkNamespace(std::string_view purpose);
  // Deletes the namespace; interfaces in it go with it.
  ~NetworkNamespace();
  NetworkNamespace(const NetworkNamespace&) = delete;
  NetworkNamespace& operator=(const NetworkNamespace&) = delete;

  const std::string& name() const { return name_; }

  // While an Entered lives, the thread that created it is in the namespace:
  // sockets and TAPs it opens belong there. It must end on that thread.
  class Entered {
   public:
    explicit Entered(const NetworkNamespace& ns);
    ~Entered();
    Entered(const Entered&) = delete;
    Entered& operator=(const Entered&) = delete;

   private:
    int previous_ = -1;  // the namespace to return to
  };
  [[nodiscard]] Entered enter() const { return Entered(*this); }

  // `argv` run inside the namespace (`ip netns exec <name> argv...`).
  ChildProcess spawn(const std::vector<std::string>& argv, std::chrono::milliseconds limit,
                     std::string input = {}) const;
  CommandResult run(const std::vector<std::string>& argv,
                    std::chrono::milliseconds limit = std::chrono::seconds(5)) const;
  // As run(), but throws std::runtime_error with describe() unless it exits 0.
  std::string run_checked(const std::vector<std::string>& argv,
                          std::chrono::milliseconds limit = std::chrono::seconds(5)) const;

  // Linux-side configuration of an interface in the namespace.
  void add_address(const std::string& interface, const std::string& cidr) const;
  // The interface's MAC address as Linux prints it ("aa:bb:cc:dd:ee:ff").
  std::string mac_of(const std::string& interface) const;

 private:
  std::string name_;
};

}  // namespace tandem::interop
