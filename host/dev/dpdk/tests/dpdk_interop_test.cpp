// SPDX-License-Identifier: Apache-2.0
// The dpdk backend against the Linux kernel: DPDK runs without hugepages or PCI
// (--no-huge --no-pci) with a net_tap port in a network namespace of the test's
// own, net::Interface on the DpdkDevice, Linux's ping and socat on the other side
// of the TAP. Every case runs twice: with the port's offloads (net_tap offers
// checksum insertion, TSO and RX checksum verification) and with everything on
// the NIC kernels' fallback.
//
// What crossed the wire is captured on the Linux side, by a packet socket on the
// TAP (net_tap_peer.hpp), and judged by tshark with checksum validation on; TSO
// segments are also checked field by field. It uses the interop harness of
// tests/interop (namespaces, child processes, the real-time loop, tshark
// checks). Bounded in time: each case takes seconds. TCP against Linux, the
// same cases as on the tap backend, is tests/interop/tcp_interop_dpdk_test.cpp.
//
//   Linux 10.78.0.1/24, 02:00:00:78:00:01  ◄── TAP tdmdpN ──►  Tandem 10.78.0.2, 02:00:00:78:00:02
#define BOOST_TEST_MODULE dpdk_interop
#include <boost/test/unit_test.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "host/dev/dpdk/dpdk_device.hpp"
#include "host/dev/dpdk/tests/net_tap_peer.hpp"
#include "host/dev/pcap.hpp"
#include "host/net/interface.hpp"
#include "host/wire/toeplitz.hpp"
#include "sim/tests/device_conformance.hpp"
#include "tests/interop/interop_test.hpp"
#include "tests/interop/real_time.hpp"

namespace {

using namespace std::chrono_literals;
using namespace tandem;
namespace c = tandem::contract;
namespace conf = tandem::conformance;
using dev::DpdkDevice;
using dev::OffloadPolicy;
using wire::ByteSpan;
using Bytes = std::vector<std::byte>;

const std::string kLinuxIp = "10.78.0.1";
const std::string kTandemIp = "10.78.0.2";
const wire::Ipv4Address kLinuxAddress = wire::Ipv4Address::from_octets(10, 78, 0, 1);
const wire::Ipv4Address kTandemAddress = wire::Ipv4Address::from_octets(10, 78, 0, 2);
const wire::MacAddress kLinuxMac{{0x02, 0x00, 0x00, 0x78, 0x00, 0x01}};
const wire::MacAddress kTandemMac{{0x02, 0x00, 0x00, 0x78, 0x00, 0x02}};
constexpr std::uint16_t kEchoPort = 7;     // RFC 862, which tshark decodes as such
constexpr std::uint16_t kDiscardPort = 9;  // RFC 863

enum class Offloads { port, kernels };

dev::DpdkDeviceConfig device_config(Offloads offloads, std::uint16_t queues) {
  dev::DpdkDeviceConfig config;
  config.queues = queues;
  if (offloads == Offloads::port) {
    // net_tap offers these; if it stopped to, the test should say so.
    config.offloads.tx_checksum = OffloadPolicy::require_port;
    config.offloads.tso = OffloadPolicy::require_port;
    config.offloads.rx_checksum = OffloadPolicy::require_port;
  } else {
    config.offloads.tx_checksum = OffloadPolicy::software;
    config.offloads.tso = OffloadPolicy::software;
    config.offloads.rx_checksum = OffloadPolicy::software;
  }
  config.offloads.rss = OffloadPolicy::software;
  config.offloads.flow_lookup = OffloadPolicy::software;
  return config;
}

// Linux and a DpdkDevice on either side of a TAP, Linux's addresses fixed so
// that the tests can make frames as either side would.
struct DpdkPeer : dev::test::NetTapPeer {
  explicit DpdkPeer(Offloads offloads, std::uint16_t queues = 1)
      : NetTapPeer("dpdk", {.device = device_config(offloads, queues),
                            .linux_cidr = kLinuxIp + "/24",
                            .tandem_mac = kTandemMac,
                            .linux_mac = kLinuxMac}) {}
};

// DpdkPeer with net::Interface on queue 0.
struct InterfacePeer : DpdkPeer {
  explicit InterfacePeer(Offloads offloads) : DpdkPeer(offloads), iface(dev, config(), now()) {}

  static Instant now() { return interop::real_now(); }
  net::InterfaceConfig config() const {
    net::InterfaceConfig c;
    c.mac = dev.mac_address();
    c.address = kTandemAddress;
    c.prefix_len = 24;
    return c;
  }
  bool run_until(const std::function<bool()>& done, Duration limit) {
    return DpdkPeer::run_until(done, limit, [this](Instant t) {
      iface.poll(t);
      return iface.poll_at();
    });
  }
  interop::CommandResult run_linux(const std::vector<std::string>& argv, Duration limit,
                                   std::string input = {}) {
    auto child = ns.spawn(argv, std::chrono::duration_cast<std::chrono::milliseconds>(limit),
                          std::move(input));
    run_until([&] { return child.poll(); }, limit + 1s);
    return child.wait();
  }
  void finish() {
    BOOST_TEST(iface.tx_queued() == 0u);
    BOOST_TEST(iface.counters().link.tx_refused == 0u);
    DpdkPeer::finish();
  }

  net::Interface iface;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Which path filled the checksums of what Tandem sent.
void check_tx_path(const DpdkDevice& d, Offloads offloads) {
  const auto counters = d.dpdk_counters();
  if (offloads == Offloads::port) {
    BOOST_TEST(d.port_offloads().tx_ipv4_checksum);
    BOOST_TEST(counters.tx_port_offload > 0u);
    BOOST_TEST(counters.tx_software == 0u);
  } else {
    BOOST_TEST((d.port_offloads() == dev::DpdkPortOffloads{}));
    BOOST_TEST(counters.tx_software > 0u);
    BOOST_TEST(counters.tx_port_offload == 0u);
  }
}

class UdpEcho final : public net::UdpHandler {
 public:
  explicit UdpEcho(net::Interface& iface) : iface_(iface) {}
  void on_datagram(net::UdpEndpoint from, std::uint16_t local_port,
                   wire::ByteSpan payload) override {
    ++received;
    const auto ec = iface_.send_udp(local_port, from, payload);
    BOOST_TEST(!ec, "echo: " << ec.message());
  }
  std::size_t received = 0;

 private:
  net::Interface& iface_;
};

void linux_ping_gets_five_replies(Offloads offloads) {
  InterfacePeer p(offloads);
  const auto ping = p.run_linux({"ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", kTandemIp}, 10s);
  BOOST_TEST(ping.ok(), ping.describe());
  BOOST_TEST(contains(ping.out, "5 packets transmitted, 5 received"), ping.describe());
  BOOST_TEST(p.iface.counters().icmp.out_echo_replies == 5u);
  p.finish();
  check_tx_path(p.dev, offloads);
  BOOST_TEST(interop::count_matching(p.capture, "icmp.type == 0 && ip.src == " + kTandemIp +
                                                    " && ip.checksum.status == \"Good\"") == 5);
  interop::check_capture_is_clean(p.capture);
}

void linux_udp_datagrams_are_echoed_byte_exact(Offloads offloads) {
  InterfacePeer p(offloads);
  UdpEcho echo(p.iface);
  BOOST_TEST_REQUIRE(!p.iface.bind_udp(kEchoPort, echo));
  std::mt19937 rng(5);
  const std::vector<std::size_t> sizes{1, 100, 1000, p.iface.max_udp_payload()};
  std::vector<std::string> payloads;
  std::vector<interop::ChildProcess> senders;
  for (const auto size : sizes) {
    std::string payload(size, '\0');
    for (auto& ch : payload)
      ch = static_cast<char>(rng() & 0xff);
    senders.push_back(
        p.ns.spawn({"socat", "-t", "2", "-", "UDP:" + kTandemIp + ":7"}, 8s, payload));
    payloads.push_back(std::move(payload));
  }
  const auto all_done = [&] {
    bool done = true;
    for (auto& s : senders)
      done = s.poll() && done;
    return done;
  };
  BOOST_TEST_REQUIRE(p.run_until(all_done, 10s));
  for (std::size_t i = 0; i < senders.size(); ++i) {
    const auto& result = senders[i].result();
    BOOST_TEST(result.ok(), result.describe());
    BOOST_TEST((result.out == payloads[i]), "datagram of " << sizes[i] << " bytes");
  }
  BOOST_TEST(echo.received == sizes.size());
  p.finish();
  check_tx_path(p.dev, offloads);
  // Every echo's UDP and IPv4 checksums, as the chosen path inserted them.
  const std::string echoes = "ip.src == " + kTandemIp + " && udp.srcport == 7";
  BOOST_TEST(interop::count_matching(p.capture, echoes + " && udp.checksum.status == \"Good\" && "
                                                         "ip.checksum.status == \"Good\"") ==
             static_cast<long>(sizes.size()));
  interop::check_capture_is_clean(p.capture);
}

// A TCP header template from Tandem to Linux's discard port.
Bytes tso_template(const wire::TcpRepr& tcp, std::uint16_t ident) {
  using namespace wire;
  Ipv4Repr ip{.src = kTandemAddress,
              .dst = kLinuxAddress,
              .protocol = static_cast<std::uint8_t>(IpProtocol::tcp)};
  ip.ident = ident;
  ip.payload_len = static_cast<std::uint16_t>(tcp.header_len());
  Bytes frame(kEthernetHeaderLen + ip.total_len());
  const auto l3 = std::span(frame).subspan(kEthernetHeaderLen);
  EthernetRepr{kLinuxMac, kTandemMac, static_cast<std::uint16_t>(EtherType::ipv4)}.emit(frame);
  ip.emit(l3, ChecksumMode::offloaded);
  auto header_only = tcp;
  header_only.payload_len = 0;
  header_only.emit(l3.subspan(ip.header_len()), kTandemAddress, kLinuxAddress,
                   ChecksumMode::offloaded);
  return frame;
}

// The segments of the job from `src_port` in the capture, checked against the
// contract (checksums by conf::parse_tcp, in software).
void check_tso_segments(const std::string& capture, const wire::TcpRepr& tcp, std::uint16_t ident,
                        const Bytes& payload, std::uint16_t mss) {
  std::vector<conf::ParsedTcp> sent;
  for (const auto& f : dev::read_pcap(capture)) {
    const auto eth = wire::EthernetFrame::new_checked(f.bytes);
    if (!eth.ok() || eth->ethertype() != static_cast<std::uint16_t>(wire::EtherType::ipv4)) {
      continue;
    }
    const auto ip = wire::Ipv4Packet::new_checked(eth->payload());
    if (!ip.ok() || ip->src() != kTandemAddress) continue;
    auto seg = conf::parse_tcp(f.bytes);
    if (seg.tcp.src_port == tcp.src_port) sent.push_back(std::move(seg));
  }
  const std::size_t segments = (payload.size() + mss - 1) / mss;
  BOOST_TEST_REQUIRE(sent.size() == segments, "MSS " << mss);
  Bytes joined;
  for (std::size_t k = 0; k < sent.size(); ++k) {
    const auto& seg = sent[k];
    const bool last = k + 1 == segments;
    BOOST_TEST(seg.tcp.seq == tcp.seq + static_cast<std::uint32_t>(k * mss));
    BOOST_TEST(seg.ip.ident == static_cast<std::uint16_t>(ident + k), "segment " << k);
    BOOST_TEST(seg.tcp.has(wire::tcp_flag::fin) == last);
    BOOST_TEST(seg.tcp.has(wire::tcp_flag::psh) == last);
    BOOST_TEST(seg.tcp.has(wire::tcp_flag::cwr) == (k == 0), "segment " << k);
    BOOST_TEST((seg.tcp.options == tcp.options));
    BOOST_TEST(seg.payload.size() == (last ? payload.size() - k * mss : mss));
    joined.insert(joined.end(), seg.payload.begin(), seg.payload.end());
  }
  BOOST_TEST((joined == payload));
  BOOST_TEST(
      interop::count_matching(
          capture, "ip.src == " + kTandemIp + " && tcp.srcport == " + std::to_string(tcp.src_port) +
                       " && tcp.checksum.status == \"Good\"") == static_cast<long>(segments));
}

void tso_segments_reach_linux_as_the_contract_says(Offloads offloads) {
  DpdkPeer p(offloads);
  std::mt19937 rng(6);
  const auto payload = conf::random_bytes(rng, 10'000);
  wire::TcpRepr tcp;
  tcp.dst_port = kDiscardPort;
  tcp.seq = wire::SeqNum(0xffff'f000);  // wraps during the job
  tcp.ack = wire::SeqNum(1);
  tcp.flags = wire::tcp_flag::ack | wire::tcp_flag::psh | wire::tcp_flag::fin | wire::tcp_flag::cwr;
  tcp.window = 512;
  tcp.options.timestamps = wire::TcpTimestamps{100, 200};
  const std::uint16_t ident = 0xfff0;  // wraps too
  const std::array<ByteSpan, 2> pieces{ByteSpan(payload).first(3000),
                                       ByteSpan(payload).subspan(3000)};
  // Segments of 1400 bytes fit net_tap's segmentation; of 1448 (a full
  // Ethernet MTU with timestamps) they do not, and go to tcp_segment.
  const std::array<std::uint16_t, 2> mss{1400, 1448};
  std::array<wire::TcpRepr, 2> jobs{tcp, tcp};
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    jobs[j].src_port = static_cast<std::uint16_t>(5000 + j);
    BOOST_TEST_REQUIRE(
        (p.dev.send_tso(0, tso_template(jobs[j], ident), pieces, mss[j]) == c::TxStatus::ok));
    const auto counters = p.dev.dpdk_counters();
    if (offloads == Offloads::port && j == 0) {
      BOOST_TEST(p.dev.port_offloads().tso);
      BOOST_TEST(counters.tx_port_offload >= 1u);
      BOOST_TEST(counters.tx_software == 0u);
    } else {
      BOOST_TEST(counters.tx_software == (offloads == Offloads::port ? 1u : j + 1));
    }
  }
  // Linux answers every segment with a RST from its closed port; give the
  // segments time to arrive.
  p.run_until([] { return false; }, 300ms, [](Instant) { return std::nullopt; });
  p.finish();
  BOOST_TEST(p.dev.counters().tx_tso_jobs == 2u);
  for (std::size_t j = 0; j < jobs.size(); ++j)
    check_tso_segments(p.capture, jobs[j], ident, payload, mss[j]);
  interop::check_capture_is_clean(p.capture);
}

// A UDP datagram from Linux to Tandem, checksums computed, then spoiled on demand.
enum class Spoil { nothing, ip_checksum, udp_checksum };
Bytes udp_from_linux(std::uint16_t src_port, Spoil spoil) {
  using namespace wire;
  const Bytes payload(64, std::byte{0x5a});
  Ipv4Repr ip{.src = kLinuxAddress,
              .dst = kTandemAddress,
              .protocol = static_cast<std::uint8_t>(IpProtocol::udp)};
  ip.payload_len = static_cast<std::uint16_t>(kUdpHeaderLen + payload.size());
  Bytes frame(kEthernetHeaderLen + ip.total_len());
  const auto l3 = std::span(frame).subspan(kEthernetHeaderLen);
  const auto l4 = l3.subspan(ip.header_len());
  std::copy(payload.begin(), payload.end(), l4.begin() + kUdpHeaderLen);
  EthernetRepr{kTandemMac, kLinuxMac, static_cast<std::uint16_t>(EtherType::ipv4)}.emit(frame);
  ip.emit(l3, ChecksumMode::software);
  UdpRepr{.src_port = src_port, .dst_port = 6000, .payload_len = payload.size()}.emit(
      l4, kLinuxAddress, kTandemAddress, ChecksumMode::software);
  if (spoil == Spoil::ip_checksum) l3[10] ^= std::byte{0x40};
  if (spoil == Spoil::udp_checksum) l4[6] ^= std::byte{0x40};
  return frame;
}

void rx_checksum_status_comes_from_the_chosen_path(Offloads offloads) {
  DpdkPeer p(offloads);
  BOOST_TEST(p.dev.port_offloads().rx_checksum == (offloads == Offloads::port));
  p.linux_side.send(udp_from_linux(1, Spoil::nothing));
  p.linux_side.send(udp_from_linux(2, Spoil::udp_checksum));
  p.linux_side.send(udp_from_linux(3, Spoil::ip_checksum));
  conf::Collect sink;
  const auto got_three = [&] { return sink.got.size() >= 3; };
  BOOST_TEST_REQUIRE(p.run_until(got_three, 5s, [&](Instant) {
    while (p.dev.receive(0, 64, sink) > 0) {
    }
    return std::nullopt;
  }));
  // Linux's own frames (none expected with IPv6 unused) would come first.
  std::vector<conf::Received> udp;
  for (const auto& r : sink.got) {
    if (r.meta.l4 == c::L4Kind::udp || r.meta.l3_checksum == c::ChecksumStatus::bad) {
      udp.push_back(r);
    }
  }
  BOOST_TEST_REQUIRE(udp.size() == 3u);
  BOOST_TEST((udp[0].meta.l3_checksum == c::ChecksumStatus::good));
  BOOST_TEST((udp[0].meta.l4_checksum == c::ChecksumStatus::good));
  BOOST_TEST((udp[1].meta.l3_checksum == c::ChecksumStatus::good));
  BOOST_TEST((udp[1].meta.l4_checksum == c::ChecksumStatus::bad));
  BOOST_TEST((udp[2].meta.l3_checksum == c::ChecksumStatus::bad));
  BOOST_TEST(udp[0].meta.rss_hash == wire::rss_hash_ipv4_l4(wire::kMicrosoftRssKey, kLinuxAddress,
                                                            kTandemAddress, 1, 6000));
  p.finish();
}

}  // namespace

#define TANDEM_BOTH_PATHS(name)                     \
  BOOST_AUTO_TEST_CASE(name##_on_port_offloads) {   \
    name(Offloads::port);                           \
  }                                                 \
  BOOST_AUTO_TEST_CASE(name##_on_kernel_fallback) { \
    name(Offloads::kernels);                        \
  }

BOOST_AUTO_TEST_SUITE(linux_peer, *boost::unit_test::precondition(tandem::interop::available))

TANDEM_BOTH_PATHS(linux_ping_gets_five_replies)
TANDEM_BOTH_PATHS(linux_udp_datagrams_are_echoed_byte_exact)
TANDEM_BOTH_PATHS(tso_segments_reach_linux_as_the_contract_says)
TANDEM_BOTH_PATHS(rx_checksum_status_comes_from_the_chosen_path)

// Two queues on a port without RSS: flows from Linux reach the queue their
// Toeplitz hash names, as the host's source-port choice expects.
BOOST_AUTO_TEST_CASE(two_queues_steer_linux_flows_by_toeplitz) {
  DpdkPeer p(Offloads::port, 2);
  BOOST_TEST(p.dev.capabilities().queues == 2u);
  BOOST_TEST(!p.dev.port_offloads().rss);
  constexpr std::uint16_t kFlows = 32;
  for (std::uint16_t port = 1; port <= kFlows; ++port)
    p.linux_side.send(udp_from_linux(port, Spoil::nothing));
  std::array<conf::Collect, 2> sinks;
  const auto all_in = [&] { return sinks[0].got.size() + sinks[1].got.size() >= kFlows; };
  BOOST_TEST_REQUIRE(p.run_until(all_in, 5s, [&](Instant) {
    for (std::uint16_t q = 0; q < 2; ++q)
      p.dev.receive(q, 64, sinks[q]);
    return std::nullopt;
  }));
  for (std::uint16_t q = 0; q < 2; ++q) {
    BOOST_TEST(sinks[q].got.size() > 4u, "queue " << q << " got a share");
    for (const auto& r : sinks[q].got) {
      BOOST_TEST(r.meta.queue == q);
      BOOST_TEST(p.dev.rss().queue_of(r.meta.rss_hash) == q);
    }
  }
  p.finish();
}

BOOST_AUTO_TEST_SUITE_END()
