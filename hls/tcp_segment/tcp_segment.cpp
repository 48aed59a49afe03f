// SPDX-License-Identifier: Apache-2.0
#include "hls/tcp_segment/tcp_segment.hpp"

namespace tandem {
namespace hls_kernels {
namespace {

const unsigned kEthernetHeaderLength = 14;
const unsigned kEtherTypeIpv4 = 0x0800;
const unsigned kIpProtocolTcp = 6;
const unsigned kIpMinHeaderLength = 20;
const unsigned kTcpMinHeaderLength = 20;
const unsigned kIpv4MaxTotalLength = 0xffff;

// Field offsets inside the IPv4 header (RFC 791 §3.1) and the TCP header
// (RFC 9293 §3.1) that a segment rewrites.
const unsigned kIpTotalLength = 2;
const unsigned kIpId = 4;
const unsigned kIpChecksum = 10;
const unsigned kIpSource = 12;  // source and destination: 8 bytes
const unsigned kTcpSeq = 4;
const unsigned kTcpOffsetFlags = 12;
const unsigned kTcpFlags = 13;
const unsigned kTcpChecksum = 16;

const unsigned kTcpFin = 0x01;
const unsigned kTcpPsh = 0x08;
const unsigned kTcpCwr = 0x80;  // RFC 3168 §6.1.2: set once, on the first segment only

// Room for one more word in an internal FIFO. Vitis sizes the FIFO from its
// STREAM pragma and answers full(); the native stream is unbounded, so the depth
// is enforced here to model the same back-pressure.
template <typename T>
bool has_room(hls::stream<T>& fifo, unsigned depth) {
#pragma HLS INLINE
#if TANDEM_HLS_VITIS
  (void)depth;
  return !fifo.full();
#else
  return fifo.size() < depth;
#endif
}

unsigned min_u(unsigned a, unsigned b) {
  return a < b ? a : b;
}

unsigned template_byte(const ap_uint<kBeatBits> (&beat)[kTsoHeaderBeats], unsigned pos) {
#pragma HLS INLINE
  return beat_byte(beat[pos / kBeatBytes], static_cast<int>(pos % kBeatBytes));
}

void put_byte(ap_uint<kBeatBits> (&beat)[kTsoHeaderBeats], unsigned pos, unsigned value) {
#pragma HLS INLINE
  const int lane = static_cast<int>(pos % kBeatBytes);
  beat[pos / kBeatBytes].range(8 * lane + 7, 8 * lane) = value & 0xffu;
}

void put_be16(ap_uint<kBeatBits> (&beat)[kTsoHeaderBeats], unsigned pos, unsigned value) {
#pragma HLS INLINE
  put_byte(beat, pos, value >> 8);
  put_byte(beat, pos + 1, value);
}

// Bits of the byte lanes [first, first + count) of a beat (first + count <= 64).
ap_uint<kBeatBits> lane_bits(unsigned first, unsigned count) {
#pragma HLS INLINE
  if (count == 0) return ap_uint<kBeatBits>(0);
  const ap_uint<kBeatBits> ones = ~ap_uint<kBeatBits>(0);
  return (ones >> (kBeatBits - 8 * count)) << (8 * first);
}

ap_uint<kBeatBytes> keep_lanes(unsigned count) {
#pragma HLS INLINE
  return count >= kBeatBytes ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1;
}

ap_uint<16> swap_bytes(const ap_uint<16>& v) {
#pragma HLS INLINE
  return ((v.to_uint() & 0xffu) << 8) | (v.to_uint() >> 8);
}

}  // namespace

TcpSegment::TcpSegment(std::uint32_t max_payload)
    : max_payload_(max_payload < contract::kTsoMaxPayload ? max_payload
                                                          : contract::kTsoMaxPayload) {}

void TcpSegment::step(hls::stream<TsoCmdWord>& s_axis_cmd, hls::stream<AxisBeat>& s_axis_header,
                      hls::stream<AxisBeat>& s_axis_payload, hls::stream<AxisBeat>& m_axis_tx,
                      hls::stream<TxStatusWord>& m_axis_status, bool m_axis_tx_ready,
                      bool m_axis_status_ready) {
#pragma HLS DATAFLOW
#pragma HLS STREAM variable = hdr2seg_ depth = 4
#pragma HLS STREAM variable = hdr2emit_ depth = 4
#pragma HLS STREAM variable = seg2emit_desc_ depth = 32
#pragma HLS STREAM variable = seg2emit_data_ depth = 2048
#pragma HLS BIND_STORAGE variable = seg2emit_data_ type = fifo impl = bram
  static_assert(kTsoJobFifoDepth == 4 && kTsoDescFifoDepth == 32 && kTsoPayloadFifoBeats == 2048,
                "the STREAM pragmas above spell the FIFO depths out");
  // Downstream first: what a stage writes in this cycle its consumer sees in the
  // next one, as through the FIFO's output register.
  emit_stage(m_axis_tx, m_axis_tx_ready && !m_axis_tx.full());
  segment_stage(s_axis_payload, m_axis_status, m_axis_status_ready && !m_axis_status.full());
  header_stage(s_axis_cmd, s_axis_header);
}

bool TcpSegment::idle() const {
  return h_state_ == HeaderState::cmd && s_state_ == SegmentState::job && !e_job_active_ &&
         !e_seg_active_ && hdr2seg_.empty() && hdr2emit_.empty() && seg2emit_desc_.empty() &&
         seg2emit_data_.empty();
}

// ---------------------------------------------------------------------------
// header: capture, validate, precompute

void TcpSegment::header_stage(hls::stream<TsoCmdWord>& s_axis_cmd,
                              hls::stream<AxisBeat>& s_axis_header) {
#pragma HLS PIPELINE II = 1
#pragma HLS ARRAY_PARTITION variable = h_beat_ complete
  switch (h_state_) {
    case HeaderState::cmd: {
      if (s_axis_cmd.empty()) break;
      const contract::TsoJob job = unpack_tso_job(s_axis_cmd.read());
      h_header_length_ = job.header_length;
      h_payload_length_ = job.payload_length;
      h_mss_ = job.mss;
      for (unsigned b = 0; b < kTsoHeaderBeats; ++b) {
#pragma HLS UNROLL
        h_beat_[b] = ap_uint<kBeatBits>(0);
      }
      h_beats_seen_ = 0;
      // A job without a template has no header beats to wait for.
      h_state_ = job.header_length == 0 ? HeaderState::parse : HeaderState::beats;
      break;
    }
    case HeaderState::beats: {
      if (s_axis_header.empty()) break;
      const AxisBeat beat = s_axis_header.read();
      const unsigned seen = h_beats_seen_.to_uint();
      // Beats past the third cannot belong to a valid template; they are read and
      // dropped so the stream stays in step, and the count refuses the job.
      if (seen < kTsoHeaderBeats) h_beat_[seen] = beat.data;
      if (seen != 0xffffu) h_beats_seen_ = seen + 1;
      if (beat.last != 0) h_state_ = HeaderState::parse;
      break;
    }
    case HeaderState::parse:
      parse_template();
      h_state_ = HeaderState::push;
      break;
    case HeaderState::push: {
      const bool accepted = h_job_.status == static_cast<unsigned>(contract::TxStatus::ok);
      if (!has_room(hdr2seg_, kTsoJobFifoDepth)) break;
      if (accepted && !has_room(hdr2emit_, kTsoJobFifoDepth)) break;
      hdr2seg_.write(h_job_);
      if (accepted) hdr2emit_.write(h_template_);
      h_state_ = HeaderState::cmd;
      break;
    }
  }
}

void TcpSegment::parse_template() {
#pragma HLS INLINE
  const unsigned header_length = h_header_length_.to_uint();
  const unsigned payload_length = h_payload_length_.to_uint();
  const unsigned mss = h_mss_.to_uint();

  // Lanes past the template are zeroed so that emit can OR the payload into the
  // template's last beat.
  for (unsigned b = 0; b < kTsoHeaderBeats; ++b) {
#pragma HLS UNROLL
    const unsigned start = b * kBeatBytes;
    const unsigned lanes = header_length > start ? min_u(header_length - start, kBeatBytes) : 0u;
    h_beat_[b] &= lane_bits(0, lanes);
  }

  const unsigned ethertype = (template_byte(h_beat_, 12) << 8) | template_byte(h_beat_, 13);
  const unsigned version = template_byte(h_beat_, kEthernetHeaderLength) >> 4;
  const unsigned ip_header_length = (template_byte(h_beat_, kEthernetHeaderLength) & 0x0fu) * 4;
  const unsigned protocol = template_byte(h_beat_, kEthernetHeaderLength + 9);
  const unsigned l4 = kEthernetHeaderLength + ip_header_length;  // <= 74
  const unsigned tcp_offset_byte = template_byte(h_beat_, l4 + kTcpOffsetFlags);
  const unsigned tcp_header_length = (tcp_offset_byte >> 4) * 4;
  const unsigned beats_expected = (header_length + kBeatBytes - 1) / kBeatBytes;

  // Parses as Ethernet II / IPv4 / TCP and is exactly as long as the job says;
  // that also bounds it by kTsoMaxHeader (14 + 60 + 60).
  const bool template_ok =
      header_length != 0 && h_beats_seen_ == beats_expected && ethertype == kEtherTypeIpv4 &&
      version == 4 && ip_header_length >= kIpMinHeaderLength && protocol == kIpProtocolTcp &&
      tcp_header_length >= kTcpMinHeaderLength && header_length == l4 + tcp_header_length;
  // The largest segment must still fit the 16-bit IPv4 total length.
  const unsigned largest_segment = min_u(mss, payload_length);
  const bool segment_fits =
      ip_header_length + tcp_header_length + largest_segment <= kIpv4MaxTotalLength;

  // The checks run in a fixed order, so the first failing one names the status;
  // two different failures both mean "bad MSS".
  contract::TxStatus status = contract::TxStatus::ok;
  if (mss == 0) {  // NOLINT(bugprone-branch-clone)
    status = contract::TxStatus::bad_mss;
  } else if (payload_length == 0 || payload_length > max_payload_) {
    status = contract::TxStatus::payload_too_large;
  } else if (!template_ok) {
    status = contract::TxStatus::bad_template;
  } else if (!segment_fits) {
    status = contract::TxStatus::bad_mss;
  }
  h_job_.status = static_cast<unsigned>(status);
  h_job_.payload_length = payload_length;
  h_job_.mss = mss;
  if (status != contract::TxStatus::ok) return;

  TsoTemplate& t = h_template_;
  for (unsigned b = 0; b < kTsoHeaderBeats; ++b) {
#pragma HLS UNROLL
    t.beat[b] = h_beat_[b];
  }
  t.header_length = header_length;
  t.l4_offset = l4;
  t.ip_tcp_length = ip_header_length + tcp_header_length;
  t.tcp_header_length = tcp_header_length;
  t.payload_length = payload_length;
  t.ip_id = (template_byte(h_beat_, kEthernetHeaderLength + kIpId) << 8) |
            template_byte(h_beat_, kEthernetHeaderLength + kIpId + 1);
  std::uint32_t seq = 0;
  for (unsigned i = 0; i < 4; ++i) {
#pragma HLS UNROLL
    seq = (seq << 8) | template_byte(h_beat_, l4 + kTcpSeq + i);
  }
  t.seq = seq;
  t.tcp_offset_byte = tcp_offset_byte;
  t.tcp_flags = template_byte(h_beat_, l4 + kTcpFlags);

  // The constant parts of both checksums, summed once per job (RFC 1071): every
  // header word except those a segment rewrites, and for TCP the pseudo header's
  // addresses and protocol (RFC 9293 §3.1); its length is added per segment.
  CsumAcc ip_sum = 0;
  CsumAcc tcp_sum = kIpProtocolTcp;
  for (unsigned b = 0; b < kTsoHeaderBeats; ++b) {
#pragma HLS UNROLL
    ap_uint<kBeatBytes> ip_mask = 0;
    ap_uint<kBeatBytes> tcp_mask = 0;
    for (unsigned lane = 0; lane < kBeatBytes; ++lane) {
#pragma HLS UNROLL
      const unsigned pos = b * kBeatBytes + lane;
      const bool in_ip = pos >= kEthernetHeaderLength && pos < l4;
      const unsigned ip_at = pos - kEthernetHeaderLength;
      const bool ip_rewritten = (ip_at >= kIpTotalLength && ip_at < kIpId + 2) ||
                                ip_at == kIpChecksum || ip_at == kIpChecksum + 1;
      const bool ip_address = ip_at >= kIpSource && ip_at < kIpSource + 8;
      const bool in_tcp = pos >= l4 && pos < header_length;
      const unsigned tcp_at = pos - l4;
      const bool tcp_rewritten = (tcp_at >= kTcpSeq && tcp_at < kTcpSeq + 4) ||
                                 tcp_at == kTcpOffsetFlags || tcp_at == kTcpFlags ||
                                 tcp_at == kTcpChecksum || tcp_at == kTcpChecksum + 1;
      ip_mask[static_cast<int>(lane)] = in_ip && !ip_rewritten;
      tcp_mask[static_cast<int>(lane)] = (in_tcp && !tcp_rewritten) || (in_ip && ip_address);
    }
    ip_sum += beat_word_sum(h_beat_[b], ip_mask);
    tcp_sum += beat_word_sum(h_beat_[b], tcp_mask);
  }
  t.ip_partial = csum_fold(ip_sum);
  t.tcp_partial = csum_fold(tcp_sum);
}

// ---------------------------------------------------------------------------
// segment: payload into the beat FIFO, one sum per segment

void TcpSegment::segment_stage(hls::stream<AxisBeat>& s_axis_payload,
                               hls::stream<TxStatusWord>& m_axis_status, bool status_ready) {
#pragma HLS PIPELINE II = 1
  switch (s_state_) {
    case SegmentState::job: {
      if (hdr2seg_.empty()) break;
      const TsoJobInfo job = hdr2seg_.read();
      s_status_ = static_cast<contract::TxStatus>(job.status.to_uint());
      if (s_status_ != contract::TxStatus::ok) {
        // A refused job's payload is still read, so the next job finds its own.
        s_state_ = job.payload_length == 0 ? SegmentState::status : SegmentState::discard;
        break;
      }
      s_length_ = job.payload_length;
      s_mss_ = min_u(job.mss.to_uint(), job.payload_length.to_uint());
      s_offset_ = 0;
      s_seg_start_ = 0;
      s_seg_end_ = s_mss_;
      s_seg_sum_ = 0;
      s_beat_valid_ = false;
      s_eof_ = false;
      s_state_ = SegmentState::payload;
      break;
    }
    case SegmentState::payload:
      segment_payload_beat(s_axis_payload);
      break;
    case SegmentState::discard:
    case SegmentState::drain:
      if (s_axis_payload.empty()) break;
      if (s_axis_payload.read().last != 0) s_state_ = SegmentState::status;
      break;
    case SegmentState::status:
      if (!status_ready) break;
      m_axis_status.write(static_cast<unsigned>(s_status_));
      s_state_ = SegmentState::job;
      break;
  }
}

void TcpSegment::segment_payload_beat(hls::stream<AxisBeat>& s_axis_payload) {
#pragma HLS INLINE
  // Any cycle may close a segment, so each needs a free descriptor slot.
  if (!has_room(seg2emit_desc_, kTsoDescFifoDepth)) return;
  const unsigned length = s_length_.to_uint();
  const unsigned offset = s_offset_.to_uint();
  const unsigned beat_start = offset & ~(kBeatBytes - 1);
  const unsigned beat_end = min_u(beat_start + kBeatBytes, length);

  if (!s_beat_valid_) {
    if (!has_room(seg2emit_data_, kTsoPayloadFifoBeats)) return;
    if (s_eof_) {
      // tlast came early: the job's remaining bytes are zeros that are not read
      // from the stream, which already belongs to the next job.
      s_beat_ = ap_uint<kBeatBits>(0);
    } else {
      if (s_axis_payload.empty()) return;
      const AxisBeat beat = s_axis_payload.read();
      s_beat_ = beat.data;
      if (beat.last != 0) {
        s_eof_ = true;
        if (beat_end != length) ++framing_errors_;
      }
    }
    seg2emit_data_.write(s_beat_);
    s_beat_valid_ = true;
  }

  const unsigned seg_start = s_seg_start_.to_uint();
  const unsigned seg_end = s_seg_end_.to_uint();
  const unsigned mid = min_u(seg_end, beat_end);
  const CsumAcc sum =
      static_cast<std::uint64_t>(s_seg_sum_) +
      static_cast<std::uint64_t>(beat_word_sum(s_beat_, region_mask(beat_start, offset, mid)));
  if (mid < seg_end) {
    // The segment goes on in the next beat.
    s_seg_sum_ = sum;
    s_offset_ = mid;
    s_beat_valid_ = false;
    return;
  }

  // The segment ends in this beat. The per-lane sums pair the bytes as the
  // stream does, even job offsets high; a segment that starts at an odd offset
  // pairs its own bytes the other way, and the one's-complement sum of the other
  // pairing is the byte-swapped sum (RFC 1071 §2(B)).
  TsoSegmentDesc desc;
  desc.length = seg_end - seg_start;
  const ap_uint<16> folded = csum_fold(sum);
  desc.payload_sum = (seg_start & 1u) != 0 ? swap_bytes(folded) : folded;
  seg2emit_desc_.write(desc);

  if (seg_end == length) {
    s_beat_valid_ = false;
    if (s_eof_) {
      s_state_ = SegmentState::status;
    } else {
      ++framing_errors_;  // no tlast on the job's last beat: drop up to it
      s_state_ = SegmentState::drain;
    }
    return;
  }
  const unsigned next_end = min_u(seg_end + s_mss_, length);
  s_seg_start_ = seg_end;
  s_seg_end_ = next_end;
  if (next_end > beat_end) {
    // The rest of the beat opens the next segment, which goes on past it.
    s_seg_sum_ = beat_word_sum(s_beat_, region_mask(beat_start, seg_end, beat_end));
    s_offset_ = beat_end;
    s_beat_valid_ = false;
  } else {
    // The next segment also ends in this beat (MSS < 64): it takes the next cycle
    // and closes there.
    s_seg_sum_ = 0;
    s_offset_ = seg_end;
  }
}

// ---------------------------------------------------------------------------
// emit: patched header, realigned payload

void TcpSegment::start_segment() {
#pragma HLS INLINE
  const TsoSegmentDesc desc = seg2emit_desc_.read();
  const TsoTemplate& t = e_template_;
  const unsigned seg_length = desc.length.to_uint();
  const unsigned cursor = e_cursor_.to_uint();
  const bool first = cursor == 0;
  const bool last = cursor + seg_length == t.payload_length;

  const unsigned total_length = t.ip_tcp_length + seg_length;
  const unsigned ip_id = (t.ip_id + e_index_) & 0xffffu;
  const std::uint32_t seq = static_cast<std::uint32_t>(t.seq + cursor);
  unsigned flags = t.tcp_flags.to_uint();
  if (!last) flags &= ~(kTcpFin | kTcpPsh);
  if (!first) flags &= ~kTcpCwr;
  const unsigned tcp_length = t.tcp_header_length + seg_length;

  // Both checksums are summed afresh from the template's constant part (RFC 791
  // §3.1 over the IPv4 header; RFC 9293 §3.1 over pseudo header, TCP header and
  // payload), which is as cheap here as an RFC 1624 update and needs no old value.
  const CsumAcc ip_sum = static_cast<std::uint64_t>(t.ip_partial) + total_length + ip_id;
  const ap_uint<16> ip_checksum = ~csum_fold(ip_sum);
  const CsumAcc tcp_sum = static_cast<std::uint64_t>(t.tcp_partial) + (seq >> 16) +
                          (seq & 0xffffu) + ((t.tcp_offset_byte.to_uint() << 8) | flags) +
                          tcp_length + static_cast<std::uint64_t>(desc.payload_sum);
  const ap_uint<16> tcp_checksum = ~csum_fold(tcp_sum);

  for (unsigned b = 0; b < kTsoHeaderBeats; ++b) {
#pragma HLS UNROLL
    e_header_[b] = t.beat[b];
  }
  const unsigned l3 = kEthernetHeaderLength;
  const unsigned l4 = t.l4_offset.to_uint();
  put_be16(e_header_, l3 + kIpTotalLength, total_length);
  put_be16(e_header_, l3 + kIpId, ip_id);
  put_be16(e_header_, l3 + kIpChecksum, ip_checksum.to_uint());
  put_be16(e_header_, l4 + kTcpSeq, seq >> 16);
  put_be16(e_header_, l4 + kTcpSeq + 2, seq & 0xffffu);
  put_byte(e_header_, l4 + kTcpFlags, flags);
  put_be16(e_header_, l4 + kTcpChecksum, tcp_checksum.to_uint());

  e_frame_length_ = t.header_length + seg_length;
  e_beats_ = (e_frame_length_ + kBeatBytes - 1) / kBeatBytes;
  e_beat_ = 0;
  e_seg_left_ = seg_length;
  e_seg_active_ = true;
}

void TcpSegment::emit_stage(hls::stream<AxisBeat>& m_axis_tx, bool tx_ready) {
#pragma HLS PIPELINE II = 1
#pragma HLS ARRAY_PARTITION variable = e_header_ complete
#pragma HLS ARRAY_PARTITION variable = e_window_ complete
  // A segment starts in the same cycle as its first beat goes out, so frames
  // follow each other without a gap.
  if (!e_seg_active_ && !seg2emit_desc_.empty() && (e_job_active_ || !hdr2emit_.empty())) {
    if (!e_job_active_) {
      e_template_ = hdr2emit_.read();
      e_job_active_ = true;
      e_cursor_ = 0;
      e_index_ = 0;
      e_beats_loaded_ = 0;
    }
    start_segment();
  }

  if (e_job_active_) {
    // Top up the window, one beat a cycle, never past this job's last beat: the
    // next one in the FIFO is the next job's.
    const unsigned job_beats = (e_template_.payload_length + kBeatBytes - 1) / kBeatBytes;
    if (e_beats_loaded_ < job_beats && !seg2emit_data_.empty() &&
        (!e_window_valid_[0] || !e_window_valid_[1])) {
      const int slot = e_window_valid_[0] ? 1 : 0;
      e_window_[slot] = seg2emit_data_.read();
      e_window_valid_[slot] = true;
      e_beats_loaded_ = e_beats_loaded_ + 1;
    }
  }

  if (!e_seg_active_ || !tx_ready) return;

  const unsigned header_length = e_template_.header_length.to_uint();
  const unsigned frame_start = e_beat_ * kBeatBytes;
  // Lane of this beat where payload starts (>= 64: a beat of header only), and
  // how many payload bytes it carries.
  const unsigned first_lane = header_length > frame_start ? header_length - frame_start : 0u;
  const unsigned take =
      first_lane < kBeatBytes ? min_u(kBeatBytes - first_lane, e_seg_left_.to_uint()) : 0u;
  const unsigned at = e_cursor_ % kBeatBytes;
  if (take != 0 && (!e_window_valid_[0] || (at + take > kBeatBytes && !e_window_valid_[1]))) {
    return;  // the payload is not in the window yet
  }

  ap_uint<kBeatBits> data =
      e_beat_ < kTsoHeaderBeats ? e_header_[e_beat_.to_uint()] : ap_uint<kBeatBits>(0);
  if (take != 0) {
    // The byte barrel shift from stream lanes to frame lanes.
    const ap_uint<2 * kBeatBits> pair =
        (ap_uint<2 * kBeatBits>(e_window_[1]) << kBeatBits) | ap_uint<2 * kBeatBits>(e_window_[0]);
    const ap_uint<kBeatBits> payload = ap_uint<kBeatBits>(pair >> (8 * at)) << (8 * first_lane);
    data |= payload & lane_bits(first_lane, take);
  }

  AxisBeat out;
  out.data = data;
  out.keep = keep_lanes(e_frame_length_ - frame_start);
  out.strb = out.keep;
  out.user = 0;
  out.id = 0;
  out.dest = 0;
  out.last = e_beat_ + 1 == e_beats_;
  m_axis_tx.write(out);

  e_cursor_ = e_cursor_ + take;
  e_seg_left_ = e_seg_left_ - take;
  if (take != 0 && at + take >= kBeatBytes) {
    e_window_[0] = e_window_[1];
    e_window_valid_[0] = e_window_valid_[1];
    e_window_valid_[1] = false;
  }
  if (e_beat_ + 1 != e_beats_) {
    e_beat_ = e_beat_ + 1;
    return;
  }
  e_seg_active_ = false;
  e_index_ = e_index_ + 1;
  if (e_cursor_ == e_template_.payload_length) {
    // The job's last beat may hold no byte for a later job: drop it.
    e_job_active_ = false;
    e_window_valid_[0] = false;
    e_window_valid_[1] = false;
  }
}

}  // namespace hls_kernels
}  // namespace tandem

void tcp_segment(hls::stream<tandem::hls_kernels::TsoCmdWord>& s_axis_cmd,
                 hls::stream<tandem::hls_kernels::AxisBeat>& s_axis_header,
                 hls::stream<tandem::hls_kernels::AxisBeat>& s_axis_payload,
                 hls::stream<tandem::hls_kernels::AxisBeat>& m_axis_tx,
                 hls::stream<tandem::hls_kernels::TxStatusWord>& m_axis_status) {
#pragma HLS INTERFACE axis port = s_axis_cmd
#pragma HLS INTERFACE axis port = s_axis_header
#pragma HLS INTERFACE axis port = s_axis_payload
#pragma HLS INTERFACE axis port = m_axis_tx
#pragma HLS INTERFACE axis port = m_axis_status
#pragma HLS INTERFACE ap_ctrl_none port = return
  static tandem::hls_kernels::TcpSegment kernel;
  kernel.step(s_axis_cmd, s_axis_header, s_axis_payload, m_axis_tx, m_axis_status);
}
