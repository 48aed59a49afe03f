// SPDX-License-Identifier: Apache-2.0
// checksum: the Internet checksum engines of the NIC datapath (RFC 1071).
//
// checksum_rx verifies. It sits after rx_parser: the beats pass through
// unchanged while per-lane partial sums (hls/common/csum.hpp) accumulate the
// IPv4 header, the L4 segment and the pseudo header, with region bounds taken
// from the IHL and total length in beat 0. rx_parser's RxParsed only comes after
// a frame's last beat, so the sums wait in a small FIFO until it does, and the
// verdicts (good, bad, or not_checked for ARP, other protocols, parse errors and
// fragments' L4) are written into it. One beat per cycle, whatever the frame
// sizes.
//
// checksum_tx inserts. The checksum fields come before the data they cover, so it
// is store-and-forward: a sum stage accumulates while the frame goes into a frame
// FIFO that holds a whole 9 KiB frame, and a patch stage writes the IPv4 header
// checksum and/or the TCP/UDP checksum (pseudo header included; a computed UDP 0
// is sent as 0xFFFF, RFC 768) into the header beats as they leave. Both stages
// take a beat per cycle, so back-to-back frames flow at one beat per cycle after
// the first frame's store time.
//
// csum_update16 is RFC 1624's incremental update, for kernels that rewrite a
// header field (tcp_segment).
#pragma once

#include "hls/common/csum.hpp"
#include "hls/common/hls_compat.hpp"
#include "hls/common/rx_types.hpp"

namespace tandem {
namespace hls_kernels {

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), the checksum after one 16-bit word of
// the covered data changes from old_word to new_word. Unlike eqn. 2 it cannot
// turn a checksum into 0xFFFF (-0) when recomputation would give 0x0000.
inline ap_uint<16> csum_update16(ap_uint<16> old_csum, ap_uint<16> old_word, ap_uint<16> new_word) {
#pragma HLS INLINE
  unsigned sum =
      (~old_csum.to_uint() & 0xffffu) + (~old_word.to_uint() & 0xffffu) + new_word.to_uint();
  sum = (sum & 0xffffu) + (sum >> 16);
  sum = (sum & 0xffffu) + (sum >> 16);
  return ~sum & 0xffffu;
}

// ---------------------------------------------------------------------------
// RX verify

class ChecksumRx {
 public:
  // Frames whose sums may wait for their RxParsed; more absorbs a parser that
  // lags the beat stream by that many frames without stalling it.
  static constexpr int kPendingFrames = 8;

  // One clock cycle: takes at most one beat from s_axis_rx (forwarded to
  // m_axis_rx the same cycle) and at most one RxParsed from s_axis_parsed, which
  // is only read once the sums of its frame are complete, and then written to
  // m_axis_parsed with the verdicts filled in. m_ready is the downstream tready
  // of both outputs.
  void step(hls::stream<AxisBeat>& s_axis_rx, hls::stream<RxParsed>& s_axis_parsed,
            hls::stream<AxisBeat>& m_axis_rx, hls::stream<RxParsed>& m_axis_parsed,
            bool m_ready = true);

  bool idle() const;

 private:
  struct FrameSums {
    CsumAcc ip_header;      // over the IHL*4 bytes at 14
    CsumAcc segment;        // over [14 + IHL*4, 14 + total length)
    CsumAcc pseudo;         // source, destination, protocol, L4 length
    ap_uint<16> udp_field;  // the UDP checksum field: 0 means "none sent"
    ap_uint<16> frame_length;
    ap_uint<8> l4_offset;  // where the sums put L4, cross-checked with RxParsed
  };

  void take_beat(const AxisBeat& beat);
  static void apply_verdicts(const FrameSums& sums, RxParsed& parsed);

  // The frame being summed.
  ap_uint<17> offset_ = 0;  // frame byte of the current beat's lane 0
  ap_uint<17> header_end_ = 0;
  ap_uint<17> segment_end_ = 0;
  ap_uint<17> udp_field_at_ = 0;
  FrameSums acc_ = {};

  // Completed frames waiting for their RxParsed, oldest at head_.
  FrameSums pending_[kPendingFrames] = {};
  ap_uint<3> head_ = 0;
  ap_uint<4> count_ = 0;
};

// ---------------------------------------------------------------------------
// TX insert

// Per frame on s_axis_tx_cmd: the contract's tx_flag bits (fill_ipv4_checksum,
// fill_l4_checksum). It must be offered no later than the frame's first beat.
typedef ap_uint<8> TxCsumCmd;

class ChecksumTx {
 public:
  // The frame FIFO holds a 9 KiB frame (144 beats) while the next one streams
  // in. Longer frames cannot be held whole: once a frame reaches
  // kMaxFrameBeats without its last beat it is forwarded unchanged (and counted).
  static constexpr int kFifoBeats = 256;
  static constexpr int kMaxFrameBeats = 144;
  static constexpr int kPatchDepth = 8;

  // One clock cycle: the patch stage moves at most one beat from the frame FIFO
  // to m_axis_tx (only when m_ready, the downstream tready), and the sum stage
  // takes at most one command and one beat.
  void step(hls::stream<AxisBeat>& s_axis_tx, hls::stream<TxCsumCmd>& s_axis_tx_cmd,
            hls::stream<AxisBeat>& m_axis_tx, bool m_ready = true);

  bool idle() const;

  // Frames that asked for a checksum the kernel could not compute — not
  // Ethernet/IPv4, a header or length out of bounds, a fragment or a protocol
  // other than TCP/UDP for the L4 checksum, longer than kMaxFrameBeats — and
  // were sent unchanged.
  ap_uint<32> unparsed_frames() const { return unparsed_frames_; }

 private:
  // What the patch stage writes into a frame.
  struct Patch {
    bool ip;
    bool l4;
    ap_uint<16> ip_csum;
    ap_uint<16> l4_csum;
    ap_uint<7> l4_csum_at;  // frame byte of the L4 checksum field (<= 14 + 60 + 16)
  };

  void patch_stage(hls::stream<AxisBeat>& m_axis_tx, bool m_ready);
  void sum_stage(hls::stream<AxisBeat>& s_axis_tx, hls::stream<TxCsumCmd>& s_axis_tx_cmd,
                 bool room);
  Patch decide(unsigned frame_length) const;
  void push_patch(const Patch& patch);

  // Frame FIFO (sum stage -> patch stage).
  AxisBeat fifo_[kFifoBeats];
  ap_uint<8> fifo_head_ = 0;
  ap_uint<9> fifo_count_ = 0;
  // Patch FIFO, one entry per frame, in frame order.
  Patch patches_[kPatchDepth] = {};
  ap_uint<3> patch_head_ = 0;
  ap_uint<4> patch_count_ = 0;

  // Sum stage: the frame being stored.
  bool have_cmd_ = false;
  ap_uint<8> cmd_ = 0;
  ap_uint<8> in_beats_ = 0;  // beats of this frame so far, saturating at kMaxFrameBeats
  bool patch_sent_ = false;  // an oversize frame's pass-through was already queued
  ap_uint<16> in_length_ = 0;
  bool is_ipv4_ = false;
  ap_uint<4> version_ = 0;
  ap_uint<4> ihl_ = 0;
  ap_uint<16> total_length_ = 0;
  bool fragment_ = false;
  ap_uint<8> protocol_ = 0;
  ap_uint<7> l4_csum_at_ = 0;       // frame byte of the TCP or UDP checksum field
  ap_uint<8> tcp_offset_byte_ = 0;  // TCP byte 12: data offset in the high nibble
  ap_uint<16> udp_length_ = 0;
  CsumAcc ip_sum_ = 0;
  CsumAcc l4_sum_ = 0;
  CsumAcc pseudo_sum_ = 0;

  // Patch stage: the frame being sent.
  bool out_active_ = false;
  Patch out_patch_ = {};
  ap_uint<2> out_beat_ = 0;  // 0, 1, then 2 for every later beat

  ap_uint<32> unparsed_frames_ = 0;
};

// Vitis HLS top levels: free-running kernels (one call = one cycle), each around
// one static instance.
void checksum_rx(hls::stream<AxisBeat>& s_axis_rx, hls::stream<RxParsed>& s_axis_parsed,
                 hls::stream<AxisBeat>& m_axis_rx, hls::stream<RxParsed>& m_axis_parsed);
void checksum_tx(hls::stream<AxisBeat>& s_axis_tx, hls::stream<TxCsumCmd>& s_axis_tx_cmd,
                 hls::stream<AxisBeat>& m_axis_tx, ap_uint<32>& unparsed_frames);

}  // namespace hls_kernels
}  // namespace tandem
