// SPDX-License-Identifier: Apache-2.0
// tandem-http: an HTTP/1.1 server on Tandem's epoll API, good enough for curl,
// wrk and ab. GET / (and HEAD /) answer 200 with a body of --body-bytes bytes;
// other paths 404, other methods 405. HTTP/1.1 keeps connections alive unless
// the client says "Connection: close"; HTTP/1.0 closes unless it says
// "keep-alive". Pipelined requests are answered in order.
//
// With --backend soft there is no Linux on the other side, so a built-in
// client on the world's second stack fetches / --requests times over
// --clients connections, prints what it measured, and the program ends.
//
// With --cores N (soft, dpdk) it runs N servers, a thread per core, each with
// its own stack, Runtime, reactor and SO_REUSEPORT listener on the port; the
// NIC's RSS spreads the connections, and each core's counts are printed at exit
// ("core C: R requests served, N connections, B bytes sent"). On soft each core
// also runs its share of the built-in client, on its own peer stack.
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "examples/common/backend.hpp"
#include "examples/common/cli.hpp"
#include "examples/common/net_util.hpp"
#include "examples/common/reactor.hpp"
#include "examples/common/stream_server.hpp"
#include "host/api/tandem/socket.h"
#include "host/stack/stack.hpp"
#include "host/wire/toeplitz.hpp"

namespace {

using namespace tandem;
using namespace tandem::examples;

struct HttpStats {
  std::uint64_t requests = 0;
  std::uint64_t bad_requests = 0;
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The value of header `name` in a request head, or empty.
std::string_view header_value(std::string_view head, std::string_view name) {
  std::size_t at = head.find("\r\n");
  while (at != std::string_view::npos && at + 2 < head.size()) {
    const std::size_t start = at + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string_view line = head.substr(start, end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && iequals(line.substr(0, colon), name)) {
      std::string_view v = line.substr(colon + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
      return v;
    }
    at = end;
  }
  return {};
}

// Turns requests into responses on the StreamServer's connections.
class HttpResponder {
 public:
  HttpResponder(std::size_t body_bytes, HttpStats& stats) : stats_(stats) {
    body_.resize(body_bytes);
    for (std::size_t i = 0; i < body_.size(); ++i)
      body_[i] = static_cast<char>('a' + i % 26);
  }

  // Answers every complete request in `c.in`, in order (pipelining).
  void answer(StreamServer::Connection& c) {
    while (!c.close_when_flushed) {
      const std::size_t end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (c.in.size() > std::size_t{64} * 1024) {
          respond(c, "431 Request Header Fields Too Large", "", true);
          ++stats_.bad_requests;
        }
        return;
      }
      const std::string_view head(c.in.data(), end + 2);
      const std::string_view line = head.substr(0, head.find("\r\n"));
      const std::size_t sp1 = line.find(' ');
      const std::size_t sp2 = line.rfind(' ');
      if (sp1 == std::string_view::npos || sp2 == sp1) {
        respond(c, "400 Bad Request", "", true);
        ++stats_.bad_requests;
        return;
      }
      const std::string_view method = line.substr(0, sp1);
      const std::string_view path = line.substr(sp1 + 1, sp2 - sp1 - 1);
      const std::string_view version = line.substr(sp2 + 1);
      const std::string_view connection = header_value(head, "Connection");
      bool close =
          version == "HTTP/1.0" ? !iequals(connection, "keep-alive") : iequals(connection, "close");
      if (version != "HTTP/1.1" && version != "HTTP/1.0") close = true;
      ++stats_.requests;
      if (method != "GET" && method != "HEAD") {
        respond(c, "405 Method Not Allowed", "", close);
      } else if (path != "/") {
        respond(c, "404 Not Found", method == "GET" ? "not found\n" : "", close);
      } else {
        respond(c, "200 OK", body_, close, method == "HEAD");
      }
      c.in.erase(0, end + 4);
    }
  }

 private:
  static void respond(StreamServer::Connection& c, std::string_view status, std::string_view body,
                      bool close, bool head_only = false) {
    c.out += "HTTP/1.1 ";
    c.out += status;
    c.out += "\r\nServer: tandem-http\r\nContent-Type: text/plain\r\nContent-Length: ";
    c.out += std::to_string(body.size());
    c.out += close ? "\r\nConnection: close\r\n\r\n" : "\r\nConnection: keep-alive\r\n\r\n";
    if (!head_only) c.out += body;
    c.close_when_flushed = c.close_when_flushed || close;
  }

  HttpStats& stats_;
  std::string body_;
};

// The soft backend's built-in load: keep-alive GETs over a few connections.
class SelfTestClient {
 public:
  // Connects from `from` (bound to its address, so that the Runtime uses that
  // stack).
  SelfTestClient(Reactor& reactor, wire::Ipv4Address server, std::uint16_t port,
                 const stack::Stack& from, unsigned clients, std::uint64_t requests)
      : reactor_(reactor), requests_(requests) {
    for (unsigned i = 0; i < clients; ++i) {
      const int fd = tdm_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      bind_source(fd, from, server, port);
      const sockaddr_in remote = to_sockaddr(server, port);
      tdm_connect(fd, reinterpret_cast<const sockaddr*>(&remote), sizeof remote);
      state_[fd] = State{};
      reactor_.add(fd, EPOLLOUT | EPOLLIN, [this, fd](std::uint32_t ev) { on_event(fd, ev); });
    }
  }
  bool done() const { return state_.empty(); }
  std::uint64_t responses() const { return responses_; }
  std::uint64_t body_bytes() const { return body_bytes_; }

 private:
  struct State {
    std::string in;
    bool sent = false;
  };

  // bind(0) takes any free port, but with a core per queue the port must be
  // one whose replies the NIC steers back to this core: with the stack's RSS
  // configuration, the first such port that binds.
  static void bind_source(int fd, const stack::Stack& from, wire::Ipv4Address server,
                          std::uint16_t port) {
    const stack::StackConfig& c = from.config();
    const auto bind_to = [fd, &from](std::uint16_t p) {
      const sockaddr_in local = to_sockaddr(from.address(), p);
      return tdm_bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) == 0;
    };
    if (!c.rss) {
      bind_to(0);
      return;
    }
    if (!wire::pick_source_port(*c.rss, server, port, from.address(), c.net.queue,
                                wire::PortRange{c.ephemeral_first, c.ephemeral_last},
                                c.ephemeral_first, bind_to)) {
      throw std::runtime_error("built-in client: no source port left for core " +
                               std::to_string(c.net.queue));
    }
  }

  void on_event(int fd, std::uint32_t events) {
    State& s = state_.at(fd);
    if ((events & (EPOLLERR | EPOLLHUP)) != 0) return finish(fd);
    if (!s.sent && (events & EPOLLOUT) != 0) {
      if (issued_ >= requests_) return finish(fd);
      static constexpr std::string_view kRequest = "GET / HTTP/1.1\r\nHost: tandem\r\n\r\n";
      if (tdm_send(fd, kRequest.data(), kRequest.size(), 0) ==
          static_cast<ssize_t>(kRequest.size())) {
        s.sent = true;
        ++issued_;
        reactor_.modify(fd, EPOLLIN);
      }
    }
    std::array<char, 65536> buf{};
    ssize_t n = 0;
    while ((n = tdm_recv(fd, buf.data(), buf.size(), 0)) > 0) {
      s.in.append(buf.data(), static_cast<std::size_t>(n));
    }
    if (n == 0) return finish(fd);
    const std::size_t end = s.in.find("\r\n\r\n");
    if (end == std::string::npos) return;
    const std::string_view head(s.in.data(), end + 2);
    const std::string length(header_value(head, "Content-Length"));
    const std::size_t body = length.empty() ? 0 : std::stoul(length);
    if (s.in.size() < end + 4 + body) return;
    ++responses_;
    body_bytes_ += body;
    s.in.erase(0, end + 4 + body);
    s.sent = false;
    reactor_.modify(fd, EPOLLOUT | EPOLLIN);
  }

  void finish(int fd) {
    reactor_.remove(fd);
    tdm_close(fd);
    state_.erase(fd);
  }

  Reactor& reactor_;
  std::uint64_t requests_;
  std::uint64_t issued_ = 0;
  std::uint64_t responses_ = 0;
  std::uint64_t body_bytes_ = 0;
  std::unordered_map<int, State> state_;
};

}  // namespace

int main(int argc, char** argv) {
  CommonOptions options;
  std::uint64_t body_bytes = 1024;
  std::uint64_t requests = 1000;
  std::uint64_t clients = 4;
  std::uint64_t backlog = 1024;
  bool edge_triggered = false;
  CommandLine cli("tandem-http", "An HTTP/1.1 server on Tandem's epoll API.", 8080);
  cli.option("--body-bytes", "N", "size of the body of GET / (default 1024)",
             [&](std::string_view v) { return parse_u64(v, body_bytes); });
  cli.option("--requests", "N", "soft backend: requests the built-in client makes (default 1000)",
             [&](std::string_view v) { return parse_u64(v, requests) && requests > 0; });
  cli.option("--clients", "N", "soft backend: connections of the built-in client (default 4)",
             [&](std::string_view v) { return parse_u64(v, clients) && clients > 0; });
  cli.option("--backlog", "N", "listen(2) backlog (default 1024)",
             [&](std::string_view v) { return parse_u64(v, backlog) && backlog <= 65535; });
  cli.flag("--et", "edge-triggered epoll (default: level-triggered)", edge_triggered);
  cli.allow_cores();
  cli.parse(argc, argv, options);
  try {
    install_stop_handlers();
    Backend backend(options);
    const unsigned cores = backend.cores();
    const bool self_test = backend.peer() != nullptr;
    if (self_test) {
      std::fprintf(stderr,
                   "tandem-http: soft backend: a built-in client on the second stack (%s) makes "
                   "%llu requests over %llu connections\n",
                   backend.peer()->address().to_string().c_str(),
                   static_cast<unsigned long long>(requests),
                   static_cast<unsigned long long>(clients));
    }
    // What each core did; the built-in client's requests and connections are
    // shared out over the cores (at least one connection each).
    struct CoreCounts {
      HttpStats stats;
      std::uint64_t connections = 0;
      std::uint64_t bytes_out = 0;
      std::uint64_t responses = 0;
      std::uint64_t body_bytes = 0;
    };
    std::vector<CoreCounts> counts(cores);
    // A core's server stays up until every core's client is done: the NIC may
    // steer any client's connection to any core.
    std::atomic<unsigned> clients_done{0};
    auto wall_start = std::chrono::steady_clock::now();
    const auto listen = [&](unsigned) {
      return listen_tcp(backend.address(), options.port, static_cast<int>(backlog), cores > 1);
    };
    const auto ready = [&] {
      std::fprintf(stderr,
                   "tandem-http: serving GET / (%llu-byte body) on http://%s:%u/ (%s backend, %u "
                   "core%s)\n",
                   static_cast<unsigned long long>(body_bytes),
                   backend.address().to_string().c_str(), options.port,
                   std::string(to_string(options.backend)).c_str(), cores, cores == 1 ? "" : "s");
      wall_start = std::chrono::steady_clock::now();
    };
    backend.run_on_cores(listen, ready, [&](unsigned core, int listener) {
      CoreCounts& mine = counts[core];
      Reactor reactor(edge_triggered);
      {
        HttpResponder responder(body_bytes, mine.stats);
        StreamServer server(
            reactor, listener, [&responder](StreamServer::Connection& c) { responder.answer(c); },
            true);
        std::unique_ptr<SelfTestClient> client;
        const std::uint64_t my_requests = requests / cores + (core < requests % cores ? 1 : 0);
        if (self_test && my_requests > 0) {
          const std::uint64_t my_clients =
              std::max<std::uint64_t>(1, clients / cores + (core < clients % cores ? 1 : 0));
          client = std::make_unique<SelfTestClient>(reactor, backend.address(), options.port,
                                                    *backend.peer(core),
                                                    static_cast<unsigned>(my_clients), my_requests);
        }
        bool counted = !self_test;
        reactor.run([&] {
          if (!counted && (!client || client->done())) {
            counted = true;
            ++clients_done;
          }
          return self_test && clients_done.load() == cores;
        });
        mine.connections = server.connections();
        mine.bytes_out = server.bytes_out();
        if (client) {
          mine.responses = client->responses();
          mine.body_bytes = client->body_bytes();
        }
      }
      tdm_close(listener);
    });
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    CoreCounts total;
    for (const CoreCounts& c : counts) {
      total.stats.requests += c.stats.requests;
      total.stats.bad_requests += c.stats.bad_requests;
      total.connections += c.connections;
      total.bytes_out += c.bytes_out;
      total.responses += c.responses;
      total.body_bytes += c.body_bytes;
    }
    std::printf("requests: %llu served (%llu bad), %llu connections, %llu bytes sent\n",
                static_cast<unsigned long long>(total.stats.requests),
                static_cast<unsigned long long>(total.stats.bad_requests),
                static_cast<unsigned long long>(total.connections),
                static_cast<unsigned long long>(total.bytes_out));
    if (cores > 1) {
      for (unsigned core = 0; core < cores; ++core) {
        const CoreCounts& c = counts[core];
        std::printf("core %u: %llu requests served, %llu connections, %llu bytes sent\n", core,
                    static_cast<unsigned long long>(c.stats.requests),
                    static_cast<unsigned long long>(c.connections),
                    static_cast<unsigned long long>(c.bytes_out));
      }
    }
    if (self_test) {
      std::printf("built-in client: %llu responses, %llu body bytes, in %.2f s of wall time\n",
                  static_cast<unsigned long long>(total.responses),
                  static_cast<unsigned long long>(total.body_bytes), wall);
    }
    backend.print_counters(stdout);
    if (!options.pcap.empty()) std::printf("capture: %s\n", options.pcap.c_str());
    return self_test && total.responses != requests ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tandem-http: %s\n", e.what());
    return 1;
  }
}
