// SPDX-License-Identifier: Apache-2.0
// checksum_tx against DPDK's rte_ipv4_cksum and rte_ipv4_udptcp_cksum (inline in
// <rte_ip.h>, no EAL) on thousands of random TCP and UDP frames of 54..9014
// bytes, odd lengths included, with random fill flags; host/wire's checksums
// stand in when DPDK is not installed, and host/wire's verify functions check
// every filled frame either way. Frames the kernel cannot parse must come out
// unchanged and be counted. Stepped cycle by cycle under random idle input and
// back-pressure.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstring>
#include <deque>
#include <random>
#include <vector>

#include "contract/nic_contract.hpp"
#include "hls/checksum/checksum.hpp"
#include "hls/checksum/tests/checksum_vectors.hpp"
#include "hls/rx_parser/tests/rx_reference.hpp"

#if TANDEM_HAVE_DPDK
#include <rte_ip.h>
#endif

namespace {

using namespace tandem;
using namespace tandem::hls_test;
using hls_kernels::AxisBeat;
using hls_kernels::ChecksumTx;
using hls_kernels::TxCsumCmd;
namespace tx_flag = contract::tx_flag;

constexpr std::uint8_t kFillBoth = tx_flag::fill_ipv4_checksum | tx_flag::fill_l4_checksum;

// ---------------------------------------------------------------------------
// The reference

// Which checksums host/wire's views say the frame has room for.
struct Fillable {
  bool ip = false;
  bool l4 = false;
};

Fillable fillable(const Frame& frame) {
  Fillable can;
  const auto eth = wire::EthernetFrame::new_checked(frame);
  if (!eth || eth->ethertype() != static_cast<std::uint16_t>(wire::EtherType::ipv4)) return can;
  const auto ip = wire::Ipv4Packet::new_checked(eth->payload());
  if (!ip) return can;
  can.ip = true;
  if (ip->is_fragment()) return can;
  if (ip->protocol() == static_cast<std::uint8_t>(wire::IpProtocol::tcp)) {
    can.l4 = wire::TcpPacket::new_checked(ip->payload()).ok();
  } else if (ip->protocol() == static_cast<std::uint8_t>(wire::IpProtocol::udp)) {
    const auto udp = wire::UdpPacket::new_checked(ip->payload());
    can.l4 = udp && udp->length() == ip->payload().size();
  }
  return can;
}

// The frame as it must leave the NIC; `counted` when a fill was asked for that
// the frame has no room for (the frame then leaves unchanged).
Frame expected_output(const Frame& in, std::uint8_t flags, bool& counted) {
  const bool want_ip = (flags & tx_flag::fill_ipv4_checksum) != 0;
  const bool want_l4 = (flags & tx_flag::fill_l4_checksum) != 0;
  const Fillable can = fillable(in);
  counted = (want_ip && !can.ip) || (want_l4 && !can.l4);
  if (counted) return in;
  Frame out = in;
  const std::size_t header_len = std::size_t{wire::load_u8(out, kEth) & 0x0fu} * 4;
  // Filled fields count as zero, as the contract has the host leave them.
  if (want_ip) wire::store_be16(out, kEth + 10, 0);
  if (want_l4) wire::store_be16(out, l4_checksum_at(out), 0);
#if TANDEM_HAVE_DPDK
  const auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(out.data() + kEth);
  // DPDK's results are in network order as they lie in memory.
  if (want_ip) {
    const std::uint16_t c = rte_ipv4_cksum(ip);
    std::memcpy(out.data() + kEth + 10, &c, 2);
  }
  if (want_l4) {
    const std::uint16_t c = rte_ipv4_udptcp_cksum(ip, out.data() + kEth + header_len);
    std::memcpy(out.data() + l4_checksum_at(out), &c, 2);
  }
#else
  const wire::ByteSpan bytes(out);
  if (want_ip) {
    wire::store_be16(out, kEth + 10, wire::internet_checksum(bytes.subspan(kEth, header_len)));
  }
  if (want_l4) {
    const std::size_t total = wire::load_be16(out, kEth + 2);
    const auto protocol = wire::load_u8(out, kEth + 9);
    wire::ChecksumAccumulator acc;
    wire::add_ipv4_pseudo_header(acc, {wire::load_be32(out, kEth + 12)},
                                 {wire::load_be32(out, kEth + 16)}, protocol,
                                 static_cast<std::uint16_t>(total - header_len));
    acc.add(bytes.subspan(kEth + header_len, total - header_len));
    std::uint16_t c = acc.checksum();
    if (protocol == 17 && c == 0) c = 0xffff;
    wire::store_be16(out, l4_checksum_at(out), c);
  }
#endif
  return out;
}

// host/wire's own verdict on what the kernel filled.
void verify_filled(const Frame& out, std::uint8_t flags) {
  const auto ip = wire::Ipv4Packet::new_checked(wire::ByteSpan(out).subspan(kEth));
  BOOST_REQUIRE(ip.ok());
  if (flags & tx_flag::fill_ipv4_checksum) BOOST_TEST(ip->verify_checksum());
  if (flags & tx_flag::fill_l4_checksum) {
    if (ip->protocol() == 6) {
      BOOST_TEST(
          wire::TcpPacket::new_checked(ip->payload())->verify_checksum(ip->src(), ip->dst()));
    } else {
      const auto udp = wire::UdpPacket::new_checked(ip->payload());
      BOOST_TEST(udp->checksum() != 0);
      BOOST_TEST(udp->verify_checksum(ip->src(), ip->dst()));
    }
  }
}

// ---------------------------------------------------------------------------
// The testbench

struct TxRun {
  std::vector<Frame> frames;
  std::vector<AxisBeat> beats;
  std::uint64_t cycles = 0;
};

TxRun run_tx(ChecksumTx& kernel, const std::vector<Frame>& frames,
             const std::vector<std::uint8_t>& flags, const Pace& pace, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution feed(pace.feed), ready(pace.ready), drain(pace.drain);
  std::deque<std::pair<std::size_t, AxisBeat>> to_send;  // frame index, beat
  for (std::size_t i = 0; i < frames.size(); ++i) {
    for (const auto& b : frame_to_beats(frames[i]))
      to_send.emplace_back(i, b);
  }
  const std::uint64_t limit = 50 * (to_send.size() + 1000);
  hls::stream<AxisBeat> s_axis_tx, m_axis_tx;
  hls::stream<TxCsumCmd> s_axis_tx_cmd;
  std::size_t cmds_sent = 0;
  std::size_t last_frame_started = 0;
  TxRun run;
  Frame current;
  while (run.frames.size() < frames.size()) {
    if (run.cycles > limit)
      BOOST_FAIL("checksum_tx made no progress for " << run.cycles << " cycles");
    // The host posts a frame's command before (up to a few frames ahead of) its
    // first beat.
    if (cmds_sent < frames.size() && cmds_sent < last_frame_started + 3 && feed(rng)) {
      s_axis_tx_cmd.write(flags[cmds_sent++]);
    }
    if (!to_send.empty() && feed(rng)) {
      const std::size_t frame = to_send.front().first;
      if (frame < cmds_sent) {
        s_axis_tx.write(to_send.front().second);
        to_send.pop_front();
        last_frame_started = frame;
      }
    }
    kernel.step(s_axis_tx, s_axis_tx_cmd, m_axis_tx, ready(rng));
    ++run.cycles;
    if (!m_axis_tx.empty() && drain(rng)) {
      const AxisBeat beat = m_axis_tx.read();
      run.beats.push_back(beat);
      append_beat_bytes(beat, current);
      if (beat.last == 1) {
        run.frames.push_back(std::move(current));
        current.clear();
      }
    }
  }
  BOOST_TEST(kernel.idle());
  BOOST_TEST(to_send.empty());
  BOOST_TEST(s_axis_tx.empty());
  BOOST_TEST(s_axis_tx_cmd.empty());
  BOOST_TEST(m_axis_tx.empty());
  return run;
}

// The frames leave as the reference says, with the beats' tkeep and tlast as
// they came; returns how many frames the reference counts as unparsable.
std::uint32_t check_tx(const std::vector<Frame>& frames, const std::vector<std::uint8_t>& flags,
                       const TxRun& run) {
  BOOST_REQUIRE_EQUAL(run.frames.size(), frames.size());
  std::uint32_t counted_total = 0;
  std::size_t beat = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    bool counted = false;
    const Frame want = expected_output(frames[i], flags[i], counted);
    counted_total += counted;
    BOOST_TEST_CONTEXT("frame " << i << " (" << frames[i].size() << " bytes, flags "
                                << unsigned{flags[i]} << ")") {
      BOOST_TEST((run.frames[i] == want));
      if (!counted && flags[i] != 0) verify_filled(run.frames[i], flags[i]);
      for (const auto& in : frame_to_beats(frames[i])) {
        BOOST_REQUIRE(beat < run.beats.size());
        BOOST_TEST(run.beats[beat].keep.to_uint64() == in.keep.to_uint64());
        BOOST_TEST(run.beats[beat].last.to_uint() == in.last.to_uint());
        ++beat;
      }
    }
  }
  BOOST_TEST(beat == run.beats.size());
  return counted_total;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(checksum_tx)

BOOST_AUTO_TEST_CASE(random_tcp_and_udp_frames_54_to_9014_bytes_match_dpdk) {
  std::mt19937_64 rng(9014);
  std::vector<Frame> frames;
  std::vector<std::uint8_t> flags;
  for (int i = 0; i < 2000; ++i) {
    // Mostly short and full-sized frames, as on a wire, and jumbo ones besides.
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
      case 1:  // a host that did not zero the fields: filled ones are still right
        wire::store_be16(f, kEth + 10, static_cast<std::uint16_t>(rng()));
        wire::store_be16(f, l4_checksum_at(f), static_cast<std::uint16_t>(rng()));
        break;
      default:
        break;
    }
    frames.push_back(std::move(f));
    flags.push_back(fl);
  }
  int odd = 0;
  for (const auto& f : frames)
    odd += f.size() % 2;
  BOOST_TEST(odd > 500);
  ChecksumTx kernel;
  const auto run = run_tx(kernel, frames, flags, kPaces[4], 9015);
  BOOST_TEST(check_tx(frames, flags, run) == 0u);
  BOOST_TEST(kernel.unparsed_frames().to_uint() == 0u);
}

// RFC 768: UDP sends a computed checksum of zero as all ones; TCP sends zero.
BOOST_AUTO_TEST_CASE(computed_zero_is_all_ones_for_udp_only) {
  std::mt19937_64 rng(768);
  std::vector<Frame> frames;
  for (int i = 0; i < 2; ++i) {
    // An even-length datagram whose last word is chosen so that the sum over
    // pseudo header and segment is all ones: the computed checksum is zero.
    Frame f = random_tx_frame(rng, 100);
    const std::size_t at = l4_checksum_at(f);
    if (wire::load_u8(f, kEth + 9) == (i == 0 ? 17 : 6)) {
      wire::store_be16(f, f.size() - 2, 0);
      bool counted = false;
      const Frame filled = expected_output(f, tx_flag::fill_l4_checksum, counted);
      wire::store_be16(f, f.size() - 2, wire::load_be16(filled, at));
      frames.push_back(f);
    } else {
      --i;
    }
  }
  const std::vector<std::uint8_t> flags(frames.size(), tx_flag::fill_l4_checksum);
  ChecksumTx kernel;
  const auto run = run_tx(kernel, frames, flags, kFullRate, 1);
  check_tx(frames, flags, run);
  BOOST_TEST(wire::load_be16(run.frames[0], l4_checksum_at(frames[0])) == 0xffffu);
  BOOST_TEST(wire::load_be16(run.frames[1], l4_checksum_at(frames[1])) == 0x0000u);
}

// Frames the kernel cannot parse leave unchanged and are counted (only when a
// fill was asked for); the frames around them are not disturbed.
BOOST_AUTO_TEST_CASE(unparsable_and_oversize_frames_pass_unchanged) {
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
  Frame icmp = random_l4_frame(rng, wire::IpProtocol::icmp, 30, 0, wire::ChecksumMode::offloaded);
  Frame udp = random_l4_frame(rng, wire::IpProtocol::udp, 30, 0, wire::ChecksumMode::offloaded);
  struct Case {
    const char* what;
    Frame frame;
    std::uint8_t flags;
    bool counted;
  };
  const Case cases[] = {
      {"well-formed", good(300), kFillBoth, false},
      {"not IPv4", set16(good(100), 12, 0x86dd), kFillBoth, true},
      {"not IPv4, nothing asked", set16(good(100), 12, 0x86dd), 0, false},
      {"runt", Frame(10, std::byte{0x45}), tx_flag::fill_ipv4_checksum, true},
      {"IPv4 header cut", cut(good(100), 30), tx_flag::fill_ipv4_checksum, true},
      {"IHL 4", set8(good(100), kEth, 0x44), tx_flag::fill_ipv4_checksum, true},
      {"version 6", set8(good(100), kEth, 0x65), kFillBoth, true},
      {"total length past the frame", set16(good(100), kEth + 2, 87), kFillBoth, true},
      {"total length below the header", set16(good(100), kEth + 2, 19), kFillBoth, true},
      {"fragment, L4 asked", set16(good(100), kEth + 6, 0x2000), tx_flag::fill_l4_checksum, true},
      {"fragment, header only", set16(good(100), kEth + 6, 0x2000), tx_flag::fill_ipv4_checksum,
       false},
      {"ICMP, L4 asked", icmp, kFillBoth, true},
      {"ICMP, header only", icmp, tx_flag::fill_ipv4_checksum, false},
      {"UDP length disagrees", set16(udp, kEth + 20 + 4, 37), tx_flag::fill_l4_checksum, true},
      {"UDP length disagrees, header only", set16(udp, kEth + 20 + 4, 37),
       tx_flag::fill_ipv4_checksum, false},
      {"9216 bytes: the longest frame held whole", good(9216), kFillBoth, false},
      {"9217 bytes: too long to hold", good(9217), kFillBoth, true},
      {"20000 bytes, nothing asked", Frame(20000, std::byte{0x11}), 0, false},
      {"20000 bytes", Frame(20000, std::byte{0x45}), kFillBoth, true},
      {"well-formed after them", good(1514), kFillBoth, false},
  };
  std::vector<Frame> frames;
  std::vector<std::uint8_t> flags;
  std::uint32_t counted = 0;
  for (const auto& c : cases) {
    frames.push_back(c.frame);
    flags.push_back(c.flags);
    bool ref_counted = false;
    expected_output(c.frame, c.flags, ref_counted);
    // 9217 bytes is a length limit of the kernel, not a parse failure.
    if (c.frame.size() <= 9216) BOOST_TEST(ref_counted == c.counted, c.what);
    counted += c.counted;
  }
  for (std::size_t p = 0; p < std::size(kPaces); ++p) {
    BOOST_TEST_CONTEXT(kPaces[p].name) {
      ChecksumTx kernel;
      const auto run = run_tx(kernel, frames, flags, kPaces[p], 405 + p);
      BOOST_REQUIRE_EQUAL(run.frames.size(), frames.size());
      for (std::size_t i = 0; i < frames.size(); ++i) {
        BOOST_TEST_CONTEXT(cases[i].what) {
          if (cases[i].counted) {
            BOOST_TEST((run.frames[i] == frames[i]));
          } else {
            bool ref_counted = false;
            BOOST_TEST((run.frames[i] == expected_output(frames[i], flags[i], ref_counted)));
          }
        }
      }
      BOOST_TEST(kernel.unparsed_frames().to_uint() == counted);
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
  for (std::size_t p = 0; p < std::size(kPaces); ++p) {
    BOOST_TEST_CONTEXT(kPaces[p].name) {
      ChecksumTx kernel;
      BOOST_TEST(check_tx(frames, flags, run_tx(kernel, frames, flags, kPaces[p], 32 + p)) == 0u);
    }
  }
}

// Store-and-forward costs one frame's store time once; after that the two
// stages overlap and back-to-back frames leave at one beat per cycle.
BOOST_AUTO_TEST_CASE(line_rate_for_back_to_back_frames) {
  std::mt19937_64 rng(100);
  for (std::size_t size : {64, 1518}) {
    std::vector<Frame> frames;
    std::uint64_t beats = 0;
    const std::uint64_t beats_per_frame = (size + 63) / 64;
    for (int i = 0; i < 1000; ++i) {
      frames.push_back(random_l4_frame(rng, wire::IpProtocol::tcp, size - 54, 0,
                                       wire::ChecksumMode::offloaded, false));
      beats += beats_per_frame;
    }
    const std::vector<std::uint8_t> flags(frames.size(), kFillBoth);
    ChecksumTx kernel;
    const auto run = run_tx(kernel, frames, flags, kFullRate, 7);
    check_tx(frames, flags, run);
    BOOST_TEST_MESSAGE("checksum_tx: 1000 x " << size << " B frames, " << beats << " beats, "
                                              << run.cycles << " cycles");
    BOOST_TEST(run.cycles <= beats + beats_per_frame + 2);
  }
}

BOOST_AUTO_TEST_SUITE_END()
