// SPDX-License-Identifier: Apache-2.0
// The Stack end to end over two `soft` NICs and the link model: handshakes
// through listeners, byte-exact transfers under impairments, SYN cookies,
// backlog limits, strays, and every TCB and buffer freed at the end.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <random>
#include <vector>

#include "host/stack/syn_cookie.hpp"
#include "host/stack/tests/stack_world.hpp"
#include "host/stack/tests/transfer.hpp"
#include "host/tcp/tests/tcp_test_util.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/ipv4.hpp"
#include "host/wire/tcp.hpp"

using namespace tandem;
using namespace tandem::stack;
using namespace tandem::stack::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::byte> tcp_frame(const wire::MacAddress& dst_mac, wire::Ipv4Address src,
                                 wire::Ipv4Address dst, const wire::TcpRepr& tcp) {
  wire::Ipv4Repr ip;
  ip.src = src;
  ip.dst = dst;
  ip.protocol = static_cast<std::uint8_t>(wire::IpProtocol::tcp);
  ip.payload_len = static_cast<std::uint16_t>(tcp.header_len());
  std::vector<std::byte> f(wire::kEthernetHeaderLen + ip.total_len());
  wire::EthernetRepr{dst_mac, wire::MacAddress{{2, 0, 0, 0, 0, 9}},
                     static_cast<std::uint16_t>(wire::EtherType::ipv4)}
      .emit(f);
  ip.emit(std::span(f).subspan(wire::kEthernetHeaderLen), wire::ChecksumMode::software);
  tcp.emit(std::span(f).subspan(wire::kEthernetHeaderLen + ip.header_len()), src, dst,
           wire::ChecksumMode::software);
  return f;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stack)

BOOST_AUTO_TEST_CASE(bulk_transfer_uses_tso_and_the_nic_lookup) {
  World w;
  transfer_both_ways(w, 4 << 20, 100'000, 7);
  BOOST_TEST(w.a().counters().tso_jobs > 0u);
  BOOST_TEST(w.b().counters().demux_by_nic > 0u);
  BOOST_TEST(w.b().counters().bad_segments == 0u);
  BOOST_TEST(w.a().tcp_counters().retransmitted_segments == 0u);
  // Every TCB's flow-table entry was deleted again.
  BOOST_TEST(w.b().counters().flow_inserts == w.b().counters().flow_deletes);
}

BOOST_AUTO_TEST_CASE(empty_and_tiny_transfers) {
  for (const std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{1459}, std::size_t{1461}}) {
    World w;
    transfer_both_ways(w, n, n / 2, n);
  }
}

BOOST_AUTO_TEST_CASE(transfers_survive_loss_reordering_duplication_and_corruption) {
  const sim::Impairment bad = rough_link();
  const std::vector<std::pair<std::size_t, std::uint64_t>> cases = {
      {300'000, 11}, {1 << 20, 12}, {17, 13}, {2'500'000, 14}};
  for (const auto& [size, seed] : cases) {
    BOOST_TEST_CONTEXT("size " << size << " seed " << seed) {
      World w(sim::LinkConfig{bad, bad, seed}, seed);
      transfer_both_ways(w, size, size / 3, seed);
      BOOST_TEST(w.link().counters(sim::LinkEnd::a).lost > 0u);
      BOOST_TEST(w.a().tcp_counters().retransmitted_segments > 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(hundred_mib_under_impairments) {
  sim::Impairment bad;
  bad.loss = 0.002;
  bad.duplicate = 0.001;
  bad.reorder = 0.002;
  bad.corrupt = 0.0005;
  bad.delay = 1ms;
  World w(sim::LinkConfig{bad, bad, 99}, 99);
  transfer_both_ways(w, std::size_t{100} << 20, 1 << 20, 99, 3600s);
  BOOST_TEST(w.a().tcp_counters().retransmitted_segments > 0u);
  BOOST_TEST(w.b().counters().bad_segments > 0u);  // the corrupted ones
}

BOOST_AUTO_TEST_CASE(random_sizes) {
  std::mt19937_64 rng(2024);
  sim::Impairment bad;
  bad.loss = 0.01;
  bad.reorder = 0.01;
  bad.duplicate = 0.01;
  bad.delay = 500us;
  for (int i = 0; i < 6; ++i) {
    // Log-uniform from 1 byte to 8 MiB, so small and large both occur.
    const auto size =
        static_cast<std::size_t>(std::exp2(std::uniform_real_distribution<>(0, 23)(rng)));
    const std::uint64_t seed = rng();
    BOOST_TEST_CONTEXT("size " << size << " seed " << seed) {
      World w(sim::LinkConfig{bad, bad, seed}, seed);
      transfer_both_ways(w, size, size / 7, seed);
    }
  }
}

BOOST_AUTO_TEST_CASE(connect_to_a_closed_port_is_refused) {
  World w;
  ConnId id = kNoConn;
  BOOST_REQUIRE(!w.a().connect(tcp::Endpoint{kAddrB, 81}, {}, w.now(), id));
  BOOST_TEST(w.run_until([&] { return w.a().tcb(id).state() == tcp::State::closed; }));
  BOOST_TEST(w.a().tcb(id).error() == ECONNREFUSED);
  BOOST_TEST(w.b().counters().no_socket_resets == 1u);
  w.a().release(id, false, w.now());
  BOOST_TEST(w.a().connections() == 0u);
}

BOOST_AUTO_TEST_CASE(connect_errors) {
  World w;
  ConnId id = kNoConn;
  BOOST_TEST(w.a().connect(tcp::Endpoint{kAddrB, 0}, {}, w.now(), id) ==
             std::make_error_code(std::errc::invalid_argument));
  BOOST_TEST(w.a().connect(tcp::Endpoint{kAddrB, 80}, tcp::Endpoint{kAddrB, 0}, w.now(), id) ==
             std::make_error_code(std::errc::address_not_available));
  BOOST_TEST(w.a().connect(tcp::Endpoint{wire::Ipv4Address{0x0b000001}, 80}, {}, w.now(), id) ==
             std::error_code{});  // accepted: ENETUNREACH shows as the SYN's failure
  BOOST_REQUIRE(!w.a().connect(tcp::Endpoint{kAddrB, 80}, tcp::Endpoint{{}, 5000}, w.now(), id));
  BOOST_TEST(w.a().connect(tcp::Endpoint{kAddrB, 80}, tcp::Endpoint{{}, 5000}, w.now(), id) ==
             std::make_error_code(std::errc::address_in_use));
}

BOOST_AUTO_TEST_CASE(listen_conflicts_and_reuseport) {
  World w;
  ListenerId l1 = 0, l2 = 0, l3 = 0;
  BOOST_REQUIRE(!w.b().listen(tcp::Endpoint{{}, 80}, 8, false, l1));
  BOOST_TEST(w.b().listen(tcp::Endpoint{kAddrB, 80}, 8, false, l2) ==
             std::make_error_code(std::errc::address_in_use));
  BOOST_TEST(w.b().listen(tcp::Endpoint{{}, 0}, 8, false, l2) ==
             std::make_error_code(std::errc::invalid_argument));
  w.b().close_listener(l1, w.now());
  BOOST_REQUIRE(!w.b().listen(tcp::Endpoint{{}, 80}, 8, true, l1));
  BOOST_REQUIRE(!w.b().listen(tcp::Endpoint{{}, 80}, 8, true, l2));
  BOOST_TEST(w.b().listen(tcp::Endpoint{{}, 80}, 8, false, l3) ==
             std::make_error_code(std::errc::address_in_use));
  // Connections spread over the reuseport group.
  std::vector<ConnId> clients(12);
  for (auto& c : clients) {
    BOOST_REQUIRE(!w.a().connect(tcp::Endpoint{kAddrB, 80}, {}, w.now(), c));
  }
  std::size_t n1 = 0, n2 = 0;
  BOOST_TEST(w.run_until([&] {
    while (w.b().accept(l1))
      ++n1;
    while (w.b().accept(l2))
      ++n2;
    return n1 + n2 == clients.size();
  }));
  BOOST_TEST(n1 > 0u);
  BOOST_TEST(n2 > 0u);
}

BOOST_AUTO_TEST_CASE(syn_queue_overflow_falls_back_to_cookies) {
  StackConfig server = world_config(kAddrB, 2, 1);
  server.max_syn_backlog = 1;
  World w(sim::LinkConfig{}, world_config(kAddrA, 1, 1), server);
  ListenerId lid = 0;
  BOOST_REQUIRE(!w.b().listen(tcp::Endpoint{{}, 80}, 64, false, lid));
  std::vector<ConnId> clients(8);
  for (auto& c : clients) {
    BOOST_REQUIRE(!w.a().connect(tcp::Endpoint{kAddrB, 80}, {}, w.now(), c));
  }
  std::vector<ConnId> accepted;
  BOOST_REQUIRE(w.run_until([&] {
    while (const auto c = w.b().accept(lid))
      accepted.push_back(*c);
    return accepted.size() == clients.size();
  }));
  BOOST_TEST(w.b().counters().syncookies_sent >= 6u);
  BOOST_TEST(w.b().counters().syncookies_recv == w.b().counters().syncookies_sent);
  // The cookie carried window scaling, SACK and the MSS through the timestamp.
  for (const ConnId c : accepted) {
    const tcp::Tcb& t = w.b().tcb(c);
    BOOST_TEST(t.window_scale_enabled());
    BOOST_TEST(t.sack_enabled());
    BOOST_TEST(t.timestamps_enabled());
    BOOST_TEST(t.send_mss() == 1460);
  }
  // And data flows on them, both ways.
  Writer wr{w.a(), clients.back(), tcp::test::random_bytes(500'000, 3)};
  Reader rd{w.b(), accepted.back(), {}};
  BOOST_TEST(w.run_until([&] {
    wr.step(w.now());
    rd.step(w.now());
    return rd.eof;
  }));
  BOOST_TEST((rd.got == wr.data));
}

// SO_RCVBUF, SO_SNDBUF and TCP_MAXSEG as the API hands them down: the SYNs
// announce the MSS and the window, the window scale is the smallest that
// covers the receive buffer, the send buffer bounds what send() takes; a
// listener's limits reach the connections it opens, through its SYN queue and
// through cookies alike.
BOOST_AUTO_TEST_CASE(socket_limits_shape_the_handshake_and_the_buffers) {
  for (const bool cookies : {false, true}) {
    BOOST_TEST_CONTEXT("cookies " << cookies) {
      StackConfig server = world_config(kAddrB, 2, 1);
      if (cookies) server.max_syn_backlog = 0;  // every SYN answered with a cookie
      World w(sim::LinkConfig{}, world_config(kAddrA, 1, 1), server);
      ListenerId lid = 0;
      const tcp::SocketLimits server_limits{.send_buffer = 0, .recv_buffer = 300'000, .mss = 700};
      BOOST_REQUIRE(!w.b().listen(tcp::Endpoint{{}, 80}, 16, false, lid, server_limits));
      const tcp::SocketLimits client_limits{.send_buffer = 4096, .recv_buffer = 8192, .mss = 600};
      ConnId c = kNoConn;
      BOOST_REQUIRE(!w.a().connect(tcp::Endpoint{kAddrB, 80}, {}, w.now(), c, client_limits));
      std::optional<ConnId> s;
      BOOST_REQUIRE(w.run_until([&] {
        if (!s) s = w.b().accept(lid);
        return s && w.a().tcb(c).state() == tcp::State::established;
      }));
      BOOST_TEST(w.b().counters().syncookies_recv == (cookies ? 1u : 0u));
      const tcp::Tcb& client = w.a().tcb(c);
      const tcp::Tcb& accepted = w.b().tcb(*s);
      BOOST_TEST((accepted.limits() == server_limits));
      // Each side sends no more than the smaller of the two MSS values; a
      // cookie recalls the client's as the largest entry of its table not
      // above it.
      BOOST_TEST(client.send_mss() == 600);
      BOOST_TEST(accepted.send_mss() == (cookies ? SynCookies::kMssTable[0] : 600));
      // 8192 needs no scaling, 300000 a shift of 3; the server's view of the
      // client's window is the client's receive buffer.
      BOOST_TEST(client.recv_scale() == 0);
      BOOST_TEST(accepted.recv_scale() == 3);
      BOOST_TEST(accepted.send_window() == 8192u);
      // The client's send buffer takes 4096 bytes, and no more until the
      // server has read some.
      const auto data = tcp::test::random_bytes(20'000, 5);
      BOOST_TEST(w.a().send(c, data, w.now()).bytes == 4096u);
      Reader rd{w.b(), *s, {}};
      std::size_t sent = 4096;
      BOOST_TEST(w.run_until([&] {
        sent += w.a().send(c, std::span(data).subspan(sent), w.now()).bytes;
        rd.step(w.now());
        return rd.got.size() == data.size();
      }));
      BOOST_TEST((rd.got == data));
      // The server's ACKs carried its scaled window, more than 16 bits hold.
      BOOST_TEST(client.send_window() > 65535u);
    }
  }
}

// The server closes first and holds the 4-tuple in TIME-WAIT; the client
// comes back from the same port at once. Its SYN opens a new connection when it
// cannot be taken for the old one's (RFC 6191 with timestamps: a newer TSval;
// RFC 1122 §4.2.2.13 without: a sequence number past the old), with an ISS past
// the old connection's, as Linux does.
BOOST_AUTO_TEST_CASE(a_new_syn_reopens_a_connection_in_time_wait) {
  for (const bool timestamps : {true, false}) {
    BOOST_TEST_CONTEXT("timestamps " << timestamps) {
      StackConfig a = world_config(kAddrA, 1, 1);
      StackConfig b = world_config(kAddrB, 2, 1);
      a.tcp.timestamps = b.tcp.timestamps = timestamps;
      b.tcp.msl = std::chrono::seconds(30);  // TIME-WAIT outlasts the test
      World w(sim::LinkConfig{}, a, b);
      ListenerId lid = 0;
      BOOST_REQUIRE(!w.b().listen(tcp::Endpoint{{}, 80}, 16, false, lid));
      const tcp::Endpoint client_end{{}, 40000};
      ConnId c = kNoConn;
      BOOST_REQUIRE(!w.a().connect(tcp::Endpoint{kAddrB, 80}, client_end, w.now(), c));
      std::optional<ConnId> s;
      BOOST_REQUIRE(w.run_until([&] { return (s = s ? s : w.b().accept(lid)).has_value(); }));
      // The server closes first: TIME-WAIT is its.
      w.b().release(*s, false, w.now());
      BOOST_REQUIRE(w.run_until([&] { return w.a().tcb(c).state() == tcp::State::close_wait; }));
      w.a().release(c, false, w.now());
      w.run_for(200ms);
      BOOST_REQUIRE(w.b().connections() == 1u);  // the orphan in TIME-WAIT
      BOOST_REQUIRE(w.b().tcb(*s).state() == tcp::State::time_wait);
      BOOST_REQUIRE(w.a().connections() == 0u);
      const wire::SeqNum old_snd_nxt = w.b().tcb(*s).snd_nxt();

      BOOST_REQUIRE(!w.a().connect(tcp::Endpoint{kAddrB, 80}, client_end, w.now(), c));
      std::optional<ConnId> again;
      BOOST_TEST(w.run_until([&] {
        if (!again) again = w.b().accept(lid);
        return again && w.a().tcb(c).state() == tcp::State::established;
      }));
      BOOST_TEST(w.b().counters().time_wait_reopened == 1u);
      BOOST_REQUIRE(again.has_value());
      BOOST_TEST((w.b().tcb(*again).iss() == old_snd_nxt + 65537u));
      // And it carries data.
      const auto data = tcp::test::random_bytes(50'000, 9);
      Writer wr{w.a(), c, data};
      Reader rd{w.b(), *again, {}};
      BOOST_TEST(w.run_until([&] {
        wr.step(w.now());
        rd.step(w.now());
        return rd.eof;
      }));
      BOOST_TEST((rd.got == data));
    }
  }
}

BOOST_AUTO_TEST_CASE(forged_cookie_ack_is_reset) {
  World w;
  ListenerId lid = 0;
  BOOST_REQUIRE(!w.b().listen(tcp::Endpoint{{}, 80}, 8, false, lid));
  wire::TcpRepr ack;
  ack.src_port = 40000;
  ack.dst_port = 80;
  ack.seq = wire::SeqNum(1000);
  ack.ack = wire::SeqNum(0x12345678);
  ack.flags = wire::tcp_flag::ack;
  ack.window = 1000;
  w.link().transmit(sim::LinkEnd::a, tcp_frame(w.b().interface().config().mac, kAddrA, kAddrB, ack),
                    w.now());
  w.run_for(10ms);
  BOOST_TEST(w.b().counters().syncookies_failed == 1u);
  BOOST_TEST(w.b().counters().no_socket_resets == 1u);
  BOOST_TEST(w.b().connections() == 0u);
}

BOOST_AUTO_TEST_CASE(full_accept_queue_holds_handshakes_until_accept) {
  // Without cookies the SYNs beyond the queues are dropped and retried by the
  // clients; with them, a cookie ACK dropped for want of room is answered again
  // by the client's next segment (here: data), as on Linux.
  for (const bool cookies : {false, true}) {
    BOOST_TEST_CONTEXT("syn cookies " << cookies) {
      StackConfig server = world_config(kAddrB, 2, 1);
      server.syn_cookies = cookies;
      World w(sim::LinkConfig{}, world_config(kAddrA, 1, 1), server);
      ListenerId lid = 0;
      // Backlog 1: Linux queues backlog + 1 connections.
      BOOST_REQUIRE(!w.b().listen(tcp::Endpoint{{}, 80}, 1, false, lid));
      std::vector<ConnId> clients(4);
      for (auto& c : clients) {
        BOOST_REQUIRE(!w.a().connect(tcp::Endpoint{kAddrB, 80}, {}, w.now(), c));
      }
      w.run_for(3s);
      BOOST_TEST(w.b().accept_queue_size(lid) == 2u);
      const auto& k = w.b().counters();
      BOOST_TEST(k.listen_overflows + k.listen_drops > 0u);
      const std::array<std::byte, 1> hello{std::byte{'h'}};
      for (const ConnId c : clients)
        (void)w.a().send(c, hello, w.now());
      std::size_t accepted = 0;
      BOOST_TEST(w.run_until([&] {
        while (w.b().accept(lid))
          ++accepted;
        return accepted == clients.size();
      }));
      for (const ConnId c : clients) {
        BOOST_TEST((w.a().tcb(c).state() == tcp::State::established));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(syn_with_fin_or_rst_is_dropped_and_counted) {
  World w;
  ListenerId lid = 0;
  BOOST_REQUIRE(!w.b().listen(tcp::Endpoint{{}, 80}, 8, false, lid));
  for (const std::uint8_t extra : {wire::tcp_flag::fin, wire::tcp_flag::rst}) {
    wire::TcpRepr syn;
    syn.src_port = 40000;
    syn.dst_port = 80;
    syn.seq = wire::SeqNum(1000);
    syn.flags = wire::tcp_flag::syn | extra;
    syn.window = 1000;
    w.link().transmit(sim::LinkEnd::a,
                      tcp_frame(w.b().interface().config().mac, kAddrA, kAddrB, syn), w.now());
  }
  w.run_for(10ms);
  BOOST_TEST(w.b().counters().dropped_bad_flags == 2u);
  BOOST_TEST(w.b().connections() == 0u);
  BOOST_TEST(w.link().counters(sim::LinkEnd::b).sent == 0u);
}

BOOST_AUTO_TEST_CASE(closing_a_listener_resets_unaccepted_connections) {
  World w;
  ListenerId lid = 0;
  BOOST_REQUIRE(!w.b().listen(tcp::Endpoint{{}, 80}, 8, false, lid));
  ConnId c = kNoConn;
  BOOST_REQUIRE(!w.a().connect(tcp::Endpoint{kAddrB, 80}, {}, w.now(), c));
  BOOST_REQUIRE(w.run_until([&] { return w.b().accept_queue_size(lid) == 1; }));
  w.b().close_listener(lid, w.now());
  BOOST_TEST(w.run_until([&] { return w.a().tcb(c).state() == tcp::State::closed; }));
  BOOST_TEST(w.a().tcb(c).error() == ECONNRESET);
  BOOST_TEST(w.b().connections() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
