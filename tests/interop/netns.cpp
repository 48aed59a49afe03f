// SPDX-License-Identifier: Apache-2.0
#include "tests/interop/netns.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace tandem::interop {

namespace {

using namespace std::chrono_literals;

constexpr std::string_view kPrefix = "tdm-interop-";
constexpr const char* kNetnsDir = "/run/netns/";

[[noreturn]] void fail_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool executable_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir;
    candidate += '/';
    candidate += program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

// Appends what `fd` has to `to`; false once it is at end of file.
bool drain(int fd, std::string& to) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      to.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0;  // 0: end of file; EAGAIN: more may come
  }
}

bool process_alive(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

// Deletes namespaces of earlier runs whose process is gone (a crash, or a
// CTest timeout, skips destructors).
void delete_orphaned_namespaces() {
  DIR* dir = ::opendir(kNetnsDir);
  if (dir == nullptr) return;
  std::vector<std::string> orphans;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name(entry->d_name);
    if (!name.starts_with(kPrefix)) continue;
    const std::string rest(name.substr(kPrefix.size()));
    const auto pid = static_cast<pid_t>(std::strtol(rest.c_str(), nullptr, 10));
    if (pid > 0 && !process_alive(pid)) orphans.emplace_back(name);
  }
  ::closedir(dir);
  for (const auto& name : orphans) {
    ChildProcess del({"ip", "netns", "delete", name}, 5s);
    del.wait();
  }
}

}  // namespace

std::optional<std::string> why_unavailable() {
  if (::geteuid() != 0) return "interop tests need root (network namespaces, TAP devices)";
  if (::access("/dev/net/tun", R_OK | W_OK) != 0) return "/dev/net/tun is missing";
  if (!executable_on_path("ip")) return "`ip` (iproute2) is not installed";
  return std::nullopt;
}

// --- CommandResult, ChildProcess -------------------------------------------------

std::string CommandResult::describe() const {
  std::ostringstream os;
  for (const auto& arg : argv)
    os << arg << ' ';
  if (timed_out) {
    os << "timed out and was killed";
  } else if (signal != 0) {
    os << "was killed by signal " << signal;
  } else {
    os << "exited " << exit_code;
  }
  if (!out.empty()) os << "\n--- stdout:\n" << out;
  if (!err.empty()) os << "\n--- stderr:\n" << err;
  return os.str();
}

ChildProcess::ChildProcess(std::vector<std::string> argv, std::chrono::milliseconds limit,
                           std::string input)
    : deadline_(std::chrono::steady_clock::now() + limit), input_(std::move(input)) {
  // A child that exits without reading its input must not kill the test with
  // SIGPIPE when we write to it: the write fails with EPIPE instead.
  ::signal(SIGPIPE, SIG_IGN);
  result_.argv = std::move(argv);
  int in[2];
  int out[2];
  int err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) fail_errno("pipe2");
  if (::pipe2(out, O_CLOEXEC) != 0) fail_errno("pipe2");
  if (::pipe2(err, O_CLOEXEC) != 0) fail_errno("pipe2");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so that a timeout kills whatever it started too; and
  // SIGPIPE back to its default, which we ignore (below) and exec would keep.
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);

  std::vector<char*> args;
  for (auto& arg : result_.argv)
    args.push_back(arg.data());
  args.push_back(nullptr);
  const int spawned = ::posix_spawnp(&pid_, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
  if (spawned != 0) {
    pid_ = -1;
    close_fds();
    throw std::system_error(spawned, std::generic_category(),
                            "cannot start " + result_.argv.front());
  }
  for (const int fd : {stdin_fd_, stdout_fd_, stderr_fd_})
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  pump();
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      deadline_(other.deadline_),
      stdin_fd_(std::exchange(other.stdin_fd_, -1)),
      stdout_fd_(std::exchange(other.stdout_fd_, -1)),
      stderr_fd_(std::exchange(other.stderr_fd_, -1)),
      input_(std::move(other.input_)),
      input_sent_(other.input_sent_),
      result_(std::move(other.result_)) {}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  close_fds();
}

void ChildProcess::close_fds() {
  close_fd(stdin_fd_);
  close_fd(stdout_fd_);
  close_fd(stderr_fd_);
}

void ChildProcess::pump() {
  while (stdin_fd_ >= 0 && input_sent_ < input_.size()) {
    const ssize_t n = ::write(stdin_fd_, input_.data() + input_sent_, input_.size() - input_sent_);
    if (n > 0) {
      input_sent_ += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      if (n < 0 && errno == EAGAIN) break;
      close_fd(stdin_fd_);  // EPIPE: the child does not read its input
    }
  }
  if (stdin_fd_ >= 0 && input_sent_ == input_.size()) close_fd(stdin_fd_);
  if (stdout_fd_ >= 0 && !drain(stdout_fd_, result_.out)) close_fd(stdout_fd_);
  if (stderr_fd_ >= 0 && !drain(stderr_fd_, result_.err)) close_fd(stderr_fd_);
}

void ChildProcess::reap(int status) {
  pid_ = -1;
  if (WIFEXITED(status)) {
    result_.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result_.signal = WTERMSIG(status);
  }
  // What it wrote before it ended is still in the pipes.
  pump();
  close_fds();
}

void ChildProcess::signal(int signal) {
  if (pid_ > 0) ::kill(-pid_, signal);
}

bool ChildProcess::poll() {
  if (pid_ < 0) return true;
  pump();
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    reap(status);
    return true;
  }
  if (std::chrono::steady_clock::now() >= deadline_) {
    ::kill(-pid_, SIGKILL);
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    result_.timed_out = true;
    reap(status);
    return true;
  }
  return false;
}

const CommandResult& ChildProcess::wait() {
  while (!poll()) {
    pollfd fds[2] = {{.fd = stdout_fd_, .events = POLLIN, .revents = 0},
                     {.fd = stderr_fd_, .events = POLLIN, .revents = 0}};
    // Short sleeps: a child's exit does not wake poll(2) when it has handed
    // its pipes on to a grandchild.
    ::poll(fds, 2, 5);
  }
  return result_;
}

bool ChildProcess::wait_for_output(std::string_view text, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const bool ended = poll();
    if (result_.out.find(text) != std::string::npos ||
        result_.err.find(text) != std::string::npos) {
      return true;
    }
    if (ended || std::chrono::steady_clock::now() >= until) return false;
    pollfd fds[2] = {{.fd = stdout_fd_, .events = POLLIN, .revents = 0},
                     {.fd = stderr_fd_, .events = POLLIN, .revents = 0}};
    ::poll(fds, 2, 5);
  }
}

// --- NetworkNamespace ------------------------------------------------------------

NetworkNamespace::NetworkNamespace(std::string_view purpose) {
  static std::atomic<unsigned> serial{0};
  name_ = std::string(kPrefix) + std::to_string(::getpid()) + "-" + std::to_string(serial++) + "-" +
          std::string(purpose);
  delete_orphaned_namespaces();
  ChildProcess add({"ip", "netns", "add", name_}, 5s);
  if (!add.wait().ok()) {
    throw std::runtime_error("cannot create network namespace: " + add.result().describe());
  }
  try {
    run_checked({"ip", "link", "set", "lo", "up"});
  } catch (...) {
    ChildProcess del({"ip", "netns", "delete", name_}, 5s);
    del.wait();
    throw;
  }
}

NetworkNamespace::~NetworkNamespace() {
  // A destructor cannot fail the test; it can say what it left behind.
  try {
    ChildProcess del({"ip", "netns", "delete", name_}, 5s);
    if (!del.wait().ok()) {
      std::cerr << "interop: could not delete network namespace " << name_ << ": "
                << del.result().describe() << '\n';
    }
  } catch (const std::exception& e) {
    std::cerr << "interop: could not delete network namespace " << name_ << ": " << e.what()
              << '\n';
  }
}

NetworkNamespace::Entered::Entered(const NetworkNamespace& ns) {
  previous_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (previous_ < 0) fail_errno("cannot open /proc/thread-self/ns/net");
  const std::string path = kNetnsDir + ns.name();
  const int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    const int error = errno;
    ::close(previous_);
    throw std::system_error(error, std::generic_category(), "cannot open " + path);
  }
  const int joined = ::setns(target, CLONE_NEWNET);
  const int error = errno;
  ::close(target);
  if (joined != 0) {
    ::close(previous_);
    throw std::system_error(error, std::generic_category(), "setns into " + ns.name());
  }
}

NetworkNamespace::Entered::~Entered() {
  if (::setns(previous_, CLONE_NEWNET) != 0) {
    std::cerr << "interop: cannot return to the original network namespace: "
              << std::strerror(errno) << '\n';
  }
  ::close(previous_);
}

ChildProcess NetworkNamespace::spawn(const std::vector<std::string>& argv,
                                     std::chrono::milliseconds limit, std::string input) const {
  std::vector<std::string> full{"ip", "netns", "exec", name_};
  full.insert(full.end(), argv.begin(), argv.end());
  return ChildProcess(std::move(full), limit, std::move(input));
}

CommandResult NetworkNamespace::run(const std::vector<std::string>& argv,
                                    std::chrono::milliseconds limit) const {
  ChildProcess child = spawn(argv, limit);
  return child.wait();
}

std::string NetworkNamespace::run_checked(const std::vector<std::string>& argv,
                                          std::chrono::milliseconds limit) const {
  const CommandResult result = run(argv, limit);
  if (!result.ok()) throw std::runtime_error("in " + name_ + ": " + result.describe());
  return result.out;
}

void NetworkNamespace::add_address(const std::string& interface, const std::string& cidr) const {
  run_checked({"ip", "address", "add", cidr, "dev", interface});
}

std::string NetworkNamespace::mac_of(const std::string& interface) const {
  std::string mac = run_checked({"cat", "/sys/class/net/" + interface + "/address"});
  while (!mac.empty() && (mac.back() == '\n' || mac.back() == ' '))
    mac.pop_back();
  return mac;
}

}  // namespace tandem::interop
