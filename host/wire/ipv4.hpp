// SPDX-License-Identifier: Apache-2.0
// IPv4 (RFC 791). Options are skipped by the header length, never interpreted.
#pragma once

#include <cstddef>
#include <cstdint>

#include "host/wire/address.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/checksum.hpp"
#include "host/wire/result.hpp"

namespace tandem::wire {

enum class IpProtocol : std::uint8_t { icmp = 1, tcp = 6, udp = 17 };

inline constexpr std::size_t kIpv4MinHeaderLen = 20;

class Ipv4Packet {
 public:
  // truncated: fewer than 20 bytes, or fewer than IHL*4 or total length says;
  // malformed: version != 4, IHL < 5, or total length < IHL*4.
  // Bytes past the total length (Ethernet padding) are outside the view.
  static Parsed<Ipv4Packet> new_checked(ByteSpan bytes);

  std::uint8_t version() const { return load_u8(bytes_, 0) >> 4; }
  std::size_t header_len() const {
    return static_cast<std::size_t>(load_u8(bytes_, 0) & 0x0fu) * 4;
  }
  std::uint8_t dscp_ecn() const { return load_u8(bytes_, 1); }
  std::uint16_t total_len() const { return load_be16(bytes_, 2); }
  std::uint16_t ident() const { return load_be16(bytes_, 4); }
  bool dont_fragment() const { return (load_be16(bytes_, 6) & 0x4000) != 0; }
  bool more_fragments() const { return (load_be16(bytes_, 6) & 0x2000) != 0; }
  std::uint16_t fragment_offset() const { return load_be16(bytes_, 6) & 0x1fff; }  // 8-byte units
  bool is_fragment() const { return more_fragments() || fragment_offset() != 0; }
  std::uint8_t ttl() const { return load_u8(bytes_, 8); }
  std::uint8_t protocol() const { return load_u8(bytes_, 9); }
  std::uint16_t checksum() const { return load_be16(bytes_, 10); }
  Ipv4Address src() const { return {load_be32(bytes_, 12)}; }
  Ipv4Address dst() const { return {load_be32(bytes_, 16)}; }
  ByteSpan options() const {
    return bytes_.subspan(kIpv4MinHeaderLen, header_len() - kIpv4MinHeaderLen);
  }
  ByteSpan payload() const { return bytes_.subspan(header_len()); }
  // The header checksum sums to zero over the header (RFC 1071).
  bool verify_checksum() const;
  // The whole packet, header through total length.
  ByteSpan bytes() const { return bytes_; }

 private:
  explicit Ipv4Packet(ByteSpan bytes) : bytes_(bytes) {}
  ByteSpan bytes_;
};

struct Ipv4Repr {
  Ipv4Address src;
  Ipv4Address dst;
  std::uint8_t protocol = 0;
  std::uint16_t payload_len = 0;
  std::uint8_t ttl = 64;
  std::uint16_t ident = 0;
  bool dont_fragment = true;
  std::uint8_t dscp_ecn = 0;

  // unsupported for fragments (Tandem sends none and does not reassemble);
  // bad_checksum when mode is software and the header checksum fails.
  static Parsed<Ipv4Repr> parse(const Ipv4Packet& packet, ChecksumMode mode);
  // Tandem emits no options, so its header is always 20 bytes.
  static constexpr std::size_t header_len() { return kIpv4MinHeaderLen; }
  std::size_t total_len() const { return header_len() + payload_len; }
  // Writes the header at the front of `out` (out.size() >= header_len()).
  void emit(MutableByteSpan out, ChecksumMode mode) const;

  friend bool operator==(const Ipv4Repr&, const Ipv4Repr&) = default;
};

// Adds the IPv4 pseudo header that TCP and UDP checksums cover (RFC 9293 §3.1,
// RFC 768): source, destination, zero, protocol, upper-layer length.
void add_ipv4_pseudo_header(ChecksumAccumulator& acc, Ipv4Address src, Ipv4Address dst,
                            std::uint8_t protocol, std::uint16_t l4_len);

}  // namespace tandem::wire
