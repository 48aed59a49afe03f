// SPDX-License-Identifier: Apache-2.0
// C/RTL equivalence of rx_parser: the vectors that test the HLS kernel (frames
// Linux sent, frames scapy built, malformed ones, random bytes of every length
// from 14 to 300, IPv4 options, lengths that disagree, runts and oversize
// frames) go through hls::RxParser and the Verilated rtl/rx_parser/rx_parser.sv,
// each with its own random idle cycles on the input and back-pressure on both
// outputs. The beats (kept bytes, tkeep, tlast) and the RxParsed words must be
// bit-identical, and neither side may hold anything at the end. The line-rate
// case measures cycles per frame with no back-pressure.
#define BOOST_TEST_MODULE rtl_rx_parser
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "Vrx_parser.h"
#include "Vrx_parser_1514.h"
#include "hls/rx_parser/rx_parser.hpp"
#include "hls/rx_parser/tests/rx_reference.hpp"
#include "host/dev/pcap.hpp"
#include "rtl/tb/axis_bench.hpp"
#include "rtl/tb/rx_parsed_word.hpp"
#include "rtl/tb/wide.hpp"

namespace {

using namespace tandem;
using namespace tandem::hls_test;
using hls_kernels::AxisBeat;
using hls_kernels::RxParser;
using rtl_tb::Beat;
using rtl_tb::RxParsedWord;

// What came out of one engine, in order.
struct Output {
  std::vector<Beat> beats;
  std::vector<RxParsedWord> parsed;
  std::uint64_t cycles = 0;
  std::vector<std::uint64_t> frame_done;  // RTL: the cycle each RxParsed left
};

std::size_t count_frames(const std::vector<Beat>& beats) {
  std::size_t n = 0;
  for (const auto& b : beats)
    n += b.last == 1;
  return n;
}

std::vector<Beat> beats_of(const std::vector<Frame>& frames) {
  std::vector<Beat> beats;
  for (const auto& f : frames) {
    for (const auto& b : frame_to_beats(f))
      beats.push_back(b);
  }
  return beats;
}

// The HLS kernel, stepped as its own testbench steps it.
Output run_hls(const std::vector<Beat>& in, const Pace& pace, std::uint64_t seed,
               unsigned max_frame) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution feed(pace.feed), ready(pace.ready), drain(pace.drain);
  const std::size_t frames = count_frames(in);
  std::deque<Beat> to_send(in.begin(), in.end());
  hls::stream<AxisBeat> s_axis_rx, m_axis_rx;
  hls::stream<RxParsed> m_axis_parsed;
  RxParser parser(max_frame);
  Output out;
  std::size_t frames_out = 0;
  const std::uint64_t limit = 50 * (in.size() + 100);
  while (frames_out < frames || out.parsed.size() < frames) {
    if (out.cycles > limit) BOOST_FAIL("HLS rx_parser made no progress");
    if (!to_send.empty() && feed(rng)) {
      s_axis_rx.write(to_send.front());
      to_send.pop_front();
    }
    parser.step(s_axis_rx, m_axis_rx, m_axis_parsed, ready(rng));
    ++out.cycles;
    if (!m_axis_rx.empty() && drain(rng)) {
      out.beats.push_back(m_axis_rx.read());
      frames_out += out.beats.back().last == 1;
    }
    if (!m_axis_parsed.empty() && drain(rng)) {
      out.parsed.push_back(rtl_tb::pack_rx_parsed(m_axis_parsed.read()));
    }
  }
  BOOST_TEST(parser.idle());
  BOOST_TEST(s_axis_rx.empty());
  BOOST_TEST(m_axis_rx.empty());
  BOOST_TEST(m_axis_parsed.empty());
  return out;
}

// The RTL: `pace.feed` is the chance that the source offers a beat in a cycle
// it has none pending, `pace.ready` the chance that each output's tready is
// high (the two drawn independently, so the outputs stall apart). Model is
// Vrx_parser (MAX_FRAME_LENGTH 9018) or Vrx_parser_1514.
template <typename Model = Vrx_parser>
Output run_rtl(const std::vector<Beat>& in, const Pace& pace, std::uint64_t seed) {
  rtl_tb::Clocked<Model> top;
  const std::uint64_t start = top.cycles();  // after reset
  rtl_tb::Source<Beat> source({in.begin(), in.end()}, pace.feed, seed);
  rtl_tb::Sink beat_sink(pace.ready * pace.drain, seed + 1);
  rtl_tb::Sink parsed_sink(pace.ready * pace.drain, seed + 2);
  const std::size_t frames = count_frames(in);
  Output out;
  std::size_t frames_out = 0;
  const std::uint64_t limit = 50 * (in.size() + 100);
  const auto cycle = [&] {
    source.prepare();
    top->s_axis_rx_tvalid = source.valid();
    if (source.valid()) {
      rtl_tb::put_data(top->s_axis_rx_tdata, source.word().data);
      top->s_axis_rx_tkeep = source.word().keep.to_uint64();
      top->s_axis_rx_tlast = source.word().last.to_uint();
    }
    top->m_axis_rx_tready = beat_sink.ready();
    top->m_axis_parsed_tready = parsed_sink.ready();
    top.eval();
    const bool in_fire = top->s_axis_rx_tvalid && top->s_axis_rx_tready;
    if (top->m_axis_rx_tvalid && top->m_axis_rx_tready) {
      Beat b;
      b.data = rtl_tb::get_data(top->m_axis_rx_tdata);
      b.keep = top->m_axis_rx_tkeep;
      b.last = top->m_axis_rx_tlast;
      out.beats.push_back(b);
      frames_out += b.last == 1;
    }
    if (top->m_axis_parsed_tvalid && top->m_axis_parsed_tready) {
      out.parsed.push_back(rtl_tb::from_wide<rtl_tb::kRxParsedBits>(top->m_axis_parsed_tdata));
      out.frame_done.push_back(top.cycles() - start);
    }
    top.tick();
    source.commit(in_fire);
  };
  while (frames_out < frames || out.parsed.size() < frames) {
    if (top.cycles() > limit) BOOST_FAIL("RTL rx_parser made no progress");
    cycle();
  }
  out.cycles = top.cycles() - start;
  // Nothing left in flight: with every output ready and no input, nothing
  // more comes out, and the input is ready again.
  BOOST_TEST(source.empty());
  beat_sink.set_rate(1.0);
  parsed_sink.set_rate(1.0);
  const std::size_t beats = out.beats.size(), parsed = out.parsed.size();
  for (int i = 0; i < 32; ++i)
    cycle();
  BOOST_TEST(out.beats.size() == beats);
  BOOST_TEST(out.parsed.size() == parsed);
  BOOST_TEST(top->s_axis_rx_tready == 1);
  return out;
}

// Both engines on the same beats; everything they emit must be identical.
// Returns the HLS side's RxParsed words, for the tests' own checks.
template <typename Model = Vrx_parser>
std::vector<RxParsed> check_equivalent(const std::vector<Beat>& in, const Pace& pace,
                                       std::uint64_t seed,
                                       unsigned max_frame = hls_kernels::kRxDefaultMaxFrameLength) {
  const Output hls = run_hls(in, pace, seed, max_frame);
  const Output rtl = run_rtl<Model>(in, pace, seed ^ 0x5eed);
  BOOST_REQUIRE_EQUAL(rtl.beats.size(), hls.beats.size());
  BOOST_REQUIRE_EQUAL(rtl.parsed.size(), hls.parsed.size());
  BOOST_REQUIRE_EQUAL(hls.beats.size(), in.size());
  int beat_mismatches = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (!rtl_tb::same_beat(rtl.beats[i], hls.beats[i]) && beat_mismatches++ < 5) {
      BOOST_ERROR("beat " << i << " differs");
    }
  }
  BOOST_TEST(beat_mismatches == 0);
  std::vector<RxParsed> parsed;
  int parsed_mismatches = 0;
  for (std::size_t i = 0; i < hls.parsed.size(); ++i) {
    parsed.push_back(rtl_tb::unpack_rx_parsed(hls.parsed[i]));
    if (rtl.parsed[i] != hls.parsed[i] && parsed_mismatches++ < 5) {
      BOOST_ERROR("frame " << i << ": RTL " << describe(rtl_tb::unpack_rx_parsed(rtl.parsed[i]))
                           << "\n   HLS " << describe(parsed.back()));
    }
  }
  BOOST_TEST(parsed_mismatches == 0);
  return parsed;
}

std::vector<RxParsed> check_equivalent(const std::vector<Frame>& frames, const Pace& pace,
                                       std::uint64_t seed) {
  return check_equivalent(beats_of(frames), pace, seed);
}

std::map<ParseStatus, int> status_histogram(const std::vector<RxParsed>& parsed) {
  std::map<ParseStatus, int> h;
  for (const auto& p : parsed)
    ++h[p.meta.parse];
  return h;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(captured_frames)

BOOST_AUTO_TEST_CASE(linux_frames) {
  const auto frames = read_frames("linux_frames.pcap");
  BOOST_REQUIRE(!frames.empty());
  const auto parsed = check_equivalent(frames, kPaces[4], 11);
  int tcp = 0;
  for (const auto& p : parsed)
    tcp += p.meta.l4 == L4Kind::tcp && p.meta.parse == ParseStatus::ok;
  BOOST_TEST(tcp > 0);
}

BOOST_AUTO_TEST_CASE(scapy_valid_and_malformed_frames) {
  for (const bool malformed : {false, true}) {
    BOOST_TEST_CONTEXT((malformed ? "scapy_malformed" : "scapy_valid")) {
      const auto labelled = read_labelled(malformed ? "scapy_malformed" : "scapy_valid", malformed);
      BOOST_REQUIRE(!labelled.empty());
      std::vector<Frame> frames;
      for (const auto& l : labelled)
        frames.push_back(l.frame);
      const auto parsed = check_equivalent(frames, kPaces[4], malformed ? 13 : 12);
      const auto h = status_histogram(parsed);
      if (malformed) {
        BOOST_TEST(h.size() >= 4u);  // several layers' errors were in the set
      } else {
        BOOST_TEST(h.at(ParseStatus::ok) == static_cast<int>(frames.size()));
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(generated_frames)

BOOST_AUTO_TEST_CASE(random_bytes_every_length_14_to_300) {
  std::mt19937_64 rng(1414);
  const auto frames = random_frames_14_to_300(rng);
  const auto parsed = check_equivalent(frames, kPaces[4], 300);
  const auto h = status_histogram(parsed);
  for (ParseStatus s : {ParseStatus::ok, ParseStatus::bad_l3_header, ParseStatus::bad_l3_length,
                        ParseStatus::bad_l4_header, ParseStatus::fragment}) {
    BOOST_TEST_CONTEXT("status " << static_cast<int>(s)) {
      BOOST_TEST(h.count(s) == 1u);
    }
  }
  BOOST_TEST_MESSAGE("random frames: " << frames.size() << ", ok " << h.at(ParseStatus::ok));
}

BOOST_AUTO_TEST_CASE(ipv4_options_under_every_pace) {
  std::mt19937_64 rng(74);
  std::vector<Frame> frames;
  for (std::size_t options = 0; options <= 40; options += 4) {
    for (auto protocol : {wire::IpProtocol::tcp, wire::IpProtocol::udp, wire::IpProtocol::icmp}) {
      for (std::size_t payload : {0, 1, 7, 64, 1000}) {
        frames.push_back(
            random_l4_frame(rng, protocol, payload, options, wire::ChecksumMode::software));
      }
    }
  }
  for (std::size_t p = 0; p < std::size(kPaces); ++p) {
    BOOST_TEST_CONTEXT(kPaces[p].name) {
      const auto parsed = check_equivalent(frames, kPaces[p], 75 + p);
      for (const auto& r : parsed)
        BOOST_TEST((r.meta.parse == ParseStatus::ok));
    }
  }
}

BOOST_AUTO_TEST_CASE(lengths_that_disagree) {
  std::mt19937_64 rng(1500);
  const auto tcp = [&](std::size_t payload, std::size_t ip_options = 0) {
    return random_l4_frame(rng, wire::IpProtocol::tcp, payload, ip_options,
                           wire::ChecksumMode::software, false);
  };
  const auto udp = [&](std::size_t payload) {
    return random_l4_frame(rng, wire::IpProtocol::udp, payload, 0, wire::ChecksumMode::software);
  };
  const auto icmp = [&](std::size_t payload) {
    return random_l4_frame(rng, wire::IpProtocol::icmp, payload, 0, wire::ChecksumMode::software);
  };
  const auto set16 = [](Frame f, std::size_t at, std::uint16_t v) {
    wire::store_be16(f, at, v);
    return f;
  };
  const auto set8 = [](Frame f, std::size_t at, std::uint8_t v) {
    wire::store_u8(f, at, v);
    return f;
  };
  const auto pad = [](Frame f, std::size_t n) {
    f.resize(f.size() + n, std::byte{0});
    return f;
  };
  const auto cut = [](Frame f, std::size_t n) {
    f.resize(f.size() - n);
    return f;
  };
  constexpr std::size_t kTotal = kEth + 2;
  constexpr std::size_t kL4 = kEth + 20;
  const std::vector<std::pair<Frame, ParseStatus>> cases = {
      {tcp(100), ParseStatus::ok},
      {pad(tcp(0), 6), ParseStatus::ok},
      {cut(tcp(100), 1), ParseStatus::bad_l3_length},
      {set16(tcp(10), kTotal, 19), ParseStatus::bad_l3_length},
      {set16(tcp(10, 8), kTotal, 24), ParseStatus::bad_l3_length},
      {set8(tcp(10), kEth, 0x44), ParseStatus::bad_l3_header},
      {set8(tcp(10), kEth, 0x65), ParseStatus::bad_l3_header},
      {set16(set8(udp(0), kEth, 0x4f), kTotal, 60), ParseStatus::bad_l3_header},
      {cut(udp(0), 10), ParseStatus::bad_l3_header},
      {set16(tcp(10), kEth + 6, 0x2000), ParseStatus::fragment},
      {set16(tcp(10), kEth + 6, 0x0001), ParseStatus::fragment},
      {set16(tcp(10), kEth + 6, 0x4000), ParseStatus::ok},
      {set8(tcp(10), kL4 + 12, 0x40), ParseStatus::bad_l4_header},
      {set8(tcp(10), kL4 + 12, 0xf0), ParseStatus::bad_l4_header},
      {set16(tcp(0), kTotal, 39), ParseStatus::bad_l4_header},
      {set16(udp(10), kL4 + 4, 19), ParseStatus::bad_l4_header},
      {set16(udp(10), kL4 + 4, 17), ParseStatus::bad_l4_header},
      {set16(udp(10), kL4 + 4, 7), ParseStatus::bad_l4_header},
      {set16(udp(0), kTotal, 27), ParseStatus::bad_l4_header},
      {pad(udp(0), 18), ParseStatus::ok},
      {set16(icmp(0), kTotal, 27), ParseStatus::bad_l4_header},
      {icmp(0), ParseStatus::ok},
  };
  std::vector<Frame> frames;
  for (const auto& c : cases)
    frames.push_back(c.first);
  const auto parsed = check_equivalent(frames, kPaces[4], 1501);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    BOOST_TEST_CONTEXT("case " << i) {
      BOOST_TEST(static_cast<int>(parsed[i].meta.parse) == static_cast<int>(cases[i].second));
    }
  }
}

BOOST_AUTO_TEST_CASE(runt_oversize_arp_and_other_ethertypes) {
  std::mt19937_64 rng(9018);
  Frame arp(kEth + wire::kArpPacketLen);
  wire::ArpRepr{}.emit(wire::MutableByteSpan(arp).subspan(kEth));
  wire::store_be16(arp, 12, static_cast<std::uint16_t>(wire::EtherType::arp));
  Frame ipv6 = random_bytes(rng, 80);
  wire::store_be16(ipv6, 12, static_cast<std::uint16_t>(wire::EtherType::ipv6));
  const Frame jumbo = random_l4_frame(rng, wire::IpProtocol::tcp, 9018 - 54, 0,
                                      wire::ChecksumMode::software, false);
  Frame over = jumbo;
  over.push_back(std::byte{0});
  // Far past any limit: the length saturates at 0xffff.
  const Frame huge = random_bytes(rng, 70000);
  const std::vector<std::pair<Frame, ParseStatus>> cases = {
      {random_bytes(rng, 1), ParseStatus::runt},
      {random_bytes(rng, 13), ParseStatus::runt},
      {jumbo, ParseStatus::ok},
      {over, ParseStatus::oversize},
      {huge, ParseStatus::oversize},
      {arp, ParseStatus::ok},
      {Frame(arp.begin(), arp.end() - 1), ParseStatus::bad_l3_header},
      {ipv6, ParseStatus::ok},
  };
  std::vector<Frame> frames;
  for (const auto& c : cases)
    frames.push_back(c.first);
  std::vector<Beat> beats = beats_of(frames);
  // A beat with no valid byte and tlast set is a zero-length frame: a runt.
  Beat empty{};
  empty.last = 1;
  beats.push_back(empty);
  const auto parsed = check_equivalent(beats, kPaces[4], 9019);
  BOOST_REQUIRE_EQUAL(parsed.size(), cases.size() + 1);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    BOOST_TEST_CONTEXT("case " << i) {
      BOOST_TEST(static_cast<int>(parsed[i].meta.parse) == static_cast<int>(cases[i].second));
    }
  }
  BOOST_TEST(parsed[4].meta.frame_length == 0xffffu);
  BOOST_TEST((parsed.back().meta.parse == ParseStatus::runt));
  BOOST_TEST(parsed.back().meta.frame_length == 0u);
}

// The frame limit is the instance's parameter (RxParser(1514) in the HLS
// test, MAX_FRAME_LENGTH=1514 here).
BOOST_AUTO_TEST_CASE(standard_mtu_limit) {
  std::mt19937_64 rng(1514);
  std::vector<Frame> frames;
  for (std::size_t length : {1513, 1514, 1515, 1518, 9018}) {
    for (auto protocol : {wire::IpProtocol::udp, wire::IpProtocol::tcp}) {
      frames.push_back(random_l4_frame(rng, protocol,
                                       length - 42 - (protocol == wire::IpProtocol::tcp ? 12 : 0),
                                       0, wire::ChecksumMode::software, false));
    }
  }
  const auto parsed = check_equivalent<Vrx_parser_1514>(beats_of(frames), kPaces[4], 1515, 1514);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    BOOST_TEST_CONTEXT("frame " << i << " (" << frames[i].size() << " bytes)") {
      BOOST_TEST(
          static_cast<int>(parsed[i].meta.parse) ==
          static_cast<int>(frames[i].size() <= 1514 ? ParseStatus::ok : ParseStatus::oversize));
    }
  }
}

// Lanes without tkeep carry whatever the source left there, and tkeep may
// have holes: the kernels count the kept bytes and read the header window as
// it lies in the beats, so both must make the same of it.
BOOST_AUTO_TEST_CASE(garbage_in_idle_lanes_and_holes_in_tkeep) {
  std::mt19937_64 rng(512);
  std::vector<Beat> beats;
  for (int i = 0; i < 400; ++i) {
    const auto protocol = static_cast<wire::IpProtocol>(std::array{1, 6, 17}[rng() % 3]);
    Frame f =
        random_l4_frame(rng, protocol, rng() % 300, 4 * (rng() % 11), wire::ChecksumMode::software);
    if (rng() % 3 == 0) f.resize(kEth + rng() % (f.size() - kEth));
    for (auto b : frame_to_beats(f)) {
      std::uint64_t keep = b.keep.to_uint64();
      ap_uint<hls_kernels::kBeatBits> noise = 0;
      for (int w = 0; w < 8; ++w)
        noise = (noise << 64) | ap_uint<hls_kernels::kBeatBits>(rng());
      ap_uint<hls_kernels::kBeatBits> idle_lanes = 0;
      for (int lane = 63; lane >= 0; --lane) {
        idle_lanes =
            (idle_lanes << 8) | ap_uint<hls_kernels::kBeatBits>(((keep >> lane) & 1u) ? 0u : 0xffu);
      }
      b.data = b.data | (noise & idle_lanes);
      if (i % 4 == 0) keep &= rng() | rng();  // holes
      b.keep = keep;
      beats.push_back(b);
    }
  }
  check_equivalent(beats, kPaces[4], 513);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(timing)

BOOST_AUTO_TEST_CASE(idle_and_back_pressure_patterns) {
  std::mt19937_64 rng(77);
  std::vector<Frame> frames;
  for (int i = 0; i < 300; ++i) {
    const auto protocol = static_cast<wire::IpProtocol>(std::array{1, 6, 17}[rng() % 3]);
    Frame f = random_l4_frame(rng, protocol, rng() % 1500, 4 * (rng() % 11),
                              wire::ChecksumMode::software);
    if (rng() % 4 == 0) f.resize(kEth + rng() % (f.size() - kEth));
    frames.push_back(std::move(f));
  }
  for (std::size_t p = 0; p < std::size(kPaces); ++p) {
    BOOST_TEST_CONTEXT(kPaces[p].name) {
      check_equivalent(frames, kPaces[p], 78 + p);
    }
  }
}

// One beat per cycle sustained: back-to-back frames take as many cycles as
// they have beats, plus the pipeline's latency once.
BOOST_AUTO_TEST_CASE(line_rate_cycles_per_frame) {
  // Input to beat FIFO, extract, decide, parsed FIFO: the last RxParsed
  // leaves 3 cycles after the last beat went in.
  constexpr std::uint64_t kLatency = 4;
  std::mt19937_64 rng(64);
  for (std::size_t size : {64, 128, 256, 512, 1024, 1518, 4096, 9000}) {
    const int count = size <= 1518 ? 200 : 40;
    std::vector<Frame> frames;
    for (int i = 0; i < count; ++i) {
      frames.push_back(random_l4_frame(rng, wire::IpProtocol::tcp, size - 54, 0,
                                       wire::ChecksumMode::software, false));
    }
    const std::vector<Beat> beats = beats_of(frames);
    // Counted from the first cycle after reset to the one the last word (the
    // last RxParsed) left in; the steady state is the spacing of the frames
    // after the first.
    const Output rtl = run_rtl(beats, kFullRate, 65);
    const std::uint64_t beats_per_frame = (size + 63) / 64;
    const double steady = static_cast<double>(rtl.frame_done.back() - rtl.frame_done.front()) /
                          static_cast<double>(count - 1);
    BOOST_TEST_MESSAGE("rx_parser RTL: " << count << " x " << size << " B frames, " << beats.size()
                                         << " beats in " << rtl.cycles << " cycles; " << steady
                                         << " cycles/frame for " << beats_per_frame
                                         << " beats/frame, first frame " << rtl.frame_done.front()
                                         << " cycles");
    BOOST_TEST(rtl.cycles <= beats.size() + kLatency);
    BOOST_TEST(steady == static_cast<double>(beats_per_frame));
    const auto parsed = check_equivalent(beats, kFullRate, 66);
    BOOST_TEST(parsed.size() == frames.size());
  }
}

BOOST_AUTO_TEST_SUITE_END()
