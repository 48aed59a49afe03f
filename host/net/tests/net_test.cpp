// SPDX-License-Identifier: Apache-2.0
// The network layer end to end: two Interfaces on two soft NICs on the seeded
// link model, on virtual time. Each behaviour runs twice where checksums matter:
// with the NIC's offloads, and through a device that offers none (so that the
// software fallback is what is tested). Every test ends with queues empty and
// only the timers it expects.
#define BOOST_TEST_MODULE net
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <vector>

#include "host/net/interface.hpp"
#include "host/wire/arp.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/icmp.hpp"
#include "host/wire/ipv4.hpp"
#include "host/wire/tcp.hpp"
#include "host/wire/udp.hpp"
#include "sim/soft/soft_device.hpp"

namespace {

using namespace std::chrono_literals;
using namespace tandem;
using namespace tandem::wire;
using net::Interface;
using net::InterfaceConfig;
using net::UdpEndpoint;
namespace c = tandem::contract;
namespace bdata = boost::unit_test::data;

using Bytes = std::vector<std::byte>;

const MacAddress kMacA{{0x02, 0, 0, 0, 0, 0x0a}};
const MacAddress kMacB{{0x02, 0, 0, 0, 0, 0x0b}};
const Ipv4Address kIpA = Ipv4Address::from_octets(10, 1, 0, 1);
const Ipv4Address kIpB = Ipv4Address::from_octets(10, 1, 0, 2);
const Ipv4Address kNobody = Ipv4Address::from_octets(10, 1, 0, 99);

enum class Offload { nic, software };
std::ostream& operator<<(std::ostream& os, Offload o) {
  return os << (o == Offload::nic ? "nic" : "software");
}
const auto kBothModes = bdata::make({Offload::nic, Offload::software});

Bytes random_bytes(std::mt19937& rng, std::size_t n) {
  Bytes v(n);
  for (auto& x : v)
    x = static_cast<std::byte>(rng() & 0xff);
  return v;
}

// A device in front of a soft NIC. In software mode it offers no offloads and
// wipes the NIC's checksum verdicts, as a NIC without them would; it checks that
// nobody asks it to fill a checksum. It also keeps what it received.
class TestDevice final : public dev::Device {
 public:
  TestDevice(dev::Device& inner, Offload mode) : inner_(inner), mode_(mode) {
    caps_ = inner.capabilities();
    if (mode == Offload::software) {
      caps_.tx_ipv4_checksum = caps_.tx_l4_checksum = caps_.rx_checksum = false;
    }
  }
  const dev::Capabilities& capabilities() const override { return caps_; }
  dev::TxStatus send_frame(std::uint16_t queue, dev::ByteSpan frame, std::uint8_t flags) override {
    if (mode_ == Offload::software) BOOST_TEST(flags == 0);
    return inner_.send_frame(queue, frame, flags);
  }
  dev::TxStatus send_tso(std::uint16_t queue, dev::ByteSpan header,
                         std::span<const dev::ByteSpan> payload, std::uint16_t mss) override {
    return inner_.send_tso(queue, header, payload, mss);
  }
  std::size_t receive(std::uint16_t queue, std::size_t budget, dev::RxSink& sink) override {
    Tap tap{*this, sink};
    return inner_.receive(queue, budget, tap);
  }
  bool submit_flow_command(const dev::FlowCommand& command) override {
    return inner_.submit_flow_command(command);
  }
  std::size_t poll_flow_completions(std::span<dev::FlowCompletion> out) override {
    return inner_.poll_flow_completions(out);
  }
  void advance(Instant now) override { inner_.advance(now); }
  std::optional<Instant> next_event() const override { return inner_.next_event(); }
  const dev::DeviceCounters& counters() const override { return inner_.counters(); }

  std::vector<Bytes> received;

 private:
  struct Tap final : dev::RxSink {
    Tap(TestDevice& d, dev::RxSink& s) : dev(d), sink(s) {}
    void on_receive(const c::RxMeta& meta, dev::ByteSpan frame) override {
      c::RxMeta m = meta;
      if (dev.mode_ == Offload::software) {
        m.l3_checksum = m.l4_checksum = c::ChecksumStatus::not_checked;
      }
      dev.received.emplace_back(frame.begin(), frame.end());
      sink.on_receive(m, frame);
    }
    TestDevice& dev;
    dev::RxSink& sink;
  };
  dev::Device& inner_;
  Offload mode_;
  dev::Capabilities caps_;
};

InterfaceConfig config_a() {
  InterfaceConfig c;
  c.mac = kMacA;
  c.address = kIpA;
  return c;
}
InterfaceConfig config_b() {
  InterfaceConfig c;
  c.mac = kMacB;
  c.address = kIpB;
  return c;
}

sim::SoftDeviceConfig soft_config() {
  sim::SoftDeviceConfig c;
  c.nic.mtu = 1500;
  return c;
}

// A and B, each an Interface on a soft NIC, on one link.
struct Net {
  explicit Net(Offload mode = Offload::nic, const sim::LinkConfig& link_config = {},
               const InterfaceConfig& ca = config_a(), const InterfaceConfig& cb = config_b())
      : link(link_config),
        soft_a(link, sim::LinkEnd::a, soft_config()),
        soft_b(link, sim::LinkEnd::b, soft_config()),
        dev_a(soft_a, mode),
        dev_b(soft_b, mode),
        a(dev_a, ca),
        b(dev_b, cb) {}

  // Runs both interfaces and the link on virtual time up to `end`.
  void run_until(Instant end) {
    for (int guard = 0;; ++guard) {
      BOOST_TEST_REQUIRE(guard < 1'000'000);
      a.poll(now);
      b.poll(now);
      std::optional<Instant> next;
      for (const auto t : {a.poll_at(), b.poll_at(), link.next_delivery()}) {
        if (t && (!next || *t < *next)) next = t;
      }
      if (!next || *next > end) break;
      now = std::max(now, *next);
      soft_a.advance(now);
      soft_b.advance(now);
    }
    now = end;
    soft_a.advance(now);
    soft_b.advance(now);
    a.poll(now);
    b.poll(now);
  }
  void run_for(Duration d) { run_until(now + d); }

  // Nothing in flight or queued anywhere; only the timers the test expects.
  void expect_idle(std::size_t timers_a, std::size_t timers_b) {
    BOOST_TEST(link.in_flight() == 0u);
    BOOST_TEST(a.tx_queued() == 0u);
    BOOST_TEST(b.tx_queued() == 0u);
    BOOST_TEST(a.arp_cache().waiting_frames() == 0u);
    BOOST_TEST(b.arp_cache().waiting_frames() == 0u);
    BOOST_TEST(a.timers().size() == timers_a);
    BOOST_TEST(b.timers().size() == timers_b);
    BOOST_TEST(a.arp_cache().size() == timers_a);  // one timer per ARP entry
    BOOST_TEST(b.arp_cache().size() == timers_b);
  }

  sim::Link link;
  sim::SoftDevice soft_a, soft_b;
  TestDevice dev_a, dev_b;
  Interface a, b;
  Instant now{};
};

struct Datagram {
  UdpEndpoint from;
  std::uint16_t port;
  Bytes payload;
};

class UdpSink final : public net::UdpHandler {
 public:
  void on_datagram(UdpEndpoint from, std::uint16_t port, ByteSpan payload) override {
    got.push_back({from, port, Bytes(payload.begin(), payload.end())});
  }
  std::vector<Datagram> got;
};

// Sends every datagram back whence it came.
class UdpEcho final : public net::UdpHandler {
 public:
  explicit UdpEcho(Interface& iface) : iface_(iface) {}
  void on_datagram(UdpEndpoint from, std::uint16_t port, ByteSpan payload) override {
    BOOST_TEST(!iface_.send_udp(port, from, payload));
  }

 private:
  Interface& iface_;
};

struct EchoReply {
  Ipv4Address from;
  std::uint16_t ident, seq;
  Bytes data;
};
class PingSink final : public net::EchoReplyHandler {
 public:
  void on_echo_reply(Ipv4Address from, std::uint16_t ident, std::uint16_t seq,
                     ByteSpan data) override {
    got.push_back({from, ident, seq, Bytes(data.begin(), data.end())});
  }
  std::vector<EchoReply> got;
};

// An IPv4 frame A -> B built by hand (checksums in software), for what the
// Interface itself would never send.
struct RawIpv4 {
  Ipv4Repr ip{.src = kIpA, .dst = kIpB, .protocol = static_cast<std::uint8_t>(IpProtocol::udp)};
  std::uint16_t frag_field = 0x4000;  // flags and offset, written over emit()'s DF
  Bytes l4;

  Bytes frame() const {
    Ipv4Repr r = ip;
    r.payload_len = static_cast<std::uint16_t>(l4.size());
    Bytes f(kEthernetHeaderLen + r.total_len());
    EthernetRepr{kMacB, kMacA, static_cast<std::uint16_t>(EtherType::ipv4)}.emit(f);
    const auto l3 = std::span(f).subspan(kEthernetHeaderLen);
    std::copy(l4.begin(), l4.end(), l3.begin() + static_cast<long>(r.header_len()));
    r.emit(l3, ChecksumMode::software);
    store_be16(l3, 6, frag_field);
    store_be16(l3, 10, 0);
    store_be16(l3, 10, internet_checksum(l3.first(r.header_len())));
    return f;
  }
};

Bytes udp_bytes(std::uint16_t src_port, std::uint16_t dst_port, const Bytes& payload,
                Ipv4Address src = kIpA, Ipv4Address dst = kIpB) {
  Bytes d(kUdpHeaderLen + payload.size());
  std::copy(payload.begin(), payload.end(), d.begin() + kUdpHeaderLen);
  UdpRepr{src_port, dst_port, payload.size()}.emit(d, src, dst, ChecksumMode::software);
  return d;
}

// Resolves A <-> B with one ping, so that a test starts with both caches warm.
void warm_up(Net& n) {
  PingSink ping;
  n.a.set_echo_reply_handler(&ping);
  BOOST_TEST_REQUIRE(!n.a.send_echo_request(kIpB, 1, 1, {}));
  n.run_for(10ms);
  BOOST_TEST_REQUIRE(ping.got.size() == 1u);
  n.a.set_echo_reply_handler(nullptr);
}

struct IcmpSeen {
  IcmpRepr icmp;
  Bytes payload;
};
std::vector<IcmpSeen> icmp_in(const std::vector<Bytes>& frames) {
  std::vector<IcmpSeen> out;
  for (const auto& f : frames) {
    const auto eth = EthernetFrame::new_checked(f);
    if (!eth || eth->ethertype() != static_cast<std::uint16_t>(EtherType::ipv4)) continue;
    const auto ip = Ipv4Packet::new_checked(eth->payload());
    if (!ip || ip->protocol() != static_cast<std::uint8_t>(IpProtocol::icmp)) continue;
    const auto p = IcmpPacket::new_checked(ip->payload());
    BOOST_TEST_REQUIRE(p.ok());
    const auto r = IcmpRepr::parse(*p, ChecksumMode::software);
    BOOST_TEST_REQUIRE(r.ok());
    out.push_back({*r, Bytes(p->payload().begin(), p->payload().end())});
  }
  return out;
}

// The IPv4 datagram inside each received frame (Ethernet padding excluded).
std::vector<Bytes> ipv4_in(const std::vector<Bytes>& frames) {
  std::vector<Bytes> out;
  for (const auto& f : frames) {
    const auto eth = EthernetFrame::new_checked(f);
    if (!eth || eth->ethertype() != static_cast<std::uint16_t>(EtherType::ipv4)) continue;
    const auto ip = Ipv4Packet::new_checked(eth->payload());
    if (ip) out.emplace_back(ip->bytes().begin(), ip->bytes().end());
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(icmp_echo)

BOOST_DATA_TEST_CASE(ping_resolves_then_echoes, kBothModes, mode) {
  Net n(mode);
  PingSink ping;
  n.a.set_echo_reply_handler(&ping);
  std::mt19937 rng(11);
  const Bytes data = random_bytes(rng, 56);
  BOOST_TEST(!n.a.send_echo_request(kIpB, 0x1234, 7, data));
  n.run_for(10ms);
  BOOST_TEST_REQUIRE(ping.got.size() == 1u);
  BOOST_TEST((ping.got[0].from == kIpB));
  BOOST_TEST(ping.got[0].ident == 0x1234);
  BOOST_TEST(ping.got[0].seq == 7);
  BOOST_TEST((ping.got[0].data == data));
  // One broadcast request from A; B learned A from it (RFC 826: it was the
  // target) and so replied to the echo without asking.
  BOOST_TEST(n.a.counters().arp.tx_requests == 1u);
  BOOST_TEST(n.b.counters().arp.tx_replies == 1u);
  BOOST_TEST(n.b.counters().arp.entries_learned == 1u);
  BOOST_TEST(n.b.counters().arp.tx_requests == 0u);
  BOOST_TEST(n.b.counters().icmp.in_echos == 1u);
  BOOST_TEST(n.b.counters().icmp.out_echo_replies == 1u);
  BOOST_TEST(n.a.counters().icmp.in_echo_replies == 1u);
  n.expect_idle(1, 1);
}

BOOST_AUTO_TEST_CASE(broadcast_echo_is_ignored) {
  Net n;
  BOOST_TEST(!n.a.send_echo_request(Ipv4Address::from_octets(10, 1, 0, 255), 1, 1, {}));
  n.run_for(10ms);
  BOOST_TEST(n.b.counters().icmp.in_broadcast_echos_ignored == 1u);
  BOOST_TEST(n.b.counters().icmp.out_echo_replies == 0u);
  n.expect_idle(0, 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(arp)

BOOST_AUTO_TEST_CASE(cache_ages_and_refreshes_entries_in_use) {
  Net n;
  PingSink ping;
  n.a.set_echo_reply_handler(&ping);
  // Pings every 10 s: the entry is in use when its refresh point (57 s) comes, so
  // A asks again, unicast, and B's answer keeps it.
  for (int i = 0; i < 7; ++i) {
    BOOST_TEST(!n.a.send_echo_request(kIpB, 1, static_cast<std::uint16_t>(i), {}));
    n.run_for(10s);
  }
  BOOST_TEST(ping.got.size() == 7u);
  BOOST_TEST(n.a.counters().arp.tx_requests == 2u);
  BOOST_TEST(n.a.counters().arp.refreshes == 1u);
  BOOST_TEST(n.a.counters().arp.entries_expired == 0u);
  BOOST_TEST((n.a.arp_cache().state(kIpB) == net::ArpCache::State::reachable));
  // The ping at 60 s used the entry confirmed at 57 s, so it is refreshed once
  // more at 114 s; then, idle, it dies at reachable_time without a word sent.
  n.run_for(120s);
  BOOST_TEST(n.a.counters().arp.tx_requests == 3u);
  BOOST_TEST(n.a.counters().arp.refreshes == 2u);
  BOOST_TEST(n.a.counters().arp.entries_expired == 1u);
  BOOST_TEST(!n.a.arp_cache().state(kIpB).has_value());
  // The next ping resolves from scratch.
  BOOST_TEST(!n.a.send_echo_request(kIpB, 1, 99, {}));
  n.run_for(10ms);
  BOOST_TEST(ping.got.size() == 8u);
  BOOST_TEST(n.a.counters().arp.tx_requests == 4u);
  n.expect_idle(1, 1);
}

BOOST_AUTO_TEST_CASE(unanswered_refresh_expires_the_entry) {
  Net n;
  warm_up(n);
  // B falls silent: everything it would send is lost.
  sim::Impairment silent;
  silent.loss = 1.0;
  n.link.set_impairment(sim::LinkEnd::b, silent);
  UdpSink sink;
  BOOST_TEST(!n.b.bind_udp(9, sink));
  for (int i = 0; i < 6; ++i) {
    BOOST_TEST(!n.a.send_udp(5000, {kIpB, 9}, {}));
    n.run_for(10s);
  }
  // Refresh at 57 s: three unicast requests, then gone at 60 s.
  BOOST_TEST(n.a.counters().arp.refreshes == 1u);
  BOOST_TEST(n.a.counters().arp.tx_requests == 4u);
  BOOST_TEST(n.a.counters().arp.entries_expired == 1u);
  BOOST_TEST(!n.a.arp_cache().state(kIpB).has_value());
  n.run_for(120s);
  n.expect_idle(0, 0);
}

BOOST_AUTO_TEST_CASE(frames_wait_for_resolution_up_to_the_bound) {
  sim::LinkConfig lc;
  lc.a_to_b.delay = lc.b_to_a.delay = 5ms;
  Net n(Offload::nic, lc);
  UdpSink sink;
  BOOST_TEST(!n.b.bind_udp(9, sink));
  for (std::uint8_t i = 0; i < 11; ++i) {
    BOOST_TEST(!n.a.send_udp(5000, {kIpB, 9}, Bytes{std::byte{i}}));
  }
  BOOST_TEST(n.a.arp_cache().waiting_frames() == 8u);
  BOOST_TEST(n.a.counters().arp.queue_overflow == 3u);
  n.run_for(50ms);
  // The oldest three were dropped; the rest left in order once B answered.
  BOOST_TEST_REQUIRE(sink.got.size() == 8u);
  for (std::size_t i = 0; i < 8; ++i)
    BOOST_TEST((sink.got[i].payload == Bytes{std::byte(i + 3)}));
  BOOST_TEST(n.a.counters().arp.tx_requests == 1u);
  n.expect_idle(1, 1);
}

BOOST_AUTO_TEST_CASE(unresolvable_host_is_dropped_after_retries) {
  Net n;
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(!n.a.send_udp(5000, {kNobody, 9}, Bytes(10)));
  n.run_for(2500ms);
  BOOST_TEST(n.a.counters().arp.tx_requests == 3u);  // at 0, 1 and 2 s
  BOOST_TEST(n.a.counters().arp.resolution_failures == 0u);
  BOOST_TEST(n.a.arp_cache().waiting_frames() == 5u);
  n.run_for(500ms);
  BOOST_TEST(n.a.counters().arp.tx_requests == 3u);
  BOOST_TEST(n.a.counters().arp.resolution_failures == 1u);
  BOOST_TEST(n.a.counters().arp.host_unreachable == 5u);
  // B heard three requests for someone else, and learned nothing from them.
  BOOST_TEST(n.b.counters().arp.rx_requests == 3u);
  BOOST_TEST(n.b.counters().arp.tx_replies == 0u);
  n.expect_idle(0, 0);
}

// RFC 826's merge step: any ARP packet from a sender we know updates its MAC,
// even when it is addressed to someone else; one from a stranger to someone else
// teaches nothing.
BOOST_AUTO_TEST_CASE(merge_updates_known_senders_only) {
  Net n;
  warm_up(n);
  const MacAddress moved{{0x02, 0, 0, 0, 0, 0x77}};
  auto inject = [&](Ipv4Address sender, const MacAddress& mac, Ipv4Address target) {
    Bytes f(60);
    EthernetRepr{MacAddress::broadcast(), mac, static_cast<std::uint16_t>(EtherType::arp)}.emit(f);
    ArpRepr{ArpOperation::request, mac, sender, MacAddress{}, target}.emit(
        std::span(f).subspan(kEthernetHeaderLen));
    BOOST_TEST((n.soft_b.send_frame(0, f, 0) == c::TxStatus::ok));
  };
  const auto updated = n.a.counters().arp.entries_updated;  // the warm-up's reply
  inject(kIpB, moved, Ipv4Address::from_octets(10, 1, 0, 77));
  inject(Ipv4Address::from_octets(10, 1, 0, 66), moved, Ipv4Address::from_octets(10, 1, 0, 77));
  n.run_for(1ms);
  BOOST_TEST(n.a.counters().arp.entries_updated == updated + 1);
  BOOST_TEST(n.a.arp_cache().size() == 1u);
  // A now sends to the new MAC, which B's interface does not answer to.
  BOOST_TEST(!n.a.send_udp(5000, {kIpB, 9}, {}));
  n.run_for(1ms);
  BOOST_TEST(n.b.counters().link.rx_not_for_us == 1u);
  n.expect_idle(1, 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(udp)

// Seeded 10% loss each way; random payloads of 0..1472 bytes echoed both ways.
// Every datagram that arrives must be byte-exact; how many arrive is pinned.
BOOST_DATA_TEST_CASE(echo_both_ways_under_loss, kBothModes, mode) {
  sim::LinkConfig lc;
  lc.seed = 42;
  lc.a_to_b.loss = lc.b_to_a.loss = 0.10;
  lc.a_to_b.delay = lc.b_to_a.delay = 50us;
  Net n(mode, lc);
  UdpEcho echo_a(n.a), echo_b(n.b);
  UdpSink back_a, back_b;
  BOOST_TEST(!n.a.bind_udp(7, echo_a));
  BOOST_TEST(!n.b.bind_udp(7, echo_b));
  BOOST_TEST(!n.a.bind_udp(5000, back_a));
  BOOST_TEST(!n.b.bind_udp(5000, back_b));
  BOOST_TEST(n.a.max_udp_payload() == 1472u);
  std::mt19937 rng(5);
  constexpr int kCount = 200;
  std::map<Bytes, int> sent_a, sent_b;
  for (int i = 0; i < kCount; ++i) {
    // A 2-byte sequence number first, so that payloads are distinct (but not
    // for sizes 0 and 1, whose echoes are counted all the same).
    auto payload_for = [&](int seq) {
      Bytes p = random_bytes(rng, rng() % 1473);
      if (p.size() >= 2) {
        p[0] = std::byte(seq >> 8);
        p[1] = std::byte(seq & 0xff);
      }
      return p;
    };
    const Bytes pa = payload_for(i), pb = payload_for(i);
    ++sent_a[pa];
    ++sent_b[pb];
    BOOST_TEST(!n.a.send_udp(5000, {kIpB, 7}, pa));
    BOOST_TEST(!n.b.send_udp(5000, {kIpA, 7}, pb));
    n.run_for(1ms);
  }
  n.run_for(5s);
  auto check = [](const std::vector<Datagram>& got, std::map<Bytes, int> sent, Ipv4Address peer) {
    for (const auto& d : got) {
      BOOST_TEST((d.from == UdpEndpoint{peer, 7}));
      const auto it = sent.find(d.payload);
      BOOST_TEST_REQUIRE((it != sent.end() && it->second > 0));
      --it->second;
    }
  };
  check(back_a.got, sent_a, kIpB);
  check(back_b.got, sent_b, kIpA);
  // The seed pins the link's choices, so these counts must not move. About
  // 0.9^2 of each direction's round trips arrive (ARP was retried if lost).
  BOOST_TEST_MESSAGE("echoes back at A: " << back_a.got.size() << ", at B: " << back_b.got.size());
  BOOST_TEST(back_a.got.size() == 174u);
  BOOST_TEST(back_b.got.size() == 161u);
  n.expect_idle(1, 1);
}

BOOST_AUTO_TEST_CASE(api_misuse_gets_an_errno) {
  Net n;
  UdpSink sink;
  BOOST_TEST((n.a.bind_udp(0, sink) == std::errc::invalid_argument));
  BOOST_TEST(!n.a.bind_udp(53, sink));
  BOOST_TEST((n.a.bind_udp(53, sink) == std::errc::address_in_use));
  BOOST_TEST(!n.a.unbind_udp(53));
  BOOST_TEST((n.a.unbind_udp(53) == std::errc::invalid_argument));
  BOOST_TEST((n.a.send_udp(5000, {kIpB, 9}, Bytes(1473)) == std::errc::message_size));
  BOOST_TEST((n.a.send_udp(0, {kIpB, 9}, {}) == std::errc::invalid_argument));
  BOOST_TEST((n.a.send_udp(5000, {kIpA, 9}, {}) == std::errc::invalid_argument));
  BOOST_TEST((n.a.send_udp(5000, {Ipv4Address::from_octets(8, 8, 8, 8), 9}, {}) ==
              std::errc::network_unreachable));
  BOOST_TEST(n.a.counters().ip.out_no_routes == 1u);
  struct Nop final : net::Ipv4ProtocolHandler {
    void on_ipv4(const net::Ipv4Input&) override {}
  } nop;
  BOOST_TEST((n.a.register_protocol(17, nop) == std::errc::invalid_argument));
  BOOST_TEST(!n.a.register_protocol(6, nop));
  BOOST_TEST((n.a.register_protocol(6, nop) == std::errc::address_in_use));
  InterfaceConfig bad = config_a();
  bad.gateway = Ipv4Address::from_octets(10, 9, 0, 1);
  sim::Link link({});
  sim::SoftDevice dev(link, sim::LinkEnd::a, soft_config());
  BOOST_CHECK_THROW(Interface(dev, bad), std::invalid_argument);
  n.expect_idle(0, 0);
}

// Off-link destinations go to the gateway's MAC; B is the gateway here, and as a
// host it drops what is not for it.
BOOST_AUTO_TEST_CASE(off_link_traffic_goes_via_the_gateway) {
  InterfaceConfig ca = config_a();
  ca.gateway = kIpB;
  Net n(Offload::nic, {}, ca);
  BOOST_TEST(!n.a.send_udp(5000, {Ipv4Address::from_octets(192, 0, 2, 1), 9}, {}));
  n.run_for(10ms);
  BOOST_TEST(n.b.counters().arp.tx_replies == 1u);
  BOOST_TEST(n.b.counters().ip.in_addr_errors == 1u);
  n.expect_idle(1, 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(icmp_errors)

BOOST_DATA_TEST_CASE(port_unreachable_quotes_the_datagram, kBothModes, mode) {
  Net n(mode);
  warm_up(n);
  std::mt19937 rng(3);
  for (const std::size_t size : {20u, 1000u}) {
    n.dev_a.received.clear();
    n.dev_b.received.clear();
    BOOST_TEST(!n.a.send_udp(5000, {kIpB, 4444}, random_bytes(rng, size)));
    n.run_for(10ms);
    const auto at_b = ipv4_in(n.dev_b.received);
    const auto errors = icmp_in(n.dev_a.received);
    BOOST_TEST_REQUIRE(at_b.size() == 1u);
    BOOST_TEST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(errors[0].icmp.type == 3);
    BOOST_TEST(errors[0].icmp.code == 3);
    BOOST_TEST(errors[0].icmp.rest_of_header == 0u);
    // As much of the datagram as keeps the error within 576 bytes.
    const std::size_t quoted = std::min<std::size_t>(at_b[0].size(), 576 - 20 - 8);
    BOOST_TEST(errors[0].payload.size() == quoted);
    BOOST_TEST(std::equal(errors[0].payload.begin(), errors[0].payload.end(), at_b[0].begin()));
  }
  BOOST_TEST(n.b.counters().udp.no_ports == 2u);
  BOOST_TEST(n.b.counters().icmp.out_dest_unreachs == 2u);
  BOOST_TEST(n.a.counters().icmp.in_dest_unreachs == 2u);
  n.expect_idle(1, 1);
}

BOOST_AUTO_TEST_CASE(port_unreachable_is_rate_limited) {
  InterfaceConfig cb = config_b();
  cb.icmp_errors_per_second = 100;
  cb.icmp_error_burst = 5;
  Net n(Offload::nic, {}, config_a(), cb);
  warm_up(n);
  n.run_for(1s);
  auto burst = [&] {
    for (int i = 0; i < 50; ++i)
      BOOST_TEST(!n.a.send_udp(5000, {kIpB, 4444}, {}));
    n.run_for(1ms);
  };
  burst();  // a full bucket: 5 go out
  BOOST_TEST(n.b.counters().icmp.out_dest_unreachs == 5u);
  BOOST_TEST(n.b.counters().icmp.out_rate_limited == 45u);
  n.run_for(29ms);  // 30 ms at 100/s: 3 tokens back
  burst();
  BOOST_TEST(n.b.counters().icmp.out_dest_unreachs == 8u);
  n.run_for(1s);  // the bucket holds no more than its burst
  burst();
  BOOST_TEST(n.b.counters().icmp.out_dest_unreachs == 13u);
  BOOST_TEST(n.a.counters().icmp.in_dest_unreachs == 13u);
  BOOST_TEST(n.b.counters().udp.no_ports == 150u);
  n.expect_idle(1, 1);
}

BOOST_AUTO_TEST_CASE(no_error_for_broadcast_and_protocol_unreachable_otherwise) {
  Net n;
  warm_up(n);
  BOOST_TEST(!n.a.send_udp(5000, {Ipv4Address{0xffffffffu}, 4444}, Bytes(8)));
  n.run_for(1ms);
  BOOST_TEST(n.b.counters().udp.no_ports == 1u);
  BOOST_TEST(n.b.counters().icmp.out_dest_unreachs == 0u);
  RawIpv4 raw;
  raw.ip.protocol = 99;
  raw.l4 = Bytes(12);
  BOOST_TEST((n.soft_a.send_frame(0, raw.frame(), 0) == c::TxStatus::ok));
  n.run_for(1ms);
  BOOST_TEST(n.b.counters().ip.in_unknown_protos == 1u);
  const auto errors = icmp_in(n.dev_a.received);
  BOOST_TEST_REQUIRE(errors.size() == 2u);  // the warm-up's echo reply, then this
  BOOST_TEST(errors[1].icmp.type == 3);
  BOOST_TEST(errors[1].icmp.code == 2);
  n.expect_idle(1, 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ipv4_input)

BOOST_AUTO_TEST_CASE(fragments_are_dropped_and_counted) {
  Net n;
  warm_up(n);
  UdpSink sink;
  BOOST_TEST(!n.b.bind_udp(9, sink));
  RawIpv4 first;
  first.l4 = udp_bytes(5000, 9, Bytes(32));
  first.frag_field = 0x2000;  // MF, offset 0
  RawIpv4 later;
  later.l4 = Bytes(32);
  later.frag_field = 4;  // offset 32 bytes, last fragment
  BOOST_TEST((n.soft_a.send_frame(0, first.frame(), 0) == c::TxStatus::ok));
  BOOST_TEST((n.soft_a.send_frame(0, later.frame(), 0) == c::TxStatus::ok));
  const auto sent_by_b = n.soft_b.counters().tx_frames;
  n.run_for(1ms);
  BOOST_TEST(n.b.counters().ip.in_fragments_dropped == 2u);
  BOOST_TEST(sink.got.empty());
  BOOST_TEST(n.soft_b.counters().tx_frames == sent_by_b);  // and no ICMP about them
  n.expect_idle(1, 1);
}

BOOST_DATA_TEST_CASE(malformed_headers_are_dropped_and_counted, kBothModes, mode) {
  Net n(mode);
  warm_up(n);
  UdpSink sink;
  BOOST_TEST(!n.b.bind_udp(9, sink));
  auto send = [&](Bytes f) { BOOST_TEST((n.soft_a.send_frame(0, f, 0) == c::TxStatus::ok)); };
  RawIpv4 good;
  good.l4 = udp_bytes(5000, 9, Bytes(16));
  {
    Bytes f = good.frame();
    f[kEthernetHeaderLen] = std::byte{0x65};  // version 6
    send(f);
    f[kEthernetHeaderLen] = std::byte{0x44};  // IHL 4
    send(f);
  }
  {
    Bytes f = good.frame();
    f.resize(f.size() - 4);  // total length past the frame
    send(f);
  }
  {
    Bytes f = good.frame();
    f[kEthernetHeaderLen + 8] ^= std::byte{1};  // TTL: the header checksum fails
    send(f);
  }
  {
    Bytes f = good.frame();
    f[f.size() - 1] ^= std::byte{1};  // payload: the UDP checksum fails
    send(f);
  }
  {
    RawIpv4 other = good;
    other.ip.dst = Ipv4Address::from_octets(10, 1, 0, 3);
    other.l4 = udp_bytes(5000, 9, Bytes(16), kIpA, other.ip.dst);
    send(other.frame());
    RawIpv4 spoofed = good;
    spoofed.ip.src = Ipv4Address{0xffffffffu};
    spoofed.l4 = udp_bytes(5000, 9, Bytes(16), spoofed.ip.src, kIpB);
    send(spoofed.frame());
  }
  send(good.frame());
  n.run_for(1ms);
  const auto& ip = n.b.counters().ip;
  BOOST_TEST(ip.in_hdr_errors == 2u);
  BOOST_TEST(ip.in_truncated == 1u);
  BOOST_TEST(ip.in_csum_errors == 1u);
  BOOST_TEST(ip.in_addr_errors == 1u);
  BOOST_TEST(ip.in_bad_source == 1u);
  BOOST_TEST(n.b.counters().udp.in_csum_errors == 1u);
  BOOST_TEST(sink.got.size() == 1u);
  n.expect_idle(1, 1);
}

// Every frame corrupted by one random bit: whatever is dropped is counted, and
// whatever is delivered is byte-exact.
BOOST_DATA_TEST_CASE(corrupted_frames_are_counted_never_delivered, kBothModes, mode) {
  sim::LinkConfig lc;
  lc.seed = 9;
  Net n(mode, lc);
  warm_up(n);
  UdpSink sink;
  BOOST_TEST(!n.b.bind_udp(9, sink));
  sim::Impairment corrupt;
  corrupt.corrupt = 1.0;
  n.link.set_impairment(sim::LinkEnd::a, corrupt);
  const auto frames_before = n.b.counters().link.rx_frames;
  const auto delivered_before = n.b.counters().ip.in_delivers;
  std::mt19937 rng(13);
  std::map<Bytes, int> sent;
  constexpr int kCount = 300;
  for (int i = 0; i < kCount; ++i) {
    Bytes p = random_bytes(rng, 20 + rng() % 1000);
    ++sent[p];
    BOOST_TEST(!n.a.send_udp(5000, {kIpB, 9}, p));
    n.run_for(100us);
  }
  n.run_for(10ms);
  for (const auto& d : sink.got) {
    const auto it = sent.find(d.payload);
    BOOST_TEST_REQUIRE((it != sent.end() && it->second > 0));
    --it->second;
  }
  const auto& cn = n.b.counters();
  BOOST_TEST(cn.link.rx_frames - frames_before == static_cast<std::uint64_t>(kCount));
  const std::uint64_t dropped =
      cn.link.rx_truncated + cn.link.rx_not_for_us + cn.link.rx_unknown_ethertype +
      cn.ip.in_truncated + cn.ip.in_hdr_errors + cn.ip.in_csum_errors + cn.ip.in_fragments_dropped +
      cn.ip.in_bad_source + cn.ip.in_addr_errors;
  const std::uint64_t ip_delivered = cn.ip.in_delivers - delivered_before;
  BOOST_TEST(dropped + ip_delivered == static_cast<std::uint64_t>(kCount));
  BOOST_TEST(ip_delivered == sink.got.size() + cn.udp.in_errors + cn.udp.no_ports +
                                 cn.icmp.in_msgs - 1u);  // the warm-up's echo request
  BOOST_TEST(cn.ip.in_csum_errors > 0u);
  BOOST_TEST(cn.udp.in_csum_errors > 0u);
  BOOST_TEST(sink.got.size() < static_cast<std::size_t>(kCount) / 10);
  BOOST_TEST_MESSAGE("delivered despite a flipped bit (Ethernet source, say): " << sink.got.size());
  n.run_for(5s);  // port unreachables to A, if a flip made a closed port
  n.expect_idle(1, 1);
}

// The hook for TCP: a registered handler receives the segment with the NIC's
// metadata and the checksum mode to parse it with.
BOOST_DATA_TEST_CASE(registered_protocol_receives_segments_with_meta, kBothModes, mode) {
  Net n(mode);
  warm_up(n);
  struct Catch final : net::Ipv4ProtocolHandler {
    void on_ipv4(const net::Ipv4Input& in) override {
      const auto p = TcpPacket::new_checked(in.l4);
      BOOST_TEST_REQUIRE(p.ok());
      const auto tcp = TcpRepr::parse(*p, in.ip.src, in.ip.dst, in.l4_checksum);
      BOOST_TEST_REQUIRE(tcp.ok());
      got.push_back(*tcp);
      modes.push_back(in.l4_checksum);
      conn_ids.push_back(in.meta.conn_id);
    }
    std::vector<TcpRepr> got;
    std::vector<ChecksumMode> modes;
    std::vector<c::ConnectionId> conn_ids;
  } tcp_in;
  BOOST_TEST(!n.b.register_protocol(6, tcp_in));
  TcpRepr syn;
  syn.src_port = 40000;
  syn.dst_port = 80;
  syn.seq = SeqNum(1000);
  syn.flags = tcp_flag::syn;
  syn.window = 65535;
  BOOST_TEST(!n.a.send_ipv4(
      kIpB, 6, syn.header_len(), true,
      [&](std::span<std::byte> l4, ChecksumMode m) { syn.emit(l4, kIpA, kIpB, m); }));
  n.run_for(1ms);
  BOOST_TEST_REQUIRE(tcp_in.got.size() == 1u);
  BOOST_TEST((tcp_in.got[0] == syn));
  BOOST_TEST((tcp_in.modes[0] ==
              (mode == Offload::nic ? ChecksumMode::offloaded : ChecksumMode::software)));
  BOOST_TEST(tcp_in.conn_ids[0] == c::kLookupMiss);
  n.expect_idle(1, 1);
}

BOOST_AUTO_TEST_SUITE_END()
