// SPDX-License-Identifier: Apache-2.0
// tandem-perf: bulk throughput and request/response latency over Tandem, in the
// manner of iperf3 and netperf's TCP_STREAM / TCP_RR. Run a server, then a
// client with --connect against it (either side may be Tandem or, with another
// tandem-perf, anything that speaks its two-line protocol):
//
//   client -> server  one byte: 'B' (bulk) or 'R' (request/response), then a
//                     4-byte big-endian message size
//   bulk              the client sends for --duration, half-closes; the server
//                     answers with the 8-byte big-endian count it received
//   request/response  the client sends a message of that size, the server
//                     echoes it, for --duration; latencies are per round trip
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
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
using Clock = std::chrono::steady_clock;

constexpr std::size_t kHeaderLen = 5;

// The server's side of the protocol above, on a StreamServer connection. The
// connection's `state` holds the mode in its top byte and, for bulk, the count.
void serve(StreamServer::Connection& c) {
  constexpr std::uint64_t kModeShift = 56;
  constexpr std::uint64_t kCountMask = (std::uint64_t{1} << kModeShift) - 1;
  if (c.state == 0) {
    if (c.in.size() < kHeaderLen) return;
    c.state = std::uint64_t{static_cast<unsigned char>(c.in[0])} << kModeShift;
    c.in.erase(0, kHeaderLen);  // the message size is the client's business
  }
  const auto mode = static_cast<char>(c.state >> kModeShift);
  if (mode == 'R') {
    c.out += c.in;
  } else {
    c.state += c.in.size();
  }
  c.in.clear();
  if (c.peer_done && mode == 'B') {
    const std::uint64_t count = c.state & kCountMask;
    const std::array<std::uint32_t, 2> be{htonl(static_cast<std::uint32_t>(count >> 32)),
                                          htonl(static_cast<std::uint32_t>(count))};
    c.out.append(reinterpret_cast<const char*>(be.data()), sizeof be);
    c.close_when_flushed = true;
  }
}

bool send_all(int fd, const char* data, std::size_t len) {
  while (len > 0) {
    const ssize_t n = tdm_send(fd, data, len, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    len -= static_cast<std::size_t>(n);
  }
  return true;
}

bool recv_all(int fd, char* data, std::size_t len) {
  return tdm_recv(fd, data, len, MSG_WAITALL) == static_cast<ssize_t>(len);
}

int run_client(const HostPort& to, char mode, std::uint32_t size, double duration) {
  const int fd = connect_tcp(to.address, to.port);
  const int one = 1;
  tdm_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::array<char, kHeaderLen> header{mode};
  const std::uint32_t be = htonl(size);
  std::memcpy(header.data() + 1, &be, 4);
  if (!send_all(fd, header.data(), header.size())) {
    std::perror("tandem-perf: send");
    return 1;
  }
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration));
  if (mode == 'B') {
    std::vector<char> chunk(size, 'x');
    std::uint64_t sent = 0;
    while (Clock::now() < end && !stop_requested()) {
      if (!send_all(fd, chunk.data(), chunk.size())) {
        std::perror("tandem-perf: send");
        return 1;
      }
      sent += chunk.size();
    }
    tdm_shutdown(fd, SHUT_WR);
    std::array<std::uint32_t, 2> count{};
    if (!recv_all(fd, reinterpret_cast<char*>(count.data()), sizeof count)) {
      std::fprintf(stderr, "tandem-perf: the server did not report its count\n");
      return 1;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const std::uint64_t received = (std::uint64_t{ntohl(count[0])} << 32) | ntohl(count[1]);
    std::printf("bulk: sent %llu bytes, server received %llu, in %.3f s: %.3f Gbit/s\n",
                static_cast<unsigned long long>(sent), static_cast<unsigned long long>(received),
                seconds, static_cast<double>(received) * 8 / seconds / 1e9);
    tdm_close(fd);
    return received == sent ? 0 : 1;
  }
  std::vector<char> message(size, 'r');
  std::vector<char> reply(size);
  std::vector<double> latencies_us;
  while (Clock::now() < end && !stop_requested()) {
    const auto t0 = Clock::now();
    if (!send_all(fd, message.data(), message.size()) ||
        !recv_all(fd, reply.data(), reply.size())) {
      std::perror("tandem-perf: round trip");
      return 1;
    }
    latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  tdm_shutdown(fd, SHUT_WR);
  tdm_close(fd);
  std::sort(latencies_us.begin(), latencies_us.end());
  const auto pct = [&](double p) {
    return latencies_us.empty()
               ? 0.0
               : latencies_us[std::min(latencies_us.size() - 1,
                                       static_cast<std::size_t>(p * latencies_us.size()))];
  };
  std::printf(
      "rr: %zu transactions of %u bytes in %.3f s: %.0f/s, latency p50 %.1f us, "
      "p99 %.1f us\n",
      latencies_us.size(), size, seconds, static_cast<double>(latencies_us.size()) / seconds,
      pct(0.50), pct(0.99));
  return latencies_us.empty() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CommonOptions options;
  std::string test = "bulk";
  std::uint64_t size = 0;
  double duration = 5;
  CommandLine cli("tandem-perf", "Bulk throughput and request/response latency over Tandem.", 5201);
  cli.option("--test", "bulk|rr", "client: what to measure (default bulk)",
             [&](std::string_view v) {
               test = v;
               return v == "bulk" || v == "rr";
             });
  cli.option(
      "--size", "N", "client: write size (bulk, default 65536) or message size (rr, 1)",
      [&](std::string_view v) { return parse_u64(v, size) && size > 0 && size < (1u << 30); });
  cli.option("--duration", "S", "client: seconds to run (default 5)", [&](std::string_view v) {
    std::uint64_t s = 0;
    if (!parse_u64(v, s) || s == 0) return false;
    duration = static_cast<double>(s);
    return true;
  });
  cli.parse(argc, argv, options);
  if (options.backend == BackendKind::soft) {
    std::fprintf(stderr,
                 "tandem-perf: the soft backend has no peer to measure against; use "
                 "bench/bench_scaling for soft figures\n");
    return 2;
  }
  try {
    install_stop_handlers();
    Backend backend(options);
    if (options.connect) {
      const char mode = test == "bulk" ? 'B' : 'R';
      const auto s = static_cast<std::uint32_t>(size != 0 ? size : (mode == 'B' ? 65536 : 1));
      const int rc = run_client(*options.connect, mode, s, duration);
      backend.print_counters(stderr);
      return rc;
    }
    Reactor reactor(false);
    const int listener = listen_tcp(backend.address(), options.port, 128);
    StreamServer server(reactor, listener, serve, true);
    std::fprintf(stderr, "tandem-perf: serving on %s:%u (%s backend)\n",
                 backend.address().to_string().c_str(), options.port,
                 std::string(to_string(options.backend)).c_str());
    reactor.run();
    backend.print_counters(stderr);
    tdm_close(listener);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tandem-perf: %s\n", e.what());
    return 1;
  }
}
