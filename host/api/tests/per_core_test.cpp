// SPDX-License-Identifier: Apache-2.0
// The socket API one thread per core (docs/multicore.md): each core has its
// own api::CoreRuntime — Stack, RealTimeDriver and Runtime — over its own queue
// of a multi-queue `soft` NIC; its thread makes the Runtime current and uses
// only the C API. Servers listen on the same port on every
// core with SO_REUSEPORT and serve an epoll echo loop; clients connect with
// blocking calls and check every echoed byte. The NIC's RSS spreads the
// connections; each must be accepted on the core its 4-tuple hashes to, and
// the one-core and two-core runs are the same test.
#define BOOST_TEST_MODULE api_per_core
#include <boost/test/unit_test.hpp>

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "host/api/core_runtime.hpp"
#include "host/api/tandem/socket.h"
#include "sim/link/link.hpp"
#include "sim/soft/multicore_echo.hpp"
#include "sim/soft/soft_device.hpp"

using namespace tandem;
using namespace std::chrono_literals;

namespace {

const wire::Ipv4Address kClient{0x0a000001};
const wire::Ipv4Address kServer{0x0a000002};
constexpr std::uint16_t kPort = 7;
constexpr int kConnectionsPerCore = 24;
constexpr std::size_t kMessage = 3000;  // more than one segment each way
constexpr auto kLimit = 60s;            // for the whole run; it takes well under a second

sockaddr_in inet(wire::Ipv4Address a, std::uint16_t port) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_port = htons(port);
  s.sin_addr.s_addr = htonl(a.value);
  return s;
}

// Two hosts on one link (client 10.0.0.1, server 10.0.0.2), each a soft NIC
// with one queue per core, and a CoreRuntime per core and host. The two NICs
// share the link's lock, since every core has a thread of its own.
class TwoHosts {
 public:
  explicit TwoHosts(std::uint16_t cores)
      : link_lock_(std::make_shared<std::mutex>()),
        client_nic_(link_, sim::LinkEnd::a, nic_config(cores, link_lock_)),
        server_nic_(link_, sim::LinkEnd::b, nic_config(cores, link_lock_)) {
    for (std::uint16_t q = 0; q < cores; ++q) {
      clients_.push_back(std::make_unique<api::CoreRuntime>(
          client_nic_.queue_port(q), q, client_nic_.rss(), sim::multicore_host_config(kClient, 1)));
      servers_.push_back(std::make_unique<api::CoreRuntime>(
          server_nic_.queue_port(q), q, server_nic_.rss(), sim::multicore_host_config(kServer, 2)));
    }
  }

  std::uint16_t cores() const { return static_cast<std::uint16_t>(clients_.size()); }
  api::CoreRuntime& client(std::uint16_t core) { return *clients_.at(core); }
  api::CoreRuntime& server(std::uint16_t core) { return *servers_.at(core); }
  const wire::RssConfig& rss() const { return server_nic_.rss(); }

 private:
  static sim::SoftDeviceConfig nic_config(std::uint16_t cores, std::shared_ptr<std::mutex> lock) {
    sim::SoftDeviceConfig c;
    c.queues = cores;
    c.rss = wire::RssConfig::spread(cores);
    c.link_lock = std::move(lock);
    return c;
  }

  sim::Link link_{sim::LinkConfig{}};
  std::shared_ptr<std::mutex> link_lock_;
  sim::SoftDevice client_nic_;
  sim::SoftDevice server_nic_;
  std::vector<std::unique_ptr<api::CoreRuntime>> clients_;
  std::vector<std::unique_ptr<api::CoreRuntime>> servers_;
};

// What one server core saw.
struct ServerCore {
  int accepted = 0;
  int on_another_core = 0;  // accepted here, though the tuple hashes elsewhere
  int errors = 0;
  std::size_t echoed = 0;
  std::size_t open_at_end = 0;
  std::size_t descriptors_at_end = 0;  // the Runtime's, listener and epoll set closed
};

// What one client core saw.
struct ClientCore {
  int completed = 0;
  int failed = 0;
  int mismatched = 0;
  std::size_t descriptors_at_end = 0;
};

std::vector<std::byte> message_for(int core, int connection) {
  std::vector<std::byte> m(kMessage);
  for (std::size_t i = 0; i < m.size(); ++i)
    m[i] = static_cast<std::byte>(
        (i * 131 + static_cast<std::size_t>(core) * 17 + static_cast<std::size_t>(connection) * 7) &
        0xff);
  return m;
}

// One server core: SO_REUSEPORT listener and an epoll echo loop, until every
// client core is done and its own connections are closed.
// Boost.Test's checks are not thread-safe: the threads count what went wrong
// and the main thread checks the counts.
void serve(TwoHosts& hosts, std::uint16_t core, std::atomic<int>& listening,
           const std::atomic<int>& clients_done, ServerCore& out) {
  api::Runtime& runtime = hosts.server(core).runtime();
  runtime.make_current();

  const int listener = tdm_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  const int one = 1;
  const sockaddr_in any = inet(wire::Ipv4Address{0}, kPort);
  const int ep = tdm_epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listener;
  if (listener < 0 || ep < 0 ||
      tdm_setsockopt(listener, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      tdm_bind(listener, reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0 ||
      tdm_listen(listener, 128) != 0 || tdm_epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) != 0) {
    ++out.errors;
  }
  ++listening;

  const auto& rss = hosts.rss();
  std::map<int, bool> open;
  const auto deadline = std::chrono::steady_clock::now() + kLimit;
  std::array<std::byte, 8192> buf{};
  std::array<epoll_event, 32> events{};
  while (std::chrono::steady_clock::now() < deadline &&
         !(clients_done.load() == hosts.cores() && open.empty())) {
    const int n = tdm_epoll_wait(ep, events.data(), static_cast<int>(events.size()), 5);
    if (n < 0) {
      ++out.errors;
      break;
    }
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == listener) {
        for (;;) {
          sockaddr_in peer{};
          socklen_t len = sizeof peer;
          const int c =
              tdm_accept4(listener, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK);
          if (c < 0) {
            if (errno != EAGAIN) ++out.errors;
            break;
          }
          ++out.accepted;
          // The NIC hashes the tuple as it arrives here: client -> server.
          const std::uint32_t hash =
              wire::rss_hash_ipv4_l4(rss.key, wire::Ipv4Address{ntohl(peer.sin_addr.s_addr)},
                                     kServer, ntohs(peer.sin_port), kPort);
          if (rss.queue_of(hash) != core) ++out.on_another_core;
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLRDHUP;
          cev.data.fd = c;
          if (tdm_epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev) != 0) ++out.errors;
          open[c] = true;
        }
        continue;
      }
      for (;;) {
        const ssize_t got = tdm_recv(fd, buf.data(), buf.size(), 0);
        if (got > 0) {
          // Small replies fit the send buffer whole; a short send is an error here.
          if (tdm_send(fd, buf.data(), static_cast<std::size_t>(got), 0) != got) ++out.errors;
          out.echoed += static_cast<std::size_t>(got);
          continue;
        }
        if (got == 0 || errno != EAGAIN) {
          if (got < 0) ++out.errors;
          tdm_close(fd);
          open.erase(fd);
        }
        break;
      }
    }
  }
  out.open_at_end = open.size();
  tdm_close(listener);
  tdm_close(ep);
  out.descriptors_at_end = runtime.open_descriptors();
}

// One client core: blocking connect, send, read back, compare, close.
void call(TwoHosts& hosts, std::uint16_t core, const std::atomic<int>& listening,
          std::atomic<int>& clients_done, ClientCore& out) {
  api::Runtime& runtime = hosts.client(core).runtime();
  runtime.make_current();
  // Until every core listens, a SYN that hashes to a core still starting up
  // would be refused, as it would on Linux.
  while (listening.load() < hosts.cores())
    std::this_thread::yield();
  const sockaddr_in server = inet(kServer, kPort);
  const timeval timeout{5, 0};  // a stall fails the case instead of hanging it
  for (int i = 0; i < kConnectionsPerCore; ++i) {
    const int fd = tdm_socket(AF_INET, SOCK_STREAM, 0);
    tdm_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    tdm_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (fd < 0 || tdm_connect(fd, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0) {
      ++out.failed;
      if (fd >= 0) tdm_close(fd);
      continue;
    }
    const auto message = message_for(core, i);
    std::vector<std::byte> back(message.size());
    std::size_t got = 0;
    bool ok =
        tdm_send(fd, message.data(), message.size(), 0) == static_cast<ssize_t>(message.size());
    while (ok && got < back.size()) {
      const ssize_t n = tdm_recv(fd, back.data() + got, back.size() - got, 0);
      if (n <= 0) {
        ok = false;
        break;
      }
      got += static_cast<std::size_t>(n);
    }
    if (!ok) {
      ++out.failed;
    } else if (back != message) {
      ++out.mismatched;
    } else {
      ++out.completed;
    }
    tdm_close(fd);
  }
  out.descriptors_at_end = runtime.open_descriptors();
  ++clients_done;
  // Lets the FINs out while the servers close their ends.
  api::Driver& driver = runtime.driver();
  const auto linger_until = std::chrono::steady_clock::now() + 200ms;
  while (std::chrono::steady_clock::now() < linger_until)
    (void)driver.wait(driver.now() + std::chrono::duration_cast<Duration>(1ms));
}

void echo_on(std::uint16_t cores) {
  TwoHosts hosts(cores);

  std::atomic<int> listening{0};
  std::atomic<int> clients_done{0};
  std::vector<ServerCore> servers(cores);
  std::vector<ClientCore> clients(cores);
  std::vector<std::thread> threads;
  for (std::uint16_t c = 0; c < cores; ++c) {
    threads.emplace_back(serve, std::ref(hosts), c, std::ref(listening), std::cref(clients_done),
                         std::ref(servers[c]));
    threads.emplace_back(call, std::ref(hosts), c, std::cref(listening), std::ref(clients_done),
                         std::ref(clients[c]));
  }
  for (auto& t : threads)
    t.join();

  int accepted = 0;
  for (std::uint16_t c = 0; c < cores; ++c) {
    BOOST_TEST_CONTEXT("core " << c) {
      BOOST_TEST(clients[c].completed == kConnectionsPerCore);
      BOOST_TEST(clients[c].failed == 0);
      BOOST_TEST(clients[c].mismatched == 0);
      BOOST_TEST(clients[c].descriptors_at_end == 0u);
      BOOST_TEST(servers[c].descriptors_at_end == 0u);
      // 24 * cores connections spread by RSS: every core gets some.
      BOOST_TEST(servers[c].accepted > 0);
      BOOST_TEST(servers[c].on_another_core == 0);
      BOOST_TEST(servers[c].errors == 0);
      BOOST_TEST(servers[c].open_at_end == 0u);
      BOOST_TEST(servers[c].echoed == static_cast<std::size_t>(servers[c].accepted) * kMessage);
      accepted += servers[c].accepted;
      BOOST_TEST_MESSAGE("core " << c << ": accepted " << servers[c].accepted << ", echoed "
                                 << servers[c].echoed << " bytes; client completed "
                                 << clients[c].completed);
    }
  }
  BOOST_TEST(accepted == kConnectionsPerCore * cores);
  for (std::uint16_t c = 0; c < cores; ++c) {
    BOOST_TEST(hosts.client(c).stack().counters().no_socket_resets == 0u);
    BOOST_TEST(hosts.server(c).stack().counters().no_socket_resets == 0u);
    BOOST_TEST(hosts.client(c).stack().tcp_counters().resets_out == 0u);
    BOOST_TEST(hosts.server(c).stack().tcp_counters().resets_out == 0u);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(per_core_api)

BOOST_AUTO_TEST_CASE(one_core_echo_through_the_socket_api) {
  echo_on(1);
}

BOOST_AUTO_TEST_CASE(two_cores_each_with_its_own_runtime_and_reuseport_listener) {
  echo_on(2);
}

// What the helper refuses: a core the device lacks, a multi-queue device
// without its steering, a table that never names the core.
BOOST_AUTO_TEST_CASE(core_stack_config_refuses_what_cannot_work) {
  const stack::StackConfig base = sim::multicore_host_config(kServer, 2);
  BOOST_CHECK_THROW(api::core_stack_config(base, 2, 2, wire::RssConfig::spread(2)),
                    std::invalid_argument);
  BOOST_CHECK_THROW(api::core_stack_config(base, 1, 2, std::nullopt), std::invalid_argument);
  BOOST_CHECK_THROW(api::core_stack_config(base, 1, 2, wire::RssConfig::spread(1)),
                    std::invalid_argument);
  BOOST_CHECK_THROW(api::core_stack_config(base, 0, 1, wire::RssConfig::spread(2)),
                    std::invalid_argument);
  const stack::StackConfig c = api::core_stack_config(base, 1, 2, wire::RssConfig::spread(2));
  BOOST_TEST(c.net.queue == 1u);
  BOOST_TEST(c.net.rx_queues == 1u);
  BOOST_TEST(c.rss.has_value());
  BOOST_TEST(c.net.address.value == base.net.address.value);
}

BOOST_AUTO_TEST_SUITE_END()
