// SPDX-License-Identifier: Apache-2.0
// The tap backend on a real wire: two TapDevices, A (TAP tdma) and B (TAP
// tdmb), joined by a Linux bridge in a network namespace of the test's own.
// The Device conformance cases (sim/tests/device_conformance.hpp) run on that
// wire; then what is the tap backend's own: TX back-pressure against a kernel
// that holds our frames, steering to several queues, frames over the MTU, the
// capture, and the errors a user sees.
//
// The conformance case corruption_in_the_ip_packet_is_always_flagged is not
// run here: it needs a wire that flips bits, which on Linux is `tc netem
// corrupt`, and kernels without sch_netem (the one these tests were written on
// among them) cannot build that wire. Its subject, the NIC model's RX checks,
// is the same code the soft backend runs it against.
#define BOOST_TEST_MODULE tap_device
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <grp.h>
#include <chrono>
#include <climits>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <thread>

#include "host/dev/pcap.hpp"
#include "host/dev/tap/tap_device.hpp"
#include "sim/tests/device_conformance.hpp"
#include "tests/interop/interop_test.hpp"
#include "tests/interop/real_time.hpp"

namespace {

using namespace std::chrono_literals;
using namespace tandem;
using conformance::DeviceFactory;
using conformance::DeviceOptions;
using conformance::Received;
using dev::TapDevice;
using dev::TapDeviceConfig;
using interop::NetworkNamespace;
namespace c = tandem::contract;

const std::string kTapA = "tdma";
const std::string kTapB = "tdmb";

// A namespace with a bridge, entered by the test's thread. Nothing but the
// devices may send on it, since the cases count what arrives: no IPv6 on the
// interfaces made in it (router solicitations, MLD reports), no IGMP.
struct BridgedTaps {
  BridgedTaps() {
    ns.run_checked({"sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"});
    ns.run_checked({"sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"});
    // A wire, not a firewall: with br_netfilter present, bridged IPv4 frames
    // would go through the IP hooks, which drop what does not parse and release
    // a frame from its sender's send buffer early. Absent, there is nothing to
    // turn off.
    for (const char* family : {"iptables", "ip6tables", "arptables"}) {
      (void)ns.run({"sysctl", "-qw", std::string("net.bridge.bridge-nf-call-") + family + "=0"});
    }
    // Without snooping the bridge joins no all-snoopers group (RFC 4286), so
    // it sends no IGMP reports to the ports.
    ns.run_checked({"ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"});
    ns.run_checked({"ip", "link", "set", "br0", "up"});
  }

  std::unique_ptr<TapDevice> make(const std::string& name, TapDeviceConfig config = {}) {
    config.name = name;
    auto device = std::make_unique<TapDevice>(config);
    ns.run_checked({"ip", "link", "set", name, "master", "br0"});
    return device;
  }

  // The conformance cases' two ends of the wire, tdma and tdmb; their link
  // model is not used (no case run here asks for impairments).
  DeviceFactory factory() {
    return [this](sim::Link&, sim::LinkEnd end, const DeviceOptions& options) {
      TapDeviceConfig config;
      config.rx_ring_size = options.rx_ring_size;
      return std::unique_ptr<dev::Device>(make(end == sim::LinkEnd::a ? kTapA : kTapB, config));
    };
  }

  NetworkNamespace ns{"tap"};
  NetworkNamespace::Entered inside = ns.enter();
};

TapDeviceConfig named(const std::string& name) {
  TapDeviceConfig config;
  config.name = name;
  return config;
}

std::vector<Received> drain_queue(dev::Device& d, std::uint16_t queue) {
  conformance::Collect sink;
  while (d.receive(queue, 64, sink) > 0) {
  }
  return sink.got;
}

// Advances both devices in real time until `b` has received `count` frames on
// any queue, for at most two seconds.
std::vector<Received> receive_at_b(TapDevice& a, TapDevice& b, std::size_t count) {
  std::vector<Received> got;
  const auto poll = [&](Instant now) -> std::optional<Instant> {
    a.advance(now);
    for (auto& r : conformance::drain(b))
      got.push_back(std::move(r));
    return a.next_event();
  };
  interop::run_until(
      b, poll, [&] { return got.size() >= count; }, 2s);
  return got;
}

std::vector<std::byte> tcp_frame_of_size(std::uint32_t seq, std::size_t frame_size) {
  const std::size_t headers = wire::kEthernetHeaderLen + 20 + 32;  // TCP with timestamps
  const std::vector<std::byte> payload(frame_size - headers, std::byte{0x5a});
  auto frame =
      conformance::tcp_frame(conformance::data_segment(seq), payload, wire::ChecksumMode::software);
  BOOST_TEST_REQUIRE(frame.size() == frame_size);
  return frame;
}

// Runs `attempt` in a forked child after `prepare` (both in the child only),
// and returns what it threw as "<errno>: <what>", or "constructed".
std::string outcome_in_child(const std::function<void()>& prepare,
                             const std::function<void()>& attempt) {
  int report[2];
  BOOST_TEST_REQUIRE(::pipe(report) == 0);
  const pid_t pid = ::fork();
  BOOST_TEST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(report[0]);
    std::string outcome = "constructed";
    try {
      prepare();
      attempt();
    } catch (const std::system_error& e) {
      outcome = std::to_string(e.code().value()) + ": " + e.what();
    } catch (const std::exception& e) {
      outcome = std::string("other: ") + e.what();
    }
    const auto written = ::write(report[1], outcome.data(), outcome.size());
    ::_exit(written == static_cast<ssize_t>(outcome.size()) ? 0 : 1);
  }
  ::close(report[1]);
  std::string outcome;
  char buffer[512];
  for (ssize_t n; (n = ::read(report[0], buffer, sizeof buffer)) > 0;)
    outcome.append(buffer, static_cast<std::size_t>(n));
  ::close(report[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  BOOST_TEST(WIFEXITED(status));
  return outcome;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(conformance_over_a_bridge,
                      *boost::unit_test::precondition(tandem::interop::available))

BOOST_FIXTURE_TEST_CASE(nic_fills_both_checksums_of_a_plain_frame, BridgedTaps) {
  conformance::nic_fills_both_checksums_of_a_plain_frame(factory());
}
BOOST_FIXTURE_TEST_CASE(tso_job_becomes_mss_sized_segments_with_valid_checksums, BridgedTaps) {
  conformance::tso_job_becomes_mss_sized_segments_with_valid_checksums(factory());
}
BOOST_FIXTURE_TEST_CASE(bad_descriptors_are_refused_and_send_nothing, BridgedTaps) {
  conformance::bad_descriptors_are_refused_and_send_nothing(factory());
}
BOOST_FIXTURE_TEST_CASE(flow_table_commands_steer_lookups, BridgedTaps) {
  conformance::flow_table_commands_steer_lookups(factory());
}
BOOST_FIXTURE_TEST_CASE(full_rx_ring_drops_and_counts, BridgedTaps) {
  conformance::full_rx_ring_drops_and_counts(factory());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tap_device, *boost::unit_test::precondition(tandem::interop::available))

// The kernel charges a frame we write to the TAP's send buffer until it frees
// the frame, when the frame is too large for tun's page-fragment fast path (a
// page or more). A token bucket on the far port holds such frames for a while,
// and a one-byte send buffer lets only one be held: the next write fails with
// EAGAIN. Nothing accepted may be lost or reordered.
BOOST_FIXTURE_TEST_CASE(tx_back_pressure_keeps_every_accepted_frame_in_order, BridgedTaps) {
  TapDeviceConfig jumbo;
  jumbo.nic.mtu = 9000;
  auto a = make(kTapA, jumbo);
  auto b = make(kTapB, jumbo);
  // 50 kB/s with room for one 5000-byte frame: the next waits ~80 ms.
  ns.run_checked({"tc", "qdisc", "add", "dev", kTapB, "root", "tbf", "rate", "400kbit", "burst",
                  "6000", "limit", "100000"});
  int one_byte = 1;
  BOOST_TEST_REQUIRE(::ioctl(a->wait_fd(), TUNSETSNDBUF, &one_byte) == 0);

  std::vector<std::vector<std::byte>> frames;
  for (std::uint32_t i = 0; i < 4; ++i)
    frames.push_back(tcp_frame_of_size(1000 + i, 5000));

  const Instant t0 = interop::real_now();
  a->advance(t0);
  BOOST_TEST((a->send_frame(0, frames[0], 0) == c::TxStatus::ok));  // passes the bucket
  BOOST_TEST((a->send_frame(0, frames[1], 0) == c::TxStatus::ok));  // held in it
  BOOST_TEST((a->send_frame(0, frames[2], 0) == c::TxStatus::ok));  // EAGAIN: backlogged
  BOOST_TEST(a->tap_counters().tx_deferred == 1u);
  BOOST_TEST(a->tx_backlog() == 1u);
  BOOST_TEST(a->next_event().has_value());  // the backlog is work for advance()
  BOOST_TEST((a->send_frame(0, frames[3], 0) == c::TxStatus::ring_full));
  BOOST_TEST(a->counters().tx_refused == 1u);

  // The host's retry, as net::Interface does it: after advance(), again.
  bool sent = false;
  const auto retry = [&](Instant now) -> std::optional<Instant> {
    a->advance(now);
    if (!sent) sent = a->send_frame(0, frames[3], 0) == c::TxStatus::ok;
    return a->next_event();
  };
  interop::run_until(
      *a, retry, [&] { return sent && a->tx_backlog() == 0; }, 3s);
  BOOST_TEST_REQUIRE(sent);

  const auto got = receive_at_b(*a, *b, frames.size());
  BOOST_TEST_REQUIRE(got.size() == frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i)
    BOOST_TEST((got[i].frame == frames[i]),
               "frame " << i << ": " << got[i].frame.size() << " bytes, seq "
                        << conformance::parse_tcp(got[i].frame).tcp.seq.raw());
  BOOST_TEST(a->counters().tx_frames == frames.size());
  BOOST_TEST(a->tap_counters().tx_write_errors == 0u);
  BOOST_TEST(a->tap_counters().tx_backlog_peak >= 1u);
}

BOOST_FIXTURE_TEST_CASE(rx_steers_hits_by_conn_id_and_misses_to_queue_0, BridgedTaps) {
  auto a = make(kTapA);
  TapDeviceConfig four_queues;
  four_queues.queues = 4;
  auto b = make(kTapB, four_queues);
  BOOST_TEST(b->capabilities().queues == 4u);

  auto insert = [&](std::uint16_t remote_port, c::ConnectionId id) {
    c::FlowKey4 key = conformance::key_at_b();
    key.remote_port = remote_port;
    BOOST_TEST_REQUIRE(
        b->submit_flow_command({.op = c::FlowOp::insert, .key = key, .conn_id = id}));
    std::array<c::FlowCompletion, 1> done{};
    BOOST_TEST_REQUIRE(b->poll_flow_completions(done) == 1u);
    BOOST_TEST((done[0].status == c::FlowStatus::ok));
  };
  insert(40001, 6);  // queue 2
  insert(40002, 8);  // queue 0, as a hit

  auto send_from = [&](std::uint16_t port) {
    auto tcp = conformance::data_segment(1);
    tcp.src_port = port;
    const auto frame = conformance::tcp_frame(tcp, {}, wire::ChecksumMode::software);
    BOOST_TEST_REQUIRE((a->send_frame(0, frame, 0) == c::TxStatus::ok));
  };
  send_from(40001);
  send_from(40002);
  send_from(40003);  // no flow: a miss
  conformance::settle(*a, *b);

  const auto q0 = drain_queue(*b, 0);
  const auto q1 = drain_queue(*b, 1);
  const auto q2 = drain_queue(*b, 2);
  const auto q3 = drain_queue(*b, 3);
  BOOST_TEST_REQUIRE(q2.size() == 1u);
  BOOST_TEST(q2[0].meta.conn_id == 6u);
  BOOST_TEST(q2[0].meta.queue == 2u);
  BOOST_TEST_REQUIRE(q0.size() == 2u);
  BOOST_TEST(q0[0].meta.conn_id == 8u);
  BOOST_TEST(q0[1].meta.conn_id == c::kLookupMiss);
  BOOST_TEST(q0[1].meta.queue == 0u);
  BOOST_TEST(q1.empty());
  BOOST_TEST(q3.empty());
}

BOOST_FIXTURE_TEST_CASE(frames_over_the_mtu_are_counted_and_dropped, BridgedTaps) {
  TapDeviceConfig jumbo;
  jumbo.nic.mtu = 9000;
  auto a = make(kTapA, jumbo);
  auto b = make(kTapB);  // MTU 1500
  // Linux now sends B what B's NIC was not built for.
  ns.run_checked({"ip", "link", "set", kTapB, "mtu", "9000"});

  const auto big = tcp_frame_of_size(1, 3000);
  const auto fits = tcp_frame_of_size(2, 1514);
  BOOST_TEST_REQUIRE((a->send_frame(0, big, 0) == c::TxStatus::ok));
  BOOST_TEST_REQUIRE((a->send_frame(0, fits, 0) == c::TxStatus::ok));
  const auto got = receive_at_b(*a, *b, 1);
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST((got[0].frame == fits));
  BOOST_TEST(b->tap_counters().rx_oversize == 1u);
  BOOST_TEST(b->counters().rx_frames == 1u);
  BOOST_TEST(b->counters().rx_dropped == 0u);
}

BOOST_FIXTURE_TEST_CASE(capture_records_both_directions_and_wait_fd_wakes, BridgedTaps) {
  const std::string path = interop::capture_path_for_this_test();
  TapDeviceConfig captured;
  captured.capture_path = path;
  auto a = make(kTapA, captured);
  auto b = make(kTapB);

  const auto out =
      conformance::tcp_frame(conformance::data_segment(1), {}, wire::ChecksumMode::software);
  const auto back =
      conformance::tcp_frame(conformance::data_segment(2), {}, wire::ChecksumMode::software, false);
  BOOST_TEST_REQUIRE((a->send_frame(0, out, 0) == c::TxStatus::ok));
  BOOST_TEST_REQUIRE(receive_at_b(*a, *b, 1).size() == 1u);
  BOOST_TEST_REQUIRE((b->send_frame(0, back, 0) == c::TxStatus::ok));

  pollfd readable{.fd = a->wait_fd(), .events = POLLIN, .revents = 0};
  BOOST_TEST_REQUIRE(::poll(&readable, 1, 1000) == 1);
  a->advance(interop::real_now());
  BOOST_TEST(conformance::drain(*a).size() == 1u);
  a->flush_capture();

  const auto frames = dev::read_pcap(path);
  BOOST_TEST_REQUIRE(frames.size() == 2u);
  BOOST_TEST((frames[0].bytes == out));
  BOOST_TEST((frames[1].bytes == back));
  interop::check_capture_is_clean(path);
}

BOOST_FIXTURE_TEST_CASE(attaches_to_an_existing_tap_and_brings_it_up, BridgedTaps) {
  ns.run_checked({"ip", "tuntap", "add", "tdmp", "mode", "tap"});
  {
    TapDeviceConfig config;
    config.name = "tdmp";
    config.nic.mtu = 1400;
    TapDevice persistent(config);
    BOOST_TEST(persistent.name() == "tdmp");
    const auto link = ns.run_checked({"ip", "-o", "link", "show", "tdmp"});
    BOOST_TEST(contains(link, ",UP"), link);
    BOOST_TEST(contains(link, "mtu 1400"), link);
  }
  // A TAP the device did not create outlives it; one it created does not.
  BOOST_TEST(ns.run({"ip", "link", "show", "tdmp"}).ok());
  { TapDevice created(named("tdmq")); }
  BOOST_TEST(!ns.run({"ip", "link", "show", "tdmq"}).ok());
}

BOOST_FIXTURE_TEST_CASE(errors_name_the_device_and_the_cause, BridgedTaps) {
  auto expect_error = [](const std::string& name, int code, const std::string& why) {
    try {
      TapDevice device(named(name));
      BOOST_ERROR("no error for '" << name << "'");
    } catch (const std::system_error& e) {
      BOOST_TEST(e.code().value() == code, name << ": " << e.what());
      BOOST_TEST(contains(e.what(), "tap device '" + name + "'"), e.what());
      BOOST_TEST(contains(e.what(), why), e.what());
    }
  };
  expect_error("tdm-name-too-long", EINVAL, "1 to 15 characters");
  expect_error("", EINVAL, "1 to 15 characters");
  expect_error("tdm bad", EINVAL, "not a valid interface name");
  expect_error("br0", EINVAL, "not a TAP");
  auto attached = make(kTapA);
  expect_error(kTapA, EBUSY, "already attached");
}

BOOST_FIXTURE_TEST_CASE(errors_for_missing_privilege_and_missing_tun, BridgedTaps) {
  const auto attempt = [] { TapDevice device(named("tdmx")); };

  const auto unprivileged = outcome_in_child(
      [] {
        constexpr gid_t kNobody = 65534;
        if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
          throw std::runtime_error("cannot drop privileges");
        }
      },
      attempt);
  // Depending on /dev/net/tun's mode the open or the attach is refused.
  BOOST_TEST((unprivileged.starts_with(std::to_string(EPERM) + ":") ||
              unprivileged.starts_with(std::to_string(EACCES) + ":")),
             unprivileged);
  BOOST_TEST(contains(unprivileged, "tap device 'tdmx'"), unprivileged);
  BOOST_TEST((contains(unprivileged, "CAP_NET_ADMIN") || contains(unprivileged, "permission")),
             unprivileged);

  const auto without_tun = outcome_in_child(
      [] {
        // An empty /dev/net, visible to this child only.
        if (::unshare(CLONE_NEWNS) != 0 ||
            ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            ::mount("tmpfs", "/dev/net", "tmpfs", 0, nullptr) != 0) {
          throw std::runtime_error("cannot hide /dev/net/tun");
        }
      },
      attempt);
  BOOST_TEST(without_tun.starts_with(std::to_string(ENOENT) + ":"), without_tun);
  BOOST_TEST(contains(without_tun, "/dev/net/tun"), without_tun);
}

BOOST_AUTO_TEST_SUITE_END()
