// SPDX-License-Identifier: Apache-2.0
#include "host/wire/icmp.hpp"

namespace tandem::wire {

namespace {
constexpr std::size_t kChecksumAt = 2;
}  // namespace

Parsed<IcmpPacket> IcmpPacket::new_checked(ByteSpan bytes) {
  // ICMP has no length field of its own: the message runs to the end of the IP
  // payload it is given.
  if (bytes.size() < kIcmpHeaderLen) return ParseError::truncated;
  return IcmpPacket(bytes);
}

bool IcmpPacket::verify_checksum() const {
  return internet_checksum(bytes_) == 0;
}

Parsed<IcmpRepr> IcmpRepr::parse(const IcmpPacket& packet, ChecksumMode mode) {
  if (mode == ChecksumMode::software && !packet.verify_checksum()) {
    return ParseError::bad_checksum;
  }
  return IcmpRepr{packet.type(), packet.code(), packet.rest_of_header(), packet.payload().size()};
}

void IcmpRepr::emit(MutableByteSpan message, ChecksumMode mode) const {
  assert(message.size() == header_len() + payload_len);
  store_u8(message, 0, type);
  store_u8(message, 1, code);
  store_be16(message, kChecksumAt, 0);
  store_be32(message, 4, rest_of_header);
  // RFC 792: the checksum covers the whole message, header and data.
  if (mode == ChecksumMode::software) {
    store_be16(message, kChecksumAt, internet_checksum(message));
  }
}

}  // namespace tandem::wire
