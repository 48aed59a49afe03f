// SPDX-License-Identifier: Apache-2.0
// tcp_segment: the TSO engine. A job (contract::TsoJob) is a header template
// (Ethernet + IPv4 + TCP, options included), 1..64 KiB of payload and the peer's
// MSS; the kernel emits ceil(len / MSS) wire frames with lengths, IPv4 ID, TCP
// sequence number, flags and both checksums rewritten per segment, one 512-bit
// beat per cycle, and answers every job with one contract::TxStatus.
//
// Ports (AXI4-Stream):
//   s_axis_cmd      one TsoCmdWord per job (layout in tso_cmd_bits)
//   s_axis_header   the template, ceil(header_length / 64) beats, tlast on the last
//   s_axis_payload  the payload as contiguous bytes, ceil(payload_length / 64)
//                   beats, tlast on the last; a job of length 0 has none
//   m_axis_tx       the frames, tkeep on the valid lanes, tlast on each frame's end
//   m_axis_status   one TxStatusWord per job, in job order, once its payload has
//                   been consumed (a refused job sends nothing on m_axis_tx)
//
// Pipeline (three stages joined by FIFOs):
//   header  captures the template (at most 3 beats), validates it and precomputes
//           the parts of both checksums that do not change between segments;
//   segment writes the payload beats, untouched, into a beat FIFO and sums each
//           segment's bytes (per-lane partial sums, two trees so that a beat
//           that ends one segment and starts the next is taken in one cycle);
//   emit    starts a segment once its sum is known, patches the header and
//           realigns the payload from stream lanes to frame lanes through a
//           two-beat window (a byte barrel shift), one output beat per cycle.
// The beat FIFO holds more than one largest segment, so the segment stage fills
// segment k+1 while segment k is on the wire.
//
// Timing: a segment's first beat leaves the cycle after the payload beat that
// completes it is read (its TCP checksum precedes its payload, so a job's first
// frame waits for its whole first segment); the job word is read 6 cycles before
// the first payload beat for a two-beat template (word, 2 header beats, parse,
// hand-over to the segment stage). From then on frames leave back to back, one
// beat per cycle, within a job and from one job to the next: the segment stage
// reads payload at one beat per cycle, faster than the emitter needs it, since
// every frame also carries the header.
#pragma once

#include <cstdint>

#include "contract/nic_contract.hpp"
#include "hls/common/csum.hpp"
#include "hls/common/hls_compat.hpp"

namespace tandem {
namespace hls_kernels {

// ---------------------------------------------------------------------------
// Sideband words

// s_axis_cmd: a TsoJob in one 64-bit word.
typedef ap_uint<64> TsoCmdWord;
namespace tso_cmd_bits {
const contract::BitField header_length = {0, 16};
const contract::BitField mss = {16, 16};
const contract::BitField payload_length = {32, 32};
}  // namespace tso_cmd_bits

inline TsoCmdWord pack_tso_job(const contract::TsoJob& job) {
  TsoCmdWord w = 0;
  w.range(15, 0) = job.header_length;
  w.range(31, 16) = job.mss;
  w.range(63, 32) = job.payload_length;
  return w;
}

inline contract::TsoJob unpack_tso_job(const TsoCmdWord& w) {
  contract::TsoJob job;
  job.header_length = static_cast<std::uint16_t>(w.range(15, 0).to_uint());
  job.mss = static_cast<std::uint16_t>(w.range(31, 16).to_uint());
  job.payload_length = static_cast<std::uint32_t>(w.range(63, 32).to_uint());
  return job;
}

// m_axis_status: a contract::TxStatus value.
typedef ap_uint<8> TxStatusWord;

// ---------------------------------------------------------------------------
// Geometry

// The template never exceeds 14 + 60 + 60 = 134 bytes: three beats.
const unsigned kTsoHeaderBeats = (contract::kTsoMaxHeader + kBeatBytes - 1) / kBeatBytes;
// Beats of payload the segment stage may run ahead of the emitter: room for two of
// the largest segments (64 KiB each), so one fills while the other drains.
const unsigned kTsoPayloadFifoBeats = 2048;
const unsigned kTsoDescFifoDepth = 32;
const unsigned kTsoJobFifoDepth = 4;
static_assert(kTsoPayloadFifoBeats >= contract::kTsoMaxPayload / kBeatBytes + 2,
              "one whole segment must fit in the payload FIFO or its sum never completes");

// ---------------------------------------------------------------------------
// What the stages pass each other

// header -> segment: what to do with the job's payload.
struct TsoJobInfo {
  ap_uint<3> status;  // contract::TxStatus
  ap_uint<32> payload_length;
  ap_uint<16> mss;
};

// header -> emit: a validated template and the per-job constants of its checksums.
struct TsoTemplate {
  ap_uint<kBeatBits> beat[kTsoHeaderBeats];  // lanes past header_length are zero
  ap_uint<8> header_length;                  // 14 + ip_header_length + tcp_header_length
  ap_uint<8> l4_offset;                      // 14 + IHL * 4
  ap_uint<8> ip_tcp_length;                  // IHL * 4 + data offset * 4
  ap_uint<8> tcp_header_length;              // data offset * 4
  ap_uint<17> payload_length;
  ap_uint<16> ip_id;
  ap_uint<32> seq;
  ap_uint<8> tcp_offset_byte;  // byte 12 of the TCP header: data offset and reserved bits
  ap_uint<8> tcp_flags;
  // Folded sums of the fields that are the same in every segment: the IPv4
  // header without total length, ID and checksum; the pseudo header without its
  // length plus the TCP header without sequence number, offset/flags and checksum.
  ap_uint<16> ip_partial;
  ap_uint<16> tcp_partial;
};

// segment -> emit: one segment's length and the folded sum of its payload,
// paired as the TCP checksum pairs it (the segment's first byte high).
struct TsoSegmentDesc {
  ap_uint<17> length;
  ap_uint<16> payload_sum;
};

// ---------------------------------------------------------------------------
// The kernel

// A job is refused, its header and payload beats read and dropped and nothing
// sent, for the first of these that applies:
//   bad_mss            MSS 0;
//   payload_too_large  payload length 0 or over the maximum;
//   bad_template       not Ethernet II with ethertype IPv4, IPv4 version != 4 or
//                      IHL < 5, protocol not TCP, data offset < 5, header_length
//                      != 14 + IHL*4 + offset*4 (hence <= kTsoMaxHeader), or a
//                      header stream of other than ceil(header_length / 64) beats;
//   bad_mss            min(MSS, payload) too large for a 16-bit IPv4 total length.
class TcpSegment {
 public:
  // Jobs with more payload than `max_payload` are refused (payload_too_large);
  // the kernel is sized for contract::kTsoMaxPayload, which caps it.
  explicit TcpSegment(std::uint32_t max_payload = contract::kTsoMaxPayload);

  // One clock cycle. Takes at most one word from each input stream and writes at
  // most one to each output stream; an output is written only while its ready
  // is true (the Vitis top passes !full(), a testbench its back-pressure).
  void step(hls::stream<TsoCmdWord>& s_axis_cmd, hls::stream<AxisBeat>& s_axis_header,
            hls::stream<AxisBeat>& s_axis_payload, hls::stream<AxisBeat>& m_axis_tx,
            hls::stream<TxStatusWord>& m_axis_status, bool m_axis_tx_ready = true,
            bool m_axis_status_ready = true);

  // Nothing in flight: every job seen has been answered and all its frames sent.
  bool idle() const;

  // Payload streams whose tlast disagreed with payload_length (early: the rest of
  // the job was sent as zeros; late: the extra beats were dropped). The host's
  // DMA engine builds these streams, so any count here is a bug upstream.
  std::uint32_t payload_framing_errors() const { return framing_errors_; }

 private:
  enum class HeaderState : std::uint8_t { cmd, beats, parse, push };
  enum class SegmentState : std::uint8_t { job, payload, discard, drain, status };

  void header_stage(hls::stream<TsoCmdWord>& s_axis_cmd, hls::stream<AxisBeat>& s_axis_header);
  void parse_template();
  void segment_stage(hls::stream<AxisBeat>& s_axis_payload,
                     hls::stream<TxStatusWord>& m_axis_status, bool status_ready);
  void segment_payload_beat(hls::stream<AxisBeat>& s_axis_payload);
  void emit_stage(hls::stream<AxisBeat>& m_axis_tx, bool tx_ready);
  void start_segment();

  std::uint32_t max_payload_;
  std::uint32_t framing_errors_ = 0;

  // Internal FIFOs, producer2consumer.
  hls::stream<TsoJobInfo> hdr2seg_;
  hls::stream<TsoTemplate> hdr2emit_;
  hls::stream<TsoSegmentDesc> seg2emit_desc_;
  hls::stream<ap_uint<kBeatBits>> seg2emit_data_;

  // header stage
  HeaderState h_state_ = HeaderState::cmd;
  ap_uint<16> h_header_length_ = 0;
  ap_uint<32> h_payload_length_ = 0;
  ap_uint<16> h_mss_ = 0;
  ap_uint<kBeatBits> h_beat_[kTsoHeaderBeats];
  ap_uint<16> h_beats_seen_ = 0;
  TsoJobInfo h_job_;
  TsoTemplate h_template_;

  // segment stage
  SegmentState s_state_ = SegmentState::job;
  contract::TxStatus s_status_ = contract::TxStatus::ok;
  ap_uint<17> s_length_ = 0;     // the job's payload length
  ap_uint<17> s_mss_ = 0;        // min(mss, length)
  ap_uint<17> s_offset_ = 0;     // job offset of the next byte to sum
  ap_uint<17> s_seg_start_ = 0;  // job offset of the current segment
  ap_uint<17> s_seg_end_ = 0;    // ... and of the byte after it
  CsumAcc s_seg_sum_ = 0;
  ap_uint<kBeatBits> s_beat_ = 0;  // the beat being summed
  bool s_beat_valid_ = false;
  bool s_eof_ = false;  // tlast seen on this job's payload

  // emit stage
  bool e_job_active_ = false;  // e_template_ holds the job being segmented
  bool e_seg_active_ = false;
  TsoTemplate e_template_;
  ap_uint<kBeatBits> e_header_[kTsoHeaderBeats];  // this segment's patched header
  ap_uint<11> e_beat_ = 0;                        // frame beat to send next
  ap_uint<11> e_beats_ = 0;                       // frame beats of this segment
  ap_uint<17> e_frame_length_ = 0;
  ap_uint<17> e_seg_left_ = 0;  // payload bytes of this segment not yet sent
  ap_uint<17> e_cursor_ = 0;    // job offset of the next payload byte to send
  ap_uint<16> e_index_ = 0;     // segment number k within the job
  // Two consecutive payload beats of the job: window[0] holds the byte at
  // e_cursor_, window[1] the beat after it.
  ap_uint<kBeatBits> e_window_[2];
  bool e_window_valid_[2] = {false, false};
  ap_uint<11> e_beats_loaded_ = 0;  // payload beats of this job taken into the window
};

}  // namespace hls_kernels
}  // namespace tandem

// The Vitis HLS top: a free-running (ap_ctrl_none) kernel that steps a static
// instance once per clock.
void tcp_segment(hls::stream<tandem::hls_kernels::TsoCmdWord>& s_axis_cmd,
                 hls::stream<tandem::hls_kernels::AxisBeat>& s_axis_header,
                 hls::stream<tandem::hls_kernels::AxisBeat>& s_axis_payload,
                 hls::stream<tandem::hls_kernels::AxisBeat>& m_axis_tx,
                 hls::stream<tandem::hls_kernels::TxStatusWord>& m_axis_status);
