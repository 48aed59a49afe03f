// SPDX-License-Identifier: Apache-2.0
#include "hls/rx_parser/rx_parser.hpp"

namespace tandem {
namespace hls_kernels {

namespace {

using contract::L3Kind;
using contract::L4Kind;
using contract::ParseStatus;

constexpr unsigned kLanes = kBeatBytes;
constexpr unsigned kEthHeaderLen = 14;
constexpr unsigned kEtherTypeIpv4 = 0x0800;
constexpr unsigned kEtherTypeArp = 0x0806;
constexpr unsigned kArpFixedLen = 8;  // htype, ptype, hlen, plen, operation
constexpr unsigned kIpMinHeaderLen = 20;
constexpr unsigned kProtoIcmp = 1;
constexpr unsigned kProtoTcp = 6;
constexpr unsigned kProtoUdp = 17;
constexpr unsigned kTcpMinHeaderLen = 20;
constexpr unsigned kUdpHeaderLen = 8;
constexpr unsigned kIcmpHeaderLen = 8;
constexpr unsigned kLengthLimit = 0xffff;

// Byte i (0..127) of the header window formed by the frame's first two beats.
unsigned window_byte(const ap_uint<kBeatBits>& beat0, const ap_uint<kBeatBits>& beat1, unsigned i) {
#pragma HLS INLINE
  return i < kLanes ? beat_byte(beat0, static_cast<int>(i))
                    : beat_byte(beat1, static_cast<int>(i - kLanes));
}

unsigned window_be16(const ap_uint<kBeatBits>& beat0, const ap_uint<kBeatBits>& beat1, unsigned i) {
#pragma HLS INLINE
  return (window_byte(beat0, beat1, i) << 8) | window_byte(beat0, beat1, i + 1);
}

std::uint32_t window_be32(const ap_uint<kBeatBits>& beat0, const ap_uint<kBeatBits>& beat1,
                          unsigned i) {
#pragma HLS INLINE
  return (static_cast<std::uint32_t>(window_be16(beat0, beat1, i)) << 16) |
         window_be16(beat0, beat1, i + 2);
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

// TCP (RFC 9293 §3.1): the segment must hold the fixed header and the data offset
// must cover it and fit the segment.
void parse_tcp(const ap_uint<kBeatBits>& beat0, const ap_uint<kBeatBits>& beat1, unsigned l4,
               unsigned segment_len, RxParsed& out) {
#pragma HLS INLINE
  out.meta.l4 = L4Kind::tcp;
  const unsigned header_len = (window_byte(beat0, beat1, l4 + 12) >> 4) * 4;
  if (segment_len < kTcpMinHeaderLen || header_len < kTcpMinHeaderLen || segment_len < header_len) {
    out.meta.parse = ParseStatus::bad_l4_header;
    return;
  }
  out.meta.payload_offset = static_cast<std::uint16_t>(l4 + header_len);
  out.meta.payload_length = static_cast<std::uint16_t>(segment_len - header_len);
  out.meta.tcp_flags = static_cast<std::uint8_t>(window_byte(beat0, beat1, l4 + 13));
  // Named from the host's side: the sender of a received segment is the remote end.
  out.key.remote_ip = window_be32(beat0, beat1, kEthHeaderLen + 12);
  out.key.local_ip = window_be32(beat0, beat1, kEthHeaderLen + 16);
  out.key.remote_port = static_cast<std::uint16_t>(window_be16(beat0, beat1, l4));
  out.key.local_port = static_cast<std::uint16_t>(window_be16(beat0, beat1, l4 + 2));
}

// UDP (RFC 768): the length field must equal the IPv4 payload length exactly. A
// shorter UDP length would leave bytes that belong to no layer, so it is refused
// like a longer one rather than guessed at.
void parse_udp(const ap_uint<kBeatBits>& beat0, const ap_uint<kBeatBits>& beat1, unsigned l4,
               unsigned segment_len, RxParsed& out) {
#pragma HLS INLINE
  out.meta.l4 = L4Kind::udp;
  const unsigned udp_len = window_be16(beat0, beat1, l4 + 4);
  if (segment_len < kUdpHeaderLen || udp_len != segment_len) {
    out.meta.parse = ParseStatus::bad_l4_header;
    return;
  }
  out.meta.payload_offset = static_cast<std::uint16_t>(l4 + kUdpHeaderLen);
  out.meta.payload_length = static_cast<std::uint16_t>(segment_len - kUdpHeaderLen);
}

// ICMP (RFC 792) has no length of its own: the message is the IPv4 payload.
void parse_icmp(unsigned l4, unsigned segment_len, RxParsed& out) {
#pragma HLS INLINE
  out.meta.l4 = L4Kind::icmp;
  if (segment_len < kIcmpHeaderLen) {
    out.meta.parse = ParseStatus::bad_l4_header;
    return;
  }
  out.meta.payload_offset = static_cast<std::uint16_t>(l4 + kIcmpHeaderLen);
  out.meta.payload_length = static_cast<std::uint16_t>(segment_len - kIcmpHeaderLen);
}

// IPv4 (RFC 791), then the L4 header it carries.
void parse_ipv4(const ap_uint<kBeatBits>& beat0, const ap_uint<kBeatBits>& beat1, unsigned l3_len,
                RxParsed& out) {
#pragma HLS INLINE
  out.meta.l3 = L3Kind::ipv4;
  const unsigned version_ihl = window_byte(beat0, beat1, kEthHeaderLen);
  const unsigned header_len = (version_ihl & 0x0fu) * 4;
  const unsigned total_len = window_be16(beat0, beat1, kEthHeaderLen + 2);
  if (l3_len < kIpMinHeaderLen || (version_ihl >> 4) != 4 || header_len < kIpMinHeaderLen) {
    out.meta.parse = ParseStatus::bad_l3_header;
    return;
  }
  if (total_len < header_len) {
    out.meta.parse = ParseStatus::bad_l3_length;
    return;
  }
  if (l3_len < header_len) {
    out.meta.parse = ParseStatus::bad_l3_header;
    return;
  }
  if (l3_len < total_len) {
    out.meta.parse = ParseStatus::bad_l3_length;
    return;
  }
  // MF or a non-zero offset: only the reassembled datagram has an L4 header to
  // trust, and the NIC does not reassemble.
  if ((window_be16(beat0, beat1, kEthHeaderLen + 6) & 0x3fffu) != 0) {
    out.meta.parse = ParseStatus::fragment;
    return;
  }
  const unsigned l4 = kEthHeaderLen + header_len;
  const unsigned segment_len = total_len - header_len;
  out.meta.l4_offset = static_cast<std::uint8_t>(l4);
  const unsigned protocol = window_byte(beat0, beat1, kEthHeaderLen + 9);
  if (protocol == kProtoTcp) {
    parse_tcp(beat0, beat1, l4, segment_len, out);
  } else if (protocol == kProtoUdp) {
    parse_udp(beat0, beat1, l4, segment_len, out);
  } else if (protocol == kProtoIcmp) {
    parse_icmp(l4, segment_len, out);
  } else {
    out.meta.l4 = L4Kind::other;
  }
}

// The verdict on a whole frame from its header window and length.
RxParsed parse_headers(const ap_uint<kBeatBits>& beat0, const ap_uint<kBeatBits>& beat1,
                       unsigned frame_length, unsigned max_frame_length) {
#pragma HLS INLINE
  RxParsed out;
  out.meta.frame_length = static_cast<std::uint16_t>(frame_length);
  if (frame_length < kEthHeaderLen) {
    out.meta.parse = ParseStatus::runt;
    return out;
  }
  if (frame_length > max_frame_length) {
    out.meta.parse = ParseStatus::oversize;
    return out;
  }
  out.meta.l3_offset = kEthHeaderLen;
  const unsigned l3_len = frame_length - kEthHeaderLen;
  const unsigned ethertype = window_be16(beat0, beat1, 12);
  if (ethertype == kEtherTypeIpv4) {
    parse_ipv4(beat0, beat1, l3_len, out);
  } else if (ethertype == kEtherTypeArp) {
    out.meta.l3 = L3Kind::arp;
    // RFC 826: the sender and target addresses follow the fixed part at the
    // lengths it declares.
    const unsigned declared = kArpFixedLen + 2 * (window_byte(beat0, beat1, kEthHeaderLen + 4) +
                                                  window_byte(beat0, beat1, kEthHeaderLen + 5));
    if (l3_len < kArpFixedLen || l3_len < declared) out.meta.parse = ParseStatus::bad_l3_header;
  } else {
    out.meta.l3 = L3Kind::other;
  }
  return out;
}

}  // namespace

RxParser::RxParser(unsigned max_frame_length)
    : max_frame_length_(max_frame_length < kLengthLimit ? max_frame_length : kLengthLimit - 1) {}

bool RxParser::idle() const {
  return length_ == 0 && beat_index_ == 0;
}

void RxParser::step(hls::stream<AxisBeat>& s_axis_rx, hls::stream<AxisBeat>& m_axis_rx,
                    hls::stream<RxParsed>& m_axis_parsed, bool m_ready) {
#pragma HLS INLINE
  if (!m_ready) return;
  AxisBeat beat;
  if (!s_axis_rx.read_nb(beat)) return;

  if (beat_index_ == 0) {
    header0_ = beat.data;
    header1_ = 0;
  } else if (beat_index_ == 1) {
    header1_ = beat.data;
  }
  unsigned length = length_.to_uint() + keep_count(beat.keep);
  if (length > kLengthLimit) length = kLengthLimit;

  m_axis_rx.write(beat);
  if (beat.last == 1) {
    m_axis_parsed.write(parse_headers(header0_, header1_, length, max_frame_length_.to_uint()));
    length_ = 0;
    beat_index_ = 0;
  } else {
    length_ = length;
    if (beat_index_ != 2) beat_index_ = beat_index_ + 1;
  }
}

void rx_parser(hls::stream<AxisBeat>& s_axis_rx, hls::stream<AxisBeat>& m_axis_rx,
               hls::stream<RxParsed>& m_axis_parsed) {
// The function lives in a namespace; this is the name set_top refers to.
#pragma HLS TOP name = rx_parser
#pragma HLS INTERFACE axis port = s_axis_rx
#pragma HLS INTERFACE axis port = m_axis_rx
#pragma HLS INTERFACE axis port = m_axis_parsed
#pragma HLS INTERFACE ap_ctrl_none port = return
#pragma HLS PIPELINE II = 1
  static RxParser parser;
  parser.step(s_axis_rx, m_axis_rx, m_axis_parsed, !m_axis_rx.full() && !m_axis_parsed.full());
}

}  // namespace hls_kernels
}  // namespace tandem
