// SPDX-License-Identifier: Apache-2.0
// The dpdk backend on a net_ring port: DPDK's rte_ring-backed PMD, whose TX
// queue 0 feeds its RX queue 0, so one device receives what it sends. It needs
// no NIC, no hugepages and no root, and its TX ring really fills up, which is
// what the back-pressure cases need. net_ring offers no offloads, so these cases
// run the NIC kernels' fallback; the net_tap cases (dpdk_interop_test.cpp) run
// the port's offloads against Linux.
#define BOOST_TEST_MODULE dpdk_device
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "host/dev/dpdk/dpdk_device.hpp"
#include "host/dev/dpdk/eal.hpp"
#include "host/dev/dpdk/tests/dpdk_test_env.hpp"
#include "host/wire/arp.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/toeplitz.hpp"
#include "sim/tests/device_conformance.hpp"

namespace {

using namespace tandem;
namespace c = tandem::contract;
namespace conf = tandem::conformance;
using dev::DpdkDevice;
using dev::DpdkDeviceConfig;
using dev::OffloadPolicy;
using wire::ByteSpan;

DpdkDeviceConfig ring_config(std::uint16_t queues = 1) {
  const std::string name = dev::test::unique_vdev("net_ring");
  DpdkDeviceConfig config;
  config.eal_args = dev::test::test_eal_args();
  // CREATE makes the port's rings; queue i transmits into the ring that its RX
  // queue i reads.
  config.vdev = name + ",nodeaction=" + name + "r:0:CREATE";
  config.queues = queues;
  return config;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

constexpr std::uint8_t kBothChecksums =
    c::tx_flag::fill_ipv4_checksum | c::tx_flag::fill_l4_checksum;

// A UDP datagram from A to B with both checksums left for the NIC.
std::vector<std::byte> udp_frame(std::uint16_t src_port, ByteSpan payload) {
  using namespace wire;
  Ipv4Repr ip{
      .src = conf::kIpA, .dst = conf::kIpB, .protocol = static_cast<std::uint8_t>(IpProtocol::udp)};
  ip.payload_len = static_cast<std::uint16_t>(kUdpHeaderLen + payload.size());
  std::vector<std::byte> frame(kEthernetHeaderLen + ip.total_len());
  const auto l3 = std::span(frame).subspan(kEthernetHeaderLen);
  const auto l4 = l3.subspan(ip.header_len());
  std::copy(payload.begin(), payload.end(), l4.begin() + kUdpHeaderLen);
  EthernetRepr{conf::kMacB, conf::kMacA, static_cast<std::uint16_t>(EtherType::ipv4)}.emit(frame);
  ip.emit(l3, ChecksumMode::offloaded);
  UdpRepr{.src_port = src_port, .dst_port = 53, .payload_len = payload.size()}.emit(
      l4, conf::kIpA, conf::kIpB, ChecksumMode::offloaded);
  return frame;
}

// Every completion waiting on `queue` only.
std::vector<conf::Received> drain_queue(dev::Device& d, std::uint16_t queue) {
  conf::Collect sink;
  while (d.receive(queue, 64, sink) > 0) {
  }
  return sink.got;
}

}  // namespace

// ---------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(eal)

BOOST_AUTO_TEST_CASE(arguments_split_like_a_shell_would) {
  using V = std::vector<std::string>;
  BOOST_TEST((dev::split_eal_args("  --no-huge  -m 512\t--vdev=net_tap0,iface=a ") ==
              V{"--no-huge", "-m", "512", "--vdev=net_tap0,iface=a"}));
  BOOST_TEST((dev::split_eal_args("--vdev='net_pcap0,iface=a b' \"x y\" a\\ b") ==
              V{"--vdev=net_pcap0,iface=a b", "x y", "a b"}));
  BOOST_TEST(dev::split_eal_args("").empty());
  BOOST_CHECK_THROW(dev::split_eal_args("--vdev='net_tap0"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(initializes_once_and_refuses_other_arguments) {
  auto& eal = dev::DpdkEal::init(dev::test::test_eal_args());
  BOOST_TEST(dev::DpdkEal::initialized());
  BOOST_TEST(&dev::DpdkEal::init(dev::test::test_eal_args()) == &eal);
  BOOST_TEST(&dev::DpdkEal::init("") == &eal);  // "whatever it was started with"
  try {
    dev::DpdkEal::init("--no-huge -m 64");
    BOOST_FAIL("a second initialization with other arguments was accepted");
  } catch (const std::logic_error& e) {
    BOOST_TEST(contains(e.what(), "-m 64"), e.what());
  }
  BOOST_TEST(contains(eal.runtime_dir(), "tdm-test-"), eal.runtime_dir());
  BOOST_TEST(std::filesystem::exists(eal.runtime_dir()));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(setup_errors)

BOOST_AUTO_TEST_CASE(a_missing_port_is_named_with_the_ports_there_are) {
  DpdkDeviceConfig config = ring_config();
  config.port = "net_nosuchport";
  try {
    DpdkDevice device(config);
    BOOST_FAIL("a device on a missing port was built");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(contains(e.what(), "no port \"net_nosuchport\""), e.what());
    BOOST_TEST(contains(e.what(), "net_ring"), e.what());  // the vdev it did create
  }
  // The vdev made for the failed device went with it: its name is free again.
  DpdkDeviceConfig again = ring_config();
  again.vdev = config.vdev;
  BOOST_CHECK_NO_THROW(DpdkDevice{again});
}

BOOST_AUTO_TEST_CASE(a_vdev_that_cannot_be_created_is_named) {
  DpdkDeviceConfig config = ring_config();
  config.vdev = "net_nosuchdriver0,x=1";
  try {
    DpdkDevice device(config);
    BOOST_FAIL("a device on a nonexistent driver was built");
  } catch (const std::system_error& e) {
    BOOST_TEST(contains(e.what(), "net_nosuchdriver0,x=1"), e.what());
  }
}

BOOST_AUTO_TEST_CASE(a_required_offload_the_port_lacks_is_named) {
  struct Case {
    void (*require)(DpdkDeviceConfig&);
    const char* named;
  };
  const std::array<Case, 4> cases{{
      {[](DpdkDeviceConfig& c) { c.offloads.tso = OffloadPolicy::require_port; },
       "TCP segmentation"},
      {[](DpdkDeviceConfig& c) { c.offloads.tx_checksum = OffloadPolicy::require_port; },
       "checksum insertion"},
      {[](DpdkDeviceConfig& c) { c.offloads.rx_checksum = OffloadPolicy::require_port; },
       "RX checksum"},
      {[](DpdkDeviceConfig& c) { c.offloads.flow_lookup = OffloadPolicy::require_port; },
       "rte_flow MARK"},
  }};
  for (const auto& k : cases) {
    DpdkDeviceConfig config = ring_config();
    k.require(config);
    try {
      DpdkDevice device(config);
      BOOST_FAIL("net_ring offers no offloads, yet a device requiring " << k.named << " was built");
    } catch (const std::runtime_error& e) {
      BOOST_TEST(contains(e.what(), k.named), e.what());
      BOOST_TEST(contains(e.what(), "net_ring"), e.what());
    }
  }
}

BOOST_AUTO_TEST_CASE(more_queues_than_the_port_has_is_refused) {
  DpdkDeviceConfig config = ring_config(64);
  try {
    DpdkDevice device(config);
    BOOST_FAIL("64 queues on net_ring were accepted");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(contains(e.what(), "TX queues"), e.what());
  }
  config = ring_config(2);
  config.offloads.rss = OffloadPolicy::require_port;
  BOOST_CHECK_THROW(DpdkDevice{config}, std::runtime_error);
}

BOOST_AUTO_TEST_CASE(configurations_that_cannot_work_are_refused) {
  DpdkDeviceConfig config = ring_config();
  config.queues = 0;
  BOOST_CHECK_THROW(DpdkDevice{config}, std::invalid_argument);
  config = ring_config();
  config.rss_key.resize(8);
  BOOST_CHECK_THROW(DpdkDevice{config}, std::invalid_argument);
  config = ring_config(2);
  config.steering_ring_size = 1000;
  BOOST_CHECK_THROW(DpdkDevice{config}, std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(fallback_kernels)

BOOST_AUTO_TEST_CASE(a_port_without_offloads_gets_the_kernels_for_everything) {
  DpdkDevice d(ring_config());
  BOOST_TEST((d.port_offloads() == dev::DpdkPortOffloads{}));
  BOOST_TEST(d.driver_name() == "net_ring");
  const auto& caps = d.capabilities();
  BOOST_TEST(caps.tx_ipv4_checksum);
  BOOST_TEST(caps.tx_l4_checksum);
  BOOST_TEST(caps.rx_checksum);
  BOOST_TEST(caps.tso_max_payload == c::kTsoMaxPayload);
  BOOST_TEST(caps.lookup_capacity > 0u);
  BOOST_TEST(caps.queues == 1u);
  BOOST_TEST(caps.mtu == 1500u);
  BOOST_TEST(d.wait_fd() == -1);
}

BOOST_AUTO_TEST_CASE(the_kernels_fill_both_checksums_of_tcp_and_udp_frames) {
  DpdkDevice d(ring_config());
  std::mt19937 rng(1);
  const auto payload = conf::random_bytes(rng, 333);
  BOOST_TEST_REQUIRE((d.send_frame(0, conf::tcp_frame(conf::data_segment(1000), payload),
                                   kBothChecksums) == c::TxStatus::ok));
  BOOST_TEST_REQUIRE(
      (d.send_frame(0, udp_frame(5353, payload), kBothChecksums) == c::TxStatus::ok));
  const auto got = conf::drain(d);
  BOOST_TEST_REQUIRE(got.size() == 2u);
  const auto tcp = conf::parse_tcp(got[0].frame);  // software checksums: fails unless filled
  BOOST_TEST((tcp.payload == payload));
  for (const auto& r : got) {
    BOOST_TEST((r.meta.parse == c::ParseStatus::ok));
    BOOST_TEST((r.meta.l3_checksum == c::ChecksumStatus::good));
    BOOST_TEST((r.meta.l4_checksum == c::ChecksumStatus::good));
    BOOST_TEST(r.meta.queue == 0u);
    BOOST_TEST(r.meta.conn_id == c::kLookupMiss);
  }
  BOOST_TEST((got[1].meta.l4 == c::L4Kind::udp));
  const auto udp_ip = wire::Ipv4Packet::new_checked(ByteSpan(got[1].frame).subspan(14));
  BOOST_TEST_REQUIRE(udp_ip.ok());
  BOOST_TEST(udp_ip->verify_checksum());
  const auto udp = wire::UdpPacket::new_checked(udp_ip->payload());
  BOOST_TEST_REQUIRE(udp.ok());
  BOOST_TEST(wire::UdpRepr::parse(*udp, conf::kIpA, conf::kIpB, wire::ChecksumMode::software).ok());
  // The Toeplitz hash of the 4-tuple, as a NIC's RSS computes it.
  BOOST_TEST(got[0].meta.rss_hash ==
             wire::rss_hash_ipv4_l4(wire::kMicrosoftRssKey, conf::kIpA, conf::kIpB, 40000, 80));
  BOOST_TEST(got[1].meta.rss_hash ==
             wire::rss_hash_ipv4_l4(wire::kMicrosoftRssKey, conf::kIpA, conf::kIpB, 5353, 53));
  BOOST_TEST(d.counters().tx_frames == 2u);
  BOOST_TEST(d.counters().rx_frames == 2u);
  BOOST_TEST(d.dpdk_counters().tx_software == 2u);
  BOOST_TEST(d.dpdk_counters().tx_port_offload == 0u);
}

// More than one port in a process: each device its own port, queues, mbuf
// pool and flow table; what one sends only its own port receives, and one
// going away leaves the other working.
BOOST_AUTO_TEST_CASE(two_ports_at_once_each_with_its_own_traffic) {
  auto first = std::make_unique<DpdkDevice>(ring_config());
  DpdkDevice second(ring_config(2));
  BOOST_TEST(first->port_id() != second.port_id());
  BOOST_TEST(first->port_name() != second.port_name());
  const std::array<std::byte, 4> payload{};
  BOOST_TEST_REQUIRE(
      (first->send_frame(0, udp_frame(1111, payload), kBothChecksums) == c::TxStatus::ok));
  BOOST_TEST_REQUIRE(
      (second.send_frame(0, udp_frame(2222, payload), kBothChecksums) == c::TxStatus::ok));
  BOOST_TEST_REQUIRE(
      (second.send_frame(0, udp_frame(3333, payload), kBothChecksums) == c::TxStatus::ok));
  const auto source_port = [](const conf::Received& r) {
    return wire::load_be16(ByteSpan(r.frame), 14 + 20);
  };
  const auto on_first = conf::drain(*first);
  BOOST_TEST_REQUIRE(on_first.size() == 1u);
  BOOST_TEST(source_port(on_first[0]) == 1111u);
  first.reset();
  BOOST_TEST_REQUIRE(
      (second.send_frame(0, udp_frame(4444, payload), kBothChecksums) == c::TxStatus::ok));
  std::set<std::uint16_t> on_second;
  for (const auto& r : conf::drain(second))
    on_second.insert(source_port(r));
  BOOST_TEST((on_second == std::set<std::uint16_t>{2222, 3333, 4444}));
  BOOST_TEST(second.counters().tx_frames == 3u);
}

BOOST_AUTO_TEST_CASE(a_frame_without_flags_goes_out_as_given) {
  DpdkDevice d(ring_config());
  const auto frame = conf::tcp_frame(conf::data_segment(7), {}, wire::ChecksumMode::software);
  BOOST_TEST_REQUIRE((d.send_frame(0, frame, 0) == c::TxStatus::ok));
  const auto got = conf::drain(d);
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST((got[0].frame == frame));
  BOOST_TEST(d.dpdk_counters().tx_software == 0u);
}

BOOST_AUTO_TEST_CASE(tso_in_software_follows_the_contract) {
  DpdkDevice d(ring_config());
  std::mt19937 rng(2);
  const auto payload = conf::random_bytes(rng, 10'000);
  wire::TcpRepr tmpl = conf::data_segment(0xffff'f000);  // wraps during the job
  tmpl.flags =
      wire::tcp_flag::ack | wire::tcp_flag::psh | wire::tcp_flag::fin | wire::tcp_flag::cwr;
  const auto header = conf::tcp_frame(tmpl, {});
  const std::uint16_t mss = 1448;
  const std::array<ByteSpan, 3> pieces{ByteSpan(payload).first(1000),
                                       ByteSpan(payload).subspan(1000, 3000),
                                       ByteSpan(payload).subspan(4000)};
  BOOST_TEST_REQUIRE((d.send_tso(0, header, pieces, mss) == c::TxStatus::ok));
  const auto got = conf::drain(d);
  BOOST_TEST_REQUIRE(got.size() == (payload.size() + mss - 1) / mss);
  std::vector<std::byte> joined;
  for (std::size_t k = 0; k < got.size(); ++k) {
    const auto seg = conf::parse_tcp(got[k].frame);
    const bool last = k + 1 == got.size();
    BOOST_TEST(seg.tcp.seq == tmpl.seq + static_cast<std::uint32_t>(k * mss));
    BOOST_TEST(seg.ip.ident == static_cast<std::uint16_t>(k));
    BOOST_TEST(seg.tcp.has(wire::tcp_flag::fin) == last);
    BOOST_TEST(seg.tcp.has(wire::tcp_flag::psh) == last);
    BOOST_TEST(seg.tcp.has(wire::tcp_flag::cwr) == (k == 0));
    BOOST_TEST((seg.tcp.options == tmpl.options));
    joined.insert(joined.end(), seg.payload.begin(), seg.payload.end());
  }
  BOOST_TEST((joined == payload));
  BOOST_TEST(d.counters().tx_tso_jobs == 1u);
  BOOST_TEST(d.counters().tx_frames == got.size());
}

BOOST_AUTO_TEST_CASE(bad_descriptors_are_refused_and_send_nothing) {
  DpdkDevice d(ring_config());
  const auto header = conf::tcp_frame(conf::data_segment(1), {});
  const std::vector<std::byte> payload(100);
  const std::array<ByteSpan, 1> pieces{ByteSpan(payload)};
  BOOST_TEST((d.send_tso(0, header, pieces, 0) == c::TxStatus::bad_mss));
  const std::vector<std::byte> too_big(c::kTsoMaxPayload + 1);
  const std::array<ByteSpan, 1> big{ByteSpan(too_big)};
  BOOST_TEST((d.send_tso(0, header, big, 1448) == c::TxStatus::payload_too_large));
  const std::vector<std::byte> garbage_header(54, std::byte{0x55});
  BOOST_TEST((d.send_tso(0, garbage_header, pieces, 1448) == c::TxStatus::bad_template));
  BOOST_TEST((d.send_frame(0, std::vector<std::byte>(10), 0) == c::TxStatus::bad_length));
  BOOST_TEST((d.send_frame(0, std::vector<std::byte>(14 + 1501), 0) == c::TxStatus::bad_length));
  BOOST_TEST(conf::drain(d).empty());
  BOOST_TEST(d.counters().tx_refused == 5u);
  BOOST_TEST((d.send_tso(0, header, pieces, 1448) == c::TxStatus::ok));
  BOOST_TEST(conf::drain(d).size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_flow_table_answers_lookups_and_every_command) {
  DpdkDevice d(ring_config());
  const auto frame = conf::tcp_frame(conf::data_segment(5), {}, wire::ChecksumMode::software);
  auto lookup = [&] {
    BOOST_TEST_REQUIRE((d.send_frame(0, frame, 0) == c::TxStatus::ok));
    const auto got = conf::drain(d);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    return got[0].meta.conn_id;
  };
  auto command = [&](c::FlowOp op, c::ConnectionId id, std::uint32_t tag) {
    const c::FlowCommand cmd{.op = op, .key = conf::key_at_b(), .conn_id = id, .tag = tag};
    BOOST_TEST_REQUIRE(d.submit_flow_command(cmd));
    std::array<c::FlowCompletion, 4> done{};
    BOOST_TEST_REQUIRE(d.poll_flow_completions(done) == 1u);
    BOOST_TEST(done[0].tag == tag);
    return done[0].status;
  };
  BOOST_TEST(lookup() == c::kLookupMiss);
  BOOST_TEST((command(c::FlowOp::insert, 42, 1) == c::FlowStatus::ok));
  BOOST_TEST(lookup() == 42u);
  BOOST_TEST((command(c::FlowOp::insert, 43, 2) == c::FlowStatus::exists));
  BOOST_TEST((command(c::FlowOp::insert, c::kLookupMiss, 3) == c::FlowStatus::rejected));
  BOOST_TEST((command(c::FlowOp::remove, 0, 4) == c::FlowStatus::ok));
  BOOST_TEST((command(c::FlowOp::remove, 0, 5) == c::FlowStatus::not_found));
  BOOST_TEST(lookup() == c::kLookupMiss);
  BOOST_TEST(d.counters().flow_commands == 5u);
}

BOOST_AUTO_TEST_CASE(a_full_command_queue_refuses_and_completions_come_in_order) {
  DpdkDeviceConfig config = ring_config();
  config.flow_queue_depth = 3;
  DpdkDevice d(config);
  for (std::uint32_t tag = 0; tag < 3; ++tag) {
    c::FlowCommand cmd{.key = conf::key_at_b(), .conn_id = 9, .tag = tag};
    cmd.key.remote_port = static_cast<std::uint16_t>(1000 + tag);
    BOOST_TEST(d.submit_flow_command(cmd));
  }
  BOOST_TEST(!d.submit_flow_command(c::FlowCommand{.key = conf::key_at_b(), .tag = 99}));
  std::array<c::FlowCompletion, 8> done{};
  BOOST_TEST_REQUIRE(d.poll_flow_completions(done) == 3u);
  for (std::uint32_t tag = 0; tag < 3; ++tag)
    BOOST_TEST(done[tag].tag == tag);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(back_pressure)

// Sends data segments numbered from `first` until the ring refuses one; returns
// how many went.
std::uint32_t fill_ring(DpdkDevice& d, std::uint32_t first) {
  std::uint32_t n = 0;
  while (d.send_frame(0, conf::tcp_frame(conf::data_segment(first + n), {}), kBothChecksums) ==
         c::TxStatus::ok) {
    ++n;
    BOOST_TEST_REQUIRE(n < 100'000u);
  }
  return n;
}

BOOST_AUTO_TEST_CASE(a_full_ring_refuses_whole_descriptors_and_loses_no_frame) {
  DpdkDevice d(ring_config());
  const std::uint32_t filled = fill_ring(d, 0);
  BOOST_TEST(filled > 100u);
  BOOST_TEST(d.dpdk_counters().tx_ring_full == 1u);

  // A TSO job meets a full ring: refused whole, nothing of it sent.
  std::mt19937 rng(3);
  const auto payload = conf::random_bytes(rng, 10 * 1000);
  const auto header = conf::tcp_frame(conf::data_segment(1'000'000), {});
  const std::array<ByteSpan, 1> pieces{ByteSpan(payload)};
  BOOST_TEST((d.send_tso(0, header, pieces, 1000) == c::TxStatus::ring_full));

  // Room for 4 of its 10 segments: the job is taken, 4 go now and 6 wait.
  conf::Collect sink;
  BOOST_TEST_REQUIRE(d.receive(0, 4, sink) == 4u);
  BOOST_TEST((d.send_tso(0, header, pieces, 1000) == c::TxStatus::ok));
  BOOST_TEST(d.dpdk_counters().tx_backlogged == 6u);
  BOOST_TEST(d.next_event().has_value());  // the backlog asks to be retried
  // While they wait, nothing new is taken, so nothing can overtake them.
  BOOST_TEST((d.send_frame(0, conf::tcp_frame(conf::data_segment(2'000'000), {}), kBothChecksums) ==
              c::TxStatus::ring_full));

  // Everything the device took arrives, once, in order.
  auto got = sink.got;
  for (const auto& r : conf::drain(d))
    got.push_back(r);
  d.advance(Instant{});
  BOOST_TEST(!d.next_event().has_value());
  BOOST_TEST_REQUIRE(got.size() == filled + 10u);
  for (std::uint32_t i = 0; i < filled; ++i)
    BOOST_TEST_REQUIRE(conf::parse_tcp(got[i].frame).tcp.seq.raw() == i);
  std::vector<std::byte> joined;
  for (std::size_t k = filled; k < got.size(); ++k) {
    const auto seg = conf::parse_tcp(got[k].frame);
    BOOST_TEST(seg.tcp.seq.raw() == 1'000'000u + (k - filled) * 1000u);
    joined.insert(joined.end(), seg.payload.begin(), seg.payload.end());
  }
  BOOST_TEST((joined == payload));
  BOOST_TEST(d.counters().tx_frames == filled + 10u);
  BOOST_TEST(d.counters().rx_frames == filled + 10u);
}

BOOST_AUTO_TEST_CASE(an_empty_mbuf_pool_refuses_and_recovers) {
  DpdkDeviceConfig config = ring_config();
  config.mbufs = 255;  // fewer than the ring holds
  DpdkDevice d(config);
  const std::uint32_t filled = fill_ring(d, 0);
  BOOST_TEST(filled <= 255u);
  BOOST_TEST(filled > 100u);
  BOOST_TEST(d.dpdk_counters().tx_no_mbuf == 1u);
  BOOST_TEST(d.dpdk_counters().tx_ring_full == 0u);
  BOOST_TEST(conf::drain(d).size() == filled);
  // The frames went back to the pool when they were received.
  BOOST_TEST(fill_ring(d, filled) == filled);
  BOOST_TEST(conf::drain(d).size() == filled);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(steering)

BOOST_AUTO_TEST_CASE(without_port_rss_flows_are_steered_by_the_toeplitz_hash) {
  DpdkDevice d(ring_config(2));
  BOOST_TEST(!d.port_offloads().rss);
  BOOST_TEST(d.capabilities().queues == 2u);
  BOOST_TEST(d.rss().queues() == 2u);
  std::map<std::uint16_t, std::uint16_t> expected_queue;  // by source port
  for (std::uint16_t sport = 40000; sport < 40064; ++sport) {
    auto seg = conf::data_segment(1);
    seg.src_port = sport;
    // Everything leaves on queue 0, the one a net_ring port loops back.
    BOOST_TEST_REQUIRE(
        (d.send_frame(0, conf::tcp_frame(seg, {}), kBothChecksums) == c::TxStatus::ok));
    const auto hash = wire::rss_hash_ipv4_l4(d.rss().key, conf::kIpA, conf::kIpB, sport, 80);
    expected_queue[sport] = d.rss().queue_of(hash);
  }
  std::array<std::size_t, 2> per_queue{};
  for (std::uint16_t q = 0; q < 2; ++q) {
    for (const auto& r : drain_queue(d, q)) {
      const auto sport = conf::parse_tcp(r.frame).tcp.src_port;
      BOOST_TEST(r.meta.queue == q);
      BOOST_TEST(expected_queue.at(sport) == q, "port " << sport);
      BOOST_TEST(r.meta.rss_hash ==
                 wire::rss_hash_ipv4_l4(d.rss().key, conf::kIpA, conf::kIpB, sport, 80));
      ++per_queue[q];
    }
  }
  BOOST_TEST(per_queue[0] + per_queue[1] == 64u);
  BOOST_TEST(per_queue[0] > 10u);  // both queues get a share
  BOOST_TEST(per_queue[1] > 10u);
}

BOOST_AUTO_TEST_CASE(picked_source_ports_bring_replies_to_the_asking_queue) {
  DpdkDevice d(ring_config(2));
  // B connects to A:80 from a port it picks; A's replies come from 80 to it.
  for (std::uint16_t q = 0; q < 2; ++q) {
    for (std::uint16_t start : {32768, 40000, 50000}) {
      const auto port =
          wire::pick_source_port(d.rss(), conf::kIpA, 80, conf::kIpB, q, wire::PortRange{}, start);
      BOOST_TEST_REQUIRE(port.has_value());
      auto reply = conf::data_segment(1);
      reply.src_port = 80;
      reply.dst_port = *port;
      BOOST_TEST_REQUIRE(
          (d.send_frame(0, conf::tcp_frame(reply, {}), kBothChecksums) == c::TxStatus::ok));
      BOOST_TEST(d.queue_of(c::FlowKey4{conf::kIpA.value, conf::kIpB.value, 80, *port}) == q);
      const auto got = drain_queue(d, q);
      BOOST_TEST_REQUIRE(got.size() == 1u, "queue " << q << " port " << *port);
      BOOST_TEST(conf::drain(d).empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(a_flow_is_looked_up_on_the_queue_it_is_steered_to) {
  DpdkDevice d(ring_config(2));
  std::set<std::uint16_t> queues_seen;
  for (std::uint16_t sport = 41000; sport < 41016; ++sport) {
    c::FlowCommand cmd{.key = conf::key_at_b(), .conn_id = sport, .tag = sport};
    cmd.key.remote_port = sport;
    BOOST_TEST_REQUIRE(d.submit_flow_command(cmd));
    std::array<c::FlowCompletion, 1> done{};
    BOOST_TEST_REQUIRE(d.poll_flow_completions(done) == 1u);
    BOOST_TEST((done[0].status == c::FlowStatus::ok));
    auto seg = conf::data_segment(1);
    seg.src_port = sport;
    BOOST_TEST_REQUIRE(
        (d.send_frame(0, conf::tcp_frame(seg, {}), kBothChecksums) == c::TxStatus::ok));
    const std::uint16_t q = d.queue_of(cmd.key);
    queues_seen.insert(q);
    const auto got = drain_queue(d, q);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].meta.conn_id == sport);
  }
  BOOST_TEST(queues_seen.size() == 2u);
}

// With software steering an ARP frame reaches every queue: each core's
// interface keeps its own neighbour table.
BOOST_AUTO_TEST_CASE(arp_reaches_every_queue) {
  DpdkDevice d(ring_config(2));
  std::vector<std::byte> frame(wire::kEthernetHeaderLen + wire::ArpRepr::len());
  wire::EthernetRepr{wire::MacAddress::broadcast(), conf::kMacA,
                     static_cast<std::uint16_t>(wire::EtherType::arp)}
      .emit(frame);
  wire::ArpRepr{.sender_mac = conf::kMacA,
                .sender_ip = conf::kIpA,
                .target_mac = wire::MacAddress{},
                .target_ip = conf::kIpB}
      .emit(std::span(frame).subspan(wire::kEthernetHeaderLen));
  BOOST_TEST_REQUIRE((d.send_frame(0, frame, 0) == c::TxStatus::ok));
  for (std::uint16_t q = 0; q < 2; ++q) {
    const auto got = drain_queue(d, q);
    BOOST_TEST_REQUIRE(got.size() == 1u, "queue " << q);
    BOOST_TEST(got[0].meta.queue == q);
    BOOST_TEST((got[0].frame == frame));
  }
  BOOST_TEST(d.dpdk_counters().rx_steering_dropped == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------

// A core's view of the device: its own flow completions, its own queue.
BOOST_AUTO_TEST_SUITE(queue_ports)

BOOST_AUTO_TEST_CASE(each_port_hears_only_its_own_flow_completions) {
  DpdkDevice d(ring_config(2));
  dev::Device& p0 = d.queue_port(0);
  dev::Device& p1 = d.queue_port(1);
  BOOST_CHECK_THROW(d.queue_port(2), std::out_of_range);
  BOOST_TEST(p1.capabilities().queues == 2u);
  c::FlowCommand a{.key = conf::key_at_b(), .conn_id = 7, .tag = 70};
  c::FlowCommand b{.key = conf::key_at_b(), .conn_id = 8, .tag = 80};
  b.key.remote_port = static_cast<std::uint16_t>(a.key.remote_port + 1);
  BOOST_TEST_REQUIRE(p0.submit_flow_command(a));
  BOOST_TEST_REQUIRE(p1.submit_flow_command(b));
  std::array<c::FlowCompletion, 4> done{};
  BOOST_TEST_REQUIRE(p1.poll_flow_completions(done) == 1u);
  BOOST_TEST(done[0].tag == 80u);
  BOOST_TEST(p1.poll_flow_completions(done) == 0u);
  BOOST_TEST(d.poll_flow_completions(done) == 0u);  // the device's own: none
  BOOST_TEST_REQUIRE(p0.poll_flow_completions(done) == 1u);
  BOOST_TEST(done[0].tag == 70u);
  BOOST_TEST(d.counters().flow_commands == 2u);
}

BOOST_AUTO_TEST_CASE(a_port_sends_and_counts_on_its_own_queue) {
  DpdkDevice d(ring_config(2));
  dev::Device& p1 = d.queue_port(1);
  const std::array<std::byte, 4> payload{};
  BOOST_TEST_REQUIRE(
      (p1.send_frame(1, udp_frame(5000, payload), kBothChecksums) == c::TxStatus::ok));
  BOOST_TEST(p1.counters().tx_frames == 1u);
  BOOST_TEST(d.queue_port(0).counters().tx_frames == 0u);
  p1.advance(Instant{});
  BOOST_TEST(!p1.next_event().has_value());  // no backlog
  BOOST_TEST(d.counters().tx_frames == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------

// Last, as it ends DPDK for this process.
BOOST_AUTO_TEST_SUITE(zz_shutdown)

BOOST_AUTO_TEST_CASE(shutdown_removes_the_runtime_directory) {
  const std::string dir = dev::DpdkEal::init(dev::test::test_eal_args()).runtime_dir();
  BOOST_TEST_REQUIRE(std::filesystem::exists(dir));
  dev::DpdkEal::shutdown();
  BOOST_TEST(!dev::DpdkEal::initialized());
  BOOST_TEST(!std::filesystem::exists(dir), dir << " is left behind");
  BOOST_CHECK_THROW(dev::DpdkEal::init(dev::test::test_eal_args()), std::logic_error);
  BOOST_CHECK_THROW(DpdkDevice{ring_config()}, std::logic_error);
}

BOOST_AUTO_TEST_SUITE_END()
