// SPDX-License-Identifier: Apache-2.0
// Link and network addresses. They are types of their own (not bare integers) so
// that IPv6 can join later without reshaping the code that passes them around.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::wire {

struct MacAddress {
  std::array<std::uint8_t, 6> octets{};

  static constexpr MacAddress broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
  constexpr bool is_broadcast() const { return *this == broadcast(); }
  constexpr bool is_multicast() const { return (octets[0] & 0x01) != 0; }
  constexpr bool is_zero() const { return *this == MacAddress{}; }

  // "02:00:00:00:00:01"; nullopt for anything else.
  static std::optional<MacAddress> parse(std::string_view text);
  std::string to_string() const;

  friend constexpr auto operator<=>(const MacAddress&, const MacAddress&) = default;
};

// An IPv4 address, held in host byte order so that prefixes and comparisons are
// plain integer operations; the wire form is written with store_be32.
struct Ipv4Address {
  std::uint32_t value = 0;

  static constexpr Ipv4Address from_octets(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                           std::uint8_t d) {
    return {(std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8) | d};
  }
  constexpr bool is_unspecified() const { return value == 0; }
  constexpr bool is_broadcast() const { return value == 0xffffffffu; }
  constexpr bool is_multicast() const { return (value >> 28) == 0xe; }
  constexpr bool is_loopback() const { return (value >> 24) == 127; }

  // Dotted quad "10.0.0.1"; nullopt for anything else.
  static std::optional<Ipv4Address> parse(std::string_view text);
  std::string to_string() const;

  friend constexpr auto operator<=>(const Ipv4Address&, const Ipv4Address&) = default;
};

}  // namespace tandem::wire
