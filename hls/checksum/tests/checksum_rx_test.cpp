// SPDX-License-Identifier: Apache-2.0
// checksum_rx behind rx_parser, against host/wire's verify functions on the same
// bytes: frames Linux sent and frames built here (IPv4 options, TCP options, UDP
// without checksum, ICMP, fragments, ARP), half of them with one random bit
// flipped. The two kernels are stepped cycle by cycle with their own random
// back-pressure, and the RxParsed words between them are delayed at random so
// that checksum_rx sees them lag the beats, as they do in hardware.
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "hls/checksum/checksum.hpp"
#include "hls/checksum/tests/checksum_vectors.hpp"
#include "hls/rx_parser/rx_parser.hpp"
#include "hls/rx_parser/tests/rx_reference.hpp"
#include "host/dev/pcap.hpp"

namespace {

using namespace tandem;
using namespace tandem::hls_test;
using hls_kernels::AxisBeat;
using hls_kernels::ChecksumRx;
using hls_kernels::RxParser;

struct ChainRun {
  std::vector<Frame> frames;
  std::vector<RxParsed> parsed;
  std::uint64_t cycles = 0;
};

// rx_parser -> checksum_rx. `lag` is the chance per cycle that an RxParsed word
// crosses from the parser to the checksum engine.
ChainRun run_chain(const std::vector<Frame>& frames, const Pace& pace, double lag,
                   std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution feed(pace.feed), ready(pace.ready), drain(pace.drain), cross(lag);
  std::deque<AxisBeat> to_send;
  for (const auto& f : frames) {
    for (const auto& b : frame_to_beats(f))
      to_send.push_back(b);
  }
  const std::uint64_t limit = 50 * (to_send.size() + 100);
  RxParser parser;
  ChecksumRx checker;
  hls::stream<AxisBeat> s_axis_rx, parser2csum, m_axis_rx;
  hls::stream<RxParsed> parser2csum_parsed, delayed_parsed, m_axis_parsed;
  ChainRun run;
  Frame current;
  while (run.frames.size() < frames.size() || run.parsed.size() < frames.size()) {
    if (run.cycles > limit)
      BOOST_FAIL("checksum_rx made no progress for " << run.cycles << " cycles");
    if (!to_send.empty() && feed(rng)) {
      s_axis_rx.write(to_send.front());
      to_send.pop_front();
    }
    parser.step(s_axis_rx, parser2csum, parser2csum_parsed, ready(rng));
    if (!parser2csum_parsed.empty() && cross(rng)) delayed_parsed.write(parser2csum_parsed.read());
    checker.step(parser2csum, delayed_parsed, m_axis_rx, m_axis_parsed, ready(rng));
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
  BOOST_TEST(checker.idle());
  BOOST_TEST(to_send.empty());
  for (bool empty : {s_axis_rx.empty(), parser2csum.empty(), m_axis_rx.empty(),
                     parser2csum_parsed.empty(), delayed_parsed.empty(), m_axis_parsed.empty()}) {
    BOOST_TEST(empty);
  }
  return run;
}

RxParsed expected(const Frame& frame) {
  RxParsed p = reference_parse(frame);
  reference_checksums(frame, p.meta);
  return p;
}

struct Tally {
  int l3_good = 0, l3_bad = 0, l4_good = 0, l4_bad = 0;
};

Tally check_chain(const std::vector<Frame>& frames, const ChainRun& run) {
  BOOST_REQUIRE_EQUAL(run.frames.size(), frames.size());
  BOOST_REQUIRE_EQUAL(run.parsed.size(), frames.size());
  Tally t;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    BOOST_TEST_CONTEXT("frame " << i << " (" << frames[i].size() << " bytes)") {
      BOOST_TEST((run.frames[i] == frames[i]));
      BOOST_TEST(describe(run.parsed[i]) == describe(expected(frames[i])));
    }
    const auto& m = run.parsed[i].meta;
    t.l3_good += m.l3_checksum == ChecksumStatus::good;
    t.l3_bad += m.l3_checksum == ChecksumStatus::bad;
    t.l4_good += m.l4_checksum == ChecksumStatus::good;
    t.l4_bad += m.l4_checksum == ChecksumStatus::bad;
  }
  return t;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(checksum_rx)

BOOST_AUTO_TEST_CASE(linux_frames_verify_good_and_single_bit_errors_bad) {
  std::vector<Frame> frames = read_frames("linux_frames.pcap");
  BOOST_REQUIRE(!frames.empty());
  // As captured: Linux's checksums are right (the capture script turns offloads off).
  const Tally clean = check_chain(frames, run_chain(frames, kPaces[4], 0.7, 20));
  BOOST_TEST(clean.l3_bad == 0);
  BOOST_TEST(clean.l4_bad == 0);
  BOOST_TEST(clean.l4_good > 0);

  std::mt19937_64 rng(21);
  std::vector<Frame> corrupted = frames;
  for (auto& f : corrupted) {
    // Inside the IPv4 datagram, so that the flip lands where a checksum covers it
    // (or changes what the parser makes of the frame).
    Frame tail(f.begin() + kEth, f.end());
    flip_random_bit(tail, rng);
    std::copy(tail.begin(), tail.end(), f.begin() + kEth);
  }
  const Tally dirty = check_chain(corrupted, run_chain(corrupted, kPaces[4], 0.7, 22));
  BOOST_TEST_MESSAGE("linux frames with one bit flipped: " << dirty.l3_bad << " bad headers, "
                                                           << dirty.l4_bad << " bad segments");
  BOOST_TEST(dirty.l3_bad + dirty.l4_bad > static_cast<int>(frames.size()) / 2);
}

BOOST_AUTO_TEST_CASE(scapy_valid_frames_verify_good) {
  const auto labelled = read_labelled("scapy_valid", false);
  std::vector<Frame> frames;
  for (const auto& l : labelled)
    frames.push_back(l.frame);
  BOOST_REQUIRE(!frames.empty());
  const auto run = run_chain(frames, kPaces[4], 0.6, 30);
  check_chain(frames, run);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    BOOST_TEST_CONTEXT(labelled[i].note) {
      const auto& m = run.parsed[i].meta;
      BOOST_TEST((m.l3_checksum != ChecksumStatus::bad));
      BOOST_TEST((m.l4_checksum != ChecksumStatus::bad));
      if (m.l3 == L3Kind::ipv4) BOOST_TEST((m.l3_checksum == ChecksumStatus::good));
      if (m.l4 != L4Kind::none) BOOST_TEST((m.l4_checksum == ChecksumStatus::good));
    }
  }
}

// host/wire's bad_checksum frames have every field right but one checksum: the
// kernel must parse them cleanly and flag that checksum, and only that one.
BOOST_AUTO_TEST_CASE(scapy_malformed_frames_checksums) {
  const auto labelled = read_labelled("scapy_malformed", true);
  std::vector<Frame> frames;
  for (const auto& l : labelled)
    frames.push_back(l.frame);
  BOOST_REQUIRE(!frames.empty());
  const auto run = run_chain(frames, kPaces[4], 0.6, 31);
  check_chain(frames, run);
  int bad_checksums = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto& l = labelled[i];
    if (l.error != "bad_checksum") continue;
    ++bad_checksums;
    BOOST_TEST_CONTEXT(l.layer << ": " << l.note) {
      const auto& m = run.parsed[i].meta;
      BOOST_TEST((m.parse == ParseStatus::ok));
      const bool header = l.layer == "ipv4";
      BOOST_TEST((m.l3_checksum == (header ? ChecksumStatus::bad : ChecksumStatus::good)));
      BOOST_TEST((m.l4_checksum == (header ? ChecksumStatus::good : ChecksumStatus::bad)));
    }
  }
  BOOST_TEST(bad_checksums == 4);  // IPv4, TCP, UDP, ICMP
}

BOOST_AUTO_TEST_CASE(generated_frames_with_random_single_bit_errors) {
  std::mt19937_64 rng(4242);
  std::vector<Frame> frames = assorted_frames(rng, 1500);
  for (auto& f : frames) {
    if (rng() % 2) flip_random_bit(f, rng);
  }
  const Tally t = check_chain(frames, run_chain(frames, kPaces[4], 0.5, 4243));
  BOOST_TEST_MESSAGE("generated frames: l3 " << t.l3_good << " good " << t.l3_bad << " bad, l4 "
                                             << t.l4_good << " good " << t.l4_bad << " bad");
  BOOST_TEST(t.l3_good > 300);
  BOOST_TEST(t.l3_bad > 100);
  BOOST_TEST(t.l4_good > 300);
  BOOST_TEST(t.l4_bad > 100);
}

// Every single-bit error in a checksummed region is caught (RFC 1071: a one-bit
// change moves the sum by a power of two, never by 0 mod 0xFFFF).
BOOST_AUTO_TEST_CASE(every_bit_of_a_segment_flipped) {
  std::mt19937_64 rng(99);
  for (auto protocol : {wire::IpProtocol::tcp, wire::IpProtocol::udp, wire::IpProtocol::icmp}) {
    const Frame clean = random_l4_frame(rng, protocol, 70, 8, wire::ChecksumMode::software);
    std::vector<Frame> frames;
    for (std::size_t bit = 8 * kEth; bit < 8 * clean.size(); ++bit) {
      Frame f = clean;
      f[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
      frames.push_back(std::move(f));
    }
    const auto run = run_chain(frames, kPaces[2], 1.0, 100);
    check_chain(frames, run);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto& m = run.parsed[i].meta;
      // Whatever the flip did to the parse, no layer it touched verifies good.
      BOOST_TEST_CONTEXT("bit " << 8 * kEth + i) {
        BOOST_TEST(
            !(m.l3_checksum == ChecksumStatus::good && m.l4_checksum == ChecksumStatus::good));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(idle_and_back_pressure_patterns) {
  std::mt19937_64 rng(7);
  std::vector<Frame> frames = assorted_frames(rng, 200);
  for (auto& f : frames) {
    if (rng() % 3 == 0) flip_random_bit(f, rng);
  }
  for (std::size_t p = 0; p < std::size(kPaces); ++p) {
    for (double lag : {1.0, 0.3}) {
      BOOST_TEST_CONTEXT(kPaces[p].name << ", lag " << lag) {
        check_chain(frames, run_chain(frames, kPaces[p], lag, 8 + p));
      }
    }
  }
}

// An RxParsed that does not describe the frame the sums came from (an upstream
// out of step) gets no verdict rather than a wrong one.
BOOST_AUTO_TEST_CASE(rx_parsed_of_another_frame_is_not_checked) {
  std::mt19937_64 rng(3);
  const Frame frame =
      random_l4_frame(rng, wire::IpProtocol::tcp, 100, 0, wire::ChecksumMode::software);
  RxParsed wrong = reference_parse(frame);
  wrong.meta.frame_length = static_cast<std::uint16_t>(frame.size() + 1);
  ChecksumRx checker;
  hls::stream<AxisBeat> in, out;
  hls::stream<RxParsed> parsed_in, parsed_out;
  for (const auto& b : frame_to_beats(frame))
    in.write(b);
  parsed_in.write(wrong);
  for (int cycle = 0; cycle < 10; ++cycle)
    checker.step(in, parsed_in, out, parsed_out);
  BOOST_REQUIRE_EQUAL(parsed_out.size(), 1u);
  const RxParsed got = parsed_out.read();
  BOOST_TEST((got.meta.l3_checksum == ChecksumStatus::not_checked));
  BOOST_TEST((got.meta.l4_checksum == ChecksumStatus::not_checked));
  BOOST_TEST(checker.idle());
}

BOOST_AUTO_TEST_CASE(line_rate_for_back_to_back_frames) {
  std::mt19937_64 rng(1518);
  for (std::size_t size : {64, 1518}) {
    std::vector<Frame> frames;
    std::uint64_t beats = 0;
    for (int i = 0; i < 1000; ++i) {
      frames.push_back(random_l4_frame(rng, wire::IpProtocol::tcp, size - 54, 0,
                                       wire::ChecksumMode::software, false));
      beats += (size + 63) / 64;
    }
    const auto run = run_chain(frames, kFullRate, 1.0, 5);
    check_chain(frames, run);
    BOOST_TEST_MESSAGE("rx_parser + checksum_rx: 1000 x " << size << " B frames, " << beats
                                                          << " beats, " << run.cycles << " cycles");
    // One cycle after the last beat for the last verdict, none lost per frame.
    BOOST_TEST(run.cycles <= beats + 2);
  }
}

BOOST_AUTO_TEST_SUITE_END()
