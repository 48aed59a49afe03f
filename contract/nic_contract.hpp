// SPDX-License-Identifier: Apache-2.0
// The NIC/host contract: everything that crosses the boundary between the NIC
// (hls/, rtl/) and the host runtime (host/). The HLS kernels, the RTL harness and
// every backend include this one header, and nothing else crosses.
//
// It is deliberately plain: fixed-width integers and enums, no allocation, no
// standard-library containers, and C++14 (Vitis HLS's dialect) apart from the
// host-only comparisons behind TANDEM_CONTRACT_EQUALITY, so that Vitis HLS can
// synthesize the kernels that include it. docs/contract.md explains it with a diagram; the bit
// layouts used on AXI4-Stream sidebands are defined at the end of this file.
#pragma once

#include <cstdint>

// Defaulted comparisons are C++20; the kernels' HLS dialect does without them.
#if __cplusplus >= 202002L
#define TANDEM_CONTRACT_EQUALITY(T) friend constexpr bool operator==(const T&, const T&) = default;
#else
#define TANDEM_CONTRACT_EQUALITY(T)
#endif

namespace tandem {
namespace contract {

constexpr std::uint32_t kContractVersion = 1;

// ---------------------------------------------------------------------------
// Flow keys
//
// Keys are named from the host's point of view, so the same key describes a
// connection in both directions: on RX, remote is the IPv4 source. Addresses are
// in host byte order. IPv6 will add a FlowKey6 (16+16+2+2 = 36 bytes) and an
// AddressFamily tag on the commands; nothing here assumes the key is 12 bytes
// except FlowKey4 itself.

enum class AddressFamily : std::uint8_t { ipv4 = 4 };

struct FlowKey4 {
  std::uint32_t remote_ip = 0;
  std::uint32_t local_ip = 0;
  std::uint16_t remote_port = 0;
  std::uint16_t local_port = 0;

  TANDEM_CONTRACT_EQUALITY(FlowKey4)
};

using ConnectionId = std::uint32_t;
// The lookup result for frames that match no flow: SYNs to listeners, strays,
// everything that is not TCP.
constexpr ConnectionId kLookupMiss = 0xffffffffu;

// ---------------------------------------------------------------------------
// TX descriptors (host -> NIC)

// What the NIC fills in on a plain frame. The host leaves a field it asks the NIC
// to fill as zero; the NIC computes the IPv4 header checksum over the header, and
// the TCP/UDP checksum over pseudo header + segment, at the offsets of a frame it
// parses itself (Ethernet, IPv4 with options, TCP or UDP).
namespace tx_flag {
constexpr std::uint8_t fill_ipv4_checksum = 0x01;
constexpr std::uint8_t fill_l4_checksum = 0x02;
}  // namespace tx_flag

enum class TxKind : std::uint8_t {
  frame = 0,  // a complete Ethernet frame
  tso = 1,    // a header template + payload to be segmented
};

// A plain frame: `length` bytes of a complete Ethernet frame (no FCS).
struct TxFrame {
  std::uint16_t length = 0;
  std::uint8_t flags = 0;  // tx_flag bits
};

// A TSO job. The header template is Ethernet + IPv4 + TCP with options, exactly
// as the first segment's header would be except for lengths and checksums. The
// NIC emits ceil(payload_length / mss) frames; for segment k (0-based):
//   IPv4 total length = ip header + tcp header + this segment's payload,
//   IPv4 ID           = template ID + k (mod 2^16),
//   TCP seq           = template seq + k * mss (mod 2^32),
//   FIN and PSH       only on the last segment (as set in the template),
//   CWR               only on the first segment (as set in the template),
//   both checksums    filled.
// The MSS is the peer's, per job: never a constant of the NIC.
struct TsoJob {
  std::uint16_t header_length = 0;   // Ethernet + IPv4 + TCP, options included
  std::uint32_t payload_length = 0;  // 1 .. kTsoMaxPayload
  std::uint16_t mss = 0;             // payload bytes per segment, > 0
};

constexpr std::uint32_t kTsoMaxPayload = 64 * 1024;
constexpr std::uint16_t kTsoMaxHeader = 14 + 60 + 60;

// Why the NIC refused a TX descriptor. A refused descriptor sends nothing.
enum class TxStatus : std::uint8_t {
  ok = 0,
  bad_length = 1,         // frame shorter than Ethernet or longer than the MTU allows
  bad_mss = 2,            // TSO MSS of 0
  payload_too_large = 3,  // TSO payload over the device's maximum (or 0)
  bad_template = 4,       // TSO header template does not parse as Ethernet/IPv4/TCP
  ring_full = 5,          // no descriptor slot: the caller keeps the work and retries
};

// ---------------------------------------------------------------------------
// RX completions (NIC -> host)

enum class ChecksumStatus : std::uint8_t {
  not_checked = 0,  // the NIC did not look (no offload, or not a protocol it knows)
  good = 1,
  bad = 2,
};

enum class L3Kind : std::uint8_t { none = 0, ipv4 = 1, arp = 2, other = 3 };
enum class L4Kind : std::uint8_t { none = 0, tcp = 1, udp = 2, icmp = 3, other = 4 };

// Why a frame's headers could not be trusted. A frame with a parse error is still
// delivered (so the host can count it), but its offsets past the error are zero
// and its lookup result is a miss.
enum class ParseStatus : std::uint8_t {
  ok = 0,
  runt = 1,           // shorter than an Ethernet header
  oversize = 2,       // longer than the maximum frame the NIC accepts
  bad_l3_header = 3,  // IPv4 version != 4, IHL < 5, header past the frame
  bad_l3_length = 4,  // IPv4 total length < header or past the frame
  bad_l4_header = 5,  // TCP data offset < 5 or past the datagram; UDP length wrong
  fragment = 6,       // an IPv4 fragment: no L4 header to look at
};

struct RxMeta {
  std::uint16_t frame_length = 0;
  std::uint8_t l3_offset = 0;        // 14 for untagged Ethernet
  std::uint8_t l4_offset = 0;        // l3_offset + IPv4 IHL*4, 0 when no L4
  std::uint16_t payload_offset = 0;  // first byte of L4 payload, 0 when none
  std::uint16_t payload_length = 0;  // per the IPv4 total length, not the frame
  L3Kind l3 = L3Kind::none;
  L4Kind l4 = L4Kind::none;
  ParseStatus parse = ParseStatus::ok;
  ChecksumStatus l3_checksum = ChecksumStatus::not_checked;
  ChecksumStatus l4_checksum = ChecksumStatus::not_checked;
  std::uint8_t tcp_flags = 0;          // byte 13 of the TCP header, 0 otherwise
  ConnectionId conn_id = kLookupMiss;  // the flow table's answer
  std::uint16_t queue = 0;             // the host queue the frame was steered to
  std::uint32_t rss_hash = 0;          // Toeplitz hash of the 4-tuple, 0 if none

  TANDEM_CONTRACT_EQUALITY(RxMeta)
};

// ---------------------------------------------------------------------------
// Flow-table commands (host -> NIC) and their completions (NIC -> host)
//
// The host inserts a flow when the connection enters SYN-RECEIVED or ESTABLISHED
// and removes it when the TCB is freed. Every command is answered, in order, with
// the tag it carried.

enum class FlowOp : std::uint8_t { insert = 0, remove = 1 };

enum class FlowStatus : std::uint8_t {
  ok = 0,
  exists = 1,     // insert of a key already present (the table is unchanged)
  full = 2,       // insert with no free slot left, stash included
  not_found = 3,  // remove of a key not present
  rejected = 4,   // a command the NIC cannot carry out: unknown op or address family, or an
                  // insert of kLookupMiss as the id (nothing changed)
};

struct FlowCommand {
  FlowOp op = FlowOp::insert;
  AddressFamily family = AddressFamily::ipv4;
  FlowKey4 key;
  ConnectionId conn_id = 0;  // insert only
  std::uint32_t tag = 0;     // echoed in the completion

  TANDEM_CONTRACT_EQUALITY(FlowCommand)
};

struct FlowCompletion {
  std::uint32_t tag = 0;
  FlowStatus status = FlowStatus::ok;

  TANDEM_CONTRACT_EQUALITY(FlowCompletion)
};

// ---------------------------------------------------------------------------
// Capabilities: what a backend offloads. The host does in software whatever is
// missing here.

struct Capabilities {
  bool tx_ipv4_checksum = false;
  bool tx_l4_checksum = false;
  bool rx_checksum = false;           // RxMeta checksum statuses are meaningful
  std::uint32_t tso_max_payload = 0;  // 0: no TSO
  std::uint32_t lookup_capacity = 0;  // 0: no flow table; RxMeta::conn_id is always a miss
  std::uint16_t queues = 1;           // RX/TX queue pairs, one per host core
  std::uint16_t mtu = 1500;           // largest IPv4 packet the wire carries

  TANDEM_CONTRACT_EQUALITY(Capabilities)
};

// ---------------------------------------------------------------------------
// Sideband bit layouts
//
// On AXI4-Stream the RX metadata travels in a side stream, one word per frame,
// and TX descriptors likewise. These offsets are the single definition of those
// words; the RTL's packages and the HLS kernels' ap_uint<> fields are written from
// them, and tests check both against pack_rx_meta()/unpack_rx_meta().

struct BitField {
  unsigned offset;
  unsigned width;
};

namespace rx_meta_bits {
constexpr BitField frame_length{0, 16};
constexpr BitField l3_offset{16, 8};
constexpr BitField l4_offset{24, 8};
constexpr BitField payload_offset{32, 16};
constexpr BitField payload_length{48, 16};
constexpr BitField l3{64, 2};
constexpr BitField l4{66, 3};
constexpr BitField parse{69, 3};
constexpr BitField l3_checksum{72, 2};
constexpr BitField l4_checksum{74, 2};
constexpr BitField tcp_flags{76, 8};
constexpr BitField queue{84, 12};
constexpr BitField conn_id{96, 32};
constexpr BitField rss_hash{128, 32};
constexpr unsigned kWidth = 160;
}  // namespace rx_meta_bits

// A 160-bit word as five 32-bit lanes, lane 0 holding bits 0..31.
struct RxMetaWord {
  std::uint32_t lane[5] = {};
  TANDEM_CONTRACT_EQUALITY(RxMetaWord)
};

namespace detail {
constexpr void put_bits(RxMetaWord& w, BitField f, std::uint32_t v) {
  for (unsigned i = 0; i < f.width; ++i) {
    const unsigned bit = f.offset + i;
    const std::uint32_t mask = std::uint32_t{1} << (bit % 32);
    if ((v >> i) & 1u) {
      w.lane[bit / 32] |= mask;
    } else {
      w.lane[bit / 32] &= ~mask;
    }
  }
}
constexpr std::uint32_t get_bits(const RxMetaWord& w, BitField f) {
  std::uint32_t v = 0;
  for (unsigned i = 0; i < f.width; ++i) {
    const unsigned bit = f.offset + i;
    v |= ((w.lane[bit / 32] >> (bit % 32)) & 1u) << i;
  }
  return v;
}
}  // namespace detail

constexpr RxMetaWord pack_rx_meta(const RxMeta& m) {
  RxMetaWord w;
  detail::put_bits(w, rx_meta_bits::frame_length, m.frame_length);
  detail::put_bits(w, rx_meta_bits::l3_offset, m.l3_offset);
  detail::put_bits(w, rx_meta_bits::l4_offset, m.l4_offset);
  detail::put_bits(w, rx_meta_bits::payload_offset, m.payload_offset);
  detail::put_bits(w, rx_meta_bits::payload_length, m.payload_length);
  detail::put_bits(w, rx_meta_bits::l3, static_cast<std::uint32_t>(m.l3));
  detail::put_bits(w, rx_meta_bits::l4, static_cast<std::uint32_t>(m.l4));
  detail::put_bits(w, rx_meta_bits::parse, static_cast<std::uint32_t>(m.parse));
  detail::put_bits(w, rx_meta_bits::l3_checksum, static_cast<std::uint32_t>(m.l3_checksum));
  detail::put_bits(w, rx_meta_bits::l4_checksum, static_cast<std::uint32_t>(m.l4_checksum));
  detail::put_bits(w, rx_meta_bits::tcp_flags, m.tcp_flags);
  detail::put_bits(w, rx_meta_bits::queue, m.queue);
  detail::put_bits(w, rx_meta_bits::conn_id, m.conn_id);
  detail::put_bits(w, rx_meta_bits::rss_hash, m.rss_hash);
  return w;
}

constexpr RxMeta unpack_rx_meta(const RxMetaWord& w) {
  RxMeta m;
  m.frame_length = static_cast<std::uint16_t>(detail::get_bits(w, rx_meta_bits::frame_length));
  m.l3_offset = static_cast<std::uint8_t>(detail::get_bits(w, rx_meta_bits::l3_offset));
  m.l4_offset = static_cast<std::uint8_t>(detail::get_bits(w, rx_meta_bits::l4_offset));
  m.payload_offset = static_cast<std::uint16_t>(detail::get_bits(w, rx_meta_bits::payload_offset));
  m.payload_length = static_cast<std::uint16_t>(detail::get_bits(w, rx_meta_bits::payload_length));
  m.l3 = static_cast<L3Kind>(detail::get_bits(w, rx_meta_bits::l3));
  m.l4 = static_cast<L4Kind>(detail::get_bits(w, rx_meta_bits::l4));
  m.parse = static_cast<ParseStatus>(detail::get_bits(w, rx_meta_bits::parse));
  m.l3_checksum = static_cast<ChecksumStatus>(detail::get_bits(w, rx_meta_bits::l3_checksum));
  m.l4_checksum = static_cast<ChecksumStatus>(detail::get_bits(w, rx_meta_bits::l4_checksum));
  m.tcp_flags = static_cast<std::uint8_t>(detail::get_bits(w, rx_meta_bits::tcp_flags));
  m.queue = static_cast<std::uint16_t>(detail::get_bits(w, rx_meta_bits::queue));
  m.conn_id = detail::get_bits(w, rx_meta_bits::conn_id);
  m.rss_hash = detail::get_bits(w, rx_meta_bits::rss_hash);
  return m;
}

}  // namespace contract
}  // namespace tandem
