// SPDX-License-Identifier: Apache-2.0
// Tandem's network layer (net::Interface on a TapDevice) against the Linux
// kernel, in a network namespace of the test's own: Linux's ping, ARP and
// socat on one side of TAP tdm0, Tandem on the other, every capture checked by
// tshark. Bounded in time: each case takes a second or two.
//
//   Linux 10.77.0.1/24 (tdm0's address)  ◄── TAP tdm0 ──►  Tandem 10.77.0.2, 02:00:00:77:00:02
#define BOOST_TEST_MODULE net_interop
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "host/dev/tap/tap_device.hpp"
#include "host/net/interface.hpp"
#include "tests/interop/interop_test.hpp"
#include "tests/interop/real_time.hpp"

namespace {

using namespace std::chrono_literals;
using namespace tandem;
using interop::NetworkNamespace;
using Bytes = std::vector<std::byte>;

const std::string kTap = "tdm0";
const std::string kLinuxIp = "10.77.0.1";
const std::string kTandemIp = "10.77.0.2";
const wire::Ipv4Address kLinuxAddress = wire::Ipv4Address::from_octets(10, 77, 0, 1);
const wire::Ipv4Address kTandemAddress = wire::Ipv4Address::from_octets(10, 77, 0, 2);
const wire::MacAddress kTandemMac{{0x02, 0x00, 0x00, 0x77, 0x00, 0x02}};
// RFC 862's echo port, which tshark decodes as such (an arbitrary port may be
// taken for a protocol it is not, and the random payload called malformed).
constexpr std::uint16_t kEchoPort = 7;

net::InterfaceConfig tandem_config() {
  net::InterfaceConfig config;
  config.mac = kTandemMac;
  config.address = kTandemAddress;
  config.prefix_len = 24;
  return config;
}

dev::TapDeviceConfig tap_config() {
  dev::TapDeviceConfig config;
  config.name = kTap;
  config.capture_path = interop::capture_path_for_this_test();
  return config;
}

// Linux and Tandem on either side of tdm0. The test's thread stays in the
// namespace for the fixture's lifetime, so the TAP is created there.
struct LinuxPeer {
  LinuxPeer() { ns.add_address(kTap, kLinuxIp + "/24"); }

  // Runs Tandem until `done` or `limit`.
  bool run_until(const std::function<bool()>& done, Duration limit) {
    const auto poll = [this](Instant now) {
      iface.poll(now);
      return iface.poll_at();
    };
    return interop::run_until(tap, poll, done, limit);
  }
  // Runs Tandem while a Linux command runs; returns how it ended.
  interop::CommandResult run_linux(const std::vector<std::string>& argv, Duration limit,
                                   std::string input = {}) {
    auto child = ns.spawn(argv, std::chrono::duration_cast<std::chrono::milliseconds>(limit),
                          std::move(input));
    run_until([&] { return child.poll(); }, limit + 1s);
    return child.wait();
  }

  std::string linux_neighbour_entry() {
    return ns.run_checked({"ip", "neigh", "show", kTandemIp, "dev", kTap});
  }

  // Everything Tandem was handed, it has sent; and the capture is on disk.
  void finish() {
    BOOST_TEST(iface.tx_queued() == 0u);
    BOOST_TEST(iface.arp_cache().waiting_frames() == 0u);
    BOOST_TEST(tap.tx_backlog() == 0u);
    BOOST_TEST(iface.counters().link.tx_refused == 0u);
    tap.flush_capture();
  }

  NetworkNamespace ns{"net"};
  NetworkNamespace::Entered inside = ns.enter();
  const std::string capture = interop::capture_path_for_this_test();
  dev::TapDevice tap{tap_config()};
  net::Interface iface{tap, tandem_config(), interop::real_now()};
};

// Echoes every datagram to where it came from (RFC 862).
class UdpEcho final : public net::UdpHandler {
 public:
  explicit UdpEcho(net::Interface& iface) : iface_(iface) {}
  void on_datagram(net::UdpEndpoint from, std::uint16_t local_port,
                   wire::ByteSpan payload) override {
    received.emplace_back(payload.begin(), payload.end());
    const auto ec = iface_.send_udp(local_port, from, payload);
    BOOST_TEST(!ec, "echo: " << ec.message());
  }
  std::vector<Bytes> received;

 private:
  net::Interface& iface_;
};

class EchoReplies final : public net::EchoReplyHandler {
 public:
  void on_echo_reply(wire::Ipv4Address from, std::uint16_t, std::uint16_t seq,
                     wire::ByteSpan) override {
    if (from == kLinuxAddress) seqs.push_back(seq);
  }
  std::vector<std::uint16_t> seqs;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(linux_peer, *boost::unit_test::precondition(tandem::interop::available))

BOOST_FIXTURE_TEST_CASE(linux_ping_gets_five_replies, LinuxPeer) {
  const auto ping = run_linux({"ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", kTandemIp}, 8s);
  BOOST_TEST(ping.ok(), ping.describe());
  BOOST_TEST(contains(ping.out, "5 packets transmitted, 5 received"), ping.describe());
  BOOST_TEST(iface.counters().icmp.in_echos == 5u);
  BOOST_TEST(iface.counters().icmp.out_echo_replies == 5u);
  // Tandem learned Linux's address from its ARP request (RFC 826), without
  // asking, and Linux learned Tandem's from the reply.
  BOOST_TEST(iface.counters().arp.tx_requests == 0u);
  BOOST_TEST(iface.counters().arp.tx_replies >= 1u);
  BOOST_TEST((iface.arp_cache().state(kLinuxAddress) == net::ArpCache::State::reachable));
  const auto entry = linux_neighbour_entry();
  BOOST_TEST(contains(entry, "lladdr " + kTandemMac.to_string()), entry);
  finish();

  // The replies went to Linux's MAC, and Wireshark finds nothing wrong.
  const std::string linux_mac = ns.mac_of(kTap);
  BOOST_TEST(interop::count_matching(capture, "icmp.type == 0 && eth.dst == " + linux_mac) == 5);
  interop::check_capture_is_clean(capture);
}

BOOST_FIXTURE_TEST_CASE(tandem_pings_linux_and_arp_is_learned_both_ways, LinuxPeer) {
  EchoReplies replies;
  iface.set_echo_reply_handler(&replies);
  const Bytes data(56, std::byte{0xa5});
  for (std::uint16_t seq = 1; seq <= 3; ++seq) {
    BOOST_TEST_REQUIRE(!iface.send_echo_request(kLinuxAddress, 0x7464, seq, data));
    run_until([&] { return replies.seqs.size() == seq; }, 2s);
  }
  BOOST_TEST((replies.seqs == std::vector<std::uint16_t>{1, 2, 3}));
  // Tandem asked for Linux's address; Linux learned Tandem's from the request.
  BOOST_TEST(iface.counters().arp.tx_requests >= 1u);
  BOOST_TEST(iface.counters().arp.rx_replies >= 1u);
  BOOST_TEST((iface.arp_cache().state(kLinuxAddress) == net::ArpCache::State::reachable));
  const auto entry = linux_neighbour_entry();
  BOOST_TEST(contains(entry, "lladdr " + kTandemMac.to_string()), entry);
  BOOST_TEST(!contains(entry, "FAILED"), entry);
  finish();

  BOOST_TEST(interop::count_matching(capture,
                                     "arp.opcode == 2 && arp.src.proto_ipv4 == " + kLinuxIp) >= 1);
  interop::check_capture_is_clean(capture);
}

BOOST_FIXTURE_TEST_CASE(linux_udp_datagrams_are_echoed_byte_exact, LinuxPeer) {
  UdpEcho echo(iface);
  BOOST_TEST_REQUIRE(!iface.bind_udp(kEchoPort, echo));
  std::mt19937 rng(5);
  const std::vector<std::size_t> sizes{1, 100, 1000, iface.max_udp_payload()};
  std::vector<std::string> payloads;
  std::vector<interop::ChildProcess> senders;
  for (const auto size : sizes) {
    std::string payload(size, '\0');
    for (auto& ch : payload)
      ch = static_cast<char>(rng() & 0xff);
    // One socat per datagram, all at once: each sends its stdin as one datagram
    // from its own port and prints what comes back; -t bounds the wait for it.
    senders.push_back(ns.spawn({"socat", "-t", "1", "-", "UDP:" + kTandemIp + ":7"}, 5s, payload));
    payloads.push_back(std::move(payload));
  }
  const auto all_done = [&] {
    bool done = true;
    for (auto& s : senders)
      done = s.poll() && done;
    return done;
  };
  BOOST_TEST_REQUIRE(run_until(all_done, 6s));
  for (std::size_t i = 0; i < senders.size(); ++i) {
    const auto& result = senders[i].result();
    BOOST_TEST(result.ok(), result.describe());
    BOOST_TEST(result.out.size() == payloads[i].size());
    BOOST_TEST((result.out == payloads[i]), "datagram of " << sizes[i] << " bytes");
  }
  BOOST_TEST(echo.received.size() == sizes.size());
  BOOST_TEST(iface.counters().udp.out_datagrams == sizes.size());
  BOOST_TEST(iface.counters().udp.in_errors == 0u);
  finish();
  BOOST_TEST(interop::count_matching(capture, "udp.srcport == 7") ==
             static_cast<long>(sizes.size()));
  interop::check_capture_is_clean(capture);
}

BOOST_FIXTURE_TEST_CASE(closed_udp_port_is_refused_with_icmp_port_unreachable, LinuxPeer) {
  // RFC 863's discard port, on which Tandem listens to nothing.
  const auto refused = run_linux({"socat", "-t", "1", "-", "UDP:" + kTandemIp + ":9"}, 5s, "hello");
  // Linux turns the ICMP error into ECONNREFUSED on socat's connected socket.
  BOOST_TEST(!refused.ok(), refused.describe());
  BOOST_TEST(contains(refused.err, "Connection refused"), refused.describe());
  BOOST_TEST(iface.counters().udp.no_ports == 1u);
  BOOST_TEST(iface.counters().icmp.out_dest_unreachs == 1u);
  finish();
  BOOST_TEST(interop::count_matching(
                 capture, "icmp.type == 3 && icmp.code == 3 && ip.src == " + kTandemIp) == 1);
  interop::check_capture_is_clean(capture);
}

BOOST_AUTO_TEST_SUITE_END()
