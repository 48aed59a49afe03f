// SPDX-License-Identifier: Apache-2.0
// C/RTL equivalence of checksum_rx: the vectors that test the HLS kernel
// (frames Linux sent, as captured and with one bit flipped; scapy's valid and
// malformed frames; generated TCP/UDP/ICMP frames with IPv4 options, UDP
// without checksum, fragments, padding, unknown protocols and ARP, half with a
// random bit flipped; every bit of a segment flipped in turn) go through
// hls::ChecksumRx and the Verilated rtl/checksum/checksum_rx.sv. Both get the
// same beats and the same RxParsed words — what hls::RxParser says of each
// frame, the engine's upstream — each side with its own random idle cycles on
// both inputs, its own lag between the beats and the RxParsed words, and its
// own back-pressure on both outputs. Beats and RxParsed words must be
// bit-identical, and nothing may be left in flight at the end.
#define BOOST_TEST_MODULE rtl_checksum_rx
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "Vchecksum_rx.h"
#include "hls/checksum/checksum.hpp"
#include "hls/checksum/tests/checksum_vectors.hpp"
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
using hls_kernels::ChecksumRx;
using hls_kernels::RxParser;
using rtl_tb::Beat;
using rtl_tb::RxParsedWord;

// One run's inputs: the beats and, per frame, the RxParsed its parser gives.
struct Inputs {
  std::vector<Beat> beats;
  std::vector<RxParsed> parsed;
};

struct Output {
  std::vector<Beat> beats;
  std::vector<RxParsedWord> parsed;
  std::uint64_t cycles = 0;
  std::vector<std::uint64_t> frame_done;  // RTL: the cycle each RxParsed left
};

Inputs inputs_for(const std::vector<Frame>& frames) {
  Inputs in;
  for (const auto& f : frames) {
    for (const auto& b : frame_to_beats(f))
      in.beats.push_back(b);
  }
  // The upstream: hls::RxParser at full rate (rtl_rx_parser_tests holds the
  // RTL parser to the same words).
  RxParser parser;
  hls::stream<AxisBeat> s, m;
  hls::stream<RxParsed> parsed;
  for (const auto& b : in.beats)
    s.write(b);
  while (!s.empty())
    parser.step(s, m, parsed);
  while (!parsed.empty())
    in.parsed.push_back(parsed.read());
  BOOST_REQUIRE_EQUAL(in.parsed.size(), frames.size());
  return in;
}

// The HLS kernel: `lag` is the chance per cycle that the next RxParsed word
// is handed to it.
Output run_hls(const Inputs& in, const Pace& pace, double lag, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution feed(pace.feed), ready(pace.ready), drain(pace.drain), cross(lag);
  std::deque<Beat> beats(in.beats.begin(), in.beats.end());
  std::deque<RxParsed> words(in.parsed.begin(), in.parsed.end());
  hls::stream<AxisBeat> s_axis_rx, m_axis_rx;
  hls::stream<RxParsed> s_axis_parsed, m_axis_parsed;
  ChecksumRx engine;
  Output out;
  const std::size_t frames = in.parsed.size();
  std::size_t frames_out = 0;
  const std::uint64_t limit = 50 * (in.beats.size() + 100);
  while (frames_out < frames || out.parsed.size() < frames) {
    if (out.cycles > limit) BOOST_FAIL("HLS checksum_rx made no progress");
    if (!beats.empty() && feed(rng)) {
      s_axis_rx.write(beats.front());
      beats.pop_front();
    }
    if (!words.empty() && cross(rng)) {
      s_axis_parsed.write(words.front());
      words.pop_front();
    }
    engine.step(s_axis_rx, s_axis_parsed, m_axis_rx, m_axis_parsed, ready(rng));
    ++out.cycles;
    if (!m_axis_rx.empty() && drain(rng)) {
      out.beats.push_back(m_axis_rx.read());
      frames_out += out.beats.back().last == 1;
    }
    if (!m_axis_parsed.empty() && drain(rng)) {
      out.parsed.push_back(rtl_tb::pack_rx_parsed(m_axis_parsed.read()));
    }
  }
  BOOST_TEST(engine.idle());
  for (bool empty :
       {s_axis_rx.empty(), m_axis_rx.empty(), s_axis_parsed.empty(), m_axis_parsed.empty()}) {
    BOOST_TEST(empty);
  }
  return out;
}

// The RTL: beats offered with chance pace.feed, RxParsed words with chance
// `lag`, each output ready with chance pace.ready * pace.drain.
Output run_rtl(const Inputs& in, const Pace& pace, double lag, std::uint64_t seed) {
  rtl_tb::Clocked<Vchecksum_rx> top;
  const std::uint64_t start = top.cycles();
  rtl_tb::Source<Beat> beats({in.beats.begin(), in.beats.end()}, pace.feed, seed);
  std::deque<RxParsedWord> packed;
  for (const auto& p : in.parsed)
    packed.push_back(rtl_tb::pack_rx_parsed(p));
  rtl_tb::Source<RxParsedWord> words(std::move(packed), lag, seed + 1);
  rtl_tb::Sink beat_sink(pace.ready * pace.drain, seed + 2);
  rtl_tb::Sink parsed_sink(pace.ready * pace.drain, seed + 3);
  const std::size_t frames = in.parsed.size();
  Output out;
  std::size_t frames_out = 0;
  const std::uint64_t limit = 50 * (in.beats.size() + 100);
  const auto cycle = [&] {
    beats.prepare();
    words.prepare();
    top->s_axis_rx_tvalid = beats.valid();
    if (beats.valid()) {
      rtl_tb::put_data(top->s_axis_rx_tdata, beats.word().data);
      top->s_axis_rx_tkeep = beats.word().keep.to_uint64();
      top->s_axis_rx_tlast = beats.word().last.to_uint();
    }
    top->s_axis_parsed_tvalid = words.valid();
    if (words.valid()) rtl_tb::to_wide(top->s_axis_parsed_tdata, words.word());
    top->m_axis_rx_tready = beat_sink.ready();
    top->m_axis_parsed_tready = parsed_sink.ready();
    top.eval();
    const bool beat_fire = top->s_axis_rx_tvalid && top->s_axis_rx_tready;
    const bool word_fire = top->s_axis_parsed_tvalid && top->s_axis_parsed_tready;
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
    beats.commit(beat_fire);
    words.commit(word_fire);
  };
  while (frames_out < frames || out.parsed.size() < frames) {
    if (top.cycles() > limit) BOOST_FAIL("RTL checksum_rx made no progress");
    cycle();
  }
  out.cycles = top.cycles() - start;
  BOOST_TEST(beats.empty());
  BOOST_TEST(words.empty());
  beat_sink.set_rate(1.0);
  parsed_sink.set_rate(1.0);
  const std::size_t n_beats = out.beats.size(), n_parsed = out.parsed.size();
  for (int i = 0; i < 32; ++i)
    cycle();
  BOOST_TEST(out.beats.size() == n_beats);
  BOOST_TEST(out.parsed.size() == n_parsed);
  BOOST_TEST(top->s_axis_rx_tready == 1);
  BOOST_TEST(top->s_axis_parsed_tready == 0);  // no frame waits for its verdict
  return out;
}

struct Tally {
  int l3_good = 0, l3_bad = 0, l4_good = 0, l4_bad = 0, not_checked = 0;
};

// Both sides on the same inputs; everything they emit must be identical.
Tally check_equivalent(const Inputs& in, const Pace& pace, double lag, std::uint64_t seed) {
  const Output hls = run_hls(in, pace, lag, seed);
  const Output rtl = run_rtl(in, pace, lag, seed ^ 0x5eed);
  BOOST_REQUIRE_EQUAL(hls.beats.size(), in.beats.size());
  BOOST_REQUIRE_EQUAL(rtl.beats.size(), hls.beats.size());
  BOOST_REQUIRE_EQUAL(rtl.parsed.size(), hls.parsed.size());
  int beat_mismatches = 0;
  for (std::size_t i = 0; i < hls.beats.size(); ++i) {
    if (!rtl_tb::same_beat(rtl.beats[i], hls.beats[i]) && beat_mismatches++ < 5) {
      BOOST_ERROR("beat " << i << " differs");
    }
  }
  BOOST_TEST(beat_mismatches == 0);
  Tally t;
  int parsed_mismatches = 0;
  for (std::size_t i = 0; i < hls.parsed.size(); ++i) {
    const RxParsed h = rtl_tb::unpack_rx_parsed(hls.parsed[i]);
    if (rtl.parsed[i] != hls.parsed[i] && parsed_mismatches++ < 5) {
      BOOST_ERROR("frame " << i << ": RTL " << describe(rtl_tb::unpack_rx_parsed(rtl.parsed[i]))
                           << "\n   HLS " << describe(h));
    }
    t.l3_good += h.meta.l3_checksum == ChecksumStatus::good;
    t.l3_bad += h.meta.l3_checksum == ChecksumStatus::bad;
    t.l4_good += h.meta.l4_checksum == ChecksumStatus::good;
    t.l4_bad += h.meta.l4_checksum == ChecksumStatus::bad;
    t.not_checked += h.meta.l3_checksum == ChecksumStatus::not_checked;
  }
  BOOST_TEST(parsed_mismatches == 0);
  return t;
}

Tally check_equivalent(const std::vector<Frame>& frames, const Pace& pace, double lag,
                       std::uint64_t seed) {
  return check_equivalent(inputs_for(frames), pace, lag, seed);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(captured_frames)

BOOST_AUTO_TEST_CASE(linux_frames_clean_and_with_one_bit_flipped) {
  const auto frames = read_frames("linux_frames.pcap");
  BOOST_REQUIRE(!frames.empty());
  const Tally clean = check_equivalent(frames, kPaces[4], 0.7, 20);
  BOOST_TEST(clean.l4_good > 0);
  BOOST_TEST(clean.l4_bad == 0);

  std::mt19937_64 rng(21);
  std::vector<Frame> corrupted = frames;
  for (auto& f : corrupted) {
    Frame tail(f.begin() + kEth, f.end());
    flip_random_bit(tail, rng);
    std::copy(tail.begin(), tail.end(), f.begin() + kEth);
  }
  const Tally dirty = check_equivalent(corrupted, kPaces[4], 0.7, 22);
  BOOST_TEST(dirty.l3_bad + dirty.l4_bad > static_cast<int>(frames.size()) / 2);
}

BOOST_AUTO_TEST_CASE(scapy_valid_and_malformed_frames) {
  for (const bool malformed : {false, true}) {
    BOOST_TEST_CONTEXT((malformed ? "scapy_malformed" : "scapy_valid")) {
      const auto labelled = read_labelled(malformed ? "scapy_malformed" : "scapy_valid", malformed);
      BOOST_REQUIRE(!labelled.empty());
      std::vector<Frame> frames;
      for (const auto& l : labelled)
        frames.push_back(l.frame);
      const Tally t = check_equivalent(frames, kPaces[4], 0.6, malformed ? 31 : 30);
      BOOST_TEST(t.l4_good > 0);
      if (malformed) BOOST_TEST(t.l3_bad + t.l4_bad >= 4);  // the bad_checksum frames
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(generated_frames)

BOOST_AUTO_TEST_CASE(random_single_bit_errors) {
  std::mt19937_64 rng(4242);
  std::vector<Frame> frames = assorted_frames(rng, 1500);
  for (auto& f : frames) {
    if (rng() % 2) flip_random_bit(f, rng);
  }
  const Tally t = check_equivalent(frames, kPaces[4], 0.5, 4243);
  BOOST_TEST_MESSAGE("generated frames: l3 " << t.l3_good << " good " << t.l3_bad << " bad, l4 "
                                             << t.l4_good << " good " << t.l4_bad << " bad");
  BOOST_TEST(t.l3_good > 300);
  BOOST_TEST(t.l3_bad > 100);
  BOOST_TEST(t.l4_good > 300);
  BOOST_TEST(t.l4_bad > 100);
}

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
    BOOST_TEST_CONTEXT("protocol " << static_cast<int>(protocol)) {
      const Tally t = check_equivalent(frames, kPaces[2], 1.0, 100);
      BOOST_TEST(t.l3_bad + t.l4_bad > 0);
    }
  }
}

// An RxParsed that does not describe the frame its sums came from (an
// upstream out of step: here one byte longer) gets no verdict.
BOOST_AUTO_TEST_CASE(rx_parsed_of_another_frame_is_not_checked) {
  std::mt19937_64 rng(3);
  std::vector<Frame> frames;
  for (int i = 0; i < 20; ++i) {
    frames.push_back(
        random_l4_frame(rng, wire::IpProtocol::tcp, rng() % 300, 0, wire::ChecksumMode::software));
  }
  Inputs in = inputs_for(frames);
  for (std::size_t i = 0; i < in.parsed.size(); i += 2) {
    in.parsed[i].meta.frame_length = static_cast<std::uint16_t>(frames[i].size() + 1);
  }
  // Also an l4_offset the sums did not use.
  in.parsed[1].meta.l4_offset = static_cast<std::uint8_t>(in.parsed[1].meta.l4_offset + 4);
  const Tally t = check_equivalent(in, kPaces[4], 0.5, 4);
  BOOST_TEST(t.not_checked == 10);
  BOOST_TEST(t.l4_good == 9);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(timing)

BOOST_AUTO_TEST_CASE(idle_and_back_pressure_patterns) {
  std::mt19937_64 rng(7);
  std::vector<Frame> frames = assorted_frames(rng, 200);
  for (auto& f : frames) {
    if (rng() % 3 == 0) flip_random_bit(f, rng);
  }
  const Inputs in = inputs_for(frames);
  for (std::size_t p = 0; p < std::size(kPaces); ++p) {
    for (double lag : {1.0, 0.3}) {
      BOOST_TEST_CONTEXT(kPaces[p].name << ", lag " << lag) {
        check_equivalent(in, kPaces[p], lag, 8 + p);
      }
    }
  }
}

// One beat per cycle sustained with the RxParsed words keeping up: back-to-
// back frames take as many cycles as they have beats, plus the latency of the
// sum pipeline once.
BOOST_AUTO_TEST_CASE(line_rate_cycles_per_frame) {
  // Input, context, bounds, masks, 5 adder levels, accumulate, verdicts,
  // pending FIFO, match, parsed FIFO.
  constexpr std::uint64_t kLatency = 14;
  std::mt19937_64 rng(1518);
  for (std::size_t size : {64, 128, 256, 512, 1024, 1518, 4096, 9000}) {
    const int count = size <= 1518 ? 200 : 40;
    std::vector<Frame> frames;
    for (int i = 0; i < count; ++i) {
      frames.push_back(random_l4_frame(rng, wire::IpProtocol::tcp, size - 54, 0,
                                       wire::ChecksumMode::software, false));
    }
    const Inputs in = inputs_for(frames);
    const Output rtl = run_rtl(in, kFullRate, 1.0, 5);
    const std::uint64_t beats_per_frame = (size + 63) / 64;
    const double steady = static_cast<double>(rtl.frame_done.back() - rtl.frame_done.front()) /
                          static_cast<double>(count - 1);
    BOOST_TEST_MESSAGE("checksum_rx RTL: " << count << " x " << size << " B frames, "
                                           << in.beats.size() << " beats in " << rtl.cycles
                                           << " cycles; " << steady << " cycles/frame for "
                                           << beats_per_frame << " beats/frame, first frame "
                                           << rtl.frame_done.front() << " cycles");
    BOOST_TEST(rtl.cycles <= in.beats.size() + kLatency);
    BOOST_TEST(steady == static_cast<double>(beats_per_frame));
    const Tally t = check_equivalent(in, kFullRate, 1.0, 6);
    BOOST_TEST(t.l4_good == count);
  }
}

BOOST_AUTO_TEST_SUITE_END()
