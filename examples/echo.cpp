// SPDX-License-Identifier: Apache-2.0
// tandem-echo: an echo server on Tandem's epoll API, and a client for it.
//
// Server: an epoll reactor with one callback per descriptor, level-triggered by
// default and edge-triggered with --et (then every handler reads and writes
// until EAGAIN). A connection is closed once the peer's FIN has arrived and
// everything received has been echoed back. SIGINT/SIGTERM stop it cleanly.
// With --cores N (soft, dpdk) it runs N such servers, a thread per core, each
// with its own stack, Runtime, reactor and SO_REUSEPORT listener on the port;
// the NIC's RSS spreads the connections, and each core's counts are printed at
// exit.
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
#include <vector>

#include "examples/common/backend.hpp"
#include "examples/common/cli.hpp"
#include "examples/common/net_util.hpp"
#include "examples/common/reactor.hpp"
#include "examples/common/stream_server.hpp"
#include "host/api/tandem/socket.h"

namespace {

using namespace tandem;
using namespace tandem::examples;

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
  cli.allow_cores();
  cli.parse(argc, argv, options);
  if (options.connect && options.cores > 1) {
    std::fprintf(stderr, "tandem-echo: --connect is one connection: --cores must be 1\n");
    return 2;
  }
  try {
    install_stop_handlers();
    Backend backend(options);
    if (options.connect) return run_client(*options.connect, {});
    struct CoreCounts {
      std::uint64_t connections = 0;
      std::uint64_t bytes = 0;
    };
    std::vector<CoreCounts> counts(backend.cores());
    backend.run_on_cores(
        [&](unsigned) {
          return listen_tcp(backend.address(), options.port, 128, backend.cores() > 1);
        },
        [&] {
          std::fprintf(
              stderr, "tandem-echo: serving on %s:%u (%s backend, %s-triggered, %u core%s)\n",
              backend.address().to_string().c_str(), options.port,
              std::string(to_string(options.backend)).c_str(), edge_triggered ? "edge" : "level",
              backend.cores(), backend.cores() == 1 ? "" : "s");
        },
        [&](unsigned core, int listener) {
          Reactor reactor(edge_triggered);
          {
            // Everything received goes back; the server closes a connection
            // once the peer has finished and all of it has been echoed.
            StreamServer server(
                reactor, listener,
                [](StreamServer::Connection& c) {
                  c.out += c.in;
                  c.in.clear();
                },
                false);
            reactor.run();
            counts[core] = CoreCounts{server.connections(), server.bytes_out()};
          }
          tdm_close(listener);
        });
    CoreCounts total;
    for (const CoreCounts& c : counts) {
      total.connections += c.connections;
      total.bytes += c.bytes;
    }
    std::fprintf(stderr, "tandem-echo: %llu connections, %llu bytes echoed\n",
                 static_cast<unsigned long long>(total.connections),
                 static_cast<unsigned long long>(total.bytes));
    if (backend.cores() > 1) {
      for (unsigned core = 0; core < backend.cores(); ++core) {
        std::fprintf(stderr, "tandem-echo: core %u: %llu connections, %llu bytes echoed\n", core,
                     static_cast<unsigned long long>(counts[core].connections),
                     static_cast<unsigned long long>(counts[core].bytes));
      }
    }
    backend.print_counters(stderr);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tandem-echo: %s\n", e.what());
    return 1;
  }
}
