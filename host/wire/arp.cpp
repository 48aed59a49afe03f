// SPDX-License-Identifier: Apache-2.0
#include "host/wire/arp.hpp"

namespace tandem::wire {

namespace {

constexpr std::size_t kArpFixedLen = 8;  // htype, ptype, hlen, plen, op
constexpr std::uint16_t kHardwareEthernet = 1;
constexpr std::uint16_t kProtocolIpv4 = 0x0800;
constexpr std::uint8_t kEthernetAddrLen = 6;
constexpr std::uint8_t kIpv4AddrLen = 4;

// RFC 826 packet layout for Ethernet/IPv4, after the fixed header.
constexpr std::size_t kSenderMacAt = 8;
constexpr std::size_t kSenderIpAt = 14;
constexpr std::size_t kTargetMacAt = 18;
constexpr std::size_t kTargetIpAt = 24;

MacAddress load_mac(ByteSpan b, std::size_t at) {
  MacAddress mac;
  for (std::size_t i = 0; i < mac.octets.size(); ++i)
    mac.octets[i] = load_u8(b, at + i);
  return mac;
}

void store_mac(MutableByteSpan b, std::size_t at, const MacAddress& mac) {
  for (std::size_t i = 0; i < mac.octets.size(); ++i)
    store_u8(b, at + i, mac.octets[i]);
}

}  // namespace

Parsed<ArpPacket> ArpPacket::new_checked(ByteSpan bytes) {
  if (bytes.size() < kArpFixedLen) return ParseError::truncated;
  const std::size_t hlen = load_u8(bytes, 4);
  const std::size_t plen = load_u8(bytes, 5);
  // The sender and target addresses follow at the lengths the header declares.
  const std::size_t len = kArpFixedLen + 2 * (hlen + plen);
  if (bytes.size() < len) return ParseError::truncated;
  // Ethernet pads ARP to the minimum frame; the padding is not part of the packet.
  return ArpPacket(bytes.first(len));
}

Parsed<ArpRepr> ArpRepr::parse(const ArpPacket& packet) {
  if (packet.hardware_type() != kHardwareEthernet || packet.protocol_type() != kProtocolIpv4 ||
      packet.hardware_len() != kEthernetAddrLen || packet.protocol_len() != kIpv4AddrLen) {
    return ParseError::unsupported;
  }
  const std::uint16_t op = packet.operation();
  if (op != static_cast<std::uint16_t>(ArpOperation::request) &&
      op != static_cast<std::uint16_t>(ArpOperation::reply)) {
    return ParseError::unsupported;
  }
  // new_checked made sure the 6/4 addresses it just declared fit.
  const ByteSpan b = packet.bytes();
  ArpRepr repr;
  repr.operation = static_cast<ArpOperation>(op);
  repr.sender_mac = load_mac(b, kSenderMacAt);
  repr.sender_ip = {load_be32(b, kSenderIpAt)};
  repr.target_mac = load_mac(b, kTargetMacAt);
  repr.target_ip = {load_be32(b, kTargetIpAt)};
  return repr;
}

void ArpRepr::emit(MutableByteSpan out) const {
  assert(out.size() >= len());
  store_be16(out, 0, kHardwareEthernet);
  store_be16(out, 2, kProtocolIpv4);
  store_u8(out, 4, kEthernetAddrLen);
  store_u8(out, 5, kIpv4AddrLen);
  store_be16(out, 6, static_cast<std::uint16_t>(operation));
  store_mac(out, kSenderMacAt, sender_mac);
  store_be32(out, kSenderIpAt, sender_ip.value);
  store_mac(out, kTargetMacAt, target_mac);
  store_be32(out, kTargetIpAt, target_ip.value);
}

}  // namespace tandem::wire
