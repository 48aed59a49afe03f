// SPDX-License-Identifier: Apache-2.0
// Ethernet II framing (IEEE 802.3 clause 3.2.6 type field; no 802.1Q tags yet).
#pragma once

#include <cstddef>
#include <cstdint>

#include "host/wire/address.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/result.hpp"

namespace tandem::wire {

enum class EtherType : std::uint16_t {
  ipv4 = 0x0800,
  arp = 0x0806,
  vlan = 0x8100,
  ipv6 = 0x86dd,
};

inline constexpr std::size_t kEthernetHeaderLen = 14;
inline constexpr std::size_t kEthernetMinFrameLen = 60;  // without FCS
inline constexpr std::size_t kEthernetMaxFrameLen = 1514;

// Checked view: new_checked() verifies the header fits; accessors cannot read
// past the span afterwards.
class EthernetFrame {
 public:
  static Parsed<EthernetFrame> new_checked(ByteSpan bytes);

  MacAddress dst() const;
  MacAddress src() const;
  std::uint16_t ethertype() const { return load_be16(bytes_, 12); }
  ByteSpan payload() const { return bytes_.subspan(kEthernetHeaderLen); }
  ByteSpan bytes() const { return bytes_; }

 private:
  explicit EthernetFrame(ByteSpan bytes) : bytes_(bytes) {}
  ByteSpan bytes_;
};

struct EthernetRepr {
  MacAddress dst;
  MacAddress src;
  std::uint16_t ethertype = 0;

  static EthernetRepr parse(const EthernetFrame& frame);
  static constexpr std::size_t header_len() { return kEthernetHeaderLen; }
  // Writes the 14-byte header at the front of `out` (out.size() >= header_len()).
  void emit(MutableByteSpan out) const;

  friend bool operator==(const EthernetRepr&, const EthernetRepr&) = default;
};

}  // namespace tandem::wire
