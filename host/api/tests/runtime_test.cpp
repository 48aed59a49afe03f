// SPDX-License-Identifier: Apache-2.0
// The Runtime itself, where Tandem has choices Linux does not: several stacks
// under one Runtime, descriptors of its own, one Runtime per thread, virtual
// and real time, and transfers through the API over an impaired link.
#define BOOST_TEST_MODULE api
#include <boost/test/unit_test.hpp>

#include <netinet/in.h>

#include <array>
#include <random>
#include <thread>
#include <vector>

#include "host/api/runtime.hpp"
#include "host/api/tandem/socket.h"
#include "host/api/virtual_world.hpp"

extern "C" int tandem_c_check_socket_pair(void);

using namespace tandem;
using namespace tandem::api;
using namespace std::chrono_literals;

namespace {

sockaddr_in inet(wire::Ipv4Address a, std::uint16_t port) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_port = htons(port);
  s.sin_addr.s_addr = htonl(a.value);
  return s;
}

const sockaddr* sa(const sockaddr_in& a) {
  return reinterpret_cast<const sockaddr*>(&a);
}

sockaddr_in name_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  BOOST_REQUIRE(tdm_getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  return a;
}

int listen_on(wire::Ipv4Address addr, std::uint16_t port) {
  const int fd = tdm_socket(AF_INET, SOCK_STREAM, 0);
  BOOST_REQUIRE(fd >= 0);
  const sockaddr_in a = inet(addr, port);
  BOOST_REQUIRE(tdm_bind(fd, sa(a), sizeof a) == 0);
  BOOST_REQUIRE(tdm_listen(fd, 8) == 0);
  return fd;
}

VirtualWorldConfig short_msl(std::uint64_t seed = 1) {
  VirtualWorldConfig c = VirtualWorldConfig::two_hosts(seed);
  c.a.tcp.msl = 1s;
  c.b.tcp.msl = 1s;
  return c;
}

void expect_world_empty(VirtualWorld& w) {
  BOOST_TEST(
      w.run_until([&] { return w.a().connections() == 0 && w.b().connections() == 0; }, 600s));
  BOOST_TEST(w.a().allocated_buffers() == 0u);
  BOOST_TEST(w.b().allocated_buffers() == 0u);
}

// Sends `data` from `from` to `to` with poll() and non-blocking calls, and
// returns what arrived once `from` has shut down and `to` read the end.
std::vector<std::uint8_t> transfer(int from, int to, const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> got;
  std::size_t sent = 0;
  bool eof = false;
  pollfd fds[2] = {{from, POLLOUT, 0}, {to, POLLIN, 0}};
  while (!eof) {
    BOOST_REQUIRE(tdm_poll(fds, 2, 60000) > 0);
    if ((fds[0].revents & POLLOUT) != 0) {
      const ssize_t n = tdm_send(from, data.data() + sent, data.size() - sent, MSG_DONTWAIT);
      BOOST_REQUIRE(n >= 0);
      sent += static_cast<std::size_t>(n);
      if (sent == data.size()) {
        BOOST_REQUIRE(tdm_shutdown(from, SHUT_WR) == 0);
        fds[0].fd = -1;  // done: its hang-up must not end every poll at once
      }
    }
    if ((fds[1].revents & POLLIN) != 0) {
      std::uint8_t buf[16384];
      const ssize_t n = tdm_recv(to, buf, sizeof buf, MSG_DONTWAIT);
      BOOST_REQUIRE(n >= 0);
      if (n == 0) eof = true;
      got.insert(got.end(), buf, buf + n);
    }
  }
  return got;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(runtime)

BOOST_AUTO_TEST_CASE(sockets_pick_their_stack_by_address_and_route) {
  VirtualWorld w(short_msl());
  {
    Runtime rt(w);
    rt.make_current();
    BOOST_TEST(rt.stacks().size() == 2u);
    // Listening on the unspecified address covers both stacks.
    const int l = listen_on(wire::Ipv4Address{}, 7000);
    BOOST_TEST(w.a().listeners() == 1u);
    BOOST_TEST(w.b().listeners() == 1u);
    // An unbound connect leaves from the stack whose subnet holds the
    // destination and which is not the destination itself.
    for (const auto dst : {VirtualWorld::kAddrB, VirtualWorld::kAddrA}) {
      const int c = tdm_socket(AF_INET, SOCK_STREAM, 0);
      const sockaddr_in to = inet(dst, 7000);
      BOOST_REQUIRE(tdm_connect(c, sa(to), sizeof to) == 0);
      const wire::Ipv4Address other =
          dst == VirtualWorld::kAddrB ? VirtualWorld::kAddrA : VirtualWorld::kAddrB;
      BOOST_TEST(ntohl(name_of(c).sin_addr.s_addr) == other.value);
      const int s = tdm_accept(l, nullptr, nullptr);
      BOOST_REQUIRE(s >= 0);
      BOOST_TEST(ntohl(name_of(s).sin_addr.s_addr) == dst.value);
      BOOST_TEST(tdm_close(c) == 0);
      BOOST_TEST(tdm_close(s) == 0);
    }
    // Nobody's subnet, and no gateway: unreachable at once.
    const int c = tdm_socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in far = inet(wire::Ipv4Address{0xc0000201}, 80);
    BOOST_TEST(tdm_connect(c, sa(far), sizeof far) == -1);
    BOOST_TEST(errno == ENETUNREACH);
    // A socket bound to one stack's address is that stack's.
    const sockaddr_in on_b = inet(VirtualWorld::kAddrB, 0);
    BOOST_REQUIRE(tdm_bind(c, sa(on_b), sizeof on_b) == 0);
    const sockaddr_in to_a = inet(VirtualWorld::kAddrA, 7000);
    BOOST_REQUIRE(tdm_connect(c, sa(to_a), sizeof to_a) == 0);
    BOOST_TEST(w.b().connections() >= 1u);
    const int s = tdm_accept(l, nullptr, nullptr);
    BOOST_TEST(tdm_close(s) == 0);
    BOOST_TEST(tdm_close(c) == 0);
    BOOST_TEST(tdm_close(l) == 0);
    BOOST_TEST(w.a().listeners() == 0u);
  }
  expect_world_empty(w);
}

BOOST_AUTO_TEST_CASE(descriptors_are_small_lowest_first_and_per_runtime) {
  VirtualWorld w(short_msl());
  Runtime rt(w);
  rt.make_current();
  const int a = tdm_socket(AF_INET, SOCK_STREAM, 0);
  const int b = tdm_socket(AF_INET, SOCK_DGRAM, 0);
  const int c = tdm_epoll_create1(0);
  BOOST_TEST(a == 0);
  BOOST_TEST(b == 1);
  BOOST_TEST(c == 2);
  BOOST_TEST(tdm_close(b) == 0);
  BOOST_TEST(tdm_socket(AF_INET, SOCK_STREAM, 0) == 1);
  BOOST_TEST(rt.open_descriptors() == 3u);
  // From C, through the same ABI.
  BOOST_TEST(tandem_c_check_socket_pair() == SOCK_STREAM);
  BOOST_TEST(rt.open_descriptors() == 3u);
  // Tandem's descriptors are not the kernel's, nor the other way round.
  BOOST_TEST(tdm_close(1000) == -1);
  BOOST_TEST(errno == EBADF);
}

BOOST_AUTO_TEST_CASE(without_a_runtime_every_call_fails) {
  std::thread([] {
    BOOST_TEST(Runtime::current() == nullptr);
    BOOST_TEST(tdm_socket(AF_INET, SOCK_STREAM, 0) == -1);
    BOOST_TEST(errno == ENETDOWN);
    BOOST_TEST(tdm_epoll_create1(0) == -1);
    BOOST_TEST(errno == ENETDOWN);
    BOOST_TEST(tdm_close(0) == -1);
    BOOST_TEST(errno == EBADF);
    pollfd p{0, POLLIN, 0};
    BOOST_TEST(tdm_poll(&p, 1, 0) == 1);
    BOOST_TEST(p.revents == POLLNVAL);
  }).join();
}

BOOST_AUTO_TEST_CASE(one_runtime_per_thread) {
  // Two threads, each with its own world and Runtime (one per core): the same
  // descriptor numbers name different sockets, and both transfer at once.
  auto work = [](std::uint64_t seed, std::size_t* delivered) {
    VirtualWorld w(short_msl(seed));
    {
      Runtime rt(w);
      rt.make_current();
      const int l = listen_on(VirtualWorld::kAddrB, 9000);
      const int c = tdm_socket(AF_INET, SOCK_STREAM, 0);
      const sockaddr_in to = inet(VirtualWorld::kAddrB, 9000);
      if (tdm_connect(c, sa(to), sizeof to) != 0) return;
      const int s = tdm_accept(l, nullptr, nullptr);
      std::vector<std::uint8_t> data(200'000 + seed);
      std::mt19937 rng(static_cast<unsigned>(seed));
      for (auto& b : data)
        b = static_cast<std::uint8_t>(rng());
      if (transfer(c, s, data) == data) *delivered = data.size();
      (void)tdm_close(c);
      (void)tdm_close(s);
      (void)tdm_close(l);
    }
  };
  std::size_t d1 = 0, d2 = 0;
  std::thread t1(work, 1, &d1);
  std::thread t2(work, 2, &d2);
  t1.join();
  t2.join();
  BOOST_TEST(d1 == 200'001u);
  BOOST_TEST(d2 == 200'002u);
}

BOOST_AUTO_TEST_CASE(epollexclusive_wakes_a_blocked_waiter_and_stops_there) {
  // Linux queues an EPOLLEXCLUSIVE item on every instance it visits until one
  // with a caller blocked in epoll_wait() takes it; the visit follows the order
  // the items were added in.
  for (const bool blocked_one_first : {true, false}) {
    BOOST_TEST_CONTEXT("the blocked instance was added "
                       << (blocked_one_first ? "first" : "second")) {
      VirtualWorld w(short_msl());
      Runtime rt(w);
      rt.make_current();
      const int l = listen_on(VirtualWorld::kAddrB, 7150);
      const int blocked = tdm_epoll_create1(0);
      const int idle = tdm_epoll_create1(0);
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLEXCLUSIVE;
      for (const int ep :
           blocked_one_first ? std::array{blocked, idle} : std::array{idle, blocked}) {
        BOOST_REQUIRE(tdm_epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev) == 0);
      }
      const int c = tdm_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      const sockaddr_in to = inet(VirtualWorld::kAddrB, 7150);
      BOOST_TEST(tdm_connect(c, sa(to), sizeof to) == -1);
      BOOST_TEST(tdm_epoll_wait(blocked, &ev, 1, 1000) == 1);
      // The listener is readable, but the idle instance heard of it only if it
      // was visited before the blocked one.
      BOOST_TEST(tdm_epoll_wait(idle, &ev, 1, 0) == (blocked_one_first ? 0 : 1));
      for (const int fd : {c, l, blocked, idle})
        BOOST_TEST(tdm_close(fd) == 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_wait_that_could_never_end_fails_on_virtual_time) {
  VirtualWorld w(short_msl());
  Runtime rt(w);
  rt.make_current();
  const int l = listen_on(VirtualWorld::kAddrB, 7100);
  // Nobody will ever connect and nothing is scheduled: on virtual time the
  // blocking accept would wait forever, so it fails instead.
  BOOST_TEST(tdm_accept(l, nullptr, nullptr) == -1);
  BOOST_TEST(errno == EDEADLK);
  // With a timeout it simply times out, the clock having jumped.
  const Instant before = w.now();
  epoll_event ev{};
  const int ep = tdm_epoll_create1(0);
  BOOST_TEST(tdm_epoll_wait(ep, &ev, 1, 2500) == 0);
  BOOST_TEST((w.now() - before == 2500ms));
  BOOST_TEST(tdm_close(ep) == 0);
  BOOST_TEST(tdm_close(l) == 0);
}

BOOST_AUTO_TEST_CASE(transfers_over_a_lossy_link_arrive_whole) {
  VirtualWorldConfig config = short_msl(11);
  sim::Impairment bad;
  bad.loss = 0.02;
  bad.reorder = 0.02;
  bad.duplicate = 0.01;
  bad.delay = 1ms;
  config.link.a_to_b = bad;
  config.link.b_to_a = bad;
  VirtualWorld w(config);
  {
    Runtime rt(w);
    rt.make_current();
    const int l = listen_on(VirtualWorld::kAddrB, 7200);
    const int c = tdm_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const sockaddr_in to = inet(VirtualWorld::kAddrB, 7200);
    BOOST_TEST(tdm_connect(c, sa(to), sizeof to) == -1);
    const int s = tdm_accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
    BOOST_REQUIRE(s >= 0);
    std::vector<std::uint8_t> data(1 << 20);
    std::mt19937 rng(3);
    for (auto& b : data)
      b = static_cast<std::uint8_t>(rng());
    BOOST_TEST((transfer(c, s, data) == data));
    BOOST_TEST((transfer(s, c, std::vector<std::uint8_t>(data.begin(), data.begin() + 5000)) ==
                std::vector<std::uint8_t>(data.begin(), data.begin() + 5000)));
    BOOST_TEST(w.link().counters(sim::LinkEnd::a).lost > 0u);
    BOOST_TEST(tdm_close(c) == 0);
    BOOST_TEST(tdm_close(s) == 0);
    BOOST_TEST(tdm_close(l) == 0);
  }
  expect_world_empty(w);
}

BOOST_AUTO_TEST_CASE(udp_between_stacks_and_receive_buffer_limit) {
  VirtualWorld w(short_msl());
  Runtime rt(w);
  rt.make_current();
  const int s = tdm_socket(AF_INET, SOCK_DGRAM, 0);
  const sockaddr_in at = inet(VirtualWorld::kAddrB, 5353);
  BOOST_REQUIRE(tdm_bind(s, sa(at), sizeof at) == 0);
  const int small = 1;  // Linux's floor: 2304 bytes
  BOOST_REQUIRE(tdm_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &small, sizeof small) == 0);
  const int c = tdm_socket(AF_INET, SOCK_DGRAM, 0);
  std::vector<char> payload(1000, 'u');
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(tdm_sendto(c, payload.data(), payload.size(), 0, sa(at), sizeof at) == 1000);
  }
  // Bigger than the MTU allows: Tandem sends no fragments.
  std::vector<char> big(2000, 'b');
  BOOST_TEST(tdm_sendto(c, big.data(), big.size(), 0, sa(at), sizeof at) == -1);
  BOOST_TEST(errno == EMSGSIZE);
  (void)tdm_poll(nullptr, 0, 10);
  int got = 0;
  char buf[2000];
  while (tdm_recv(s, buf, sizeof buf, MSG_DONTWAIT) == 1000)
    ++got;
  BOOST_TEST(got == 2);
  BOOST_TEST(rt.counters().udp_dropped_rcvbuf == 3u);
  BOOST_TEST(tdm_close(c) == 0);
  BOOST_TEST(tdm_close(s) == 0);
}

BOOST_AUTO_TEST_CASE(real_time_driver_runs_soft_devices_on_the_steady_clock) {
  // The soft backend on the real clock: nothing on it has a wait_fd(), so the
  // driver sleeps in short steps.
  sim::Link link(sim::LinkConfig{});
  sim::SoftDevice dev_a(link, sim::LinkEnd::a);
  sim::SoftDevice dev_b(link, sim::LinkEnd::b);
  const VirtualWorldConfig c = short_msl();
  const Instant start = RealTimeDriver::clock();
  stack::Stack a(dev_a, c.a, start);
  stack::Stack b(dev_b, c.b, start);
  RealTimeDriver driver({&dev_a, &dev_b}, {&a, &b});
  {
    Runtime rt(driver);
    rt.make_current();
    const int l = listen_on(VirtualWorld::kAddrB, 7300);
    const int cl = tdm_socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in to = inet(VirtualWorld::kAddrB, 7300);
    BOOST_REQUIRE(tdm_connect(cl, sa(to), sizeof to) == 0);
    const int s = tdm_accept(l, nullptr, nullptr);
    BOOST_REQUIRE(s >= 0);
    BOOST_TEST(tdm_send(cl, "ping", 4, 0) == 4);
    char buf[8];
    BOOST_TEST(tdm_recv(s, buf, 4, MSG_WAITALL) == 4);
    const auto t0 = std::chrono::steady_clock::now();
    epoll_event ev{};
    const int ep = tdm_epoll_create1(0);
    BOOST_TEST(tdm_epoll_wait(ep, &ev, 1, 50) == 0);
    BOOST_TEST((std::chrono::steady_clock::now() - t0 >= 50ms));
    for (const int fd : {ep, cl, s, l})
      BOOST_TEST(tdm_close(fd) == 0);
  }
}

BOOST_AUTO_TEST_SUITE_END()
