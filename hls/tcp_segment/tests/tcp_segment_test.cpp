// SPDX-License-Identifier: Apache-2.0
// The TSO kernel, run cycle by cycle with random idle inputs and back-pressure,
// against references that share nothing with it:
//   - DPDK's own segmenter, rte_gso_segment, frame for frame, and DPDK's checksum
//     functions on every frame the kernel sends (when DPDK is available);
//   - frames segmented here byte by byte, with host/wire's checksum routines;
//   - host/wire's parsers, which must read every frame back, checksums verified,
//     and whose payloads must join up to the job's payload.
#define BOOST_TEST_MODULE hls_tcp_segment
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "contract/nic_contract.hpp"
#include "hls/tcp_segment/tcp_segment.hpp"
#include "hls/tcp_segment/tests/tso_vectors.hpp"
#include "host/dev/pcap.hpp"
#include "host/wire/checksum.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/ipv4.hpp"
#include "host/wire/tcp.hpp"

#if TANDEM_HAVE_DPDK
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_gso.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#endif

namespace {

namespace ct = tandem::contract;
namespace hk = tandem::hls_kernels;
namespace tw = tandem::wire;

using Bytes = std::vector<std::byte>;

constexpr std::size_t kEth = tw::kEthernetHeaderLen;

// ---------------------------------------------------------------------------
// Beats

hk::AxisBeat beat_from_bytes(const std::byte* bytes, std::size_t n, bool last) {
  hk::AxisBeat beat{};
  ap_uint<hk::kBeatBits> data = 0;
  for (int word = hk::kBeatBits / 64 - 1; word >= 0; --word) {
    std::uint64_t w = 0;
    for (int i = 7; i >= 0; --i) {
      const std::size_t at = static_cast<std::size_t>(word) * 8 + static_cast<std::size_t>(i);
      w = (w << 8) | (at < n ? static_cast<std::uint64_t>(bytes[at]) : 0u);
    }
    data = (data << 64) | ap_uint<hk::kBeatBits>(w);
  }
  beat.data = data;
  beat.keep = n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
  beat.strb = beat.keep;
  beat.last = last;
  return beat;
}

std::vector<hk::AxisBeat> to_beats(const Bytes& bytes) {
  std::vector<hk::AxisBeat> beats;
  for (std::size_t at = 0; at < bytes.size(); at += hk::kBeatBytes) {
    const std::size_t n = std::min<std::size_t>(hk::kBeatBytes, bytes.size() - at);
    beats.push_back(beat_from_bytes(bytes.data() + at, n, at + n == bytes.size()));
  }
  return beats;
}

void append_lanes(const hk::AxisBeat& beat, std::size_t lanes, Bytes& out) {
  for (std::size_t i = 0; i < lanes; ++i) {
    const std::uint64_t w = beat.data.word(static_cast<int>(i / 8));
    out.push_back(static_cast<std::byte>((w >> (8 * (i % 8))) & 0xffu));
  }
}

// ---------------------------------------------------------------------------
// Templates and jobs

// The jobs: hls/tcp_segment/tests/tso_vectors.hpp, shared with the RTL test.
using tandem::hls_test::tso::good_job;
using tandem::hls_test::tso::Job;
using tandem::hls_test::tso::make_template;
using tandem::hls_test::tso::random_bytes;
using tandem::hls_test::tso::random_length;
using tandem::hls_test::tso::random_mss;
using tandem::hls_test::tso::random_shape;
using tandem::hls_test::tso::segment_count;
using tandem::hls_test::tso::standard_job;
using tandem::hls_test::tso::TemplateShape;
using tandem::hls_test::tso::timestamps_only;

// ---------------------------------------------------------------------------
// The byte-level reference: each segment written out from the template by hand,
// checksums from host/wire (RFC 1071 over the header; pseudo header + segment).

std::vector<Bytes> reference_segments(const Bytes& header, const Bytes& payload, std::size_t mss) {
  const std::size_t ip_len = (static_cast<unsigned>(header[kEth]) & 0x0fu) * 4;
  const std::size_t l4 = kEth + ip_len;
  const std::size_t tcp_len = (static_cast<unsigned>(header[l4 + 12]) >> 4) * 4;
  const std::uint16_t id0 = tw::load_be16(header, kEth + 4);
  const std::uint32_t seq0 = tw::load_be32(header, l4 + 4);
  const std::uint8_t flags0 = tw::load_u8(header, l4 + 13);
  std::vector<Bytes> frames;
  const std::size_t count = (payload.size() + mss - 1) / mss;
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t offset = k * mss;
    const std::size_t n = std::min(mss, payload.size() - offset);
    Bytes f(header);
    f.insert(f.end(), payload.begin() + static_cast<std::ptrdiff_t>(offset),
             payload.begin() + static_cast<std::ptrdiff_t>(offset + n));
    const tw::MutableByteSpan s(f);
    tw::store_be16(s, kEth + 2, static_cast<std::uint16_t>(ip_len + tcp_len + n));
    tw::store_be16(s, kEth + 4, static_cast<std::uint16_t>(id0 + k));
    tw::store_be16(s, kEth + 10, 0);
    tw::store_be16(s, kEth + 10, tw::internet_checksum(s.subspan(kEth, ip_len)));
    tw::store_be32(s, l4 + 4, static_cast<std::uint32_t>(seq0 + offset));
    std::uint8_t flags = flags0;
    if (k + 1 != count)
      flags &= static_cast<std::uint8_t>(~(tw::tcp_flag::fin | tw::tcp_flag::psh));
    if (k != 0) flags &= static_cast<std::uint8_t>(~tw::tcp_flag::cwr);
    tw::store_u8(s, l4 + 13, flags);
    tw::store_be16(s, l4 + 16, 0);
    tw::ChecksumAccumulator acc;
    tw::add_ipv4_pseudo_header(acc, tw::Ipv4Address{tw::load_be32(s, kEth + 12)},
                               tw::Ipv4Address{tw::load_be32(s, kEth + 16)},
                               static_cast<std::uint8_t>(tw::IpProtocol::tcp),
                               static_cast<std::uint16_t>(tcp_len + n));
    acc.add(s.subspan(l4));
    tw::store_be16(s, l4 + 16, acc.checksum());
    frames.push_back(std::move(f));
  }
  return frames;
}

std::string first_difference(const Bytes& got, const Bytes& want) {
  std::ostringstream os;
  if (got.size() != want.size()) os << "length " << got.size() << " != " << want.size() << "; ";
  for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    if (got[i] != want[i]) {
      os << "byte " << i << ": " << static_cast<unsigned>(got[i])
         << " != " << static_cast<unsigned>(want[i]);
      break;
    }
  }
  return os.str();
}

// ---------------------------------------------------------------------------
// Parsing back with host/wire

struct TemplateFields {
  std::uint16_t ip_id;
  std::uint32_t seq;
  std::uint8_t flags;
  tw::TcpOptions options;
  Bytes ip_options;
};

TemplateFields template_fields(const Bytes& header) {
  // The template's total length is junk, so its fields are read directly.
  TemplateFields t;
  const std::size_t ip_len = (static_cast<unsigned>(header[kEth]) & 0x0fu) * 4;
  const std::size_t l4 = kEth + ip_len;
  t.ip_id = tw::load_be16(header, kEth + 4);
  t.seq = tw::load_be32(header, l4 + 4);
  t.flags = tw::load_u8(header, l4 + 13);
  const std::size_t tcp_len = (static_cast<unsigned>(header[l4 + 12]) >> 4) * 4;
  auto opts = tw::TcpOptions::parse(tw::ByteSpan(header).subspan(l4 + 20, tcp_len - 20));
  BOOST_REQUIRE(opts.ok());
  t.options = opts.value();
  t.ip_options.assign(header.begin() + kEth + 20, header.begin() + static_cast<std::ptrdiff_t>(l4));
  return t;
}

// Checks one frame the way a receiver would and appends its payload to `joined`.
void check_parses_back(const Bytes& frame, const TemplateFields& t, std::size_t k,
                       std::size_t count, Bytes& joined) {
  auto eth = tw::EthernetFrame::new_checked(frame);
  BOOST_REQUIRE(eth.ok());
  BOOST_REQUIRE_EQUAL(eth->ethertype(), static_cast<std::uint16_t>(tw::EtherType::ipv4));
  auto ip = tw::Ipv4Packet::new_checked(eth->payload());
  BOOST_REQUIRE(ip.ok());
  BOOST_TEST(ip->total_len() == frame.size() - kEth);
  auto ip_repr = tw::Ipv4Repr::parse(*ip, tw::ChecksumMode::software);  // verifies the checksum
  BOOST_REQUIRE_MESSAGE(ip_repr.ok(), "IPv4 header of segment " << k << " does not parse");
  BOOST_TEST(ip_repr->ident == static_cast<std::uint16_t>(t.ip_id + k));
  BOOST_TEST(ip_repr->protocol == static_cast<std::uint8_t>(tw::IpProtocol::tcp));
  BOOST_TEST((Bytes(ip->options().begin(), ip->options().end()) == t.ip_options));
  auto tcp = tw::TcpPacket::new_checked(ip->payload());
  BOOST_REQUIRE(tcp.ok());
  BOOST_TEST(tcp->verify_checksum(ip_repr->src, ip_repr->dst));
  auto tcp_repr = tw::TcpRepr::parse(*tcp, ip_repr->src, ip_repr->dst, tw::ChecksumMode::software);
  BOOST_REQUIRE_MESSAGE(tcp_repr.ok(), "TCP header of segment " << k << " does not parse");
  BOOST_TEST(tcp_repr->seq == tw::SeqNum(t.seq) + static_cast<std::uint32_t>(joined.size()));
  std::uint8_t flags = t.flags;
  if (k + 1 != count) flags &= static_cast<std::uint8_t>(~(tw::tcp_flag::fin | tw::tcp_flag::psh));
  if (k != 0) flags &= static_cast<std::uint8_t>(~tw::tcp_flag::cwr);
  BOOST_TEST(tcp_repr->flags == flags);
  BOOST_TEST((tcp_repr->options == t.options));
  joined.insert(joined.end(), tcp->payload().begin(), tcp->payload().end());
}

// ---------------------------------------------------------------------------
// The testbench: feeds the three input streams through 2-deep skid FIFOs with
// random idle cycles, applies random back-pressure to both outputs, and checks
// the AXI4-Stream rules on every beat it takes.

struct Traffic {
  double input_idle = 0.0;    // chance an input offers nothing in a cycle
  double backpressure = 0.0;  // chance an output is not ready in a cycle
};

class Bench {
 public:
  Bench(std::uint64_t seed, Traffic traffic, std::uint32_t max_payload = ct::kTsoMaxPayload)
      : rng_(seed), traffic_(traffic), kernel_(max_payload) {}

  void submit(const Job& job) {
    cmd_src_.push_back(hk::pack_tso_job(job.cmd));
    for (const auto& b : to_beats(job.header))
      header_src_.push_back(b);
    for (const auto& b : to_beats(job.payload))
      payload_src_.push_back(b);
    ++jobs_;
  }
  // Lets a test send beats that disagree with the job word.
  void submit_raw(const Job& job, const std::vector<hk::AxisBeat>& header_beats,
                  const std::vector<hk::AxisBeat>& payload_beats) {
    cmd_src_.push_back(hk::pack_tso_job(job.cmd));
    header_src_.insert(header_src_.end(), header_beats.begin(), header_beats.end());
    payload_src_.insert(payload_src_.end(), payload_beats.begin(), payload_beats.end());
    ++jobs_;
  }

  void run(std::uint64_t max_cycles = 5'000'000) {
    while (!done()) {
      if (cycles_ >= max_cycles) BOOST_FAIL("the kernel stopped making progress");
      cycle();
    }
    BOOST_TEST(kernel_.idle());
    BOOST_TEST(cmd_.empty());
    BOOST_TEST(header_.empty());
    BOOST_TEST(payload_.empty());
    BOOST_TEST(tx_.empty());
    BOOST_TEST(status_.empty());
    BOOST_TEST(partial_.empty());
  }

  const std::vector<Bytes>& frames() const { return frames_; }
  const std::vector<ct::TxStatus>& statuses() const { return statuses_; }
  std::uint64_t cycles() const { return cycles_; }
  std::uint64_t beats_out() const { return beat_cycles_.size(); }
  std::uint64_t first_beat_cycle() const { return beat_cycles_.front(); }
  std::uint64_t last_beat_cycle() const { return beat_cycles_.back(); }
  const hk::TcpSegment& kernel() const { return kernel_; }

 private:
  bool roll(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  template <typename T>
  void feed(std::deque<T>& src, hls::stream<T>& dst) {
    if (!src.empty() && dst.size() < 2 && !roll(traffic_.input_idle)) {
      dst.write(src.front());
      src.pop_front();
    }
  }

  bool done() const {
    return cmd_src_.empty() && header_src_.empty() && payload_src_.empty() &&
           statuses_.size() == jobs_ && kernel_.idle() && cmd_.empty() && header_.empty() &&
           payload_.empty();
  }

  void cycle() {
    feed(cmd_src_, cmd_);
    feed(header_src_, header_);
    feed(payload_src_, payload_);
    const bool tx_ready = !roll(traffic_.backpressure);
    const bool status_ready = !roll(traffic_.backpressure);
    kernel_.step(cmd_, header_, payload_, tx_, status_, tx_ready, status_ready);
    // At most one word per output per cycle, and none into a stalled one.
    if (tx_.size() > (tx_ready ? 1u : 0u) || status_.size() > (status_ready ? 1u : 0u)) {
      BOOST_FAIL("cycle " << cycles_ << ": an output was written twice or while not ready");
    }
    while (!tx_.empty())
      take(tx_.read());
    while (!status_.empty()) {
      statuses_.push_back(static_cast<ct::TxStatus>(status_.read().to_uint()));
    }
    ++cycles_;
  }

  void take(const hk::AxisBeat& beat) {
    beat_cycles_.push_back(cycles_);
    const std::uint64_t keep = beat.keep.to_uint64();
    // tkeep covers lanes 0..n-1 (n >= 1), and only the last beat may be short.
    const std::size_t lanes = static_cast<std::size_t>(std::countr_one(keep));
    const std::uint64_t contiguous =
        lanes == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << lanes) - 1;
    if (lanes == 0 || keep != contiguous || (beat.last == 0 && lanes != 64)) {
      BOOST_FAIL("cycle " << cycles_ << ": tkeep " << std::hex << keep << " on a "
                          << (beat.last != 0 ? "last" : "middle") << " beat");
    }
    append_lanes(beat, lanes, partial_);
    if (beat.last != 0) {
      frames_.push_back(std::move(partial_));
      partial_.clear();
    }
  }

  std::mt19937_64 rng_;
  Traffic traffic_;
  hk::TcpSegment kernel_;
  std::deque<hk::TsoCmdWord> cmd_src_;
  std::deque<hk::AxisBeat> header_src_;
  std::deque<hk::AxisBeat> payload_src_;
  hls::stream<hk::TsoCmdWord> cmd_;
  hls::stream<hk::AxisBeat> header_;
  hls::stream<hk::AxisBeat> payload_;
  hls::stream<hk::AxisBeat> tx_;
  hls::stream<hk::TxStatusWord> status_;
  std::size_t jobs_ = 0;
  std::uint64_t cycles_ = 0;
  std::vector<std::uint64_t> beat_cycles_;
  Bytes partial_;
  std::vector<Bytes> frames_;
  std::vector<ct::TxStatus> statuses_;
};

// Runs the jobs through one bench and checks every status and every frame
// against the byte-level reference and host/wire's parsers.
void run_and_check(const std::vector<Job>& jobs, std::uint64_t seed, Traffic traffic,
                   std::uint32_t max_payload = ct::kTsoMaxPayload) {
  Bench bench(seed, traffic, max_payload);
  for (const auto& j : jobs)
    bench.submit(j);
  bench.run();
  BOOST_REQUIRE_EQUAL(bench.statuses().size(), jobs.size());
  std::size_t frame = 0;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const Job& j = jobs[i];
    BOOST_TEST_REQUIRE(static_cast<int>(bench.statuses()[i]) == static_cast<int>(j.expect),
                       "job " << i);
    if (j.expect != ct::TxStatus::ok) continue;
    const auto want = reference_segments(j.header, j.payload, j.cmd.mss);
    BOOST_REQUIRE_GE(bench.frames().size(), frame + want.size());
    const TemplateFields t = template_fields(j.header);
    Bytes joined;
    for (std::size_t k = 0; k < want.size(); ++k) {
      const Bytes& got = bench.frames()[frame + k];
      BOOST_TEST_REQUIRE((got == want[k]), "job " << i << " (mss " << j.cmd.mss << ", payload "
                                                  << j.payload.size() << ") segment " << k << ": "
                                                  << first_difference(got, want[k]));
      check_parses_back(got, t, k, want.size(), joined);
    }
    BOOST_TEST_REQUIRE((joined == j.payload), "job " << i << ": payloads do not join up");
    frame += want.size();
  }
  BOOST_TEST(bench.frames().size() == frame);  // refused jobs sent nothing
}

// ---------------------------------------------------------------------------
// DPDK's segmenter

#if TANDEM_HAVE_DPDK

class Dpdk {
 public:
  static Dpdk& get() {
    static Dpdk dpdk;
    return dpdk;
  }
  bool ready() const { return ready_; }
  void shutdown() {
    if (!ready_) return;
    rte_mempool_free(input_);
    rte_mempool_free(direct_);
    rte_mempool_free(indirect_);
    if (rte_eal_cleanup() != 0) std::fprintf(stderr, "rte_eal_cleanup failed\n");
    // EAL leaves its (now empty) runtime directory behind; a test leaves nothing.
    std::error_code ignored;
    std::filesystem::remove_all("/var/run/dpdk/tandem_tso_test", ignored);
    ready_ = false;
  }

  static constexpr std::size_t kMaxSegments = 4096;
  static bool can_segment(const Job& j) {
    return segment_count(j) <= kMaxSegments && j.header.size() + j.cmd.mss <= 0xffff;
  }

  // rte_gso_segment on the job as one large TCP/IPv4 packet. gso_size is the
  // largest output frame, headers included (rte_gso.h), so header + MSS.
  std::vector<Bytes> segment(const Job& j) {
    const std::size_t hdr = j.header.size();
    const std::size_t ip_len = (static_cast<unsigned>(j.header[kEth]) & 0x0fu) * 4;
    const std::size_t tcp_len = hdr - kEth - ip_len;
    Bytes packet(j.header);
    packet.insert(packet.end(), j.payload.begin(), j.payload.end());
    // One segment is returned untouched, so give it the lengths it should have.
    tw::store_be16(packet, kEth + 2,
                   static_cast<std::uint16_t>(std::min<std::size_t>(0xffff, packet.size() - kEth)));

    rte_mbuf* head = nullptr;
    for (std::size_t at = 0; at < packet.size();) {
      rte_mbuf* m = rte_pktmbuf_alloc(input_);
      BOOST_REQUIRE(m != nullptr);
      const std::size_t n = std::min<std::size_t>(kInputRoom, packet.size() - at);
      char* dst = rte_pktmbuf_append(m, static_cast<std::uint16_t>(n));
      BOOST_REQUIRE(dst != nullptr);
      std::memcpy(dst, packet.data() + at, n);
      at += n;
      if (head == nullptr) {
        head = m;
      } else {
        BOOST_REQUIRE(rte_pktmbuf_chain(head, m) == 0);
      }
    }
    head->l2_len = kEth;
    head->l3_len = ip_len;
    head->l4_len = tcp_len;
    head->tso_segsz = j.cmd.mss;
    head->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4;

    rte_gso_ctx ctx{};
    ctx.direct_pool = direct_;
    ctx.indirect_pool = indirect_;
    ctx.flag = 0;  // IPv4 ID + 1 per segment
    ctx.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO;
    ctx.gso_size = static_cast<std::uint16_t>(hdr + j.cmd.mss);
    std::vector<rte_mbuf*> out(kMaxSegments);
    const int n = rte_gso_segment(head, &ctx, out.data(), static_cast<std::uint16_t>(out.size()));
    BOOST_REQUIRE_GE(n, 0);
    std::vector<Bytes> frames;
    if (n == 0) {
      // Fits in one segment: DPDK leaves the packet as it is.
      frames.push_back(read(head));
    }
    for (int i = 0; i < n; ++i) {
      frames.push_back(read(out[static_cast<std::size_t>(i)]));
      rte_pktmbuf_free(out[static_cast<std::size_t>(i)]);
    }
    rte_pktmbuf_free(head);
    BOOST_TEST(rte_mempool_full(direct_) == 1);
    BOOST_TEST(rte_mempool_full(indirect_) == 1);
    BOOST_TEST(rte_mempool_full(input_) == 1);
    return frames;
  }

 private:
  static constexpr std::size_t kInputRoom = 8192;

  Dpdk() {
    // No hugepages here: malloc-backed memory, no PCI, no shared files, one lcore.
    const char* args[] = {"tso_test",
                          "--no-huge",
                          "--no-pci",
                          "-m",
                          "256",
                          "-l",
                          "0",
                          "--no-shconf",
                          "--no-telemetry",
                          "--log-level=error",
                          "--file-prefix=tandem_tso_test"};
    std::vector<char*> argv;
    for (const char* a : args)
      argv.push_back(const_cast<char*>(a));
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) return;
    input_ = rte_pktmbuf_pool_create("tso_input", 64, 0, 0, kInputRoom + RTE_PKTMBUF_HEADROOM,
                                     SOCKET_ID_ANY);
    direct_ = rte_pktmbuf_pool_create("tso_direct", kMaxSegments + 64, 0, 0,
                                      256 + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
    indirect_ = rte_pktmbuf_pool_create("tso_indirect", kMaxSegments + 64, 0, 0, 0, SOCKET_ID_ANY);
    ready_ = input_ != nullptr && direct_ != nullptr && indirect_ != nullptr;
  }

  static Bytes read(const rte_mbuf* m) {
    Bytes b(m->pkt_len);
    const void* p = rte_pktmbuf_read(m, 0, m->pkt_len, b.data());
    if (p != b.data()) std::memcpy(b.data(), p, b.size());
    return b;
  }

  bool ready_ = false;
  rte_mempool* input_ = nullptr;
  rte_mempool* direct_ = nullptr;
  rte_mempool* indirect_ = nullptr;
};

struct DpdkTeardown {
  ~DpdkTeardown() { Dpdk::get().shutdown(); }
};
BOOST_TEST_GLOBAL_FIXTURE(DpdkTeardown);

// DPDK computes no checksums and keeps CWR on every segment (its gso code clears
// only FIN and PSH on all but the last). So: every byte equal except the two
// checksums and the CWR bit; CWR checked against the contract (first segment
// only); both checksums checked with DPDK's own checksum functions.
void compare_with_dpdk(const std::vector<Job>& jobs, std::uint64_t seed, Traffic traffic) {
  Dpdk& dpdk = Dpdk::get();
  BOOST_REQUIRE_MESSAGE(dpdk.ready(), "DPDK's EAL did not initialise (--no-huge, --no-pci)");
  Bench bench(seed, traffic);
  for (const auto& j : jobs)
    bench.submit(j);
  bench.run();
  std::size_t frame = 0;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const Job& j = jobs[i];
    BOOST_REQUIRE(Dpdk::can_segment(j));
    BOOST_TEST_REQUIRE(static_cast<int>(bench.statuses()[i]) == 0);
    const std::vector<Bytes> want = dpdk.segment(j);
    BOOST_TEST_REQUIRE(want.size() == segment_count(j), "job " << i << ": DPDK's segment count");
    const std::size_t ip_len = (static_cast<unsigned>(j.header[kEth]) & 0x0fu) * 4;
    const std::size_t l4 = kEth + ip_len;
    const auto template_flags = static_cast<unsigned>(j.header[l4 + 13]);
    for (std::size_t k = 0; k < want.size(); ++k) {
      Bytes got = bench.frames()[frame + k];
      Bytes ref = want[k];
      BOOST_TEST_REQUIRE(got.size() == ref.size(), "job " << i << " segment " << k);

      const unsigned got_cwr = static_cast<unsigned>(got[l4 + 13]) & tw::tcp_flag::cwr;
      const unsigned ref_cwr = static_cast<unsigned>(ref[l4 + 13]) & tw::tcp_flag::cwr;
      BOOST_TEST(got_cwr == (k == 0 ? (template_flags & tw::tcp_flag::cwr) : 0u));
      BOOST_TEST(ref_cwr == (template_flags & tw::tcp_flag::cwr));  // DPDK's behaviour, noted

      // Checksums, by DPDK's functions on the kernel's frame.
      std::uint16_t ip_csum = 0;
      std::uint16_t tcp_csum = 0;
      std::memcpy(&ip_csum, got.data() + kEth + 10, 2);
      std::memcpy(&tcp_csum, got.data() + l4 + 16, 2);
      Bytes zeroed = got;
      std::memset(zeroed.data() + kEth + 10, 0, 2);
      std::memset(zeroed.data() + l4 + 16, 0, 2);
      const auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(zeroed.data() + kEth);
      BOOST_TEST(rte_ipv4_cksum(ip) == ip_csum, "job " << i << " segment " << k);
      BOOST_TEST(rte_ipv4_udptcp_cksum(ip, zeroed.data() + l4) == tcp_csum,
                 "job " << i << " segment " << k);

      for (Bytes* f : {&got, &ref}) {
        std::memset(f->data() + kEth + 10, 0, 2);
        std::memset(f->data() + l4 + 16, 0, 2);
        (*f)[l4 + 13] &= static_cast<std::byte>(~tw::tcp_flag::cwr);
      }
      BOOST_TEST_REQUIRE((got == ref), "job " << i << " (mss " << j.cmd.mss << ") segment " << k
                                              << ": " << first_difference(got, ref));
    }
    frame += want.size();
  }
  BOOST_TEST(bench.frames().size() == frame);
  BOOST_TEST_MESSAGE(jobs.size() << " jobs, " << frame
                                 << " frames compared with rte_gso_segment's");
}

#endif  // TANDEM_HAVE_DPDK

// Throughput with no idle input and no back-pressure.
struct Throughput {
  std::uint64_t first_beat = 0;  // cycle of the first output beat (cycle 0 offers the job word)
  std::uint64_t beats = 0;
  std::uint64_t cycles = 0;         // from the first job word offered to idle
  std::uint64_t stream_cycles = 0;  // from the first output beat to the last
};

Throughput measure(std::size_t jobs, std::uint16_t mss) {
  std::mt19937_64 rng(7);
  Bench bench(7, Traffic{});
  std::vector<Job> list;
  for (std::size_t i = 0; i < jobs; ++i) {
    list.push_back(standard_job(rng, ct::kTsoMaxPayload, mss));
    bench.submit(list.back());
  }
  bench.run();
  std::size_t frames = 0;
  for (const auto& j : list)
    frames += segment_count(j);
  BOOST_TEST(bench.frames().size() == frames);
  return {bench.first_beat_cycle(), bench.beats_out(), bench.cycles(),
          bench.last_beat_cycle() - bench.first_beat_cycle() + 1};
}

}  // namespace

// ===========================================================================

BOOST_AUTO_TEST_SUITE(command_word)

BOOST_AUTO_TEST_CASE(packs_and_unpacks_every_field) {
  ct::TsoJob job;
  job.header_length = 0xabcd;
  job.payload_length = 0x12345678;
  job.mss = 0x9876;
  const ct::TsoJob back = hk::unpack_tso_job(hk::pack_tso_job(job));
  BOOST_TEST(back.header_length == job.header_length);
  BOOST_TEST(back.payload_length == job.payload_length);
  BOOST_TEST(back.mss == job.mss);
}

BOOST_AUTO_TEST_SUITE_END()

#if TANDEM_HAVE_DPDK
BOOST_AUTO_TEST_SUITE(against_dpdk_gso)

BOOST_AUTO_TEST_CASE(chosen_jobs_match_rte_gso_segment) {
  std::mt19937_64 rng(11);
  std::vector<Job> jobs;
  for (std::uint16_t mss : {536, 1448, 1460, 8960}) {
    jobs.push_back(standard_job(rng, ct::kTsoMaxPayload, mss));
  }
  jobs.push_back(standard_job(rng, 1448 * 5, 1448));  // exact multiple
  jobs.push_back(standard_job(rng, 1000, 1448));      // below one MSS
  jobs.push_back(standard_job(rng, 1449, 1448));      // one byte over
  jobs.push_back(standard_job(rng, 3000, 7));
  jobs.push_back(standard_job(rng, 700, 1));
  TemplateShape widest;  // 60-byte IPv4 and TCP headers: a 134-byte template
  widest.ip_options = 40;
  widest.tcp_options = timestamps_only();
  widest.tcp_options.sack_count = 3;
  widest.seq = 0xffffff00u;
  widest.ip_id = 0xfffe;
  widest.flags = tw::tcp_flag::ack | tw::tcp_flag::cwr | tw::tcp_flag::ece | tw::tcp_flag::psh |
                 tw::tcp_flag::fin;
  jobs.push_back(good_job(make_template(widest, rng), random_bytes(20000, rng), 1448));
  jobs.push_back(good_job(make_template(widest, rng), random_bytes(500, rng), 63));
  TemplateShape bare;  // 54-byte template: payload shares the header's only beat
  bare.tcp_options = {};
  bare.flags = tw::tcp_flag::ack | tw::tcp_flag::cwr | tw::tcp_flag::fin;
  jobs.push_back(good_job(make_template(bare, rng), random_bytes(9000, rng), 10));
  jobs.push_back(good_job(make_template(bare, rng), random_bytes(ct::kTsoMaxPayload, rng), 8960));
  compare_with_dpdk(jobs, 1, Traffic{0.2, 0.2});
}

BOOST_AUTO_TEST_CASE(random_jobs_match_rte_gso_segment) {
  std::mt19937_64 rng(12);
  std::vector<Job> jobs;
  while (jobs.size() < 24) {
    const std::uint16_t mss = random_mss(rng);
    const std::size_t len = random_length(rng, mss, ct::kTsoMaxPayload);
    Bytes header = make_template(random_shape(rng), rng);
    Job j = good_job(std::move(header), random_bytes(len, rng), mss);
    if (Dpdk::can_segment(j)) jobs.push_back(std::move(j));
  }
  compare_with_dpdk(jobs, 2, Traffic{0.1, 0.3});
}

BOOST_AUTO_TEST_SUITE_END()
#endif

BOOST_AUTO_TEST_SUITE(parse_back_with_host_wire)

BOOST_AUTO_TEST_CASE(every_frame_parses_and_payloads_join_up) {
  // run_and_check parses every frame back; this set covers each header shape.
  std::mt19937_64 rng(21);
  std::vector<Job> jobs;
  for (std::size_t ip_options : {0, 4, 12, 40}) {
    for (int opts = 0; opts < 6; ++opts) {
      TemplateShape s = random_shape(rng);
      s.ip_options = ip_options;
      Bytes header = make_template(s, rng);
      Bytes payload = random_bytes(1 + rng() % 6000, rng);
      const auto mss = static_cast<std::uint16_t>(1 + rng() % 1500);
      jobs.push_back(good_job(std::move(header), std::move(payload), mss));
    }
  }
  run_and_check(jobs, 3, Traffic{0.1, 0.1});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(random_jobs)

BOOST_AUTO_TEST_CASE(match_the_byte_reference_under_idle_and_backpressure) {
  std::mt19937_64 rng(31);
  const Traffic profiles[] = {{0.0, 0.0}, {0.3, 0.0}, {0.0, 0.5}, {0.5, 0.5}};
  for (std::size_t p = 0; p < std::size(profiles); ++p) {
    BOOST_TEST_CONTEXT("traffic profile " << p) {
      std::vector<Job> jobs;
      std::size_t segments = 0;
      // Bounded by segments so that MSS 1 jobs stay short.
      while (jobs.size() < 12) {
        const std::uint16_t mss = random_mss(rng);
        const std::size_t cap = mss < 64 ? 3000 : ct::kTsoMaxPayload;
        const std::size_t len = random_length(rng, mss, cap);
        Bytes header = make_template(random_shape(rng), rng);
        jobs.push_back(good_job(std::move(header), random_bytes(len, rng), mss));
        segments += segment_count(jobs.back());
      }
      BOOST_TEST_MESSAGE("profile " << p << ": " << jobs.size() << " jobs, " << segments
                                    << " segments");
      run_and_check(jobs, 100 + p, profiles[p]);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_length_and_mss_around_a_beat_boundary) {
  // Segments ending just before, on and after beat edges, for 54-, 66-, 106- and
  // 134-byte templates (payload starting at lanes 54, 2, 42 and 6).
  std::mt19937_64 rng(33);
  std::vector<Job> jobs;
  for (std::size_t shape = 0; shape < 4; ++shape) {
    TemplateShape s;
    s.tcp_options = shape == 0 ? tw::TcpOptions{} : timestamps_only();
    s.ip_options = shape == 2 ? 40 : 0;
    if (shape == 3) {
      s.ip_options = 40;
      s.tcp_options.sack_count = 3;
    }
    s.flags = tw::tcp_flag::ack | tw::tcp_flag::cwr | tw::tcp_flag::psh | tw::tcp_flag::fin;
    for (std::uint16_t mss : {1, 2, 7, 63, 64, 65, 100, 127, 128, 1448}) {
      for (std::size_t len : {1, 2, 10, 63, 64, 65, 127, 128, 129, 200, 300, 1000, 3000}) {
        Bytes header = make_template(s, rng);
        jobs.push_back(good_job(std::move(header), random_bytes(len, rng), mss));
      }
    }
  }
  run_and_check(jobs, 34, Traffic{0.1, 0.1});
}

BOOST_AUTO_TEST_CASE(a_full_job_at_mss_one) {
  // 64 KiB at MSS 1: 65536 one-byte frames, ID and sequence both wrapping.
  std::mt19937_64 rng(32);
  TemplateShape s;
  s.seq = 0xffff8000u;
  s.ip_id = 0xff00;
  s.flags = tw::tcp_flag::ack | tw::tcp_flag::cwr | tw::tcp_flag::psh | tw::tcp_flag::fin;
  run_and_check({good_job(make_template(s, rng), random_bytes(ct::kTsoMaxPayload, rng), 1)}, 4,
                Traffic{0.05, 0.05});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(refused_jobs)

// Each bad job is answered with its status, sends nothing, and the good job after
// it comes out right.
BOOST_AUTO_TEST_CASE(are_answered_and_the_next_job_is_unharmed) {
  std::mt19937_64 rng(41);
  std::vector<Job> jobs;
  auto bad = [&](Job j, ct::TxStatus status) {
    j.expect = status;
    jobs.push_back(std::move(j));
    const std::size_t len = 1 + rng() % 5000;
    const auto mss = static_cast<std::uint16_t>(1 + rng() % 1460);
    jobs.push_back(standard_job(rng, len, mss));
  };
  auto patched = [&](std::size_t at, std::uint8_t value) {
    Job j = standard_job(rng, 3000, 1000);
    j.header[at] = static_cast<std::byte>(value);
    return j;
  };
  const std::size_t l4 = kEth + 20;

  Job mss0 = standard_job(rng, 3000, 1000);
  mss0.cmd.mss = 0;
  bad(mss0, ct::TxStatus::bad_mss);

  Job empty = standard_job(rng, 0, 1000);
  bad(empty, ct::TxStatus::payload_too_large);

  Job big = standard_job(rng, ct::kTsoMaxPayload + 1, 1448);
  bad(big, ct::TxStatus::payload_too_large);

  bad(patched(12, 0x86), ct::TxStatus::bad_template);       // not IPv4 ethertype
  bad(patched(kEth, 0x65), ct::TxStatus::bad_template);     // version 6
  bad(patched(kEth, 0x44), ct::TxStatus::bad_template);     // IHL 4
  bad(patched(kEth + 9, 17), ct::TxStatus::bad_template);   // UDP
  bad(patched(l4 + 12, 0x40), ct::TxStatus::bad_template);  // data offset 4
  bad(patched(l4 + 12, 0x60), ct::TxStatus::bad_template);  // data offset 6 != template

  Job longer = standard_job(rng, 3000, 1000);  // header_length says 4 more than the template
  longer.header.resize(longer.header.size() + 4);
  longer.cmd.header_length = static_cast<std::uint16_t>(longer.header.size());
  bad(longer, ct::TxStatus::bad_template);

  Job no_header = standard_job(rng, 3000, 1000);
  no_header.header.clear();
  no_header.cmd.header_length = 0;
  bad(no_header, ct::TxStatus::bad_template);

  Job four_beats = standard_job(rng, 3000, 1000);  // past kTsoMaxHeader
  four_beats.header.resize(200);
  four_beats.cmd.header_length = 200;
  bad(four_beats, ct::TxStatus::bad_template);

  // The largest segment would not fit the 16-bit IPv4 total length.
  Job huge_mss = standard_job(rng, ct::kTsoMaxPayload, 0xffff);
  bad(huge_mss, ct::TxStatus::bad_mss);

  // Several faults: the MSS is checked first, then the length, then the template.
  Job several = patched(kEth + 9, 17);
  several.cmd.mss = 0;
  bad(several, ct::TxStatus::bad_mss);
  Job several2 = patched(kEth + 9, 17);
  several2.payload.clear();
  several2.cmd.payload_length = 0;
  bad(several2, ct::TxStatus::payload_too_large);

  run_and_check(jobs, 5, Traffic{0.2, 0.2});
}

BOOST_AUTO_TEST_CASE(header_beats_that_disagree_with_header_length) {
  // The job word says 66 bytes (two beats), but three come, tlast on the third:
  // the template is refused and all three beats are consumed.
  std::mt19937_64 rng(42);
  Job j = standard_job(rng, 3000, 1000);
  j.expect = ct::TxStatus::bad_template;
  Bytes padded = j.header;
  padded.resize(130);
  const Job next = standard_job(rng, 5000, 1448);
  Bench bench(6, Traffic{0.2, 0.2});
  bench.submit_raw(j, to_beats(padded), to_beats(j.payload));
  bench.submit(next);
  bench.run();
  BOOST_REQUIRE_EQUAL(bench.statuses().size(), 2u);
  BOOST_TEST(static_cast<int>(bench.statuses()[0]) == static_cast<int>(ct::TxStatus::bad_template));
  BOOST_TEST(static_cast<int>(bench.statuses()[1]) == static_cast<int>(ct::TxStatus::ok));
  BOOST_TEST((bench.frames() == reference_segments(next.header, next.payload, next.cmd.mss)));
}

BOOST_AUTO_TEST_CASE(a_smaller_maximum_refuses_longer_payloads) {
  std::mt19937_64 rng(43);
  std::vector<Job> jobs;
  Job over = standard_job(rng, 1001, 100);
  over.expect = ct::TxStatus::payload_too_large;
  jobs.push_back(over);
  jobs.push_back(standard_job(rng, 1000, 100));
  run_and_check(jobs, 7, Traffic{0.1, 0.1}, 1000);
}

BOOST_AUTO_TEST_CASE(payload_framing_errors_resynchronise_on_tlast) {
  // tlast early (the rest of that job goes out as zeros) and late (extra beats
  // are dropped): both counted, and the jobs after them are right.
  std::mt19937_64 rng(44);
  const Job early = standard_job(rng, 300, 100);
  const Job late = standard_job(rng, 100, 1000);
  const Job next = standard_job(rng, 5000, 1448);
  Bench bench(8, Traffic{0.2, 0.2});
  auto early_beats = to_beats(early.payload);
  early_beats.resize(2);
  early_beats[1].last = true;
  bench.submit_raw(early, to_beats(early.header), early_beats);
  auto late_beats = to_beats(late.payload);
  late_beats[1].last = false;
  late_beats.push_back(late_beats[1]);
  late_beats.back().last = true;
  bench.submit_raw(late, to_beats(late.header), late_beats);
  bench.submit(next);
  bench.run();
  BOOST_TEST(bench.kernel().payload_framing_errors() == 2u);
  BOOST_REQUIRE_EQUAL(bench.statuses().size(), 3u);
  Bytes zero_filled = early.payload;
  std::fill(zero_filled.begin() + 128, zero_filled.end(), std::byte{0});
  std::vector<Bytes> want = reference_segments(early.header, zero_filled, early.cmd.mss);
  for (const Bytes& f : reference_segments(late.header, late.payload, late.cmd.mss))
    want.push_back(f);
  for (const Bytes& f : reference_segments(next.header, next.payload, next.cmd.mss))
    want.push_back(f);
  BOOST_TEST((bench.frames() == want));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(captured_templates)

// The TCP/IPv4 headers of captured frames, each reused as a template.
std::vector<Job> jobs_from_capture(const std::string& name, std::uint64_t seed) {
  const std::filesystem::path path = std::filesystem::path(TANDEM_TEST_DATA_DIR) / name;
  BOOST_REQUIRE_MESSAGE(std::filesystem::exists(path), path << " is missing");
  std::mt19937_64 rng(seed);
  std::vector<Job> jobs;
  for (const auto& captured : tandem::dev::read_pcap(path.string())) {
    const Bytes& f = captured.bytes;
    if (f.size() < kEth + 40 || tw::load_be16(f, 12) != 0x0800) continue;
    if ((static_cast<unsigned>(f[kEth]) >> 4) != 4 || tw::load_u8(f, kEth + 9) != 6) continue;
    const std::size_t ip_len = (static_cast<unsigned>(f[kEth]) & 0x0fu) * 4;
    if (ip_len < 20 || f.size() < kEth + ip_len + 20) continue;
    const std::size_t tcp_len = (static_cast<unsigned>(f[kEth + ip_len + 12]) >> 4) * 4;
    if (tcp_len < 20 || f.size() < kEth + ip_len + tcp_len) continue;
    if ((tw::load_be16(f, kEth + 6) & 0x3fff) != 0) continue;  // fragments
    Bytes header(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(kEth + ip_len + tcp_len));
    // Options that host/wire refuses could not be checked on the way back.
    if (!tw::TcpOptions::parse(tw::ByteSpan(header).subspan(kEth + ip_len + 20)).ok()) continue;
    const std::uint16_t mss = random_mss(rng);
    const std::size_t len = random_length(rng, mss, mss < 64 ? 2000 : 20000);
    jobs.push_back(good_job(std::move(header), random_bytes(len, rng), mss));
  }
  BOOST_TEST_MESSAGE(jobs.size() << " TCP headers from " << name << " used as templates");
  return jobs;
}

BOOST_AUTO_TEST_CASE(linux_headers) {
  std::vector<Job> jobs = jobs_from_capture("linux_frames.pcap", 51);
  BOOST_TEST_REQUIRE(!jobs.empty());
  if (jobs.size() > 24) jobs.resize(24);
  run_and_check(jobs, 9, Traffic{0.1, 0.1});
}

BOOST_AUTO_TEST_CASE(scapy_headers_with_ip_options_and_odd_tcp_option_layouts) {
  const std::vector<Job> jobs = jobs_from_capture("scapy_valid.pcap", 52);
  BOOST_TEST_REQUIRE(!jobs.empty());
  run_and_check(jobs, 10, Traffic{0.1, 0.1});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(throughput)

// A 64 KiB job, nothing idle, no back-pressure. The first frame waits for its
// whole segment (its checksum comes before its payload), so a single job's
// figure from the first word to idle includes one segment of latency; from the
// first frame beat on, and across back-to-back jobs, the output is one beat a
// cycle but for a handful.
BOOST_AUTO_TEST_CASE(one_beat_per_cycle_at_mss_1448_and_8960) {
  for (std::uint16_t mss : {1448, 8960}) {
    const Throughput one = measure(1, mss);
    const Throughput four = measure(4, mss);
    const double streaming =
        static_cast<double>(one.beats) / static_cast<double>(one.stream_cycles);
    const double end_to_end = static_cast<double>(one.beats) / static_cast<double>(one.cycles);
    const double back_to_back = static_cast<double>(four.beats) / static_cast<double>(four.cycles);
    BOOST_TEST_MESSAGE("MSS " << mss << ": one 64 KiB job " << one.beats << " beats, "
                              << one.stream_cycles << " cycles first to last beat (" << streaming
                              << " beats/cycle), first beat at cycle " << one.first_beat << ", "
                              << one.cycles << " cycles job word to idle (" << end_to_end
                              << "); four jobs " << four.beats << " beats in " << four.cycles
                              << " cycles (" << back_to_back << ")");
    BOOST_TEST(streaming >= 0.95);
    BOOST_TEST(back_to_back >= 0.95);
  }
}

BOOST_AUTO_TEST_SUITE_END()
