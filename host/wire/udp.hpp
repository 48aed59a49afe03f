// SPDX-License-Identifier: Apache-2.0
// UDP (RFC 768) over IPv4.
#pragma once

#include <cstddef>
#include <cstdint>

#include "host/wire/address.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/checksum.hpp"
#include "host/wire/result.hpp"

namespace tandem::wire {

inline constexpr std::size_t kUdpHeaderLen = 8;

class UdpPacket {
 public:
  // truncated: fewer than 8 bytes or than the length field says;
  // malformed: length field < 8. Bytes past the length field are outside the view.
  static Parsed<UdpPacket> new_checked(ByteSpan bytes);

  std::uint16_t src_port() const { return load_be16(bytes_, 0); }
  std::uint16_t dst_port() const { return load_be16(bytes_, 2); }
  std::uint16_t length() const { return load_be16(bytes_, 4); }
  std::uint16_t checksum() const { return load_be16(bytes_, 6); }
  ByteSpan payload() const { return bytes_.subspan(kUdpHeaderLen); }
  // A zero checksum means the sender computed none (RFC 768) and verifies.
  bool verify_checksum(Ipv4Address src, Ipv4Address dst) const;
  ByteSpan bytes() const { return bytes_; }

 private:
  explicit UdpPacket(ByteSpan bytes) : bytes_(bytes) {}
  ByteSpan bytes_;
};

struct UdpRepr {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::size_t payload_len = 0;

  static Parsed<UdpRepr> parse(const UdpPacket& packet, Ipv4Address src, Ipv4Address dst,
                               ChecksumMode mode);
  static constexpr std::size_t header_len() { return kUdpHeaderLen; }
  // `datagram` is header + payload with the payload in place; a computed checksum
  // of 0 is sent as 0xFFFF (RFC 768).
  void emit(MutableByteSpan datagram, Ipv4Address src, Ipv4Address dst, ChecksumMode mode) const;

  friend bool operator==(const UdpRepr&, const UdpRepr&) = default;
};

}  // namespace tandem::wire
