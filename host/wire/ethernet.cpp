// SPDX-License-Identifier: Apache-2.0
#include "host/wire/ethernet.hpp"

namespace tandem::wire {

namespace {

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

Parsed<EthernetFrame> EthernetFrame::new_checked(ByteSpan bytes) {
  if (bytes.size() < kEthernetHeaderLen) return ParseError::truncated;
  return EthernetFrame(bytes);
}

MacAddress EthernetFrame::dst() const {
  return load_mac(bytes_, 0);
}
MacAddress EthernetFrame::src() const {
  return load_mac(bytes_, 6);
}

EthernetRepr EthernetRepr::parse(const EthernetFrame& frame) {
  return {frame.dst(), frame.src(), frame.ethertype()};
}

void EthernetRepr::emit(MutableByteSpan out) const {
  assert(out.size() >= header_len());
  store_mac(out, 0, dst);
  store_mac(out, 6, src);
  store_be16(out, 12, ethertype);
}

}  // namespace tandem::wire
