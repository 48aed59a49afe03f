// SPDX-License-Identifier: Apache-2.0
// C/RTL equivalence of checksum_tx: the vectors that test the HLS kernel
// (thousands of random TCP and UDP frames of 54..9014 bytes with random fill
// flags, padding and fields the host did not zero; checksums that compute to
// zero; frames the kernel cannot parse, runts, and frames too long to hold)
// go through hls::ChecksumTx and the Verilated rtl/checksum/checksum_tx.sv,
// each side with its own random idle cycles on the frame and command inputs
// and its own back-pressure on the output. The frames that leave (kept bytes,
// tkeep, tlast) and the unparsed_frames count must be identical, and nothing
// may be left in flight at the end.
#define BOOST_TEST_MODULE rtl_checksum_tx
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include "Vchecksum_tx.h"
#include "contract/nic_contract.hpp"
#include "hls/checksum/checksum.hpp"
#include "hls/checksum/tests/checksum_vectors.hpp"
#include "hls/rx_parser/tests/rx_reference.hpp"
#include "rtl/tb/axis_bench.hpp"

namespace {

using namespace tandem;
using namespace tandem::hls_test;
using hls_kernels::AxisBeat;
using hls_kernels::ChecksumTx;
using hls_kernels::TxCsumCmd;
using rtl_tb::Beat;
namespace tx_flag = contract::tx_flag;

constexpr std::uint8_t kFillBoth = tx_flag::fill_ipv4_checksum | tx_flag::fill_l4_checksum;

struct Inputs {
  std::vector<Beat> beats;
  std::vector<std::size_t> frame_of_beat;
  std::vector<std::uint8_t> flags;
};

struct Output {
  std::vector<Beat> beats;
  std::uint32_t unparsed = 0;
  std::uint64_t cycles = 0;
  std::vector<std::uint64_t> frame_done;  // RTL: the cycle each last beat left
};

Inputs inputs_for(const std::vector<Frame>& frames, const std::vector<std::uint8_t>& flags) {
  Inputs in;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    for (const auto& b : frame_to_beats(frames[i])) {
      in.beats.push_back(b);
      in.frame_of_beat.push_back(i);
    }
  }
  in.flags = flags;
  return in;
}

// The HLS kernel, stepped as its own testbench steps it: the host posts a
// frame's command before (up to a few frames ahead of) its first beat.
Output run_hls(const Inputs& in, const Pace& pace, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution feed(pace.feed), ready(pace.ready), drain(pace.drain);
  const std::size_t frames = in.flags.size();
  std::size_t next_beat = 0, cmds_sent = 0, last_frame_started = 0, frames_out = 0;
  hls::stream<AxisBeat> s_axis_tx, m_axis_tx;
  hls::stream<TxCsumCmd> s_axis_tx_cmd;
  ChecksumTx engine;
  Output out;
  const std::uint64_t limit = 50 * (in.beats.size() + 1000);
  while (frames_out < frames) {
    if (out.cycles > limit) BOOST_FAIL("HLS checksum_tx made no progress");
    if (cmds_sent < frames && cmds_sent < last_frame_started + 3 && feed(rng)) {
      s_axis_tx_cmd.write(in.flags[cmds_sent++]);
    }
    if (next_beat < in.beats.size() && feed(rng) && in.frame_of_beat[next_beat] < cmds_sent) {
      last_frame_started = in.frame_of_beat[next_beat];
      s_axis_tx.write(in.beats[next_beat++]);
    }
    engine.step(s_axis_tx, s_axis_tx_cmd, m_axis_tx, ready(rng));
    ++out.cycles;
    if (!m_axis_tx.empty() && drain(rng)) {
      out.beats.push_back(m_axis_tx.read());
      frames_out += out.beats.back().last == 1;
    }
  }
  BOOST_TEST(engine.idle());
  BOOST_TEST(s_axis_tx.empty());
  BOOST_TEST(s_axis_tx_cmd.empty());
  BOOST_TEST(m_axis_tx.empty());
  out.unparsed = engine.unparsed_frames().to_uint();
  return out;
}

// The RTL: commands and beats offered with chance pace.feed each (the engine
// takes a frame's beats only once its command is in), the output ready with
// chance pace.ready * pace.drain.
Output run_rtl(const Inputs& in, const Pace& pace, std::uint64_t seed) {
  rtl_tb::Clocked<Vchecksum_tx> top;
  const std::uint64_t start = top.cycles();
  rtl_tb::Source<Beat> beats({in.beats.begin(), in.beats.end()}, pace.feed, seed);
  rtl_tb::Source<std::uint8_t> cmds({in.flags.begin(), in.flags.end()}, pace.feed, seed + 1);
  rtl_tb::Sink sink(pace.ready * pace.drain, seed + 2);
  const std::size_t frames = in.flags.size();
  Output out;
  std::size_t frames_out = 0;
  const std::uint64_t limit = 50 * (in.beats.size() + 1000);
  const auto cycle = [&] {
    beats.prepare();
    cmds.prepare();
    top->s_axis_tx_tvalid = beats.valid();
    if (beats.valid()) {
      rtl_tb::put_data(top->s_axis_tx_tdata, beats.word().data);
      top->s_axis_tx_tkeep = beats.word().keep.to_uint64();
      top->s_axis_tx_tlast = beats.word().last.to_uint();
    }
    top->s_axis_tx_cmd_tvalid = cmds.valid();
    if (cmds.valid()) top->s_axis_tx_cmd_tdata = cmds.word();
    top->m_axis_tx_tready = sink.ready();
    top.eval();
    const bool beat_fire = top->s_axis_tx_tvalid && top->s_axis_tx_tready;
    const bool cmd_fire = top->s_axis_tx_cmd_tvalid && top->s_axis_tx_cmd_tready;
    if (top->m_axis_tx_tvalid && top->m_axis_tx_tready) {
      Beat b;
      b.data = rtl_tb::get_data(top->m_axis_tx_tdata);
      b.keep = top->m_axis_tx_tkeep;
      b.last = top->m_axis_tx_tlast;
      out.beats.push_back(b);
      frames_out += b.last == 1;
      if (b.last == 1) out.frame_done.push_back(top.cycles() - start);
    }
    top.tick();
    beats.commit(beat_fire);
    cmds.commit(cmd_fire);
  };
  while (frames_out < frames) {
    if (top.cycles() > limit) BOOST_FAIL("RTL checksum_tx made no progress");
    cycle();
  }
  out.cycles = top.cycles() - start;
  BOOST_TEST(beats.empty());
  BOOST_TEST(cmds.empty());
  sink.set_rate(1.0);
  const std::size_t n_beats = out.beats.size();
  for (int i = 0; i < 32; ++i)
    cycle();
  BOOST_TEST(out.beats.size() == n_beats);
  BOOST_TEST(top->s_axis_tx_cmd_tready == 1);
  BOOST_TEST(top->s_axis_tx_tready == 0);  // no command: no frame is being taken
  out.unparsed = top->unparsed_frames;
  return out;
}

// Both sides on the same inputs; the frames that leave and the count of
// frames refused must be identical. Returns the HLS side's output.
Output check_equivalent(const Inputs& in, const Pace& pace, std::uint64_t seed) {
  const Output hls = run_hls(in, pace, seed);
  const Output rtl = run_rtl(in, pace, seed ^ 0x5eed);
  BOOST_REQUIRE_EQUAL(hls.beats.size(), in.beats.size());
  BOOST_REQUIRE_EQUAL(rtl.beats.size(), hls.beats.size());
  int mismatches = 0;
  for (std::size_t i = 0; i < hls.beats.size(); ++i) {
    if (!rtl_tb::same_beat(rtl.beats[i], hls.beats[i]) && mismatches++ < 5) {
      BOOST_ERROR("beat " << i << " (frame " << in.frame_of_beat[i] << ") differs");
    }
  }
  BOOST_TEST(mismatches == 0);
  BOOST_TEST(rtl.unparsed == hls.unparsed);
  return hls;
}

// How many beats the engine changed: the test must have made it fill.
std::size_t beats_changed(const Inputs& in, const Output& out) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < in.beats.size(); ++i)
    n += !rtl_tb::same_beat(in.beats[i], out.beats[i]);
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(checksum_tx)

BOOST_AUTO_TEST_CASE(random_tcp_and_udp_frames_54_to_9014_bytes) {
  std::mt19937_64 rng(9014);
  std::vector<Frame> frames;
  std::vector<std::uint8_t> flags;
  for (int i = 0; i < 2000; ++i) {
    const std::size_t length = i % 4 == 0   ? 54 + rng() % (9014 - 54 + 1)
                               : i % 4 == 1 ? 54 + rng() % (1514 - 54 + 1)
                                            : 54 + rng() % 200;
    Frame f = random_tx_frame(rng, length);
    static constexpr std::uint8_t kFlags[] = {
        kFillBoth, kFillBoth, kFillBoth, tx_flag::fill_ipv4_checksum, tx_flag::fill_l4_checksum, 0};
    const std::uint8_t fl = kFlags[rng() % 6];
    switch (rng() % 10) {
      case 0:  // Ethernet padding after the datagram
        for (int n = 0; n < 1 + static_cast<int>(rng() % 9); ++n) {
          f.push_back(static_cast<std::byte>(rng()));
        }
        break;
      case 1:  // a host that did not zero the fields
        wire::store_be16(f, kEth + 10, static_cast<std::uint16_t>(rng()));
        wire::store_be16(f, l4_checksum_at(f), static_cast<std::uint16_t>(rng()));
        break;
      default:
        break;
    }
    frames.push_back(std::move(f));
    flags.push_back(fl);
  }
  const Inputs in = inputs_for(frames, flags);
  const Output hls = check_equivalent(in, kPaces[4], 9015);
  BOOST_TEST(hls.unparsed == 0u);
  BOOST_TEST(beats_changed(in, hls) > 1500u);
}

// RFC 768: a computed UDP checksum of zero is sent as all ones; TCP sends 0.
BOOST_AUTO_TEST_CASE(computed_zero) {
  std::mt19937_64 rng(768);
  std::vector<Frame> frames;
  for (const std::uint8_t protocol : {17, 6}) {
    Frame f;
    do {
      f = random_tx_frame(rng, 100);
    } while (wire::load_u8(f, kEth + 9) != protocol);
    // Make the sum over pseudo header and segment all ones: the last word is
    // chosen so that the computed checksum is zero.
    wire::store_be16(f, f.size() - 2, 0);
    wire::ChecksumAccumulator acc;
    const std::size_t header_len = std::size_t{wire::load_u8(f, kEth) & 0x0fu} * 4;
    const std::size_t total = wire::load_be16(f, kEth + 2);
    wire::add_ipv4_pseudo_header(acc, {wire::load_be32(f, kEth + 12)},
                                 {wire::load_be32(f, kEth + 16)}, protocol,
                                 static_cast<std::uint16_t>(total - header_len));
    acc.add(wire::ByteSpan(f).subspan(kEth + header_len, total - header_len));
    wire::store_be16(f, f.size() - 2, acc.checksum());
    frames.push_back(f);
  }
  const std::vector<std::uint8_t> flags(frames.size(), tx_flag::fill_l4_checksum);
  const Inputs in = inputs_for(frames, flags);
  const Output hls = check_equivalent(in, kFullRate, 1);
  Frame udp, tcp;
  for (const auto& b : hls.beats)
    append_beat_bytes(b, udp.size() < frames[0].size() ? udp : tcp);
  BOOST_TEST(wire::load_be16(udp, l4_checksum_at(udp)) == 0xffffu);
  BOOST_TEST(wire::load_be16(tcp, l4_checksum_at(tcp)) == 0x0000u);
}

// Frames the kernel cannot parse leave unchanged and are counted when a fill
// was asked for; so are frames too long to hold whole.
BOOST_AUTO_TEST_CASE(unparsable_and_oversize_frames_under_every_pace) {
  std::mt19937_64 rng(404);
  const auto good = [&](std::size_t length) { return random_tx_frame(rng, length); };
  const auto set16 = [](Frame f, std::size_t at, std::uint16_t v) {
    wire::store_be16(f, at, v);
    return f;
  };
  const auto set8 = [](Frame f, std::size_t at, std::uint8_t v) {
    wire::store_u8(f, at, v);
    return f;
  };
  const auto cut = [](Frame f, std::size_t n) {
    f.resize(n);
    return f;
  };
  const Frame icmp =
      random_l4_frame(rng, wire::IpProtocol::icmp, 30, 0, wire::ChecksumMode::offloaded);
  const Frame udp =
      random_l4_frame(rng, wire::IpProtocol::udp, 30, 0, wire::ChecksumMode::offloaded);
  const std::vector<std::pair<Frame, std::uint8_t>> cases = {
      {good(300), kFillBoth},
      {set16(good(100), 12, 0x86dd), kFillBoth},
      {set16(good(100), 12, 0x86dd), 0},
      {Frame(10, std::byte{0x45}), tx_flag::fill_ipv4_checksum},
      {Frame(1, std::byte{0x45}), kFillBoth},
      {cut(good(100), 30), tx_flag::fill_ipv4_checksum},
      {set8(good(100), kEth, 0x44), tx_flag::fill_ipv4_checksum},
      {set8(good(100), kEth, 0x65), kFillBoth},
      {set16(good(100), kEth + 2, 87), kFillBoth},
      {set16(good(100), kEth + 2, 19), kFillBoth},
      {set16(good(100), kEth + 6, 0x2000), tx_flag::fill_l4_checksum},
      {set16(good(100), kEth + 6, 0x2000), tx_flag::fill_ipv4_checksum},
      {icmp, kFillBoth},
      {icmp, tx_flag::fill_ipv4_checksum},
      {set16(udp, kEth + 20 + 4, 37), tx_flag::fill_l4_checksum},
      {set16(udp, kEth + 20 + 4, 37), tx_flag::fill_ipv4_checksum},
      {good(9216), kFillBoth},
      {good(9217), kFillBoth},
      {Frame(20000, std::byte{0x11}), 0},
      {Frame(20000, std::byte{0x45}), kFillBoth},
      {good(1514), kFillBoth},
      // A command byte with bits the contract does not define: no fill.
      {good(200), 0xfc},
  };
  std::vector<Frame> frames;
  std::vector<std::uint8_t> flags;
  for (const auto& c : cases) {
    frames.push_back(c.first);
    flags.push_back(c.second);
  }
  const Inputs in = inputs_for(frames, flags);
  for (std::size_t p = 0; p < std::size(kPaces); ++p) {
    BOOST_TEST_CONTEXT(kPaces[p].name) {
      const Output hls = check_equivalent(in, kPaces[p], 405 + p);
      BOOST_TEST(hls.unparsed == 13u);
    }
  }
}

BOOST_AUTO_TEST_CASE(idle_and_back_pressure_patterns) {
  std::mt19937_64 rng(31);
  std::vector<Frame> frames;
  std::vector<std::uint8_t> flags;
  for (int i = 0; i < 150; ++i) {
    frames.push_back(random_tx_frame(rng, 54 + rng() % (i % 5 == 0 ? 9000 : 1500)));
    flags.push_back(static_cast<std::uint8_t>(rng() % 4));
  }
  const Inputs in = inputs_for(frames, flags);
  for (std::size_t p = 0; p < std::size(kPaces); ++p) {
    BOOST_TEST_CONTEXT(kPaces[p].name) {
      check_equivalent(in, kPaces[p], 32 + p);
    }
  }
}

// Store-and-forward costs one frame's store time once; after that back-to-back
// frames leave at one beat per cycle.
BOOST_AUTO_TEST_CASE(line_rate_cycles_per_frame) {
  // Input, context, bounds, masks, 5 adder levels, accumulate, decide, patch
  // FIFO, RAM read, output FIFO.
  constexpr std::uint64_t kLatency = 14;
  std::mt19937_64 rng(100);
  for (std::size_t size : {64, 128, 256, 512, 1024, 1518, 4096, 9000}) {
    const int count = size <= 1518 ? 200 : 40;
    std::vector<Frame> frames;
    for (int i = 0; i < count; ++i) {
      frames.push_back(random_l4_frame(rng, wire::IpProtocol::tcp, size - 54, 0,
                                       wire::ChecksumMode::offloaded, false));
    }
    const std::vector<std::uint8_t> flags(frames.size(), kFillBoth);
    const Inputs in = inputs_for(frames, flags);
    const std::uint64_t beats_per_frame = (size + 63) / 64;
    const Output rtl = run_rtl(in, kFullRate, 7);
    const double steady = static_cast<double>(rtl.frame_done.back() - rtl.frame_done.front()) /
                          static_cast<double>(count - 1);
    BOOST_TEST_MESSAGE("checksum_tx RTL: " << count << " x " << size << " B frames, "
                                           << in.beats.size() << " beats in " << rtl.cycles
                                           << " cycles; " << steady << " cycles/frame for "
                                           << beats_per_frame << " beats/frame, first frame "
                                           << rtl.frame_done.front() << " cycles");
    BOOST_TEST(rtl.cycles <= in.beats.size() + beats_per_frame + kLatency);
    BOOST_TEST(steady == static_cast<double>(beats_per_frame));
    check_equivalent(in, kFullRate, 8);
  }
}

BOOST_AUTO_TEST_SUITE_END()
