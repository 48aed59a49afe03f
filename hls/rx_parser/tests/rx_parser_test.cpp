// SPDX-License-Identifier: Apache-2.0
// rx_parser against host/wire: every RxMeta field and the flow key of every frame
// must be what host/wire's checked views say about the same bytes (mapped onto
// the contract's ParseStatus by rx_reference.hpp), for frames Linux sent, frames
// scapy built, random bytes of every length from 14 to 300, IPv4 options that
// push the TCP header into the second beat, and length fields that disagree. The
// kernel is stepped cycle by cycle under random idle input and back-pressure.
#define BOOST_TEST_MODULE hls_rx_parser
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "hls/common/beats.hpp"
#include "hls/rx_parser/rx_parser.hpp"
#include "hls/rx_parser/tests/rx_reference.hpp"
#include "host/dev/pcap.hpp"

namespace {

using namespace tandem;
using namespace tandem::hls_test;
using hls_kernels::AxisBeat;
using hls_kernels::RxParser;

struct ParserRun {
  std::vector<Frame> frames;  // what came out of m_axis_rx, frame by frame
  std::vector<RxParsed> parsed;
  std::uint64_t cycles = 0;
};

ParserRun run_parser(RxParser& parser, const std::vector<Frame>& frames, const Pace& pace,
                     std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution feed(pace.feed), ready(pace.ready), drain(pace.drain);
  std::deque<AxisBeat> to_send;
  for (const auto& f : frames) {
    for (const auto& b : frame_to_beats(f))
      to_send.push_back(b);
  }
  const std::uint64_t limit = 50 * (to_send.size() + 100);
  hls::stream<AxisBeat> s_axis_rx, m_axis_rx;
  hls::stream<RxParsed> m_axis_parsed;
  ParserRun run;
  Frame current;
  while (run.frames.size() < frames.size() || run.parsed.size() < frames.size()) {
    if (run.cycles > limit)
      BOOST_FAIL("rx_parser made no progress for " << run.cycles << " cycles");
    if (!to_send.empty() && feed(rng)) {
      s_axis_rx.write(to_send.front());
      to_send.pop_front();
    }
    parser.step(s_axis_rx, m_axis_rx, m_axis_parsed, ready(rng));
    ++run.cycles;
    if (!m_axis_rx.empty() && drain(rng)) {
      const AxisBeat beat = m_axis_rx.read();
      append_beat_bytes(beat, current);
      if (beat.last == 1) {
        run.frames.push_back(std::move(current));
        current.clear();
      }
    }
    if (!m_axis_parsed.empty() && drain(rng)) run.parsed.push_back(m_axis_parsed.read());
  }
  BOOST_TEST(parser.idle());
  BOOST_TEST(to_send.empty());
  BOOST_TEST(s_axis_rx.empty());
  BOOST_TEST(m_axis_rx.empty());
  BOOST_TEST(m_axis_parsed.empty());
  return run;
}

// The frames come out unchanged and each RxParsed equals the reference's.
void check_run(const std::vector<Frame>& frames, const ParserRun& run,
               std::size_t max_frame = hls_kernels::kRxDefaultMaxFrameLength) {
  BOOST_REQUIRE_EQUAL(run.frames.size(), frames.size());
  BOOST_REQUIRE_EQUAL(run.parsed.size(), frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    BOOST_TEST_CONTEXT("frame " << i << " (" << frames[i].size() << " bytes)") {
      BOOST_TEST((run.frames[i] == frames[i]));
      BOOST_TEST(describe(run.parsed[i]) == describe(reference_parse(frames[i], max_frame)));
    }
  }
}

// The parse status of each frame, keyed by ParseStatus, so a test can show it
// covered what it meant to.
std::map<ParseStatus, int> status_histogram(const ParserRun& run) {
  std::map<ParseStatus, int> h;
  for (const auto& p : run.parsed)
    ++h[p.meta.parse];
  return h;
}

RxParsed parse_one(const Frame& frame, unsigned max_frame = hls_kernels::kRxDefaultMaxFrameLength) {
  RxParser parser(max_frame);
  const auto run = run_parser(parser, {frame}, kFullRate, 1);
  BOOST_REQUIRE_EQUAL(run.parsed.size(), 1u);
  return run.parsed[0];
}

}  // namespace

// The testbenches build beats with rx_reference.hpp's word-wise helpers; they
// must lay frames out exactly as hls/common/beats.hpp does.
BOOST_AUTO_TEST_CASE(testbench_beats_match_common_beats) {
  std::mt19937_64 rng(5);
  for (std::size_t len = 0; len <= 200; ++len) {
    const Frame f = random_bytes(rng, len);
    const auto mine = frame_to_beats(f);
    const auto common = hls_kernels::to_beats(f);
    BOOST_REQUIRE_EQUAL(mine.size(), common.size());
    Frame back;
    for (std::size_t i = 0; i < mine.size(); ++i) {
      BOOST_TEST((mine[i].data == common[i].data));
      BOOST_TEST(mine[i].keep.to_uint64() == common[i].keep.to_uint64());
      BOOST_TEST(mine[i].last.to_uint() == common[i].last.to_uint());
      append_beat_bytes(mine[i], back);
    }
    Frame common_back;
    for (const auto& b : common)
      hls_kernels::append_beat(b, common_back);
    BOOST_TEST((back == f));
    BOOST_TEST((common_back == f));
  }
}

BOOST_AUTO_TEST_SUITE(captured_frames)

BOOST_AUTO_TEST_CASE(linux_frames_match_host_wire) {
  const auto frames = read_frames("linux_frames.pcap");
  BOOST_REQUIRE(!frames.empty());
  RxParser parser;
  const auto run = run_parser(parser, frames, kPaces[4], 11);
  check_run(frames, run);
  // The capture holds ARP, ICMP, UDP and TCP (handshake, data, FIN, RST): the
  // comparison above must have covered each.
  std::map<L4Kind, int> l4;
  int arp = 0;
  for (const auto& p : run.parsed) {
    BOOST_TEST((p.meta.parse == ParseStatus::ok));
    ++l4[p.meta.l4];
    if (p.meta.l3 == L3Kind::arp) ++arp;
  }
  BOOST_TEST(arp > 0);
  BOOST_TEST(l4[L4Kind::tcp] > 0);
  BOOST_TEST(l4[L4Kind::udp] > 0);
  BOOST_TEST(l4[L4Kind::icmp] > 0);
}

BOOST_AUTO_TEST_CASE(scapy_valid_frames_all_parse) {
  const auto labelled = read_labelled("scapy_valid", false);
  BOOST_REQUIRE(!labelled.empty());
  std::vector<Frame> frames;
  for (const auto& l : labelled)
    frames.push_back(l.frame);
  RxParser parser;
  const auto run = run_parser(parser, frames, kPaces[4], 12);
  check_run(frames, run);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    BOOST_TEST_CONTEXT(labelled[i].note) {
      BOOST_TEST((run.parsed[i].meta.parse == ParseStatus::ok));
      BOOST_TEST((run.parsed[i].meta.l3 != L3Kind::other));
    }
  }
}

// Each frame has one planted defect; the kernel must report the layer host/wire
// reports, as the contract's ParseStatus.
BOOST_AUTO_TEST_CASE(scapy_malformed_frames_flagged_at_their_layer) {
  const auto labelled = read_labelled("scapy_malformed", true);
  BOOST_REQUIRE(!labelled.empty());
  std::vector<Frame> frames;
  for (const auto& l : labelled)
    frames.push_back(l.frame);
  RxParser parser;
  const auto run = run_parser(parser, frames, kPaces[4], 13);
  check_run(frames, run);
  int flagged = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto& l = labelled[i];
    BOOST_TEST_CONTEXT(l.layer << " " << l.error << ": " << l.note) {
      const ParseStatus want = contract_status(l);
      BOOST_TEST(static_cast<int>(run.parsed[i].meta.parse) == static_cast<int>(want));
      flagged += want != ParseStatus::ok;
    }
  }
  // Header defects, not only option or checksum ones, were in the set.
  BOOST_TEST(flagged > static_cast<int>(frames.size()) / 3);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(generated_frames)

// Random bytes at every length from a bare Ethernet header to 300 bytes, shaped
// more and more like IPv4 so that every check of the parser is reached both ways:
// well-formed frames must never be flagged and broken ones never accepted.
BOOST_AUTO_TEST_CASE(random_bytes_every_length_14_to_300) {
  std::mt19937_64 rng(1414);
  const std::vector<Frame> frames = random_frames_14_to_300(rng);
  RxParser parser;
  const auto run = run_parser(parser, frames, kPaces[4], 300);
  check_run(frames, run);
  const auto h = status_histogram(run);
  for (ParseStatus s : {ParseStatus::ok, ParseStatus::bad_l3_header, ParseStatus::bad_l3_length,
                        ParseStatus::bad_l4_header, ParseStatus::fragment}) {
    BOOST_TEST_CONTEXT("status " << static_cast<int>(s)) {
      BOOST_TEST(h.count(s) == 1u);
    }
  }
  int tcp_ok = 0, udp_ok = 0, icmp_ok = 0, arp_ok = 0;
  for (const auto& p : run.parsed) {
    if (p.meta.parse != ParseStatus::ok) continue;
    tcp_ok += p.meta.l4 == L4Kind::tcp;
    udp_ok += p.meta.l4 == L4Kind::udp;
    icmp_ok += p.meta.l4 == L4Kind::icmp;
    arp_ok += p.meta.l3 == L3Kind::arp;
  }
  BOOST_TEST_MESSAGE("random frames: " << frames.size() << ", ok tcp " << tcp_ok << " udp "
                                       << udp_ok << " icmp " << icmp_ok << " arp " << arp_ok);
  BOOST_TEST(tcp_ok > 100);
  BOOST_TEST(udp_ok > 100);
  BOOST_TEST(icmp_ok > 100);
  BOOST_TEST(arp_ok > 100);
}

// IPv4 options move the L4 header up to byte 74, its flags to byte 87: the second
// beat. The offsets, flags and key are checked against the values the frame was
// built from, not only against the reference.
BOOST_AUTO_TEST_CASE(ipv4_options_move_the_l4_header_into_the_second_beat) {
  std::mt19937_64 rng(74);
  std::vector<Frame> frames;
  struct Built {
    std::size_t options;
    wire::IpProtocol protocol;
    std::size_t payload;
  };
  std::vector<Built> built;
  for (std::size_t options = 0; options <= 40; options += 4) {
    for (auto protocol : {wire::IpProtocol::tcp, wire::IpProtocol::udp, wire::IpProtocol::icmp}) {
      for (std::size_t payload : {0, 1, 7, 64, 1000}) {
        frames.push_back(
            random_l4_frame(rng, protocol, payload, options, wire::ChecksumMode::software));
        built.push_back({options, protocol, payload});
      }
    }
  }
  for (const auto& pace : kPaces) {
    BOOST_TEST_CONTEXT(pace.name) {
      RxParser parser;
      const auto run = run_parser(parser, frames, pace, 75);
      check_run(frames, run);
      for (std::size_t i = 0; i < frames.size(); ++i) {
        const auto& m = run.parsed[i].meta;
        const std::size_t l4 = kEth + 20 + built[i].options;
        BOOST_TEST((m.parse == ParseStatus::ok));
        BOOST_TEST(m.l4_offset == l4);
        BOOST_TEST(m.payload_length == built[i].payload);
        BOOST_TEST(m.payload_offset + m.payload_length == frames[i].size());
        if (built[i].protocol == wire::IpProtocol::tcp) {
          const wire::ByteSpan f(frames[i]);
          BOOST_TEST(m.tcp_flags == wire::load_u8(f, l4 + 13));
          BOOST_TEST(run.parsed[i].key.remote_ip == wire::load_be32(f, kEth + 12));
          BOOST_TEST(run.parsed[i].key.local_ip == wire::load_be32(f, kEth + 16));
          BOOST_TEST(run.parsed[i].key.remote_port == wire::load_be16(f, l4));
          BOOST_TEST(run.parsed[i].key.local_port == wire::load_be16(f, l4 + 2));
        }
      }
    }
  }
}

// Each length field in turn disagrees with the frame; the expected status is
// written out here, and the reference must agree with it too.
BOOST_AUTO_TEST_CASE(lengths_that_disagree) {
  std::mt19937_64 rng(1500);
  // TCP without options, so that the header is 20 bytes whatever the seed.
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
  struct Case {
    const char* what;
    Frame frame;
    ParseStatus expected;
  };
  const Case cases[] = {
      {"well-formed TCP", tcp(100), ParseStatus::ok},
      {"Ethernet padding past the IPv4 total length", pad(tcp(0), 6), ParseStatus::ok},
      {"total length one past the frame", cut(tcp(100), 1), ParseStatus::bad_l3_length},
      {"total length below the header", set16(tcp(10), kTotal, 19), ParseStatus::bad_l3_length},
      {"total length below IHL*4 with options", set16(tcp(10, 8), kTotal, 24),
       ParseStatus::bad_l3_length},
      {"IHL 4", set8(tcp(10), kEth, 0x44), ParseStatus::bad_l3_header},
      {"version 6", set8(tcp(10), kEth, 0x65), ParseStatus::bad_l3_header},
      {"IHL 15 past a short frame", set16(set8(udp(0), kEth, 0x4f), kTotal, 60),
       ParseStatus::bad_l3_header},
      {"IPv4 header cut short", cut(udp(0), 10), ParseStatus::bad_l3_header},
      {"MF set", set16(tcp(10), kEth + 6, 0x2000), ParseStatus::fragment},
      {"fragment offset 1", set16(tcp(10), kEth + 6, 0x0001), ParseStatus::fragment},
      {"DF alone is no fragment", set16(tcp(10), kEth + 6, 0x4000), ParseStatus::ok},
      {"TCP data offset 4", set8(tcp(10), kL4 + 12, 0x40), ParseStatus::bad_l4_header},
      {"TCP data offset past the segment", set8(tcp(10), kL4 + 12, 0xf0),
       ParseStatus::bad_l4_header},
      {"TCP segment of 19 bytes", set16(tcp(0), kTotal, 39), ParseStatus::bad_l4_header},
      {"UDP length one more than the payload", set16(udp(10), kL4 + 4, 19),
       ParseStatus::bad_l4_header},
      {"UDP length one less than the payload", set16(udp(10), kL4 + 4, 17),
       ParseStatus::bad_l4_header},
      {"UDP length 7", set16(udp(10), kL4 + 4, 7), ParseStatus::bad_l4_header},
      {"UDP datagram of 7 bytes", set16(udp(0), kTotal, 27), ParseStatus::bad_l4_header},
      {"UDP with padding", pad(udp(0), 18), ParseStatus::ok},
      {"ICMP message of 7 bytes", set16(icmp(0), kTotal, 27), ParseStatus::bad_l4_header},
      {"ICMP of 8 bytes", icmp(0), ParseStatus::ok},
  };
  std::vector<Frame> frames;
  for (const auto& c : cases)
    frames.push_back(c.frame);
  RxParser parser;
  const auto run = run_parser(parser, frames, kPaces[4], 1501);
  check_run(frames, run);
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    BOOST_TEST_CONTEXT(cases[i].what) {
      const auto& m = run.parsed[i].meta;
      BOOST_TEST(static_cast<int>(m.parse) == static_cast<int>(cases[i].expected));
      if (m.parse != ParseStatus::ok) {
        // Nothing past the failing layer is claimed.
        BOOST_TEST(m.payload_offset == 0);
        BOOST_TEST(m.payload_length == 0);
        BOOST_TEST(m.tcp_flags == 0);
        BOOST_TEST((run.parsed[i].key == contract::FlowKey4{}));
      }
      if (m.parse == ParseStatus::bad_l3_header || m.parse == ParseStatus::bad_l3_length ||
          m.parse == ParseStatus::fragment) {
        BOOST_TEST(m.l4_offset == 0);
        BOOST_TEST((m.l4 == L4Kind::none));
      }
    }
  }
  // Padding does not count as payload: the IPv4 total length decides.
  BOOST_TEST(run.parsed[1].meta.payload_length == 0);
  BOOST_TEST(run.parsed[1].meta.frame_length == frames[1].size());
}

BOOST_AUTO_TEST_CASE(runt_oversize_arp_and_other_ethertypes) {
  std::mt19937_64 rng(9018);
  Frame arp(kEth + wire::kArpPacketLen);
  wire::ArpRepr{}.emit(wire::MutableByteSpan(arp).subspan(kEth));
  wire::store_be16(arp, 12, static_cast<std::uint16_t>(wire::EtherType::arp));

  const RxParsed runt = parse_one(random_bytes(rng, 13));
  BOOST_TEST((runt.meta.parse == ParseStatus::runt));
  BOOST_TEST(runt.meta.frame_length == 13);
  BOOST_TEST(runt.meta.l3_offset == 0);

  const Frame jumbo = random_l4_frame(rng, wire::IpProtocol::tcp, 9018 - 54, 0,
                                      wire::ChecksumMode::software, false);
  BOOST_TEST((parse_one(jumbo).meta.parse == ParseStatus::ok));
  Frame over = jumbo;
  over.push_back(std::byte{0});
  const RxParsed oversize = parse_one(over);
  BOOST_TEST((oversize.meta.parse == ParseStatus::oversize));
  BOOST_TEST(oversize.meta.frame_length == 9019);
  BOOST_TEST(oversize.meta.l3_offset == 0);
  // The limit is the instance's parameter.
  const Frame standard =
      random_l4_frame(rng, wire::IpProtocol::udp, 1514 - 42, 0, wire::ChecksumMode::software);
  BOOST_TEST((parse_one(standard, 1514).meta.parse == ParseStatus::ok));
  Frame standard_over = standard;
  standard_over.push_back(std::byte{0});
  BOOST_TEST((parse_one(standard_over, 1514).meta.parse == ParseStatus::oversize));

  const RxParsed arp_ok = parse_one(arp);
  BOOST_TEST((arp_ok.meta.l3 == L3Kind::arp));
  BOOST_TEST((arp_ok.meta.parse == ParseStatus::ok));
  BOOST_TEST(
      (parse_one(Frame(arp.begin(), arp.end() - 1)).meta.parse == ParseStatus::bad_l3_header));
  BOOST_TEST(describe(parse_one(Frame(arp.begin(), arp.end() - 1))) ==
             describe(reference_parse(Frame(arp.begin(), arp.end() - 1))));

  Frame ipv6 = random_bytes(rng, 80);
  wire::store_be16(ipv6, 12, static_cast<std::uint16_t>(wire::EtherType::ipv6));
  const RxParsed other = parse_one(ipv6);
  BOOST_TEST((other.meta.l3 == L3Kind::other));
  BOOST_TEST((other.meta.parse == ParseStatus::ok));
  BOOST_TEST(other.meta.l4_offset == 0);
}

// A beat with no valid byte and tlast set is a zero-length frame: a runt, with
// its beat passed on as it came.
BOOST_AUTO_TEST_CASE(empty_last_beat_is_a_runt) {
  RxParser parser;
  hls::stream<AxisBeat> in, out;
  hls::stream<RxParsed> parsed;
  AxisBeat beat{};
  beat.last = 1;
  in.write(beat);
  parser.step(in, out, parsed);
  BOOST_REQUIRE(!parsed.empty());
  const RxParsed p = parsed.read();
  BOOST_TEST((p.meta.parse == ParseStatus::runt));
  BOOST_TEST(p.meta.frame_length == 0);
  BOOST_TEST(out.read().last == 1);
  BOOST_TEST(parser.idle());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(timing)

// A mix of everything under each pacing; the results may not depend on it.
BOOST_AUTO_TEST_CASE(idle_and_back_pressure_patterns) {
  std::mt19937_64 rng(77);
  std::vector<Frame> frames;
  for (int i = 0; i < 300; ++i) {
    const auto protocol = static_cast<wire::IpProtocol>(std::array{1, 6, 17}[rng() % 3]);
    Frame f = random_l4_frame(rng, protocol, rng() % 1500, 4 * (rng() % 11),
                              wire::ChecksumMode::software);
    if (rng() % 4 == 0) f.resize(kEth + rng() % (f.size() - kEth));  // cut anywhere
    frames.push_back(std::move(f));
  }
  for (std::size_t p = 0; p < std::size(kPaces); ++p) {
    BOOST_TEST_CONTEXT(kPaces[p].name) {
      RxParser parser;
      check_run(frames, run_parser(parser, frames, kPaces[p], 78 + p));
    }
  }
}

// Two instances stepped in the same cycles keep to their own frames (no state
// shared between them).
BOOST_AUTO_TEST_CASE(two_instances_side_by_side) {
  std::mt19937_64 rng(2);
  std::vector<Frame> a, b;
  for (int i = 0; i < 50; ++i) {
    a.push_back(random_l4_frame(rng, wire::IpProtocol::tcp, rng() % 200, 4 * (rng() % 11),
                                wire::ChecksumMode::software));
    b.push_back(
        random_l4_frame(rng, wire::IpProtocol::udp, rng() % 200, 0, wire::ChecksumMode::software));
  }
  RxParser pa, pb;
  hls::stream<AxisBeat> ia, oa, ib, ob;
  hls::stream<RxParsed> ra, rb;
  for (const auto& f : a) {
    for (const auto& beat : frame_to_beats(f))
      ia.write(beat);
  }
  for (const auto& f : b) {
    for (const auto& beat : frame_to_beats(f))
      ib.write(beat);
  }
  while (!ia.empty() || !ib.empty()) {
    pa.step(ia, oa, ra);
    pb.step(ib, ob, rb);
  }
  for (const auto& f : a)
    BOOST_TEST(describe(ra.read()) == describe(reference_parse(f)));
  for (const auto& f : b)
    BOOST_TEST(describe(rb.read()) == describe(reference_parse(f)));
  BOOST_TEST(pa.idle());
  BOOST_TEST(pb.idle());
}

// One beat per cycle sustained: 1000 back-to-back frames take as many cycles as
// they have beats (the native model has no pipeline latency to add; the bound
// leaves the 2 cycles an RTL register stage would).
BOOST_AUTO_TEST_CASE(line_rate_for_back_to_back_frames) {
  std::mt19937_64 rng(64);
  for (std::size_t size : {64, 1518}) {
    std::vector<Frame> frames;
    std::uint64_t beats = 0;
    for (int i = 0; i < 1000; ++i) {
      frames.push_back(random_l4_frame(rng, wire::IpProtocol::tcp, size - 54, 0,
                                       wire::ChecksumMode::software, false));
      beats += (size + 63) / 64;
    }
    RxParser parser;
    const auto run = run_parser(parser, frames, kFullRate, 65);
    check_run(frames, run);
    BOOST_TEST_MESSAGE("rx_parser: 1000 x " << size << " B frames, " << beats << " beats, "
                                            << run.cycles << " cycles");
    BOOST_TEST(run.cycles <= beats + 2);
  }
}

BOOST_AUTO_TEST_SUITE_END()
