// SPDX-License-Identifier: Apache-2.0
// TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293 §3.4). Two
// numbers compare by the sign of their difference, which is meaningful while they
// are less than 2^31 apart; nobody in Tandem compares raw uint32_t sequence values.
#pragma once

#include <cstdint>
#include <ostream>

namespace tandem::wire {

class SeqNum {
 public:
  constexpr SeqNum() = default;
  constexpr explicit SeqNum(std::uint32_t raw) : raw_(raw) {}

  constexpr std::uint32_t raw() const { return raw_; }

  constexpr SeqNum operator+(std::uint32_t n) const { return SeqNum(raw_ + n); }
  constexpr SeqNum operator-(std::uint32_t n) const { return SeqNum(raw_ - n); }
  constexpr SeqNum& operator+=(std::uint32_t n) {
    raw_ += n;
    return *this;
  }

  // Signed distance from `other` to this: positive when this is after other.
  constexpr std::int32_t operator-(SeqNum other) const {
    return static_cast<std::int32_t>(raw_ - other.raw_);
  }

  friend constexpr bool operator==(SeqNum, SeqNum) = default;
  friend constexpr bool operator<(SeqNum a, SeqNum b) { return (a - b) < 0; }
  friend constexpr bool operator>(SeqNum a, SeqNum b) { return (a - b) > 0; }
  friend constexpr bool operator<=(SeqNum a, SeqNum b) { return (a - b) <= 0; }
  friend constexpr bool operator>=(SeqNum a, SeqNum b) { return (a - b) >= 0; }

  // lo <= this < hi, the window test of RFC 9293 §3.10.7.4.
  constexpr bool in_window(SeqNum lo, std::uint32_t size) const {
    return static_cast<std::uint32_t>(raw_ - lo.raw_) < size;
  }

  friend std::ostream& operator<<(std::ostream& os, SeqNum s) { return os << s.raw_; }

 private:
  std::uint32_t raw_ = 0;
};

constexpr SeqNum max(SeqNum a, SeqNum b) {
  return a < b ? b : a;
}
constexpr SeqNum min(SeqNum a, SeqNum b) {
  return a < b ? a : b;
}

}  // namespace tandem::wire
