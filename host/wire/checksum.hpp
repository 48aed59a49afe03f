// SPDX-License-Identifier: Apache-2.0
// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
#pragma once

#include <cstdint>

#include "host/wire/bytes.hpp"

namespace tandem::wire {

// Who owns a checksum field. `software`: emit computes it and parse verifies it.
// `offloaded`: the NIC does (contract TX flags / RX checksum status), so emit
// writes zero into the field and parse trusts the NIC's verdict.
enum class ChecksumMode { software, offloaded };

// A running one's-complement sum of 16-bit big-endian words. Spans may be added
// piecewise at any byte alignment: an odd trailing byte is carried into the next
// add(), so summing a frame in pieces equals summing it whole.
class ChecksumAccumulator {
 public:
  void add(ByteSpan bytes);
  void add_u16(std::uint16_t word);
  void add_u32(std::uint32_t word) {
    add_u16(static_cast<std::uint16_t>(word >> 16));
    add_u16(static_cast<std::uint16_t>(word & 0xffff));
  }

  // The folded 16-bit one's-complement sum (pads a pending odd byte with zero).
  std::uint16_t sum() const;
  // The checksum field value: the complement of sum().
  std::uint16_t checksum() const { return static_cast<std::uint16_t>(~sum()); }

 private:
  std::uint64_t total_ = 0;
  bool odd_ = false;  // an odd byte is pending in the high half of the next word
};

// RFC 1071: the checksum of a whole buffer. Verifying a header or segment that
// contains its own checksum field yields 0 when it is correct.
std::uint16_t internet_checksum(ByteSpan bytes);

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), the new checksum after one 16-bit field
// changes from `old_word` to `new_word`. Unlike eqn. 2 it never produces 0xFFFF from
// a checksum that was not 0xFFFF before (the -0 pitfall the RFC describes).
std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_word,
                                std::uint16_t new_word);
std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value,
                                std::uint32_t new_value);

}  // namespace tandem::wire
