// SPDX-License-Identifier: Apache-2.0
// The TSO jobs tcp_segment is tested with, shared by its HLS test
// (hls/tcp_segment/tests) and the RTL equivalence test that runs the same
// vectors through rtl/tcp_segment (rtl/tcp_segment/tests): header templates of
// every shape (IPv4 options, TCP options up to a 60-byte header, flags,
// sequence numbers and IDs near wraparound), MSS values and payload lengths at
// the edges.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "contract/nic_contract.hpp"
#include "hls/tcp_segment/tcp_segment.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/ipv4.hpp"
#include "host/wire/tcp.hpp"

namespace tandem::hls_test::tso {

namespace ct = tandem::contract;
namespace hk = tandem::hls_kernels;
namespace tw = tandem::wire;

using Bytes = std::vector<std::byte>;

inline constexpr std::size_t kEth = tw::kEthernetHeaderLen;

struct TemplateShape {
  std::size_t ip_options = 0;  // bytes, a multiple of 4, at most 40
  tw::TcpOptions tcp_options;
  std::uint16_t ip_id = 0x1000;
  std::uint32_t seq = 1'000'000;
  std::uint8_t flags = tw::tcp_flag::ack | tw::tcp_flag::psh;
  std::uint8_t dscp_ecn = 0;
  std::uint8_t tcp_reserved = 0;  // the low nibble of TCP byte 12
};

inline tw::Ipv4Address template_src() {
  return tw::Ipv4Address::from_octets(10, 0, 0, 1);
}
inline tw::Ipv4Address template_dst() {
  return tw::Ipv4Address::from_octets(192, 168, 7, 42);
}

// Ethernet + IPv4 (with options, which Ipv4Repr does not emit, so written field
// by field) + TCP from TcpRepr. The fields the kernel must recompute (IPv4 total
// length and checksum, TCP checksum) hold junk, to show they are not trusted.
inline Bytes make_template(const TemplateShape& shape, std::mt19937_64& rng) {
  tw::TcpRepr tcp;
  tcp.src_port = static_cast<std::uint16_t>(rng());
  tcp.dst_port = 443;
  tcp.seq = tw::SeqNum(shape.seq);
  tcp.ack = tw::SeqNum(static_cast<std::uint32_t>(rng()));
  tcp.flags = shape.flags;
  tcp.window = static_cast<std::uint16_t>(rng());
  tcp.urgent_pointer = (shape.flags & tw::tcp_flag::urg) != 0 ? 7 : 0;
  tcp.options = shape.tcp_options;
  const std::size_t ip_len = tw::kIpv4MinHeaderLen + shape.ip_options;
  Bytes frame(kEth + ip_len + tcp.header_len());

  tw::EthernetRepr eth;
  eth.dst = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
  eth.src = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
  eth.ethertype = static_cast<std::uint16_t>(tw::EtherType::ipv4);
  eth.emit(frame);

  const tw::MutableByteSpan ip = tw::MutableByteSpan(frame).subspan(kEth, ip_len);
  tw::store_u8(ip, 0, static_cast<std::uint8_t>(0x40 | (ip_len / 4)));
  tw::store_u8(ip, 1, shape.dscp_ecn);
  tw::store_be16(ip, 2, static_cast<std::uint16_t>(rng()));  // total length: junk
  tw::store_be16(ip, 4, shape.ip_id);
  tw::store_be16(ip, 6, 0x4000);  // DF
  tw::store_u8(ip, 8, 64);
  tw::store_u8(ip, 9, static_cast<std::uint8_t>(tw::IpProtocol::tcp));
  tw::store_be16(ip, 10, static_cast<std::uint16_t>(rng()));  // checksum: junk
  tw::store_be32(ip, 12, template_src().value);
  tw::store_be32(ip, 16, template_dst().value);
  for (std::size_t i = tw::kIpv4MinHeaderLen; i < ip_len; ++i) {
    tw::store_u8(ip, i, static_cast<std::uint8_t>(rng()));  // options are copied, not read
  }

  const tw::MutableByteSpan l4 = tw::MutableByteSpan(frame).subspan(kEth + ip_len);
  tcp.emit(l4, template_src(), template_dst(), tw::ChecksumMode::offloaded);
  tw::store_u8(l4, 12,
               static_cast<std::uint8_t>(tw::load_u8(l4, 12) | (shape.tcp_reserved & 0x0f)));
  tw::store_be16(l4, 16, static_cast<std::uint16_t>(rng()));  // checksum: junk
  return frame;
}

inline tw::TcpOptions timestamps_only() {
  tw::TcpOptions o;
  o.timestamps = tw::TcpTimestamps{0x01020304, 0xa0b0c0d0};
  return o;
}

inline tw::TcpOptions random_tcp_options(std::mt19937_64& rng) {
  tw::TcpOptions o;
  switch (rng() % 6) {
    case 0:
      break;
    case 1:
      o = timestamps_only();
      break;
    case 2: {  // timestamps and up to three SACK blocks: a 60-byte header at most
      o = timestamps_only();
      o.sack_count = static_cast<std::uint8_t>(1 + rng() % 3);
      for (std::size_t i = 0; i < o.sack_count; ++i) {
        const auto left = static_cast<std::uint32_t>(rng());
        o.sack_blocks[i] = {tw::SeqNum(left), tw::SeqNum(left + 1000)};
      }
      break;
    }
    case 3: {  // four SACK blocks, no timestamps
      o.sack_count = 4;
      for (std::size_t i = 0; i < 4; ++i) {
        const auto left = static_cast<std::uint32_t>(rng());
        o.sack_blocks[i] = {tw::SeqNum(left), tw::SeqNum(left + 1448)};
      }
      break;
    }
    case 4:
      o.mss = 1460;
      o.window_scale = 7;
      o.sack_permitted = true;
      o.timestamps = tw::TcpTimestamps{static_cast<std::uint32_t>(rng()), 0};
      break;
    default:
      o.window_scale = 9;
      o.sack_permitted = true;
      break;
  }
  return o;
}

inline TemplateShape random_shape(std::mt19937_64& rng) {
  TemplateShape s;
  s.ip_options = 4 * (rng() % 11);
  s.tcp_options = random_tcp_options(rng);
  // Sequence numbers and IDs near their wraparound, half of the time.
  s.seq = rng() % 2 == 0 ? static_cast<std::uint32_t>(0xffffffffu - rng() % 200000)
                         : static_cast<std::uint32_t>(rng());
  s.ip_id = rng() % 2 == 0 ? static_cast<std::uint16_t>(0xffffu - rng() % 64)
                           : static_cast<std::uint16_t>(rng());
  const std::uint8_t extra[] = {0,
                                tw::tcp_flag::psh,
                                tw::tcp_flag::fin,
                                tw::tcp_flag::psh | tw::tcp_flag::fin,
                                tw::tcp_flag::cwr,
                                tw::tcp_flag::cwr | tw::tcp_flag::ece | tw::tcp_flag::psh,
                                tw::tcp_flag::cwr | tw::tcp_flag::fin | tw::tcp_flag::psh,
                                tw::tcp_flag::ece | tw::tcp_flag::urg | tw::tcp_flag::fin};
  s.flags = static_cast<std::uint8_t>(tw::tcp_flag::ack | extra[rng() % 8]);
  s.dscp_ecn = static_cast<std::uint8_t>(rng() % 2 == 0 ? 0 : 0x02);
  s.tcp_reserved = static_cast<std::uint8_t>(rng() % 4 == 0 ? 0x1 : 0);
  return s;
}

inline Bytes random_bytes(std::size_t n, std::mt19937_64& rng) {
  Bytes b(n);
  for (auto& x : b)
    x = static_cast<std::byte>(rng());
  return b;
}

struct Job {
  Bytes header;    // what s_axis_header carries
  Bytes payload;   // what s_axis_payload carries
  ct::TsoJob cmd;  // what s_axis_cmd says; normally the two lengths and the MSS
  ct::TxStatus expect = ct::TxStatus::ok;
  // Streams that disagree with the job word, when a test wants them (else the
  // beats of header and payload).
  std::optional<std::vector<hk::AxisBeat>> header_beats;
  std::optional<std::vector<hk::AxisBeat>> payload_beats;
};

inline Job good_job(Bytes header, Bytes payload, std::uint16_t mss) {
  Job j;
  j.cmd.header_length = static_cast<std::uint16_t>(header.size());
  j.cmd.payload_length = static_cast<std::uint32_t>(payload.size());
  j.cmd.mss = mss;
  j.header = std::move(header);
  j.payload = std::move(payload);
  return j;
}

inline std::size_t segment_count(const Job& j) {
  return j.expect != ct::TxStatus::ok ? 0 : (j.payload.size() + j.cmd.mss - 1) / j.cmd.mss;
}

inline Job standard_job(std::mt19937_64& rng, std::size_t payload, std::uint16_t mss) {
  TemplateShape shape;
  shape.tcp_options = timestamps_only();
  Bytes header = make_template(shape, rng);
  return good_job(std::move(header), random_bytes(payload, rng), mss);
}

inline std::uint16_t random_mss(std::mt19937_64& rng) {
  const std::uint16_t common[] = {1, 7, 536, 1448, 1460, 8960};
  return rng() % 7 < 6 ? common[rng() % 6] : static_cast<std::uint16_t>(1 + rng() % 9000);
}

// Lengths that probe the edges: below one MSS, exact multiples, one either side.
inline std::size_t random_length(std::mt19937_64& rng, std::uint16_t mss, std::size_t cap) {
  std::size_t len = 0;
  switch (rng() % 5) {
    case 0:
      len = 1 + rng() % mss;  // one segment
      break;
    case 1:
      len = mss * (1 + rng() % 40);  // exact multiple
      break;
    case 2:
      len = mss * (1 + rng() % 40) + (rng() % 2 == 0 ? 1 : mss - 1);
      break;
    case 3:
      len = ct::kTsoMaxPayload - rng() % 3;
      break;
    default:
      len = 1 + rng() % ct::kTsoMaxPayload;
      break;
  }
  return std::clamp<std::size_t>(len, 1, cap);
}

}  // namespace tandem::hls_test::tso
