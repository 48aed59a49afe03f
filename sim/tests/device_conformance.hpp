// SPDX-License-Identifier: Apache-2.0
// The Device conformance cases every backend on the link model passes: two NICs,
// A and B, on one link, driven only through the Device interface, with
// everything they put on the wire checked by host/wire's independent parsers.
// Each case takes a factory for the devices, so the same body runs against the
// soft backend (sim/soft/tests), the Verilator backend and mixed pairs
// (sim/verilator/tests). Include after <boost/test/unit_test.hpp>.
#pragma once

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "host/dev/device.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/ipv4.hpp"
#include "host/wire/tcp.hpp"
#include "host/wire/udp.hpp"
#include "sim/link/link.hpp"

namespace tandem::conformance {

using namespace tandem::wire;
namespace c = tandem::contract;

// What a case may ask of the device beyond the defaults.
struct DeviceOptions {
  std::size_t rx_ring_size = 1024;
};

using DeviceFactory =
    std::function<std::unique_ptr<dev::Device>(sim::Link&, sim::LinkEnd, const DeviceOptions&)>;

inline const MacAddress kMacA{{0x02, 0, 0, 0, 0, 0x0a}};
inline const MacAddress kMacB{{0x02, 0, 0, 0, 0, 0x0b}};
inline const Ipv4Address kIpA = Ipv4Address::from_octets(10, 1, 0, 1);
inline const Ipv4Address kIpB = Ipv4Address::from_octets(10, 1, 0, 2);

struct Received {
  c::RxMeta meta;
  std::vector<std::byte> frame;
  friend bool operator==(const Received&, const Received&) = default;
};

class Collect final : public dev::RxSink {
 public:
  void on_receive(const c::RxMeta& meta, ByteSpan frame) override {
    got.push_back({meta, std::vector<std::byte>(frame.begin(), frame.end())});
  }
  std::vector<Received> got;
};

// Runs virtual time until neither device has anything to do.
inline void settle(dev::Device& a, dev::Device& b) {
  for (;;) {
    auto ta = a.next_event();
    auto tb = b.next_event();
    if (!ta && !tb) return;
    const Instant t = !ta ? *tb : !tb ? *ta : std::min(*ta, *tb);
    a.advance(t);
    b.advance(t);
  }
}

// Everything waiting on every queue of `d`, queue by queue.
inline std::vector<Received> drain(dev::Device& d) {
  Collect sink;
  for (std::uint16_t q = 0; q < d.capabilities().queues; ++q) {
    while (d.receive(q, 64, sink) > 0) {
    }
  }
  return sink.got;
}

// Two NICs, A and B, on one link; A from `make_a`, B from `make_b`.
struct Pair {
  Pair(const DeviceFactory& make_a, const DeviceFactory& make_b,
       const sim::LinkConfig& link_config = {}, const DeviceOptions& options = {})
      : link(link_config),
        a(make_a(link, sim::LinkEnd::a, options)),
        b(make_b(link, sim::LinkEnd::b, options)) {}

  std::vector<Received> deliver_to_b() {
    settle(*a, *b);
    return drain(*b);
  }
  std::vector<Received> deliver_to_a() {
    settle(*a, *b);
    return drain(*a);
  }

  sim::Link link;
  std::unique_ptr<dev::Device> a;
  std::unique_ptr<dev::Device> b;
};

inline std::vector<std::byte> random_bytes(std::mt19937& rng, std::size_t n) {
  std::vector<std::byte> v(n);
  for (auto& x : v)
    x = static_cast<std::byte>(rng() & 0xff);
  return v;
}

// A TCP frame from `src` to `dst` whose checksum fields are left zero for the
// NIC to fill (or filled in software).
inline std::vector<std::byte> tcp_frame(TcpRepr tcp, ByteSpan payload,
                                        ChecksumMode mode = ChecksumMode::offloaded,
                                        bool a_to_b = true) {
  const Ipv4Address src = a_to_b ? kIpA : kIpB;
  const Ipv4Address dst = a_to_b ? kIpB : kIpA;
  tcp.payload_len = payload.size();
  Ipv4Repr ip{.src = src, .dst = dst, .protocol = static_cast<std::uint8_t>(IpProtocol::tcp)};
  ip.payload_len = static_cast<std::uint16_t>(tcp.header_len() + payload.size());
  std::vector<std::byte> frame(kEthernetHeaderLen + ip.total_len());
  const auto l3 = std::span(frame).subspan(kEthernetHeaderLen);
  const auto l4 = l3.subspan(ip.header_len());
  std::copy(payload.begin(), payload.end(), l4.begin() + static_cast<long>(tcp.header_len()));
  EthernetRepr{a_to_b ? kMacB : kMacA, a_to_b ? kMacA : kMacB,
               static_cast<std::uint16_t>(EtherType::ipv4)}
      .emit(frame);
  ip.emit(l3, mode);
  tcp.emit(l4, src, dst, mode);
  return frame;
}

inline TcpRepr data_segment(std::uint32_t seq) {
  TcpRepr tcp;
  tcp.src_port = 40000;
  tcp.dst_port = 80;
  tcp.seq = SeqNum(seq);
  tcp.ack = SeqNum(7);
  tcp.flags = tcp_flag::ack | tcp_flag::psh;
  tcp.window = 512;
  tcp.options.timestamps = TcpTimestamps{100, 200};
  return tcp;
}

// Parses a received frame as host/wire would, checksums in software.
struct ParsedTcp {
  Ipv4Repr ip;
  TcpRepr tcp;
  std::vector<std::byte> payload;
};
inline ParsedTcp parse_tcp(ByteSpan frame) {
  const auto eth = EthernetFrame::new_checked(frame);
  BOOST_TEST_REQUIRE(eth.ok());
  const auto ip_packet = Ipv4Packet::new_checked(eth->payload());
  BOOST_TEST_REQUIRE(ip_packet.ok());
  const auto ip = Ipv4Repr::parse(*ip_packet, ChecksumMode::software);
  BOOST_TEST_REQUIRE(ip.ok());
  const auto tcp_packet = TcpPacket::new_checked(ip_packet->payload());
  BOOST_TEST_REQUIRE(tcp_packet.ok());
  const auto tcp = TcpRepr::parse(*tcp_packet, ip->src, ip->dst, ChecksumMode::software);
  BOOST_TEST_REQUIRE(tcp.ok());
  const auto payload = tcp_packet->payload();
  return {*ip, *tcp, std::vector<std::byte>(payload.begin(), payload.end())};
}

inline c::FlowKey4 key_at_b() {
  // Named from B's side: the remote end is A.
  return c::FlowKey4{kIpA.value, kIpB.value, 40000, 80};
}

// --- transmit ------------------------------------------------------------------

inline void nic_fills_both_checksums_of_a_plain_frame(const DeviceFactory& make) {
  Pair p(make, make);
  std::mt19937 rng(1);
  const auto payload = random_bytes(rng, 333);
  const auto frame = tcp_frame(data_segment(1000), payload);
  const std::uint8_t flags = c::tx_flag::fill_ipv4_checksum | c::tx_flag::fill_l4_checksum;
  BOOST_TEST((p.a->send_frame(0, frame, flags) == c::TxStatus::ok));
  const auto got = p.deliver_to_b();
  BOOST_TEST_REQUIRE(got.size() == 1u);
  const auto parsed = parse_tcp(got[0].frame);  // fails unless both checksums are right
  BOOST_TEST((parsed.payload == payload));
  BOOST_TEST((got[0].meta.parse == c::ParseStatus::ok));
  BOOST_TEST((got[0].meta.l3_checksum == c::ChecksumStatus::good));
  BOOST_TEST((got[0].meta.l4_checksum == c::ChecksumStatus::good));
  BOOST_TEST((got[0].meta.l4 == c::L4Kind::tcp));
  BOOST_TEST(got[0].meta.conn_id == c::kLookupMiss);
  BOOST_TEST(p.link.in_flight() == 0u);
}

inline void tso_job_becomes_mss_sized_segments_with_valid_checksums(const DeviceFactory& make) {
  Pair p(make, make);
  std::mt19937 rng(2);
  const auto payload = random_bytes(rng, 10'000);
  TcpRepr tmpl = data_segment(0xffff'f000);  // wraps during the job
  tmpl.flags = tcp_flag::ack | tcp_flag::psh | tcp_flag::fin;
  const auto header = tcp_frame(tmpl, {});
  const std::uint16_t mss = 1448;
  const std::array<ByteSpan, 2> pieces{ByteSpan(payload).first(4000),
                                       ByteSpan(payload).subspan(4000)};
  BOOST_TEST((p.a->send_tso(0, header, pieces, mss) == c::TxStatus::ok));
  const auto got = p.deliver_to_b();
  BOOST_TEST_REQUIRE(got.size() == (payload.size() + mss - 1) / mss);
  std::vector<std::byte> joined;
  for (std::size_t k = 0; k < got.size(); ++k) {
    const auto seg = parse_tcp(got[k].frame);
    const bool last = k + 1 == got.size();
    BOOST_TEST(seg.tcp.seq == tmpl.seq + static_cast<std::uint32_t>(k * mss));
    BOOST_TEST(seg.tcp.has(tcp_flag::fin) == last);
    BOOST_TEST(seg.tcp.has(tcp_flag::psh) == last);
    BOOST_TEST((seg.tcp.options == tmpl.options));
    BOOST_TEST((got[k].meta.l4_checksum == c::ChecksumStatus::good));
    joined.insert(joined.end(), seg.payload.begin(), seg.payload.end());
  }
  BOOST_TEST((joined == payload));
  BOOST_TEST(p.a->counters().tx_tso_jobs == 1u);
  BOOST_TEST(p.a->counters().tx_frames == got.size());
}

inline void bad_descriptors_are_refused_and_send_nothing(const DeviceFactory& make) {
  Pair p(make, make);
  const auto header = tcp_frame(data_segment(1), {});
  const std::vector<std::byte> payload(100);
  const std::array<ByteSpan, 1> pieces{ByteSpan(payload)};
  BOOST_TEST((p.a->send_tso(0, header, pieces, 0) == c::TxStatus::bad_mss));
  const std::vector<std::byte> too_big(c::kTsoMaxPayload + 1);
  const std::array<ByteSpan, 1> big{ByteSpan(too_big)};
  BOOST_TEST((p.a->send_tso(0, header, big, 1448) == c::TxStatus::payload_too_large));
  const std::vector<std::byte> garbage_header(54, std::byte{0x55});
  BOOST_TEST((p.a->send_tso(0, garbage_header, pieces, 1448) == c::TxStatus::bad_template));
  const std::vector<std::byte> runt(10);
  BOOST_TEST((p.a->send_frame(0, runt, 0) == c::TxStatus::bad_length));
  BOOST_TEST(p.deliver_to_b().empty());
  BOOST_TEST(p.a->counters().tx_refused == 4u);
  // And the NIC is still good for the next job.
  BOOST_TEST((p.a->send_tso(0, header, pieces, 1448) == c::TxStatus::ok));
  BOOST_TEST(p.deliver_to_b().size() == 1u);
}

// --- receive -------------------------------------------------------------------

inline void flow_table_commands_steer_lookups(const DeviceFactory& make) {
  Pair p(make, make);
  const auto frame = tcp_frame(data_segment(5), {}, ChecksumMode::software);
  auto run = [&] {
    p.a->send_frame(0, frame, 0);
    const auto got = p.deliver_to_b();
    BOOST_TEST_REQUIRE(got.size() == 1u);
    return got[0].meta.conn_id;
  };
  BOOST_TEST(run() == c::kLookupMiss);

  auto command = [&](c::FlowOp op, std::uint32_t tag) {
    c::FlowCommand cmd{.op = op, .key = key_at_b(), .conn_id = 42, .tag = tag};
    BOOST_TEST_REQUIRE(p.b->submit_flow_command(cmd));
    std::array<c::FlowCompletion, 4> done{};
    BOOST_TEST_REQUIRE(p.b->poll_flow_completions(done) == 1u);
    BOOST_TEST(done[0].tag == tag);
    return done[0].status;
  };
  BOOST_TEST((command(c::FlowOp::insert, 1) == c::FlowStatus::ok));
  BOOST_TEST(run() == 42u);
  BOOST_TEST((command(c::FlowOp::insert, 2) == c::FlowStatus::exists));
  BOOST_TEST((command(c::FlowOp::remove, 3) == c::FlowStatus::ok));
  BOOST_TEST((command(c::FlowOp::remove, 4) == c::FlowStatus::not_found));
  BOOST_TEST(run() == c::kLookupMiss);
}

inline void corruption_in_the_ip_packet_is_always_flagged(const DeviceFactory& make) {
  sim::LinkConfig lossy;
  lossy.a_to_b.corrupt = 1.0;
  lossy.seed = 9;
  Pair p(make, make, lossy);
  std::mt19937 rng(3);
  unsigned in_packet = 0;
  for (int i = 0; i < 300; ++i) {
    const auto payload = random_bytes(rng, 1 + rng() % 1400);
    const auto frame =
        tcp_frame(data_segment(static_cast<std::uint32_t>(i)), payload, ChecksumMode::software);
    p.a->send_frame(0, frame, 0);
    const auto got = p.deliver_to_b();
    BOOST_TEST_REQUIRE(got.size() == 1u);
    std::size_t flipped = 0;
    while (flipped < frame.size() && got[0].frame[flipped] == frame[flipped])
      ++flipped;
    BOOST_TEST_REQUIRE(flipped < frame.size());
    const auto& m = got[0].meta;
    const bool flagged = m.parse != c::ParseStatus::ok || m.l3 != c::L3Kind::ipv4 ||
                         m.l3_checksum == c::ChecksumStatus::bad ||
                         m.l4_checksum == c::ChecksumStatus::bad || m.l4 != c::L4Kind::tcp;
    // A flip in the Ethernet header changes addresses, which no checksum covers.
    if (flipped >= kEthernetHeaderLen) {
      ++in_packet;
      BOOST_TEST(flagged, "bit flip at byte " << flipped << " was not flagged");
    }
  }
  BOOST_TEST(in_packet > 250u);
}

inline void full_rx_ring_drops_and_counts(const DeviceFactory& make) {
  DeviceOptions small;
  small.rx_ring_size = 4;
  Pair p(make, make, {}, small);
  const auto frame = tcp_frame(data_segment(5), {}, ChecksumMode::software);
  for (int i = 0; i < 10; ++i)
    p.a->send_frame(0, frame, 0);
  BOOST_TEST(p.deliver_to_b().size() == 4u);
  BOOST_TEST(p.b->counters().rx_dropped == 6u);
  BOOST_TEST(p.b->counters().rx_frames == 4u);
}

}  // namespace tandem::conformance

// Registers every conformance case as a Boost test case calling `factory`
// (an expression of type DeviceFactory), in suites named as in the soft tests.
#define TANDEM_DEVICE_CONFORMANCE_CASES(factory)                                             \
  BOOST_AUTO_TEST_SUITE(transmit)                                                            \
  BOOST_AUTO_TEST_CASE(nic_fills_both_checksums_of_a_plain_frame) {                          \
    ::tandem::conformance::nic_fills_both_checksums_of_a_plain_frame(factory);               \
  }                                                                                          \
  BOOST_AUTO_TEST_CASE(tso_job_becomes_mss_sized_segments_with_valid_checksums) {            \
    ::tandem::conformance::tso_job_becomes_mss_sized_segments_with_valid_checksums(factory); \
  }                                                                                          \
  BOOST_AUTO_TEST_CASE(bad_descriptors_are_refused_and_send_nothing) {                       \
    ::tandem::conformance::bad_descriptors_are_refused_and_send_nothing(factory);            \
  }                                                                                          \
  BOOST_AUTO_TEST_SUITE_END()                                                                \
  BOOST_AUTO_TEST_SUITE(receive)                                                             \
  BOOST_AUTO_TEST_CASE(flow_table_commands_steer_lookups) {                                  \
    ::tandem::conformance::flow_table_commands_steer_lookups(factory);                       \
  }                                                                                          \
  BOOST_AUTO_TEST_CASE(corruption_in_the_ip_packet_is_always_flagged) {                      \
    ::tandem::conformance::corruption_in_the_ip_packet_is_always_flagged(factory);           \
  }                                                                                          \
  BOOST_AUTO_TEST_CASE(full_rx_ring_drops_and_counts) {                                      \
    ::tandem::conformance::full_rx_ring_drops_and_counts(factory);                           \
  }                                                                                          \
  BOOST_AUTO_TEST_SUITE_END()
