// SPDX-License-Identifier: Apache-2.0
// The socket API as a table of function pointers, so that a test is written
// once and run twice: against the Linux kernel's own calls on 127.0.0.1 and
// against tdm_* on two Tandem stacks on virtual time. Each run records what
// every call returned (and errno), and the readiness it saw, in a Trace; the
// two traces must be equal line for line. That is how "behaves like Linux" is
// checked rather than hoped for.
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "host/api/runtime.hpp"
#include "host/api/tandem/socket.h"
#include "host/api/virtual_world.hpp"

namespace tandem::api::test {

struct Api {
  const char* name;
  int (*socket)(int, int, int);
  int (*bind)(int, const sockaddr*, socklen_t);
  int (*listen)(int, int);
  int (*accept)(int, sockaddr*, socklen_t*);
  int (*accept4)(int, sockaddr*, socklen_t*, int);
  int (*connect)(int, const sockaddr*, socklen_t);
  int (*shutdown)(int, int);
  int (*close)(int);
  ssize_t (*send)(int, const void*, size_t, int);
  ssize_t (*recv)(int, void*, size_t, int);
  ssize_t (*sendto)(int, const void*, size_t, int, const sockaddr*, socklen_t);
  ssize_t (*recvfrom)(int, void*, size_t, int, sockaddr*, socklen_t*);
  ssize_t (*sendmsg)(int, const msghdr*, int);
  ssize_t (*recvmsg)(int, msghdr*, int);
  ssize_t (*read)(int, void*, size_t);
  ssize_t (*write)(int, const void*, size_t);
  ssize_t (*readv)(int, const iovec*, int);
  ssize_t (*writev)(int, const iovec*, int);
  int (*setsockopt)(int, int, int, const void*, socklen_t);
  int (*getsockopt)(int, int, int, void*, socklen_t*);
  int (*getsockname)(int, sockaddr*, socklen_t*);
  int (*getpeername)(int, sockaddr*, socklen_t*);
  int (*fcntl)(int, int, ...);
  int (*poll)(pollfd*, nfds_t, int);
  int (*epoll_create1)(int);
  int (*epoll_ctl)(int, int, int, epoll_event*);
  int (*epoll_wait)(int, epoll_event*, int, int);
  // Where the server listens, where the client binds, and an address that is
  // nobody's on this host.
  in_addr server;
  in_addr client;
  in_addr foreign;
};

inline in_addr ipv4(const char* text) {
  in_addr a{};
  ::inet_pton(AF_INET, text, &a);
  return a;
}

inline Api linux_api() {
  return Api{"linux",          ::socket,      ::bind,        ::listen,          ::accept,
             ::accept4,        ::connect,     ::shutdown,    ::close,           ::send,
             ::recv,           ::sendto,      ::recvfrom,    ::sendmsg,         ::recvmsg,
             ::read,           ::write,       ::readv,       ::writev,          ::setsockopt,
             ::getsockopt,     ::getsockname, ::getpeername, ::fcntl,           ::poll,
             ::epoll_create1,  ::epoll_ctl,   ::epoll_wait,  ipv4("127.0.0.1"), ipv4("127.0.0.1"),
             ipv4("192.0.2.1")};
}

inline Api tandem_api() {
  return Api{"tandem",         tdm_socket,        tdm_bind,         tdm_listen,
             tdm_accept,       tdm_accept4,       tdm_connect,      tdm_shutdown,
             tdm_close,        tdm_send,          tdm_recv,         tdm_sendto,
             tdm_recvfrom,     tdm_sendmsg,       tdm_recvmsg,      tdm_read,
             tdm_write,        tdm_readv,         tdm_writev,       tdm_setsockopt,
             tdm_getsockopt,   tdm_getsockname,   tdm_getpeername,  tdm_fcntl,
             tdm_poll,         tdm_epoll_create1, tdm_epoll_ctl,    tdm_epoll_wait,
             ipv4("10.0.0.2"), ipv4("10.0.0.1"),  ipv4("192.0.2.1")};
}

inline std::string errno_name(int e) {
  const char* n = ::strerrorname_np(e);
  return n != nullptr ? n : "errno " + std::to_string(e);
}

inline std::string event_names(std::uint32_t m) {
  static constexpr std::pair<std::uint32_t, const char*> kNames[] = {
      {EPOLLIN, "IN"},         {EPOLLPRI, "PRI"},       {EPOLLOUT, "OUT"},
      {EPOLLERR, "ERR"},       {EPOLLHUP, "HUP"},       {EPOLLRDNORM, "RDNORM"},
      {EPOLLRDBAND, "RDBAND"}, {EPOLLWRNORM, "WRNORM"}, {EPOLLWRBAND, "WRBAND"},
      {EPOLLRDHUP, "RDHUP"},   {POLLNVAL, "NVAL"}};
  std::string s;
  for (const auto& [bit, name] : kNames) {
    if ((m & bit) == 0) continue;
    if (!s.empty()) s += '|';
    s += name;
    m &= ~bit;
  }
  if (m != 0) s += (s.empty() ? "" : "|") + std::to_string(m);
  return s.empty() ? "0" : s;
}

// What one run saw, line by line.
class Trace {
 public:
  // A call's result, and errno when it failed.
  long call(const char* what, long rc) {
    const int e = errno;
    std::ostringstream s;
    s << what << " = " << rc;
    if (rc < 0) s << " " << errno_name(e);
    lines_.push_back(s.str());
    return rc;
  }
  // A call that returns a descriptor: only whether one came back (the numbers
  // of the two systems differ).
  int fd(const char* what, int rc) {
    const int e = errno;
    std::ostringstream s;
    s << what << " = " << (rc >= 0 ? "fd" : "-1 " + errno_name(e));
    lines_.push_back(s.str());
    return rc;
  }
  void value(const std::string& what, long v) { lines_.push_back(what + ": " + std::to_string(v)); }
  void events(const std::string& what, std::uint32_t mask) {
    lines_.push_back(what + ": " + event_names(mask));
  }
  void text(const std::string& line) { lines_.push_back(line); }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
};

#define T_CALL(t, expr) (t).call(#expr, (expr))
#define T_FD(t, expr) (t).fd(#expr, (expr))

inline std::size_t open_kernel_fds() {
  std::size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d) != nullptr)
      ++n;
    ::closedir(d);
  }
  return n;
}

// Tandem's side of a run: the virtual world (MSL 1 s, so TIME-WAIT ends
// quickly), a Runtime over it, current on this thread.
class TandemEnv {
 public:
  TandemEnv() : world_(config()), runtime_(std::make_unique<Runtime>(world_)) {
    runtime_->make_current();
  }
  static VirtualWorldConfig config() {
    VirtualWorldConfig c = VirtualWorldConfig::two_hosts(7);
    c.a.tcp.msl = std::chrono::seconds(1);
    c.b.tcp.msl = std::chrono::seconds(1);
    return c;
  }
  VirtualWorld& world() { return world_; }
  Runtime& runtime() { return *runtime_; }
  // Every descriptor was closed by the test; once the Runtime is gone and the
  // connections have finished closing, no TCB, listener or buffer is left.
  void check_clean() {
    BOOST_TEST(runtime_->open_descriptors() == 0u);
    runtime_.reset();
    BOOST_TEST(world_.run_until(
        [this] { return world_.a().connections() == 0 && world_.b().connections() == 0; },
        std::chrono::seconds(600)));
    BOOST_TEST(world_.a().listeners() == 0u);
    BOOST_TEST(world_.b().listeners() == 0u);
    BOOST_TEST(world_.a().allocated_buffers() == 0u);
    BOOST_TEST(world_.b().allocated_buffers() == 0u);
  }

 private:
  VirtualWorld world_;
  std::unique_ptr<Runtime> runtime_;
};

// Runs `body` against Linux and against Tandem and requires the same trace.
inline void differential(const std::function<void(const Api&, Trace&)>& body) {
  Trace linux_trace;
  Trace tandem_trace;
  {
    // Tandem never raises SIGPIPE; the kernel must not either for the
    // comparison (its EPIPE is what is compared).
    struct sigaction ignore {};
    struct sigaction old {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old);
    const std::size_t fds = open_kernel_fds();
    const Api api = linux_api();
    BOOST_TEST_CONTEXT("linux") {
      body(api, linux_trace);
    }
    BOOST_TEST(open_kernel_fds() == fds);
    ::sigaction(SIGPIPE, &old, nullptr);
  }
  {
    TandemEnv env;
    const Api api = tandem_api();
    BOOST_TEST_CONTEXT("tandem") {
      body(api, tandem_trace);
    }
    env.check_clean();
  }
  const auto& l = linux_trace.lines();
  const auto& t = tandem_trace.lines();
  std::size_t first_difference = 0;
  while (first_difference < std::min(l.size(), t.size()) &&
         l[first_difference] == t[first_difference]) {
    ++first_difference;
  }
  if (first_difference == l.size() && first_difference == t.size()) return;
  std::ostringstream msg;
  msg << "traces differ at line " << first_difference + 1 << "\n";
  for (std::size_t i = 0; i < std::max(l.size(), t.size()); ++i) {
    msg << (i == first_difference ? ">> " : "   ") << (i < l.size() ? l[i] : "<none>") << "  |  "
        << (i < t.size() ? t[i] : "<none>") << "\n";
  }
  BOOST_ERROR(msg.str());
}

// --- Helpers written once over the table -----------------------------------

inline sockaddr_in inet(in_addr addr, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr = addr;
  return a;
}

inline const sockaddr* sa(const sockaddr_in& a) {
  return reinterpret_cast<const sockaddr*>(&a);
}
inline sockaddr* sa(sockaddr_in& a) {
  return reinterpret_cast<sockaddr*>(&a);
}

inline sockaddr_in local_address(const Api& api, int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  BOOST_REQUIRE(api.getsockname(fd, sa(a), &len) == 0);
  return a;
}

inline sockaddr_in peer_address(const Api& api, int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  BOOST_REQUIRE(api.getpeername(fd, sa(a), &len) == 0);
  return a;
}

inline bool same(const sockaddr_in& x, const sockaddr_in& y) {
  return x.sin_family == y.sin_family && x.sin_port == y.sin_port &&
         x.sin_addr.s_addr == y.sin_addr.s_addr;
}

// The readiness poll() reports for `fd` within `timeout_ms` (0 when none).
inline std::uint32_t wait_for(const Api& api, int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  const int n = api.poll(&p, 1, timeout_ms);
  return n > 0 ? static_cast<std::uint16_t>(p.revents) : 0u;
}

// Lets time pass: poll() on nothing (virtual time for Tandem).
inline void pause_ms(const Api& api, int ms) {
  (void)api.poll(nullptr, 0, ms);
}

inline int make_listener(const Api& api, Trace& t, int backlog = 16) {
  const int fd = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
  const sockaddr_in a = inet(api.server, 0);
  T_CALL(t, api.bind(fd, sa(a), sizeof a));
  T_CALL(t, api.listen(fd, backlog));
  return fd;
}

inline sockaddr_in listen_address(const Api& api, int listener) {
  return inet(api.server, ntohs(local_address(api, listener).sin_port));
}

struct Pair {
  int client;
  int server;
};

// A blocking connect to `listener` and the accept of it.
inline Pair connect_pair(const Api& api, Trace& t, int listener) {
  Pair p{};
  p.client = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
  const sockaddr_in to = listen_address(api, listener);
  T_CALL(t, api.connect(p.client, sa(to), sizeof to));
  p.server = T_FD(t, api.accept(listener, nullptr, nullptr));
  return p;
}

// epoll_wait() on one item: the count and the events of the first.
inline void record_wait(const Api& api, Trace& t, const std::string& what, int ep, int timeout) {
  epoll_event evs[8]{};
  const int n = api.epoll_wait(ep, evs, 8, timeout);
  t.value(what + " count", n);
  std::vector<std::string> seen;
  for (int i = 0; i < n; ++i)
    seen.push_back(std::to_string(evs[i].data.u32) + ":" + event_names(evs[i].events));
  std::sort(seen.begin(), seen.end());
  for (const auto& s : seen)
    t.text(what + " " + s);
}

inline int epoll_add(const Api& api, Trace& t, int ep, int fd, std::uint32_t events,
                     std::uint32_t tag) {
  epoll_event e{};
  e.events = events;
  e.data.u32 = tag;
  return static_cast<int>(T_CALL(t, api.epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e)));
}

}  // namespace tandem::api::test
