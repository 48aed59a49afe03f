// SPDX-License-Identifier: Apache-2.0
#include "host/wire/ipv4.hpp"

namespace tandem::wire {

namespace {
constexpr std::uint16_t kFlagDontFragment = 0x4000;
constexpr std::size_t kChecksumAt = 10;
}  // namespace

Parsed<Ipv4Packet> Ipv4Packet::new_checked(ByteSpan bytes) {
  if (bytes.size() < kIpv4MinHeaderLen) return ParseError::truncated;
  const std::uint8_t version_ihl = load_u8(bytes, 0);
  const std::size_t header_len = static_cast<std::size_t>(version_ihl & 0x0fu) * 4;
  if ((version_ihl >> 4) != 4 || header_len < kIpv4MinHeaderLen) return ParseError::malformed;
  const std::size_t total_len = load_be16(bytes, 2);
  if (total_len < header_len) return ParseError::malformed;
  // total_len >= header_len by now, so this also covers a header cut short.
  if (bytes.size() < total_len) return ParseError::truncated;
  // The link may pad a short datagram (Ethernet's 60-byte minimum); the total
  // length field is what bounds the datagram (RFC 791 §3.1).
  return Ipv4Packet(bytes.first(total_len));
}

bool Ipv4Packet::verify_checksum() const {
  return internet_checksum(bytes_.first(header_len())) == 0;
}

Parsed<Ipv4Repr> Ipv4Repr::parse(const Ipv4Packet& packet, ChecksumMode mode) {
  // The checksum comes first: if it fails, no other field can be trusted, not even
  // the fragment bits.
  if (mode == ChecksumMode::software && !packet.verify_checksum()) {
    return ParseError::bad_checksum;
  }
  if (packet.is_fragment()) return ParseError::unsupported;
  Ipv4Repr repr;
  repr.src = packet.src();
  repr.dst = packet.dst();
  repr.protocol = packet.protocol();
  repr.payload_len = static_cast<std::uint16_t>(packet.total_len() - packet.header_len());
  repr.ttl = packet.ttl();
  repr.ident = packet.ident();
  repr.dont_fragment = packet.dont_fragment();
  repr.dscp_ecn = packet.dscp_ecn();
  return repr;
}

void Ipv4Repr::emit(MutableByteSpan out, ChecksumMode mode) const {
  assert(out.size() >= header_len());
  assert(total_len() <= 0xffff);
  store_u8(out, 0, 0x45);  // version 4, IHL 5: Tandem sends no options
  store_u8(out, 1, dscp_ecn);
  store_be16(out, 2, static_cast<std::uint16_t>(total_len()));
  store_be16(out, 4, ident);
  store_be16(out, 6, dont_fragment ? kFlagDontFragment : 0);
  store_u8(out, 8, ttl);
  store_u8(out, 9, protocol);
  store_be16(out, kChecksumAt, 0);
  store_be32(out, 12, src.value);
  store_be32(out, 16, dst.value);
  if (mode == ChecksumMode::software) {
    store_be16(out, kChecksumAt, internet_checksum(out.first(header_len())));
  }
}

void add_ipv4_pseudo_header(ChecksumAccumulator& acc, Ipv4Address src, Ipv4Address dst,
                            std::uint8_t protocol, std::uint16_t l4_len) {
  acc.add_u32(src.value);
  acc.add_u32(dst.value);
  acc.add_u16(protocol);  // a zero byte, then the protocol
  acc.add_u16(l4_len);
}

}  // namespace tandem::wire
