// SPDX-License-Identifier: Apache-2.0
// ARP for IPv4 over Ethernet (RFC 826). Other hardware or protocol types are
// well-formed ARP that Tandem does not speak: they parse as `unsupported`.
#pragma once

#include <cstddef>
#include <cstdint>

#include "host/wire/address.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/result.hpp"

namespace tandem::wire {

enum class ArpOperation : std::uint16_t { request = 1, reply = 2 };

inline constexpr std::size_t kArpPacketLen = 28;

class ArpPacket {
 public:
  // Checks the fixed 8-byte header, then that the addresses it declares fit.
  static Parsed<ArpPacket> new_checked(ByteSpan bytes);

  std::uint16_t hardware_type() const { return load_be16(bytes_, 0); }
  std::uint16_t protocol_type() const { return load_be16(bytes_, 2); }
  std::uint8_t hardware_len() const { return load_u8(bytes_, 4); }
  std::uint8_t protocol_len() const { return load_u8(bytes_, 5); }
  std::uint16_t operation() const { return load_be16(bytes_, 6); }
  ByteSpan bytes() const { return bytes_; }

 private:
  explicit ArpPacket(ByteSpan bytes) : bytes_(bytes) {}
  ByteSpan bytes_;
};

struct ArpRepr {
  ArpOperation operation = ArpOperation::request;
  MacAddress sender_mac;
  Ipv4Address sender_ip;
  MacAddress target_mac;
  Ipv4Address target_ip;

  // unsupported unless Ethernet (1) / IPv4 (0x0800) / 6 / 4 and request or reply.
  static Parsed<ArpRepr> parse(const ArpPacket& packet);
  static constexpr std::size_t len() { return kArpPacketLen; }
  void emit(MutableByteSpan out) const;  // out.size() >= len()

  friend bool operator==(const ArpRepr&, const ArpRepr&) = default;
};

}  // namespace tandem::wire
