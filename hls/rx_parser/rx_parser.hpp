// SPDX-License-Identifier: Apache-2.0
// rx_parser: the first RX kernel. It passes the 512-bit frame beats through
// unchanged and, once a frame's last beat has gone by, emits one RxParsed for it:
// the contract's RxMeta (lengths, offsets, L3/L4 kinds, parse status, TCP flags)
// and the TCP 4-tuple. The verdict waits for the last beat because the frame
// length and every "length field versus frame" check need the whole frame.
//
// What it checks, in the order host/wire checks the same bytes, so that the
// first failing layer decides the status:
//   frame:  runt (< 14 bytes), oversize (> max_frame_length)
//   ARP:    bad_l3_header when the addresses it declares do not fit the frame
//   IPv4:   bad_l3_header (header < 20 bytes in the frame, version != 4, IHL < 5),
//           bad_l3_length (total length < IHL*4), bad_l3_header (header past the
//           frame), bad_l3_length (14 + total length past the frame), then
//           fragment (MF set or offset != 0: no L4 parsing)
//   TCP:    bad_l4_header when the segment is < 20 bytes, data offset < 5, or the
//           header runs past the segment
//   UDP:    bad_l4_header when the datagram is < 8 bytes or its length field
//           differs from the IPv4 payload length; a UDP length shorter than the
//           IPv4 payload is flagged too, because the bytes in between would belong
//           to no layer and the checksum engine could not tell which length to trust
//   ICMP:   bad_l4_header when the message is < 8 bytes
// Other EtherTypes (IPv6, VLAN tags) are l3 = other with parse ok, and IPv4
// protocols other than TCP/UDP/ICMP are l4 = other: not errors, only not parsed.
// ARP that host/wire calls unsupported (hardware type, operation) parses ok.
//
// On an error the failing layer keeps its kind and offset and everything after it
// is zero: payload offset and length, TCP flags, flow key. Only parse == ok makes
// the L4 fields valid. Ethernet padding past the IPv4 total length is allowed;
// payload_length always follows the IPv4 total length. RSS hash and queue are
// left 0 for the steering stage, conn_id a miss for conn_lookup.
//
// An IPv4 header with options ends as late as byte 74, so the TCP flags (L4 byte
// 13) can sit as far as byte 87: the parser keeps the first two beats of every
// frame as its header window.
#pragma once

#include "hls/common/hls_compat.hpp"
#include "hls/common/rx_types.hpp"

namespace tandem {
namespace hls_kernels {

// The largest frame accepted by default: a 9000-byte MTU, Ethernet header and one
// VLAN tag (no FCS).
constexpr unsigned kRxDefaultMaxFrameLength = 9018;

class RxParser {
 public:
  // Frames longer than max_frame_length (at most 65534) are flagged oversize.
  explicit RxParser(unsigned max_frame_length = kRxDefaultMaxFrameLength);

  // One clock cycle: takes at most one beat from s_axis_rx and forwards it to
  // m_axis_rx; on the frame's last beat also writes its RxParsed. m_ready is the
  // downstream tready of both outputs: when it is low nothing moves.
  void step(hls::stream<AxisBeat>& s_axis_rx, hls::stream<AxisBeat>& m_axis_rx,
            hls::stream<RxParsed>& m_axis_parsed, bool m_ready = true);

  // Between frames: no beat of a partly received frame is held.
  bool idle() const;

 private:
  ap_uint<16> max_frame_length_;
  // Bytes of the current frame so far; saturates at 0xffff (such a frame is
  // oversize whatever the limit).
  ap_uint<16> length_ = 0;
  // 0 and 1 for the header beats, 2 for every later one.
  ap_uint<2> beat_index_ = 0;
  ap_uint<kBeatBits> header0_ = 0;
  ap_uint<kBeatBits> header1_ = 0;
};

// Vitis HLS top level: a free-running kernel (one call = one cycle) around one
// RxParser with the default frame limit.
void rx_parser(hls::stream<AxisBeat>& s_axis_rx, hls::stream<AxisBeat>& m_axis_rx,
               hls::stream<RxParsed>& m_axis_parsed);

}  // namespace hls_kernels
}  // namespace tandem
