// SPDX-License-Identifier: Apache-2.0
// C/RTL equivalence of the TSO engine: the same jobs go through the HLS kernel
// (hls_kernels::TcpSegment, stepped once a cycle) and the Verilated
// rtl/tcp_segment/tcp_segment.sv, each with its own random idle inputs and
// back-pressure, and the two must send the same frames, beat for beat (all
// 512 tdata bits, tkeep, tlast), the same statuses and the same count of
// payload framing errors. Every RTL frame must also read back through
// host/wire with both checksums good, the frames of a job must carry its
// payload in order, and at the end the RTL must be idle and stay silent.
#define BOOST_TEST_MODULE rtl_tcp_segment
#include <boost/test/unit_test.hpp>

#include <verilated.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "Vtcp_segment.h"
#include "contract/nic_contract.hpp"
#include "hls/common/beats.hpp"
#include "hls/tcp_segment/tcp_segment.hpp"
#include "hls/tcp_segment/tests/tso_vectors.hpp"
#include "host/wire/checksum.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/ipv4.hpp"
#include "host/wire/tcp.hpp"
#include "rtl/tb/wide.hpp"

namespace {

namespace ct = tandem::contract;
namespace hk = tandem::hls_kernels;
namespace tw = tandem::wire;
using tandem::rtl_tb::from_wide;
using tandem::rtl_tb::to_wide;

using Bytes = std::vector<std::byte>;

constexpr std::size_t kEth = tw::kEthernetHeaderLen;

// ---------------------------------------------------------------------------
// Jobs

// The HLS test's jobs (hls/tcp_segment/tests/tso_vectors.hpp).
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

// The three input streams of a job list, as both benches are fed them.
struct Stimulus {
  std::vector<hk::TsoCmdWord> cmd;
  std::vector<hk::AxisBeat> header;
  std::vector<hk::AxisBeat> payload;
  std::size_t jobs = 0;
};

Stimulus stimulus(const std::vector<Job>& jobs) {
  Stimulus st;
  for (const Job& j : jobs) {
    st.cmd.push_back(hk::pack_tso_job(j.cmd));
    const auto header = j.header_beats ? *j.header_beats : hk::to_beats(j.header);
    const auto payload = j.payload_beats ? *j.payload_beats : hk::to_beats(j.payload);
    st.header.insert(st.header.end(), header.begin(), header.end());
    st.payload.insert(st.payload.end(), payload.begin(), payload.end());
  }
  st.jobs = jobs.size();
  return st;
}

// ---------------------------------------------------------------------------
// What an engine sent

struct TxBeat {
  ap_uint<hk::kBeatBits> data;
  std::uint64_t keep = 0;
  bool last = false;
  bool operator==(const TxBeat& o) const {
    return keep == o.keep && last == o.last && data == o.data;
  }
};
using Frame = std::vector<TxBeat>;

struct Run {
  std::vector<Frame> frames;
  std::vector<unsigned> statuses;
  std::uint32_t framing_errors = 0;
  std::uint64_t cycles = 0;  // from the first cycle to done
  std::uint64_t beats = 0;
  std::uint64_t first_beat = 0;
  std::uint64_t last_beat = 0;
};

struct Traffic {
  double input_idle = 0.0;    // chance an input offers nothing new in a cycle
  double backpressure = 0.0;  // chance an output is not ready in a cycle
};

bool roll(std::mt19937_64& rng, double p) {
  return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < p;
}

// Collects beats into frames and checks the tkeep rules on each.
class Collector {
 public:
  void beat(const TxBeat& b, std::uint64_t cycle, Run& run) {
    const auto lanes = static_cast<unsigned>(std::countr_one(b.keep));
    const std::uint64_t contiguous =
        lanes == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << lanes) - 1;
    if (lanes == 0 || b.keep != contiguous || (!b.last && lanes != 64)) {
      BOOST_FAIL("cycle " << cycle << ": tkeep " << std::hex << b.keep << " on a "
                          << (b.last ? "last" : "middle") << " beat");
    }
    if (run.beats == 0) run.first_beat = cycle;
    run.last_beat = cycle;
    ++run.beats;
    partial_.push_back(b);
    if (b.last) {
      run.frames.push_back(std::move(partial_));
      partial_.clear();
    }
  }
  bool empty() const { return partial_.empty(); }

 private:
  Frame partial_;
};

std::uint64_t cycle_limit(const Stimulus& st) {
  return 200'000 + 40 * (st.header.size() + st.payload.size() + 4 * st.cmd.size());
}

// ---------------------------------------------------------------------------
// The HLS kernel, one step() a cycle, its inputs through 2-deep FIFOs.

Run run_hls(const Stimulus& st, Traffic traffic, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  hk::TcpSegment kernel;
  hls::stream<hk::TsoCmdWord> cmd;
  hls::stream<hk::AxisBeat> header;
  hls::stream<hk::AxisBeat> payload;
  hls::stream<hk::AxisBeat> tx;
  hls::stream<hk::TxStatusWord> status;
  std::size_t next_cmd = 0;
  std::size_t next_header = 0;
  std::size_t next_payload = 0;
  Run run;
  Collector collector;
  const std::uint64_t limit = cycle_limit(st);
  auto feed = [&](const auto& src, std::size_t& next, auto& dst) {
    if (next < src.size() && dst.size() < 2 && !roll(rng, traffic.input_idle)) {
      dst.write(src[next++]);
    }
  };
  while (!(next_cmd == st.cmd.size() && next_header == st.header.size() &&
           next_payload == st.payload.size() && cmd.empty() && header.empty() && payload.empty() &&
           run.statuses.size() == st.jobs && kernel.idle())) {
    if (run.cycles >= limit) BOOST_FAIL("HLS kernel: no progress after " << limit << " cycles");
    feed(st.cmd, next_cmd, cmd);
    feed(st.header, next_header, header);
    feed(st.payload, next_payload, payload);
    const bool tx_ready = !roll(rng, traffic.backpressure);
    const bool status_ready = !roll(rng, traffic.backpressure);
    kernel.step(cmd, header, payload, tx, status, tx_ready, status_ready);
    while (!tx.empty()) {
      const hk::AxisBeat b = tx.read();
      collector.beat({b.data, b.keep.to_uint64(), b.last != 0}, run.cycles, run);
    }
    while (!status.empty())
      run.statuses.push_back(status.read().to_uint());
    ++run.cycles;
  }
  BOOST_TEST(collector.empty());
  run.framing_errors = kernel.payload_framing_errors();
  return run;
}

// ---------------------------------------------------------------------------
// The RTL: inputs offered AXI4-Stream style (once valid, held until taken),
// random tready on both outputs, and the outputs checked to hold still while
// stalled.

class RtlBench {
 public:
  RtlBench() : context_(std::make_unique<VerilatedContext>()) {
    model_ = std::make_unique<Vtcp_segment>(context_.get(), "tcp_segment");
    model_->clk = 0;
    model_->rst = 1;
    model_->eval();
    for (int i = 0; i < 4; ++i)
      tick();
    model_->rst = 0;
    model_->eval();
  }
  RtlBench(const RtlBench&) = delete;
  RtlBench& operator=(const RtlBench&) = delete;
  ~RtlBench() { model_->final(); }

  Run run(const Stimulus& st, Traffic traffic, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    Run run;
    Collector collector;
    const std::uint64_t limit = cycle_limit(st);
    Offer cmd, header, payload;
    while (!(cmd.next == st.cmd.size() && header.next == st.header.size() &&
             payload.next == st.payload.size() && run.statuses.size() == st.jobs &&
             model_->idle != 0)) {
      if (run.cycles >= limit) BOOST_FAIL("RTL: no progress after " << limit << " cycles");
      cmd.decide(st.cmd.size(), traffic.input_idle, rng);
      header.decide(st.header.size(), traffic.input_idle, rng);
      payload.decide(st.payload.size(), traffic.input_idle, rng);
      model_->s_axis_cmd_tvalid = cmd.valid;
      if (cmd.valid) model_->s_axis_cmd_tdata = st.cmd[cmd.next].to_uint64();
      drive_beat(header, st.header, model_->s_axis_header_tdata, model_->s_axis_header_tkeep,
                 model_->s_axis_header_tlast);
      model_->s_axis_header_tvalid = header.valid;
      drive_beat(payload, st.payload, model_->s_axis_payload_tdata, model_->s_axis_payload_tkeep,
                 model_->s_axis_payload_tlast);
      model_->s_axis_payload_tvalid = payload.valid;
      model_->m_axis_tx_tready = !roll(rng, traffic.backpressure);
      model_->m_axis_status_tready = !roll(rng, traffic.backpressure);
      model_->eval();

      check_stalled_outputs(run.cycles);
      if (cmd.valid && model_->s_axis_cmd_tready) cmd.take();
      if (header.valid && model_->s_axis_header_tready) header.take();
      if (payload.valid && model_->s_axis_payload_tready) payload.take();
      if (model_->m_axis_tx_tvalid && model_->m_axis_tx_tready) {
        collector.beat({from_wide<hk::kBeatBits>(model_->m_axis_tx_tdata), model_->m_axis_tx_tkeep,
                        model_->m_axis_tx_tlast != 0},
                       run.cycles, run);
      }
      if (model_->m_axis_status_tvalid && model_->m_axis_status_tready) {
        run.statuses.push_back(model_->m_axis_status_tdata);
      }
      tick();
      ++run.cycles;
    }
    BOOST_TEST(collector.empty());
    run.framing_errors = model_->payload_framing_errors;

    // Nothing in flight: no more output, however long we wait, and idle stays.
    model_->s_axis_cmd_tvalid = 0;
    model_->s_axis_header_tvalid = 0;
    model_->s_axis_payload_tvalid = 0;
    model_->m_axis_tx_tready = 1;
    model_->m_axis_status_tready = 1;
    for (int i = 0; i < 256; ++i) {
      model_->eval();
      if (model_->m_axis_tx_tvalid != 0 || model_->m_axis_status_tvalid != 0 || model_->idle == 0) {
        BOOST_FAIL("RTL: output or activity " << i << " cycles after it reported idle");
      }
      tick();
    }
    return run;
  }

 private:
  struct Offer {
    std::size_t next = 0;
    bool valid = false;
    void decide(std::size_t size, double idle, std::mt19937_64& rng) {
      if (!valid && next < size && !roll(rng, idle)) valid = true;
    }
    void take() {
      valid = false;
      ++next;
    }
  };

  template <typename Wide>
  static void drive_beat(const Offer& o, const std::vector<hk::AxisBeat>& src, Wide& data,
                         std::uint64_t& keep, std::uint8_t& last) {
    if (!o.valid) return;
    const hk::AxisBeat& b = src[o.next];
    to_wide(data, b.data);
    keep = b.keep.to_uint64();
    last = b.last != 0 ? 1 : 0;
  }

  // AXI4-Stream: a stalled output keeps tvalid and its word.
  void check_stalled_outputs(std::uint64_t cycle) {
    const TxBeat tx{from_wide<hk::kBeatBits>(model_->m_axis_tx_tdata), model_->m_axis_tx_tkeep,
                    model_->m_axis_tx_tlast != 0};
    if (tx_stalled_ && (model_->m_axis_tx_tvalid == 0 || !(tx == stalled_tx_))) {
      BOOST_FAIL("cycle " << cycle << ": m_axis_tx changed while stalled");
    }
    if (status_stalled_ &&
        (model_->m_axis_status_tvalid == 0 || model_->m_axis_status_tdata != stalled_status_)) {
      BOOST_FAIL("cycle " << cycle << ": m_axis_status changed while stalled");
    }
    tx_stalled_ = model_->m_axis_tx_tvalid != 0 && model_->m_axis_tx_tready == 0;
    stalled_tx_ = tx;
    status_stalled_ = model_->m_axis_status_tvalid != 0 && model_->m_axis_status_tready == 0;
    stalled_status_ = model_->m_axis_status_tdata;
  }

  void tick() {
    model_->clk = 1;
    model_->eval();
    context_->timeInc(1);
    model_->clk = 0;
    model_->eval();
    context_->timeInc(1);
  }

  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Vtcp_segment> model_;
  bool tx_stalled_ = false;
  TxBeat stalled_tx_;
  bool status_stalled_ = false;
  std::uint8_t stalled_status_ = 0;
};

Run run_rtl(const Stimulus& st, Traffic traffic, std::uint64_t seed) {
  RtlBench bench;
  return bench.run(st, traffic, seed);
}

// ---------------------------------------------------------------------------
// Checks

Bytes frame_bytes(const Frame& f) {
  Bytes out;
  for (const TxBeat& b : f) {
    hk::AxisBeat beat{};
    beat.data = b.data;
    beat.keep = b.keep;
    hk::append_beat(beat, out);
  }
  return out;
}

std::string describe_difference(const Frame& rtl, const Frame& hls) {
  std::ostringstream os;
  if (rtl.size() != hls.size()) os << rtl.size() << " beats, HLS " << hls.size() << "; ";
  for (std::size_t i = 0; i < std::min(rtl.size(), hls.size()); ++i) {
    if (rtl[i] == hls[i]) continue;
    os << "beat " << i << ": keep " << std::hex << rtl[i].keep << "/" << hls[i].keep << std::dec
       << " last " << rtl[i].last << "/" << hls[i].last;
    for (int lane = 0; lane < hk::kBeatBytes; ++lane) {
      const unsigned r = hk::beat_byte(rtl[i].data, lane);
      const unsigned h = hk::beat_byte(hls[i].data, lane);
      if (r != h) {
        os << ", lane " << lane << ": " << r << " != " << h;
        break;
      }
    }
    break;
  }
  return os.str();
}

// A receiver's view of one RTL frame: both checksums good, the sequence number
// and ID where the job's template and offset put them. Returns its payload.
Bytes read_back(const Frame& frame, const Job& j, std::size_t k, std::size_t offset) {
  const Bytes bytes = frame_bytes(frame);
  auto eth = tw::EthernetFrame::new_checked(bytes);
  BOOST_REQUIRE(eth.ok());
  BOOST_REQUIRE_EQUAL(eth->ethertype(), static_cast<std::uint16_t>(tw::EtherType::ipv4));
  auto ip = tw::Ipv4Packet::new_checked(eth->payload());
  BOOST_REQUIRE(ip.ok());
  BOOST_TEST(ip->total_len() == bytes.size() - kEth);
  BOOST_TEST(ip->verify_checksum(), "segment " << k << ": IPv4 checksum");
  BOOST_TEST(ip->ident() == static_cast<std::uint16_t>(tw::load_be16(j.header, kEth + 4) + k));
  auto tcp = tw::TcpPacket::new_checked(ip->payload());
  BOOST_REQUIRE(tcp.ok());
  BOOST_TEST(tcp->verify_checksum(ip->src(), ip->dst()), "segment " << k << ": TCP checksum");
  const std::size_t l4 = kEth + ip->header_len();
  BOOST_TEST(tcp->seq().raw() ==
             static_cast<std::uint32_t>(tw::load_be32(j.header, l4 + 4) + offset));
  return Bytes(tcp->payload().begin(), tcp->payload().end());
}

// Runs both, requires the same output, checks the statuses against what each
// job expects, and reads every RTL frame back.
std::pair<Run, Run> check_equivalent(const std::vector<Job>& jobs, std::uint64_t seed,
                                     Traffic hls_traffic, Traffic rtl_traffic,
                                     bool payloads_join = true) {
  const Stimulus st = stimulus(jobs);
  const Run hls = run_hls(st, hls_traffic, seed);
  const Run rtl = run_rtl(st, rtl_traffic, seed + 1000);

  BOOST_TEST_REQUIRE(rtl.statuses == hls.statuses);
  BOOST_REQUIRE_EQUAL(rtl.statuses.size(), jobs.size());
  std::size_t expected_frames = 0;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    BOOST_TEST(rtl.statuses[i] == static_cast<unsigned>(jobs[i].expect), "job " << i);
    expected_frames += segment_count(jobs[i]);
  }
  BOOST_TEST(rtl.framing_errors == hls.framing_errors);
  BOOST_REQUIRE_EQUAL(rtl.frames.size(), hls.frames.size());
  BOOST_REQUIRE_EQUAL(rtl.frames.size(), expected_frames);
  for (std::size_t f = 0; f < rtl.frames.size(); ++f) {
    if (!(rtl.frames[f] == hls.frames[f])) {
      BOOST_FAIL("frame " << f
                          << " differs: " << describe_difference(rtl.frames[f], hls.frames[f]));
    }
  }

  std::size_t f = 0;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const Job& j = jobs[i];
    Bytes joined;
    for (std::size_t k = 0; k < segment_count(j); ++k, ++f) {
      BOOST_TEST_CONTEXT("job " << i << " (mss " << j.cmd.mss << ", payload " << j.payload.size()
                                << ")") {
        const Bytes p = read_back(rtl.frames[f], j, k, joined.size());
        joined.insert(joined.end(), p.begin(), p.end());
      }
    }
    if (payloads_join && segment_count(j) != 0) {
      BOOST_TEST_REQUIRE((joined == j.payload), "job " << i << ": payloads do not join up");
    }
  }
  BOOST_TEST_MESSAGE(jobs.size() << " jobs, " << rtl.frames.size() << " frames, " << rtl.beats
                                 << " beats: RTL " << rtl.cycles << " cycles, HLS " << hls.cycles);
  return {hls, rtl};
}

}  // namespace

// ===========================================================================

BOOST_AUTO_TEST_SUITE(same_frames_as_the_hls_kernel)

BOOST_AUTO_TEST_CASE(random_jobs_under_idle_and_backpressure) {
  std::mt19937_64 rng(101);
  // Each side gets its own pattern; the last pair is deliberately lopsided.
  const std::pair<Traffic, Traffic> profiles[] = {
      {{0.0, 0.0}, {0.0, 0.0}},
      {{0.3, 0.0}, {0.3, 0.0}},
      {{0.0, 0.5}, {0.0, 0.5}},
      {{0.4, 0.4}, {0.1, 0.6}},
  };
  for (std::size_t p = 0; p < std::size(profiles); ++p) {
    BOOST_TEST_CONTEXT("traffic profile " << p) {
      std::vector<Job> jobs;
      while (jobs.size() < 10) {
        const std::uint16_t mss = random_mss(rng);
        const std::size_t cap = mss < 64 ? 2500 : ct::kTsoMaxPayload;
        Bytes header = make_template(random_shape(rng), rng);
        jobs.push_back(
            good_job(std::move(header), random_bytes(random_length(rng, mss, cap), rng), mss));
      }
      check_equivalent(jobs, 200 + p, profiles[p].first, profiles[p].second);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_template_length_and_mss_around_beat_edges) {
  // 54-, 66-, 106- and 134-byte templates put the payload's first byte at lanes
  // 54, 2, 42 and 6; segments end just before, on and after beat edges.
  std::mt19937_64 rng(102);
  std::vector<Job> jobs;
  for (int shape = 0; shape < 4; ++shape) {
    TemplateShape s;
    s.tcp_options = shape == 0 ? tw::TcpOptions{} : timestamps_only();
    s.ip_options = shape >= 2 ? 40 : 0;
    if (shape == 3) s.tcp_options.sack_count = 3;
    s.flags = tw::tcp_flag::ack | tw::tcp_flag::cwr | tw::tcp_flag::psh | tw::tcp_flag::fin;
    for (std::uint16_t mss : {1, 7, 63, 64, 65, 127, 1448}) {
      for (std::size_t len : {1, 63, 64, 65, 128, 129, 700, 2000}) {
        Bytes header = make_template(s, rng);
        jobs.push_back(good_job(std::move(header), random_bytes(len, rng), mss));
      }
    }
  }
  check_equivalent(jobs, 300, Traffic{0.1, 0.1}, Traffic{0.2, 0.2});
}

BOOST_AUTO_TEST_CASE(a_full_job_at_mss_one) {
  // 64 KiB in one-byte frames, ID and sequence number both wrapping; the bare
  // 54-byte template makes every frame a single beat, one per cycle.
  std::mt19937_64 rng(103);
  TemplateShape s;
  s.tcp_options = {};
  s.seq = 0xffff0000u;
  s.ip_id = 0xff80;
  s.flags = tw::tcp_flag::ack | tw::tcp_flag::cwr | tw::tcp_flag::fin;
  std::vector<Job> jobs;
  jobs.push_back(good_job(make_template(s, rng), random_bytes(ct::kTsoMaxPayload, rng), 1));
  const auto [hls, rtl] = check_equivalent(jobs, 400, Traffic{}, Traffic{});
  BOOST_TEST_MESSAGE("MSS 1: " << rtl.beats << " beats in " << rtl.last_beat - rtl.first_beat + 1
                               << " cycles first to last");
  BOOST_TEST(static_cast<double>(rtl.beats) /
                 static_cast<double>(rtl.last_beat - rtl.first_beat + 1) >=
             0.95);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(refused_jobs)

BOOST_AUTO_TEST_CASE(each_bad_job_is_answered_and_the_next_is_unharmed) {
  std::mt19937_64 rng(104);
  std::vector<Job> jobs;
  auto bad = [&](Job j, ct::TxStatus status) {
    j.expect = status;
    jobs.push_back(std::move(j));
    jobs.push_back(
        standard_job(rng, 1 + rng() % 4000, static_cast<std::uint16_t>(1 + rng() % 1460)));
  };
  auto patched = [&](std::size_t at, std::uint8_t value) {
    Job j = standard_job(rng, 2000, 700);
    j.header[at] = static_cast<std::byte>(value);
    return j;
  };
  const std::size_t l4 = kEth + 20;

  Job mss0 = standard_job(rng, 2000, 700);
  mss0.cmd.mss = 0;
  bad(mss0, ct::TxStatus::bad_mss);
  bad(standard_job(rng, 0, 700), ct::TxStatus::payload_too_large);
  bad(standard_job(rng, ct::kTsoMaxPayload + 1, 1448), ct::TxStatus::payload_too_large);
  bad(patched(12, 0x86), ct::TxStatus::bad_template);       // ethertype
  bad(patched(kEth, 0x65), ct::TxStatus::bad_template);     // IP version 6
  bad(patched(kEth, 0x44), ct::TxStatus::bad_template);     // IHL 4
  bad(patched(kEth + 9, 17), ct::TxStatus::bad_template);   // UDP
  bad(patched(l4 + 12, 0x40), ct::TxStatus::bad_template);  // data offset 4
  bad(patched(l4 + 12, 0x60), ct::TxStatus::bad_template);  // data offset 6: too short

  Job longer = standard_job(rng, 2000, 700);  // header_length 4 past the template
  longer.header.resize(longer.header.size() + 4);
  longer.cmd.header_length = static_cast<std::uint16_t>(longer.header.size());
  bad(longer, ct::TxStatus::bad_template);

  Job none = standard_job(rng, 2000, 700);
  none.header.clear();
  none.cmd.header_length = 0;
  bad(none, ct::TxStatus::bad_template);

  Job four_beats = standard_job(rng, 2000, 700);
  four_beats.header.resize(200);
  four_beats.cmd.header_length = 200;
  bad(four_beats, ct::TxStatus::bad_template);

  // The largest segment would overflow the IPv4 total length.
  bad(standard_job(rng, ct::kTsoMaxPayload, 0xffff), ct::TxStatus::bad_mss);

  // Several faults: MSS first, then the length, then the template.
  Job several = patched(kEth + 9, 17);
  several.cmd.mss = 0;
  bad(several, ct::TxStatus::bad_mss);
  Job several2 = patched(kEth + 9, 17);
  several2.payload.clear();
  several2.cmd.payload_length = 0;
  bad(several2, ct::TxStatus::payload_too_large);

  // The largest segment the kernel accepts: one 65,495-byte frame, which must
  // sit whole in the beat FIFO before its checksum is known.
  TemplateShape bare;
  bare.tcp_options = {};
  Job widest = good_job(make_template(bare, rng), random_bytes(65535 - 40, rng), 0xffff);
  jobs.push_back(std::move(widest));

  check_equivalent(jobs, 500, Traffic{0.2, 0.2}, Traffic{0.2, 0.3});
}

BOOST_AUTO_TEST_CASE(streams_that_disagree_with_the_job_word) {
  std::mt19937_64 rng(105);
  std::vector<Job> jobs;
  // Three header beats where the job word says two, tlast on the third.
  Job three = standard_job(rng, 3000, 1000);
  three.expect = ct::TxStatus::bad_template;
  Bytes padded = three.header;
  padded.resize(130);
  three.header_beats = hk::to_beats(padded);
  jobs.push_back(three);
  jobs.push_back(standard_job(rng, 5000, 1448));
  // tlast early: the rest of the job goes out as zeros.
  Job early = standard_job(rng, 300, 100);
  auto early_beats = hk::to_beats(early.payload);
  early_beats.resize(2);
  early_beats[1].last = true;
  early.payload_beats = early_beats;
  jobs.push_back(early);
  // tlast late: the extra beat is dropped.
  Job late = standard_job(rng, 100, 1000);
  auto late_beats = hk::to_beats(late.payload);
  late_beats[1].last = false;
  late_beats.push_back(late_beats[1]);
  late_beats.back().last = true;
  late.payload_beats = late_beats;
  jobs.push_back(late);
  jobs.push_back(standard_job(rng, 4000, 536));

  const auto [hls, rtl] =
      check_equivalent(jobs, 600, Traffic{0.2, 0.2}, Traffic{0.3, 0.3}, /*payloads_join=*/false);
  BOOST_TEST(rtl.framing_errors == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(throughput)

// 64 KiB jobs, nothing idle, no back-pressure, in simulated cycles. The first
// frame of a job waits for its whole first segment (its checksum comes before
// its payload), so a lone job pays one segment of latency; back to back, the
// next job's first segment is summed while the previous job is still sending.
BOOST_AUTO_TEST_CASE(one_beat_per_cycle_at_mss_1448_and_8960) {
  for (std::uint16_t mss : {1448, 8960}) {
    std::mt19937_64 rng(mss);
    std::vector<Job> one;
    one.push_back(standard_job(rng, ct::kTsoMaxPayload, mss));
    std::vector<Job> four;
    for (int i = 0; i < 4; ++i)
      four.push_back(standard_job(rng, ct::kTsoMaxPayload, mss));
    const Run single = check_equivalent(one, 700, Traffic{}, Traffic{}).second;
    const auto [hls4, rtl4] = check_equivalent(four, 701, Traffic{}, Traffic{});
    const std::uint64_t stream_cycles = single.last_beat - single.first_beat + 1;
    const double streaming = static_cast<double>(single.beats) / static_cast<double>(stream_cycles);
    const double back_to_back = static_cast<double>(rtl4.beats) / static_cast<double>(rtl4.cycles);
    BOOST_TEST_MESSAGE("RTL, MSS "
                       << mss << ": one 64 KiB job " << single.beats << " beats, " << single.cycles
                       << " cycles job word to idle, first beat at " << single.first_beat << ", "
                       << stream_cycles << " cycles first to last beat (" << streaming
                       << " beats/cycle); four jobs " << rtl4.beats << " beats in " << rtl4.cycles
                       << " cycles (" << back_to_back << " beats/cycle, " << rtl4.cycles / 4
                       << " cycles/job); HLS four jobs " << hls4.cycles << " cycles");
    BOOST_TEST(streaming >= 0.95);
    BOOST_TEST(back_to_back >= 0.95);
  }
}

BOOST_AUTO_TEST_SUITE_END()
