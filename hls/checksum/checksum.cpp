// SPDX-License-Identifier: Apache-2.0
#include "hls/checksum/checksum.hpp"

namespace tandem {
namespace hls_kernels {

namespace {

using contract::ChecksumStatus;
using contract::L3Kind;
using contract::L4Kind;
using contract::ParseStatus;

constexpr unsigned kLanes = kBeatBytes;
constexpr unsigned kEthHeaderLen = 14;
constexpr unsigned kEtherTypeIpv4 = 0x0800;
constexpr unsigned kIpMinHeaderLen = 20;
constexpr unsigned kIpChecksumAt = kEthHeaderLen + 10;
constexpr unsigned kProtoTcp = 6;
constexpr unsigned kProtoUdp = 17;
constexpr unsigned kTcpMinHeaderLen = 20;
constexpr unsigned kTcpChecksumAt = 16;
constexpr unsigned kUdpHeaderLen = 8;
constexpr unsigned kUdpChecksumAt = 6;
constexpr unsigned kLengthLimit = 0xffff;
// Where a frame's beat offset stops counting: past any region end (14 + 65535)
// and still within 17 bits.
constexpr unsigned kOffsetLimit = 0x1ffc0;
// The IPv4 header ends by byte 14 + 60: within the first two beats.
constexpr unsigned kHeaderWindow = 2 * kLanes;

unsigned be16_at(const ap_uint<kBeatBits>& data, unsigned lane) {
#pragma HLS INLINE
  return (beat_byte(data, static_cast<int>(lane)) << 8) |
         beat_byte(data, static_cast<int>(lane + 1));
}

unsigned keep_count(const ap_uint<kBeatBytes>& keep) {
#pragma HLS INLINE
  unsigned n = 0;
  for (int i = 0; i < kBeatBytes; ++i) {
#pragma HLS UNROLL
    n += keep[i] ? 1u : 0u;
  }
  return n;
}

// The one's-complement sum of the IPv4 pseudo header (RFC 9293 §3.1, RFC 768):
// source and destination at bytes 26..33, zero and protocol, then the L4 length.
CsumAcc pseudo_header_sum(const ap_uint<kBeatBits>& beat0, unsigned protocol, unsigned l4_length) {
#pragma HLS INLINE
  return be16_at(beat0, kEthHeaderLen + 12) + be16_at(beat0, kEthHeaderLen + 14) +
         be16_at(beat0, kEthHeaderLen + 16) + be16_at(beat0, kEthHeaderLen + 18) + protocol +
         (l4_length & 0xffffu);
}

// A region whose bytes, checksum field included, sum to 0xFFFF verifies
// (RFC 1071 §1: the check succeeds when the sum is all one bits).
ChecksumStatus verdict(CsumAcc sum) {
#pragma HLS INLINE
  return csum_fold(sum) == 0xffff ? ChecksumStatus::good : ChecksumStatus::bad;
}

// The lanes of a beat starting at frame byte `beat_start` that lie in [begin,
// end) of the frame and carry a byte (tkeep).
ap_uint<kBeatBytes> valid_lanes(unsigned beat_start, unsigned begin, unsigned end,
                                const ap_uint<kBeatBytes>& keep) {
#pragma HLS INLINE
  return region_mask(beat_start, begin, end).to_uint64() & keep.to_uint64();
}

// The same lanes without the two of a 16-bit field at frame byte `field`.
ap_uint<kBeatBytes> valid_lanes_except(unsigned beat_start, unsigned begin, unsigned end,
                                       unsigned field, const ap_uint<kBeatBytes>& keep) {
#pragma HLS INLINE
  return valid_lanes(beat_start, begin, end, keep).to_uint64() &
         ~region_mask(beat_start, field, field + 2).to_uint64();
}

CsumAcc add(const CsumAcc& a, const CsumAcc& b) {
#pragma HLS INLINE
  return a.to_uint() + b.to_uint();
}

// Writes a 16-bit big-endian value into lanes `lane` and `lane + 1`.
void put_be16(ap_uint<kBeatBits>& data, unsigned lane, unsigned value) {
#pragma HLS INLINE
  data.range(8 * lane + 7, 8 * lane) = (value >> 8) & 0xffu;
  data.range(8 * lane + 15, 8 * lane + 8) = value & 0xffu;
}

}  // namespace

// ---------------------------------------------------------------------------
// checksum_rx

bool ChecksumRx::idle() const {
  return offset_ == 0 && count_ == 0;
}

void ChecksumRx::take_beat(const AxisBeat& beat) {
#pragma HLS INLINE
  const unsigned offset = offset_.to_uint();
  unsigned header_end = header_end_.to_uint();
  unsigned segment_end = segment_end_.to_uint();
  unsigned udp_field_at = udp_field_at_.to_uint();
  if (offset == 0) {
    // Beat 0 holds what bounds the regions: IHL (byte 14) and total length (16).
    // They are taken as if the frame were IPv4; whether it is, and whether the
    // fields are sane, is rx_parser's verdict, applied at the end of the frame.
    const unsigned header_len = (beat_byte(beat.data, kEthHeaderLen) & 0x0fu) * 4;
    const unsigned total_len = be16_at(beat.data, kEthHeaderLen + 2);
    header_end = kEthHeaderLen + header_len;
    segment_end = kEthHeaderLen + total_len;
    udp_field_at = header_end + kUdpChecksumAt;
    header_end_ = header_end;
    segment_end_ = segment_end;
    udp_field_at_ = udp_field_at;
    acc_.ip_header = 0;
    acc_.segment = 0;
    acc_.udp_field = 0;
    acc_.frame_length = 0;
    acc_.l4_offset = header_end;
    acc_.pseudo = pseudo_header_sum(beat.data, beat_byte(beat.data, kEthHeaderLen + 9),
                                    total_len - header_len);
  }

  if (offset < kHeaderWindow) {
    acc_.ip_header +=
        beat_word_sum(beat.data, valid_lanes(offset, kEthHeaderLen, header_end, beat.keep));
  }
  acc_.segment += beat_word_sum(beat.data, valid_lanes(offset, header_end, segment_end, beat.keep));
  // The field is 16-bit aligned in the frame, so it never straddles two beats.
  if (udp_field_at >= offset && udp_field_at < offset + kLanes) {
    acc_.udp_field = be16_at(beat.data, udp_field_at - offset);
  }
  unsigned length = acc_.frame_length.to_uint() + keep_count(beat.keep);
  if (length > kLengthLimit) length = kLengthLimit;
  acc_.frame_length = length;

  if (beat.last == 1) {
    pending_[(head_.to_uint() + count_.to_uint()) % kPendingFrames] = acc_;
    count_ = count_ + 1;
    offset_ = 0;
  } else if (offset < kOffsetLimit) {
    offset_ = offset + kLanes;
  }
}

void ChecksumRx::apply_verdicts(const FrameSums& sums, RxParsed& parsed) {
#pragma HLS INLINE
  contract::RxMeta& m = parsed.meta;
  m.l3_checksum = ChecksumStatus::not_checked;
  m.l4_checksum = ChecksumStatus::not_checked;
  // The sums describe the bytes this kernel saw. An RxParsed that disagrees about
  // the frame's length belongs to another frame (an upstream out of step), and
  // gets no verdict rather than a wrong one.
  if (m.frame_length != sums.frame_length) return;
  // The IPv4 header checksum is meaningful once the header itself parsed: also
  // for fragments and frames whose L4 header is bad.
  if (m.l3 != L3Kind::ipv4) return;
  if (m.parse != ParseStatus::ok && m.parse != ParseStatus::bad_l4_header &&
      m.parse != ParseStatus::fragment) {
    return;
  }
  m.l3_checksum = verdict(sums.ip_header);
  if (m.parse != ParseStatus::ok || m.l4_offset != sums.l4_offset) return;
  switch (m.l4) {
    case L4Kind::tcp:
      m.l4_checksum = verdict(add(sums.segment, sums.pseudo));
      break;
    case L4Kind::udp:
      // RFC 768: an all-zero field means the sender computed no checksum.
      m.l4_checksum =
          sums.udp_field == 0 ? ChecksumStatus::good : verdict(add(sums.segment, sums.pseudo));
      break;
    case L4Kind::icmp:
      // RFC 792: the checksum covers the ICMP message alone, no pseudo header.
      m.l4_checksum = verdict(sums.segment);
      break;
    default:
      break;
  }
}

void ChecksumRx::step(hls::stream<AxisBeat>& s_axis_rx, hls::stream<RxParsed>& s_axis_parsed,
                      hls::stream<AxisBeat>& m_axis_rx, hls::stream<RxParsed>& m_axis_parsed,
                      bool m_ready) {
#pragma HLS INLINE
#pragma HLS ARRAY_PARTITION variable = pending_ complete
  if (!m_ready) return;
  // The oldest frame with complete sums meets its RxParsed.
  if (count_ != 0) {
    RxParsed parsed;
    if (s_axis_parsed.read_nb(parsed)) {
      apply_verdicts(pending_[head_.to_uint()], parsed);
      m_axis_parsed.write(parsed);
      head_ = head_ + 1;
      count_ = count_ - 1;
    }
  }
  if (count_ == kPendingFrames) return;
  AxisBeat beat;
  if (!s_axis_rx.read_nb(beat)) return;
  m_axis_rx.write(beat);
  take_beat(beat);
}

void checksum_rx(hls::stream<AxisBeat>& s_axis_rx, hls::stream<RxParsed>& s_axis_parsed,
                 hls::stream<AxisBeat>& m_axis_rx, hls::stream<RxParsed>& m_axis_parsed) {
// The function lives in a namespace; this is the name set_top refers to.
#pragma HLS TOP name = checksum_rx
#pragma HLS INTERFACE axis port = s_axis_rx
#pragma HLS INTERFACE axis port = s_axis_parsed
#pragma HLS INTERFACE axis port = m_axis_rx
#pragma HLS INTERFACE axis port = m_axis_parsed
#pragma HLS INTERFACE ap_ctrl_none port = return
#pragma HLS PIPELINE II = 1
  static ChecksumRx engine;
  engine.step(s_axis_rx, s_axis_parsed, m_axis_rx, m_axis_parsed,
              !m_axis_rx.full() && !m_axis_parsed.full());
}

// ---------------------------------------------------------------------------
// checksum_tx

bool ChecksumTx::idle() const {
  return fifo_count_ == 0 && patch_count_ == 0 && !out_active_ && in_beats_ == 0 && !have_cmd_;
}

void ChecksumTx::push_patch(const Patch& patch) {
#pragma HLS INLINE
  patches_[(patch_head_.to_uint() + patch_count_.to_uint()) % kPatchDepth] = patch;
  patch_count_ = patch_count_ + 1;
}

// What to write into the frame just stored. All or nothing: when a requested
// checksum cannot be computed the frame goes out exactly as it came.
ChecksumTx::Patch ChecksumTx::decide(unsigned frame_length) const {
#pragma HLS INLINE
  Patch patch = {false, false, 0, 0, 0};
  const unsigned header_len = ihl_.to_uint() * 4;
  const unsigned total_len = total_length_.to_uint();
  // The IPv4 header and the datagram must lie within the frame (RFC 791).
  const bool ipv4_ok = frame_length >= kEthHeaderLen + kIpMinHeaderLen && is_ipv4_ &&
                       version_ == 4 && header_len >= kIpMinHeaderLen && total_len >= header_len &&
                       kEthHeaderLen + total_len <= frame_length;
  const unsigned segment_len = total_len - header_len;
  bool l4_ok = false;
  if (ipv4_ok && !fragment_) {
    if (protocol_ == kProtoTcp) {
      const unsigned tcp_header_len = (tcp_offset_byte_.to_uint() >> 4) * 4;
      l4_ok = segment_len >= kTcpMinHeaderLen && tcp_header_len >= kTcpMinHeaderLen &&
              tcp_header_len <= segment_len;
    } else if (protocol_ == kProtoUdp) {
      l4_ok = segment_len >= kUdpHeaderLen && udp_length_ == segment_len;
    }
  }
  const bool want_ip = (cmd_ & contract::tx_flag::fill_ipv4_checksum) != 0;
  const bool want_l4 = (cmd_ & contract::tx_flag::fill_l4_checksum) != 0;
  if ((want_ip && !ipv4_ok) || (want_l4 && !l4_ok)) return patch;

  patch.ip = want_ip;
  patch.ip_csum = ~csum_fold(ip_sum_).to_uint() & 0xffffu;
  patch.l4 = want_l4;
  unsigned l4_csum = ~csum_fold(add(l4_sum_, pseudo_sum_)).to_uint() & 0xffffu;
  // RFC 768: a computed zero goes out as all ones, since zero means "none".
  if (protocol_ == kProtoUdp && l4_csum == 0) l4_csum = 0xffff;
  patch.l4_csum = l4_csum;
  patch.l4_csum_at = l4_csum_at_;
  return patch;
}

void ChecksumTx::patch_stage(hls::stream<AxisBeat>& m_axis_tx, bool m_ready) {
#pragma HLS INLINE
  if (!m_ready) return;
  if (!out_active_) {
    if (patch_count_ == 0) return;
    out_patch_ = patches_[patch_head_.to_uint()];
    patch_head_ = patch_head_ + 1;
    patch_count_ = patch_count_ - 1;
    out_active_ = true;
    out_beat_ = 0;
  }
  if (fifo_count_ == 0) return;
  AxisBeat beat = fifo_[fifo_head_.to_uint()];
  fifo_head_ = fifo_head_ + 1;
  fifo_count_ = fifo_count_ - 1;

  if (out_beat_ == 0 && out_patch_.ip) {
    put_be16(beat.data, kIpChecksumAt, out_patch_.ip_csum.to_uint());
  }
  const unsigned l4_at = out_patch_.l4_csum_at.to_uint();
  if (out_patch_.l4 && l4_at / kLanes == out_beat_) {
    put_be16(beat.data, l4_at % kLanes, out_patch_.l4_csum.to_uint());
  }
  m_axis_tx.write(beat);
  if (beat.last == 1) {
    out_active_ = false;
  } else if (out_beat_ != 2) {
    out_beat_ = out_beat_ + 1;
  }
}

void ChecksumTx::sum_stage(hls::stream<AxisBeat>& s_axis_tx, hls::stream<TxCsumCmd>& s_axis_tx_cmd,
                           bool room) {
#pragma HLS INLINE
  if (!have_cmd_) {
    TxCsumCmd cmd;
    if (s_axis_tx_cmd.read_nb(cmd)) {
      cmd_ = cmd;
      have_cmd_ = true;
    }
  }
  if (!have_cmd_ || !room) return;
  AxisBeat beat;
  if (!s_axis_tx.read_nb(beat)) return;
  fifo_[(fifo_head_.to_uint() + fifo_count_.to_uint()) % kFifoBeats] = beat;
  fifo_count_ = fifo_count_ + 1;

  const unsigned offset = in_beats_.to_uint() * kLanes;
  if (in_beats_ == 0) {
    const unsigned version_ihl = beat_byte(beat.data, kEthHeaderLen);
    const unsigned header_len = (version_ihl & 0x0fu) * 4;
    const unsigned total_len = be16_at(beat.data, kEthHeaderLen + 2);
    const unsigned protocol = beat_byte(beat.data, kEthHeaderLen + 9);
    is_ipv4_ = be16_at(beat.data, 12) == kEtherTypeIpv4;
    version_ = version_ihl >> 4;
    ihl_ = version_ihl & 0x0fu;
    total_length_ = total_len;
    fragment_ = (be16_at(beat.data, kEthHeaderLen + 6) & 0x3fffu) != 0;
    protocol_ = protocol;
    pseudo_sum_ = pseudo_header_sum(beat.data, protocol, total_len - header_len);
    ip_sum_ = 0;
    l4_sum_ = 0;
    in_length_ = 0;
    tcp_offset_byte_ = 0;
    udp_length_ = 0;
    l4_csum_at_ =
        kEthHeaderLen + header_len + (protocol == kProtoTcp ? kTcpChecksumAt : kUdpChecksumAt);
  }
  const unsigned header_end = kEthHeaderLen + ihl_.to_uint() * 4;
  const unsigned segment_end = kEthHeaderLen + total_length_.to_uint();
  const unsigned l4_csum_at = l4_csum_at_.to_uint();

  // The fields being filled are left out of the sums, so the result is right
  // even if the host did not leave them zero.
  if (offset < kHeaderWindow) {
    ip_sum_ += beat_word_sum(
        beat.data, valid_lanes_except(offset, kEthHeaderLen, header_end, kIpChecksumAt, beat.keep));
    // The L4 fields the parse needs: TCP data offset, UDP length.
    const unsigned tcp_offset_at = header_end + 12;
    const unsigned udp_length_at = header_end + 4;
    if (tcp_offset_at >= offset && tcp_offset_at < offset + kLanes) {
      tcp_offset_byte_ = beat_byte(beat.data, static_cast<int>(tcp_offset_at - offset));
    }
    if (udp_length_at >= offset && udp_length_at < offset + kLanes) {
      udp_length_ = be16_at(beat.data, udp_length_at - offset);
    }
  }
  l4_sum_ += beat_word_sum(
      beat.data, valid_lanes_except(offset, header_end, segment_end, l4_csum_at, beat.keep));
  unsigned length = in_length_.to_uint() + keep_count(beat.keep);
  if (length > kLengthLimit) length = kLengthLimit;
  in_length_ = length;

  const bool fills_wanted =
      (cmd_ & (contract::tx_flag::fill_ipv4_checksum | contract::tx_flag::fill_l4_checksum)) != 0;
  if (beat.last == 1) {
    if (!patch_sent_) {
      const Patch patch = decide(length);
      if (fills_wanted && !patch.ip && !patch.l4) unparsed_frames_ = unparsed_frames_ + 1;
      push_patch(patch);
    }
    have_cmd_ = false;
    in_beats_ = 0;
    patch_sent_ = false;
    return;
  }
  if (in_beats_ != kMaxFrameBeats) in_beats_ = in_beats_ + 1;
  if (in_beats_ == kMaxFrameBeats && !patch_sent_) {
    // Too long to hold whole: let the patch stage start sending it as it is.
    const Patch pass = {false, false, 0, 0, 0};
    if (fills_wanted) unparsed_frames_ = unparsed_frames_ + 1;
    push_patch(pass);
    patch_sent_ = true;
  }
}

void ChecksumTx::step(hls::stream<AxisBeat>& s_axis_tx, hls::stream<TxCsumCmd>& s_axis_tx_cmd,
                      hls::stream<AxisBeat>& m_axis_tx, bool m_ready) {
#pragma HLS INLINE
#pragma HLS DEPENDENCE variable = fifo_ inter false
#pragma HLS ARRAY_PARTITION variable = patches_ complete
  // Both stages see the FIFOs as the previous cycle left them, as registered
  // full/empty flags would: a beat stored this cycle leaves in the next at the
  // earliest, and a slot freed this cycle is reused in the next, so the FIFO
  // is never read and written at one address in one cycle. A beat is only taken
  // when both FIFOs have room, since any beat may queue a patch (the last one,
  // or the one that makes a frame too long to hold).
  const bool room = fifo_count_ != kFifoBeats && patch_count_ != kPatchDepth;
  patch_stage(m_axis_tx, m_ready);
  sum_stage(s_axis_tx, s_axis_tx_cmd, room);
}

void checksum_tx(hls::stream<AxisBeat>& s_axis_tx, hls::stream<TxCsumCmd>& s_axis_tx_cmd,
                 hls::stream<AxisBeat>& m_axis_tx, ap_uint<32>& unparsed_frames) {
#pragma HLS TOP name = checksum_tx
#pragma HLS INTERFACE axis port = s_axis_tx
#pragma HLS INTERFACE axis port = s_axis_tx_cmd
#pragma HLS INTERFACE axis port = m_axis_tx
#pragma HLS INTERFACE ap_none port = unparsed_frames
#pragma HLS INTERFACE ap_ctrl_none port = return
#pragma HLS PIPELINE II = 1
  static ChecksumTx engine;
  engine.step(s_axis_tx, s_axis_tx_cmd, m_axis_tx, !m_axis_tx.full());
  unparsed_frames = engine.unparsed_frames();
}

}  // namespace hls_kernels
}  // namespace tandem
