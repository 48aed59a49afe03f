// SPDX-License-Identifier: Apache-2.0
// Explicit big-endian access to wire bytes. Nothing in Tandem casts a struct onto
// packet memory: every multi-byte field goes through these loads and stores, after
// the caller has checked the span is long enough.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tandem::wire {

using ByteSpan = std::span<const std::byte>;
using MutableByteSpan = std::span<std::byte>;

inline std::uint8_t load_u8(ByteSpan b, std::size_t at) {
  assert(at < b.size());
  return static_cast<std::uint8_t>(b[at]);
}

inline std::uint16_t load_be16(ByteSpan b, std::size_t at) {
  assert(at + 2 <= b.size());
  return static_cast<std::uint16_t>((static_cast<unsigned>(b[at]) << 8) |
                                    static_cast<unsigned>(b[at + 1]));
}

inline std::uint32_t load_be32(ByteSpan b, std::size_t at) {
  assert(at + 4 <= b.size());
  return (std::uint32_t{load_be16(b, at)} << 16) | load_be16(b, at + 2);
}

inline void store_u8(MutableByteSpan b, std::size_t at, std::uint8_t v) {
  assert(at < b.size());
  b[at] = std::byte{v};
}

inline void store_be16(MutableByteSpan b, std::size_t at, std::uint16_t v) {
  assert(at + 2 <= b.size());
  b[at] = static_cast<std::byte>(v >> 8);
  b[at + 1] = static_cast<std::byte>(v & 0xff);
}

inline void store_be32(MutableByteSpan b, std::size_t at, std::uint32_t v) {
  store_be16(b, at, static_cast<std::uint16_t>(v >> 16));
  store_be16(b, at + 2, static_cast<std::uint16_t>(v & 0xffff));
}

}  // namespace tandem::wire
