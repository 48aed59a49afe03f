// SPDX-License-Identifier: Apache-2.0
#include "host/wire/udp.hpp"

#include "host/wire/ipv4.hpp"

namespace tandem::wire {

namespace {
constexpr std::size_t kChecksumAt = 6;
constexpr std::uint8_t kProtocolUdp = static_cast<std::uint8_t>(IpProtocol::udp);
}  // namespace

Parsed<UdpPacket> UdpPacket::new_checked(ByteSpan bytes) {
  if (bytes.size() < kUdpHeaderLen) return ParseError::truncated;
  const std::size_t length = load_be16(bytes, 4);
  if (length < kUdpHeaderLen) return ParseError::malformed;
  if (bytes.size() < length) return ParseError::truncated;
  return UdpPacket(bytes.first(length));
}

bool UdpPacket::verify_checksum(Ipv4Address src, Ipv4Address dst) const {
  // RFC 768: an all-zero checksum field means the sender computed none.
  if (checksum() == 0) return true;
  ChecksumAccumulator acc;
  add_ipv4_pseudo_header(acc, src, dst, kProtocolUdp, length());
  acc.add(bytes_);
  return acc.checksum() == 0;
}

Parsed<UdpRepr> UdpRepr::parse(const UdpPacket& packet, Ipv4Address src, Ipv4Address dst,
                               ChecksumMode mode) {
  if (mode == ChecksumMode::software && !packet.verify_checksum(src, dst)) {
    return ParseError::bad_checksum;
  }
  return UdpRepr{packet.src_port(), packet.dst_port(), packet.payload().size()};
}

void UdpRepr::emit(MutableByteSpan datagram, Ipv4Address src, Ipv4Address dst,
                   ChecksumMode mode) const {
  assert(datagram.size() == header_len() + payload_len);
  assert(datagram.size() <= 0xffff);
  const auto length = static_cast<std::uint16_t>(datagram.size());
  store_be16(datagram, 0, src_port);
  store_be16(datagram, 2, dst_port);
  store_be16(datagram, 4, length);
  store_be16(datagram, kChecksumAt, 0);
  if (mode == ChecksumMode::software) {
    ChecksumAccumulator acc;
    add_ipv4_pseudo_header(acc, src, dst, kProtocolUdp, length);
    acc.add(datagram);
    const std::uint16_t checksum = acc.checksum();
    // RFC 768: zero on the wire means "no checksum", so a computed zero is sent as
    // its one's-complement twin, all ones.
    store_be16(datagram, kChecksumAt, checksum == 0 ? 0xffff : checksum);
  }
}

}  // namespace tandem::wire
