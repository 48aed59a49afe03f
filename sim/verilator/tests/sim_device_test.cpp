// SPDX-License-Identifier: Apache-2.0
// The sim backend: rtl/nic/nic_top under Verilator behind the Device interface.
// It passes the same conformance cases as the soft backend (two SimDevices on
// one link), talks to a SoftDevice across the link with byte-identical results
// to a SoftDevice pair, leaves nothing in flight after random traffic, and its
// other wire attachments (pcap, TAP) carry frames both ways.
#define BOOST_TEST_MODULE sim_device
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "host/dev/pcap.hpp"
#include "sim/soft/soft_device.hpp"
#include "sim/tests/device_conformance.hpp"
#include "sim/verilator/sim_device.hpp"

namespace {

using namespace tandem;
using namespace tandem::wire;
using conformance::DeviceFactory;
using conformance::DeviceOptions;
using conformance::Pair;
using conformance::Received;
namespace c = tandem::contract;

std::unique_ptr<dev::Device> make_sim(sim::Link& link, sim::LinkEnd end,
                                      const DeviceOptions& options) {
  sim::SimDeviceConfig config;
  config.rx_ring_size = options.rx_ring_size;
  return std::make_unique<sim::SimDevice>(link, end, config);
}

std::unique_ptr<dev::Device> make_soft(sim::Link& link, sim::LinkEnd end,
                                       const DeviceOptions& options) {
  sim::SoftDeviceConfig config;
  config.rx_ring_size = options.rx_ring_size;
  return std::make_unique<sim::SoftDevice>(link, end, config);
}

sim::SimDevice& as_sim(dev::Device& d) {
  return dynamic_cast<sim::SimDevice&>(d);
}

// A UDP frame whose checksum fields are left for the NIC.
std::vector<std::byte> udp_frame(ByteSpan payload, bool a_to_b) {
  const Ipv4Address src = a_to_b ? conformance::kIpA : conformance::kIpB;
  const Ipv4Address dst = a_to_b ? conformance::kIpB : conformance::kIpA;
  UdpRepr udp{.src_port = 5353, .dst_port = 9999, .payload_len = payload.size()};
  Ipv4Repr ip{.src = src, .dst = dst, .protocol = static_cast<std::uint8_t>(IpProtocol::udp)};
  ip.payload_len = static_cast<std::uint16_t>(udp.header_len() + payload.size());
  std::vector<std::byte> frame(kEthernetHeaderLen + ip.total_len());
  const auto l3 = std::span(frame).subspan(kEthernetHeaderLen);
  const auto l4 = l3.subspan(ip.header_len());
  std::copy(payload.begin(), payload.end(), l4.begin() + static_cast<long>(udp.header_len()));
  EthernetRepr{a_to_b ? conformance::kMacB : conformance::kMacA,
               a_to_b ? conformance::kMacA : conformance::kMacB,
               static_cast<std::uint16_t>(EtherType::ipv4)}
      .emit(frame);
  ip.emit(l3, ChecksumMode::offloaded);
  udp.emit(l4, src, dst, ChecksumMode::offloaded);
  return frame;
}

// What a device pair did with one seeded stream of random work: every status
// and every completion, in order.
struct Transcript {
  std::vector<c::TxStatus> statuses;
  std::vector<Received> at_a;
  std::vector<Received> at_b;
  std::vector<c::FlowCompletion> flow;
};

// Random plain frames (TCP, UDP, raw bytes; random checksum flags; sizes up to
// jumbo and past it), TSO jobs (valid and refused) both ways, and flow-table
// commands at B, with the devices settled and drained at random points.
Transcript random_traffic(const DeviceFactory& make_a, const DeviceFactory& make_b,
                          std::uint32_t seed, int operations) {
  Pair p(make_a, make_b);
  std::mt19937 rng(seed);
  Transcript t;
  auto pick = [&](unsigned n) { return static_cast<unsigned>(rng() % n); };
  for (int i = 0; i < operations; ++i) {
    const bool a_to_b = pick(3) != 0;
    dev::Device& from = a_to_b ? *p.a : *p.b;
    const std::uint8_t flags = static_cast<std::uint8_t>(pick(4));
    switch (pick(8)) {
      case 0:
      case 1:
      case 2: {
        std::size_t len = pick(10) == 0 ? pick(9000) : pick(1500);
        const auto payload = conformance::random_bytes(rng, len);
        auto tcp = conformance::data_segment(static_cast<std::uint32_t>(rng()));
        tcp.flags = static_cast<std::uint8_t>(rng());
        if (!a_to_b) std::swap(tcp.src_port, tcp.dst_port);
        const auto frame = conformance::tcp_frame(tcp, payload, ChecksumMode::offloaded, a_to_b);
        t.statuses.push_back(from.send_frame(0, frame, flags));
        break;
      }
      case 3: {
        const auto payload = conformance::random_bytes(rng, pick(2000));
        t.statuses.push_back(from.send_frame(0, udp_frame(payload, a_to_b), flags));
        break;
      }
      case 4: {
        // Anything at all, including runts the device refuses and frames past
        // the MTU.
        const std::size_t len = pick(8) == 0 ? 9000 + pick(40) : pick(300);
        t.statuses.push_back(from.send_frame(0, conformance::random_bytes(rng, len), flags));
        break;
      }
      case 5:
      case 6: {
        auto tmpl = conformance::data_segment(static_cast<std::uint32_t>(rng()));
        tmpl.flags = tcp_flag::ack | (pick(2) ? tcp_flag::fin | tcp_flag::psh : 0) |
                     (pick(2) ? tcp_flag::cwr : 0);
        if (!a_to_b) std::swap(tmpl.src_port, tmpl.dst_port);
        auto header = conformance::tcp_frame(tmpl, {}, ChecksumMode::offloaded, a_to_b);
        if (pick(10) == 0) header[12] = std::byte{0x86};  // not IPv4: refused
        const std::size_t len = pick(6) == 0 ? pick(c::kTsoMaxPayload + 2) : 1 + pick(12000);
        const auto payload = conformance::random_bytes(rng, len);
        const std::array<ByteSpan, 2> pieces{ByteSpan(payload).first(len / 3),
                                             ByteSpan(payload).subspan(len / 3)};
        static constexpr std::array<std::uint16_t, 6> kMss{536, 1448, 1460, 8960, 0, 100};
        const std::uint16_t mss = kMss[pick(kMss.size())];
        t.statuses.push_back(from.send_tso(0, header, pieces, mss));
        break;
      }
      default: {
        c::FlowCommand cmd;
        cmd.op = pick(3) == 0 ? c::FlowOp::remove : c::FlowOp::insert;
        cmd.key = conformance::key_at_b();
        cmd.key.remote_port = static_cast<std::uint16_t>(40000 + pick(4));
        cmd.conn_id = pick(100);
        cmd.tag = static_cast<std::uint32_t>(i);
        BOOST_TEST_REQUIRE(p.b->submit_flow_command(cmd));
        break;
      }
    }
    if (pick(4) == 0) {
      conformance::settle(*p.a, *p.b);
      for (auto& r : conformance::drain(*p.a))
        t.at_a.push_back(std::move(r));
      for (auto& r : conformance::drain(*p.b))
        t.at_b.push_back(std::move(r));
      std::array<c::FlowCompletion, 16> done{};
      while (const std::size_t n = p.b->poll_flow_completions(done))
        t.flow.insert(t.flow.end(), done.begin(), done.begin() + static_cast<long>(n));
    }
  }
  conformance::settle(*p.a, *p.b);
  for (auto& r : conformance::drain(*p.a))
    t.at_a.push_back(std::move(r));
  for (auto& r : conformance::drain(*p.b))
    t.at_b.push_back(std::move(r));
  std::array<c::FlowCompletion, 16> done{};
  while (const std::size_t n = p.b->poll_flow_completions(done))
    t.flow.insert(t.flow.end(), done.begin(), done.begin() + static_cast<long>(n));

  // Nothing left anywhere: not on the link, not in either NIC, every frame sent
  // was received and every command answered.
  BOOST_TEST(p.link.in_flight() == 0u);
  for (dev::Device* d : {p.a.get(), p.b.get()}) {
    if (auto* s = dynamic_cast<sim::SimDevice*>(d)) BOOST_TEST(!s->in_flight());
    BOOST_TEST(!d->next_event().has_value());
  }
  BOOST_TEST(p.a->counters().tx_frames == t.at_b.size());
  BOOST_TEST(p.b->counters().tx_frames == t.at_a.size());
  BOOST_TEST(p.b->counters().flow_commands == t.flow.size());
  return t;
}

void check_same(const Transcript& got, const Transcript& want) {
  BOOST_TEST((got.statuses == want.statuses));
  BOOST_TEST((got.flow == want.flow));
  BOOST_TEST_REQUIRE(got.at_a.size() == want.at_a.size());
  BOOST_TEST_REQUIRE(got.at_b.size() == want.at_b.size());
  for (std::size_t i = 0; i < got.at_b.size(); ++i) {
    BOOST_TEST((got.at_b[i].frame == want.at_b[i].frame), "frame " << i << " at B differs");
    BOOST_TEST((got.at_b[i].meta == want.at_b[i].meta), "RxMeta " << i << " at B differs");
  }
  for (std::size_t i = 0; i < got.at_a.size(); ++i) {
    BOOST_TEST((got.at_a[i].frame == want.at_a[i].frame), "frame " << i << " at A differs");
    BOOST_TEST((got.at_a[i].meta == want.at_a[i].meta), "RxMeta " << i << " at A differs");
  }
}

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
}

}  // namespace

// Two SimDevices on one link: everything the soft backend promises.
TANDEM_DEVICE_CONFORMANCE_CASES(make_sim)

BOOST_AUTO_TEST_SUITE(against_soft)

BOOST_AUTO_TEST_CASE(sim_and_soft_talk_with_the_results_of_a_soft_pair) {
  const Transcript soft_pair = random_traffic(make_soft, make_soft, 11, 120);
  BOOST_TEST(soft_pair.at_b.size() > 50u);
  BOOST_TEST(soft_pair.at_a.size() > 20u);
  check_same(random_traffic(make_sim, make_soft, 11, 120), soft_pair);
  check_same(random_traffic(make_soft, make_sim, 11, 120), soft_pair);
}

BOOST_AUTO_TEST_CASE(random_work_on_a_sim_pair_leaves_nothing_in_flight) {
  for (std::uint32_t seed : {21u, 22u}) {
    const Transcript want = random_traffic(make_soft, make_soft, seed, 100);
    check_same(random_traffic(make_sim, make_sim, seed, 100), want);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(model)

BOOST_AUTO_TEST_CASE(hits_are_steered_to_their_connections_queue) {
  BOOST_TEST_REQUIRE(sim::SimDevice::queues() == 2u);
  Pair p(make_soft, make_sim);
  auto& b = as_sim(*p.b);
  BOOST_TEST(b.capabilities().queues == 2u);
  c::FlowCommand cmd{
      .op = c::FlowOp::insert, .key = conformance::key_at_b(), .conn_id = 43, .tag = 1};
  BOOST_TEST_REQUIRE(b.submit_flow_command(cmd));
  std::array<c::FlowCompletion, 1> done{};
  BOOST_TEST_REQUIRE(b.poll_flow_completions(done) == 1u);
  BOOST_TEST((done[0].status == c::FlowStatus::ok));

  const auto hit = conformance::tcp_frame(conformance::data_segment(1), {}, ChecksumMode::software);
  auto stray_tcp = conformance::data_segment(1);
  stray_tcp.src_port = 1234;
  const auto miss = conformance::tcp_frame(stray_tcp, {}, ChecksumMode::software);
  p.a->send_frame(0, hit, 0);
  p.a->send_frame(0, miss, 0);
  conformance::settle(*p.a, b);
  conformance::Collect q0, q1;
  BOOST_TEST(b.receive(0, 8, q0) == 1u);
  BOOST_TEST(b.receive(1, 8, q1) == 1u);
  BOOST_TEST_REQUIRE(q1.got.size() == 1u);
  BOOST_TEST(q1.got[0].meta.conn_id == 43u);
  BOOST_TEST(q1.got[0].meta.queue == 1u);
  BOOST_TEST((q1.got[0].frame == hit));
  BOOST_TEST_REQUIRE(q0.got.size() == 1u);
  BOOST_TEST(q0.got[0].meta.conn_id == c::kLookupMiss);
  BOOST_TEST(q0.got[0].meta.queue == 0u);
}

BOOST_AUTO_TEST_CASE(no_cycle_is_clocked_while_nothing_is_in_flight) {
  Pair p(make_sim, make_sim);
  auto& a = as_sim(*p.a);
  const std::uint64_t at_start = a.cycles();
  p.a->advance(instant_from_ns(1'000'000));
  BOOST_TEST(a.cycles() == at_start);
  const auto frame = conformance::tcp_frame(conformance::data_segment(1), {});
  p.a->send_frame(0, frame, c::tx_flag::fill_l4_checksum);
  BOOST_TEST(a.in_flight());
  BOOST_TEST(a.cycles() == at_start);  // posting only queues the work
  BOOST_TEST(p.deliver_to_b().size() == 1u);
  BOOST_TEST(!a.in_flight());
  const std::uint64_t after = a.cycles();
  BOOST_TEST(after > at_start);
  // Store-and-forward in checksum_tx plus the merge: tens of cycles, not thousands.
  BOOST_TEST(after - at_start < 200u);
  p.a->advance(instant_from_ns(2'000'000));
  BOOST_TEST(a.cycles() == after);
}

// What the wire may bring: runts, oversize frames (one longer than the RX
// frame FIFO), bad checksums and lengths that disagree, each followed by a
// good frame, all offered back to back. Every frame comes out, in order,
// flagged as the soft backend (the HLS kernels) flags it and counted as it
// counts; nothing stalls, nothing stays in flight, and the next good frame
// goes through.
BOOST_AUTO_TEST_CASE(bad_wire_input_is_flagged_counted_and_never_stalls) {
  std::mt19937 rng(7);
  const auto good = [&](std::size_t payload_len) {
    return conformance::tcp_frame(conformance::data_segment(static_cast<std::uint32_t>(rng())),
                                  conformance::random_bytes(rng, payload_len),
                                  ChecksumMode::software);
  };
  auto put16 = [](std::vector<std::byte>& f, std::size_t at, unsigned v) {
    f[at] = static_cast<std::byte>(v >> 8);
    f[at + 1] = static_cast<std::byte>(v & 0xff);
  };
  constexpr std::size_t kIpLen = kEthernetHeaderLen + 2;        // IPv4 total length
  constexpr std::size_t kIpChecksum = kEthernetHeaderLen + 10;  // IPv4 header checksum
  constexpr std::size_t kTcpOffset = kEthernetHeaderLen + 20 + 12;

  std::vector<std::vector<std::byte>> bad;
  bad.push_back(conformance::random_bytes(rng, 1));   // runts
  bad.push_back(conformance::random_bytes(rng, 13));  // one byte short of Ethernet
  bad.push_back(good(100));
  bad.back().resize(30);            // IPv4 header cut short
  bad.push_back(good(9019 - 54));   // oversize by one byte
  bad.push_back(good(20000 - 54));  // jumbo past the MTU
  bad.push_back(conformance::random_bytes(rng, sim::SimDevice::rx_frame_limit() + 3000));
  bad.push_back(good(300));
  bad.back()[200] ^= std::byte{0x01};  // payload bit: TCP checksum bad
  bad.push_back(good(300));
  bad.back()[kIpChecksum] ^= std::byte{0x80};  // IPv4 header checksum bad
  bad.push_back(good(300));
  put16(bad.back(), kIpLen, 20 + 20 + 300 + 100);  // total length past the frame
  bad.push_back(good(300));
  put16(bad.back(), kIpLen, 10);  // total length shorter than the header
  bad.push_back(good(0));
  bad.back()[kTcpOffset] = std::byte{0xf0};  // TCP header of 60 bytes in a 20-byte segment
  bad.push_back(good(40));
  bad.back().resize(bad.back().size() + 7);  // trailing bytes past total length: fine

  std::vector<std::vector<std::byte>> wire;
  for (const auto& f : bad) {
    wire.push_back(f);
    wire.push_back(good(64));
  }

  sim::Link soft_link({});
  sim::SoftDevice soft(soft_link, sim::LinkEnd::b);
  sim::SimDevice d(std::make_unique<sim::PcapPort>("", ""));
  for (const auto& f : wire) {
    soft.on_wire_frame(f, Instant{});
    d.on_wire_frame(f, Instant{});
  }
  d.run_until_idle();
  BOOST_TEST(!d.in_flight());
  const auto want = conformance::drain(soft);
  const auto got = conformance::drain(d);
  BOOST_TEST_REQUIRE(got.size() == wire.size());
  BOOST_TEST_REQUIRE(want.size() == wire.size());
  for (std::size_t i = 0; i < wire.size(); ++i) {
    BOOST_TEST((got[i].meta == want[i].meta), "RxMeta of frame " << i);
    const std::size_t whole = std::min(wire[i].size(), sim::SimDevice::rx_frame_limit());
    BOOST_TEST((got[i].frame == std::vector<std::byte>(wire[i].begin(),
                                                       wire[i].begin() + static_cast<long>(whole))),
               "bytes of frame " << i);
    if (i % 2 == 1) {
      BOOST_TEST((got[i].meta.parse == c::ParseStatus::ok));
      BOOST_TEST((got[i].meta.l4_checksum == c::ChecksumStatus::good));
    }
  }
  // The flags the kernels' own tests pin, here through the whole datapath.
  BOOST_TEST((got[0].meta.parse == c::ParseStatus::runt));
  BOOST_TEST((got[2].meta.parse == c::ParseStatus::runt));
  BOOST_TEST((got[4].meta.parse == c::ParseStatus::bad_l3_header));
  BOOST_TEST((got[6].meta.parse == c::ParseStatus::oversize));
  BOOST_TEST((got[8].meta.parse == c::ParseStatus::oversize));
  BOOST_TEST((got[10].meta.parse == c::ParseStatus::oversize));
  BOOST_TEST((got[12].meta.l4_checksum == c::ChecksumStatus::bad));
  BOOST_TEST((got[14].meta.l3_checksum == c::ChecksumStatus::bad));
  BOOST_TEST((got[16].meta.parse == c::ParseStatus::bad_l3_length));
  BOOST_TEST((got[18].meta.parse == c::ParseStatus::bad_l3_length));
  BOOST_TEST((got[20].meta.parse == c::ParseStatus::bad_l4_header));
  BOOST_TEST((got[22].meta.parse == c::ParseStatus::ok));
  BOOST_TEST((got[22].meta.l4_checksum == c::ChecksumStatus::good));

  const auto stats = d.stats();
  BOOST_TEST(stats.rx_parse_errors == soft.nic_counters().rx_parse_errors);
  BOOST_TEST(stats.rx_checksum_bad == soft.nic_counters().rx_checksum_bad);
  BOOST_TEST(stats.rx_parse_errors >= 9u);
  BOOST_TEST(stats.rx_checksum_bad >= 2u);

  // And the next good frame goes through on its own.
  const auto next = good(500);
  d.on_wire_frame(next, Instant{});
  const auto after = conformance::drain(d);
  BOOST_TEST_REQUIRE(after.size() == 1u);
  BOOST_TEST((after[0].frame == next));
  BOOST_TEST((after[0].meta.parse == c::ParseStatus::ok));
  BOOST_TEST(!d.in_flight());
}

BOOST_AUTO_TEST_CASE(fst_waveform_is_written_when_asked) {
  const auto path = temp_path("tandem-sim.fst");
  {
    sim::Link link({});
    sim::SimDeviceConfig config;
    config.fst_path = path.string();
    sim::SimDevice a(link, sim::LinkEnd::a, config);
    a.send_frame(0, conformance::tcp_frame(conformance::data_segment(1), {}), 0);
    a.advance(instant_from_ns(0));
  }
  BOOST_TEST(std::filesystem::file_size(path) > 1000u);
  std::filesystem::remove(path);

  // Or from the environment, one file per device, for code that sets no path.
  const auto prefix = temp_path("tandem-sim-env");
  ::setenv("TANDEM_SIM_FST", prefix.string().c_str(), 1);
  {
    sim::Link link({});
    sim::SimDevice a(link, sim::LinkEnd::a);
    sim::SimDevice b(link, sim::LinkEnd::b);
    a.send_frame(0, conformance::tcp_frame(conformance::data_segment(1), {}), 0);
    a.advance(instant_from_ns(0));
  }
  ::unsetenv("TANDEM_SIM_FST");
  std::vector<std::filesystem::path> traces;
  for (const auto& e : std::filesystem::directory_iterator(prefix.parent_path())) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(prefix.filename().string() + "-") && name.ends_with(".fst"))
      traces.push_back(e.path());
  }
  BOOST_TEST(traces.size() == 2u);
  for (const auto& t : traces) {
    BOOST_TEST(std::filesystem::file_size(t) > 1000u);
    std::filesystem::remove(t);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(wire_ports)

BOOST_AUTO_TEST_CASE(pcap_replays_into_rx_and_captures_tx) {
  const auto in_path = temp_path("tandem-sim-in.pcap");
  const auto out_path = temp_path("tandem-sim-out.pcap");
  std::mt19937 rng(5);
  std::vector<std::vector<std::byte>> frames;
  {
    dev::PcapWriter writer(in_path.string());
    for (int i = 0; i < 20; ++i) {
      const auto payload = conformance::random_bytes(rng, rng() % 1400);
      frames.push_back(
          conformance::tcp_frame(conformance::data_segment(static_cast<std::uint32_t>(i)), payload,
                                 ChecksumMode::software));
      writer.write(frames.back(), instant_from_ns(1'000'000'000 + i * 1000));
    }
  }
  {
    sim::SimDevice d(std::make_unique<sim::PcapPort>(in_path.string(), out_path.string()));
    // The replay keeps the capture's spacing, from the device's time 0.
    BOOST_TEST(to_ns(*d.next_event()) == 0);
    d.advance(instant_from_ns(10'000));
    conformance::Collect sink;
    while (d.receive(0, 64, sink) > 0) {
    }
    BOOST_TEST_REQUIRE(sink.got.size() == 11u);
    d.advance(instant_from_ns(1'000'000));
    while (d.receive(0, 64, sink) > 0) {
    }
    BOOST_TEST_REQUIRE(sink.got.size() == frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
      BOOST_TEST((sink.got[i].frame == frames[i]));
      BOOST_TEST((sink.got[i].meta.l4_checksum == c::ChecksumStatus::good));
      // And send it back with the checksums recomputed by the NIC.
      auto copy = frames[i];
      BOOST_TEST(
          (d.send_frame(0, copy, c::tx_flag::fill_ipv4_checksum | c::tx_flag::fill_l4_checksum) ==
           c::TxStatus::ok));
    }
    d.advance(instant_from_ns(2'000'000));
    BOOST_TEST(!d.in_flight());
  }
  const auto captured = dev::read_pcap(out_path.string());
  BOOST_TEST_REQUIRE(captured.size() == frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i)
    BOOST_TEST((captured[i].bytes == frames[i]));
  std::filesystem::remove(in_path);
  std::filesystem::remove(out_path);
}

BOOST_AUTO_TEST_SUITE_END()
