// SPDX-License-Identifier: Apache-2.0
// A SYN flood of 100 times the backlog, from spoofed addresses and ports, at a
// listening Tandem socket, while a legitimate client connects and transfers
// through the socket API: the client must get through (by a SYN cookie, since
// the flood fills the SYN queue), every byte must arrive, the flood must not
// grow the TCB table past the SYN queue, and when it is over nothing is left.
#include <boost/test/unit_test.hpp>

#include <netinet/in.h>

#include <algorithm>
#include <random>
#include <vector>

#include "host/api/runtime.hpp"
#include "host/api/tandem/socket.h"
#include "host/api/virtual_world.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/ipv4.hpp"
#include "host/wire/tcp.hpp"

using namespace tandem;
using namespace tandem::api;
using namespace std::chrono_literals;

namespace {

constexpr int kBacklog = 16;
constexpr int kFloodSyns = 100 * kBacklog;
constexpr std::uint16_t kPort = 8080;

// Injects SYNs on the link as if from the far side of stack B's gateway, one
// every `interval`, each from a random address of 198.18.0.0/15 and a random
// port, with the options a Linux client sends (MSS, SACK permitted, timestamps,
// window scale 7).
class SynFlood final : public WorldActor {
 public:
  SynFlood(VirtualWorld& world, int count, Duration interval, std::uint64_t seed)
      : world_(world), left_(count), interval_(interval), rng_(seed) {}

  std::optional<Instant> next_at() const override {
    return left_ > 0 ? std::optional<Instant>(next_) : std::nullopt;
  }

  void act(Instant now) override {
    wire::TcpRepr syn;
    syn.src_port = static_cast<std::uint16_t>(1024 + rng_() % 64000);
    syn.dst_port = kPort;
    syn.seq = wire::SeqNum(static_cast<std::uint32_t>(rng_()));
    syn.flags = wire::tcp_flag::syn;
    syn.window = 64240;
    syn.options.mss = 1460;
    syn.options.sack_permitted = true;
    syn.options.timestamps = wire::TcpTimestamps{static_cast<std::uint32_t>(rng_()), 0};
    syn.options.window_scale = 7;
    const wire::Ipv4Address src{0xc6120000u | static_cast<std::uint32_t>(rng_() & 0x1ffff)};
    world_.link().transmit(sim::LinkEnd::a, frame(src, syn), now);
    --left_;
    next_ = now + interval_;
    max_connections_ = std::max(max_connections_, world_.b().connections());
  }

  int left() const { return left_; }
  std::size_t max_connections() const { return max_connections_; }

 private:
  std::vector<std::byte> frame(wire::Ipv4Address src, const wire::TcpRepr& tcp) const {
    wire::Ipv4Repr ip;
    ip.src = src;
    ip.dst = VirtualWorld::kAddrB;
    ip.protocol = static_cast<std::uint8_t>(wire::IpProtocol::tcp);
    ip.payload_len = static_cast<std::uint16_t>(tcp.header_len());
    std::vector<std::byte> f(wire::kEthernetHeaderLen + ip.total_len());
    wire::EthernetRepr{world_.b().interface().config().mac, world_.a().interface().config().mac,
                       static_cast<std::uint16_t>(wire::EtherType::ipv4)}
        .emit(f);
    ip.emit(std::span(f).subspan(wire::kEthernetHeaderLen), wire::ChecksumMode::software);
    tcp.emit(std::span(f).subspan(wire::kEthernetHeaderLen + ip.header_len()), src, ip.dst,
             wire::ChecksumMode::software);
    return f;
  }

  VirtualWorld& world_;
  int left_;
  Duration interval_;
  Instant next_{};
  std::mt19937_64 rng_;
  std::size_t max_connections_ = 0;
};

sockaddr_in inet(wire::Ipv4Address a, std::uint16_t port) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_port = htons(port);
  s.sin_addr.s_addr = htonl(a.value);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(syn_flood_of_100x_the_backlog_leaves_legitimate_clients_served) {
  VirtualWorldConfig config = VirtualWorldConfig::two_hosts(3);
  // The flood's addresses are off the link: B answers them through its gateway.
  config.b.net.gateway = VirtualWorld::kAddrA;
  config.a.tcp.msl = 1s;
  config.b.tcp.msl = 1s;
  VirtualWorld world(config);
  SynFlood flood(world, kFloodSyns, 100us, 99);
  world.add_actor(flood);
  {
    Runtime rt(world);
    rt.make_current();
    const int listener = tdm_socket(AF_INET, SOCK_STREAM, 0);
    BOOST_REQUIRE(listener >= 0);
    const sockaddr_in server = inet(VirtualWorld::kAddrB, kPort);
    BOOST_REQUIRE(tdm_bind(listener, reinterpret_cast<const sockaddr*>(&server), sizeof server) ==
                  0);
    BOOST_REQUIRE(tdm_listen(listener, kBacklog) == 0);

    // Let the flood fill the SYN queue, then connect in the middle of it.
    (void)tdm_poll(nullptr, 0, 20);
    BOOST_TEST(flood.left() < kFloodSyns - 4 * kBacklog);
    const int client = tdm_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    BOOST_REQUIRE(client >= 0);
    BOOST_TEST(tdm_connect(client, reinterpret_cast<const sockaddr*>(&server), sizeof server) ==
               -1);
    BOOST_TEST(errno == EINPROGRESS);
    const int conn = tdm_accept(listener, nullptr, nullptr);  // blocking: the flood goes on
    BOOST_REQUIRE(conn >= 0);
    BOOST_TEST(flood.left() > 0);  // accepted while the flood was still arriving
    BOOST_TEST(world.b().counters().syncookies_recv >= 1u);

    // A transfer through the flood, byte for byte.
    std::vector<std::uint8_t> data(300'000);
    std::mt19937 rng(5);
    for (auto& b : data)
      b = static_cast<std::uint8_t>(rng());
    std::vector<std::uint8_t> got;
    std::size_t sent = 0;
    pollfd fds[2] = {{client, POLLOUT, 0}, {conn, POLLIN, 0}};
    while (got.size() < data.size()) {
      BOOST_REQUIRE(tdm_poll(fds, 2, 5000) > 0);
      if (sent < data.size() && (fds[0].revents & POLLOUT) != 0) {
        const ssize_t n = tdm_send(client, data.data() + sent, data.size() - sent, 0);
        BOOST_REQUIRE(n > 0);
        sent += static_cast<std::size_t>(n);
        if (sent == data.size()) fds[0].fd = -1;
      }
      if ((fds[1].revents & POLLIN) != 0) {
        std::uint8_t buf[65536];
        const ssize_t n = tdm_recv(conn, buf, sizeof buf, MSG_DONTWAIT);
        BOOST_REQUIRE(n > 0);
        got.insert(got.end(), buf, buf + n);
      }
    }
    BOOST_TEST((got == data));
    BOOST_TEST(tdm_close(client) == 0);
    BOOST_TEST(tdm_close(conn) == 0);

    // Let the flood finish; the listener still serves.
    BOOST_TEST(world.run_until([&] { return flood.left() == 0; }, 10s));
    const int late = tdm_socket(AF_INET, SOCK_STREAM, 0);
    BOOST_TEST(tdm_connect(late, reinterpret_cast<const sockaddr*>(&server), sizeof server) == 0);
    const int late_conn = tdm_accept(listener, nullptr, nullptr);
    BOOST_TEST(late_conn >= 0);
    BOOST_TEST(tdm_close(late) == 0);
    BOOST_TEST(tdm_close(late_conn) == 0);
    BOOST_TEST(tdm_close(listener) == 0);
  }
  const stack::StackCounters& k = world.b().counters();
  BOOST_TEST_MESSAGE("syn cookies sent " << k.syncookies_sent << ", received " << k.syncookies_recv
                                         << ", peak TCBs " << flood.max_connections());
  // Beyond the SYN queue every SYN was answered statelessly.
  BOOST_TEST(k.syncookies_sent >= static_cast<std::uint64_t>(kFloodSyns - kBacklog));
  BOOST_TEST(flood.max_connections() <= static_cast<std::size_t>(kBacklog + 2));
  // The half-open connections time out; nothing is left.
  world.remove_actor(flood);
  BOOST_TEST(world.run_until(
      [&] { return world.a().connections() == 0 && world.b().connections() == 0; }, 600s));
  BOOST_TEST(world.b().listeners() == 0u);
  BOOST_TEST(world.a().allocated_buffers() == 0u);
  BOOST_TEST(world.b().allocated_buffers() == 0u);
  BOOST_TEST(world.b().interface().tx_queued() == 0u);
}
