// SPDX-License-Identifier: Apache-2.0
// tandem-echo: an echo server on Tandem's epoll API, and a client for it.
//
// Server: an epoll reactor with one callback per descriptor, level-triggered by
// default and edge-triggered with --et (then every handler reads and writes
// until EAGAIN). A connection is closed once the peer's FIN has arrived and
// everything received has been echoed back. SIGINT/SIGTERM stop it cleanly.
//
// Client (--connect ADDR:PORT): sends its standard input, half-closes, and
// writes what comes back to standard output.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>

#include "examples/common/backend.hpp"
#include "examples/common/cli.hpp"
#include "examples/common/net_util.hpp"
#include "examples/common/reactor.hpp"
#include "host/api/tandem/socket.h"

namespace {

using namespace tandem;
using namespace tandem::examples;

struct EchoStats {
  std::uint64_t connections = 0;
  std::uint64_t bytes = 0;
};

class EchoServer {
 public:
  EchoServer(Reactor& reactor, int listener, EchoStats& stats)
      : reactor_(reactor), listener_(listener), stats_(stats) {
    reactor_.add(listener_, EPOLLIN, [this](std::uint32_t) { accept_all(); });
  }

 private:
  struct Connection {
    std::string pending;  // received, not yet echoed
    bool peer_done = false;
    bool want_out = false;
  };

  void accept_all() {
    while (true) {
      const int fd = tdm_accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK);
      if (fd < 0) return;  // EAGAIN: the queue is drained
      ++stats_.connections;
      connections_[fd] = std::make_unique<Connection>();
      reactor_.add(fd, EPOLLIN | EPOLLRDHUP, [this, fd](std::uint32_t ev) { on_event(fd, ev); });
    }
  }

  void on_event(int fd, std::uint32_t events) {
    Connection& c = *connections_.at(fd);
    if ((events & EPOLLERR) != 0) return close_connection(fd);
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) != 0) {
      std::array<char, 65536> buf{};
      while (!c.peer_done) {
        const ssize_t n = tdm_recv(fd, buf.data(), buf.size(), 0);
        if (n > 0) {
          c.pending.append(buf.data(), static_cast<std::size_t>(n));
          stats_.bytes += static_cast<std::uint64_t>(n);
          // Level-triggered: one read per event is enough, epoll reports again.
          if (!reactor_.edge_triggered()) break;
        } else if (n == 0) {
          c.peer_done = true;
        } else {
          if (errno != EAGAIN) return close_connection(fd);
          break;
        }
      }
    }
    while (!c.pending.empty()) {
      const ssize_t n = tdm_send(fd, c.pending.data(), c.pending.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno != EAGAIN) return close_connection(fd);
        break;
      }
      c.pending.erase(0, static_cast<std::size_t>(n));
    }
    if (c.peer_done && c.pending.empty()) return close_connection(fd);
    const bool want_out = !c.pending.empty();
    if (want_out != c.want_out) {
      c.want_out = want_out;
      reactor_.modify(fd, EPOLLIN | EPOLLRDHUP | (want_out ? EPOLLOUT : 0u));
    }
  }

  void close_connection(int fd) {
    reactor_.remove(fd);
    tdm_close(fd);
    connections_.erase(fd);
  }

  Reactor& reactor_;
  int listener_;
  EchoStats& stats_;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
};

int run_client(const HostPort& to, wire::Ipv4Address from) {
  const int fd = connect_tcp(to.address, to.port, from);
  std::array<char, 65536> buf{};
  std::size_t sent = 0, received = 0;
  // Interleaved so that a large input never waits on a full echo path.
  set_nonblocking(fd);
  bool input_done = false;
  bool shut = false;
  std::string outgoing;
  while (true) {
    if (!input_done && outgoing.empty()) {
      const ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
      if (n <= 0) {
        input_done = true;
      } else {
        outgoing.assign(buf.data(), static_cast<std::size_t>(n));
      }
    }
    if (!outgoing.empty()) {
      const ssize_t n = tdm_send(fd, outgoing.data(), outgoing.size(), MSG_NOSIGNAL);
      if (n > 0) {
        outgoing.erase(0, static_cast<std::size_t>(n));
        sent += static_cast<std::size_t>(n);
      } else if (errno != EAGAIN) {
        std::perror("tandem-echo: send");
        return 1;
      }
    }
    if (input_done && outgoing.empty() && !shut) {
      tdm_shutdown(fd, SHUT_WR);
      shut = true;
    }
    const ssize_t n = tdm_recv(fd, buf.data(), buf.size(), 0);
    if (n > 0) {
      std::fwrite(buf.data(), 1, static_cast<std::size_t>(n), stdout);
      received += static_cast<std::size_t>(n);
    } else if (n == 0) {
      break;
    } else if (errno != EAGAIN) {
      std::perror("tandem-echo: recv");
      return 1;
    } else {
      pollfd p{fd, POLLIN, 0};
      tdm_poll(&p, 1, 10);
    }
  }
  std::fflush(stdout);
  tdm_close(fd);
  std::fprintf(stderr, "tandem-echo: sent %zu bytes, received %zu back\n", sent, received);
  return sent == received ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CommonOptions options;
  bool edge_triggered = false;
  CommandLine cli("tandem-echo", "An echo server on Tandem's epoll API (client with --connect).",
                  7);
  cli.flag("--et", "edge-triggered epoll (default: level-triggered)", edge_triggered);
  cli.parse(argc, argv, options);
  try {
    install_stop_handlers();
    Backend backend(options);
    if (options.connect) return run_client(*options.connect, {});
    EchoStats stats;
    Reactor reactor(edge_triggered);
    const int listener = listen_tcp(backend.address(), options.port, 128);
    EchoServer server(reactor, listener, stats);
    std::fprintf(stderr, "tandem-echo: serving on %s:%u (%s backend, %s-triggered)\n",
                 backend.address().to_string().c_str(), options.port,
                 std::string(to_string(options.backend)).c_str(),
                 edge_triggered ? "edge" : "level");
    reactor.run();
    std::fprintf(stderr, "tandem-echo: %llu connections, %llu bytes echoed\n",
                 static_cast<unsigned long long>(stats.connections),
                 static_cast<unsigned long long>(stats.bytes));
    backend.print_counters(stderr);
    tdm_close(listener);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tandem-echo: %s\n", e.what());
    return 1;
  }
}
