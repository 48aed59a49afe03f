// SPDX-License-Identifier: Apache-2.0
#include "host/wire/address.hpp"

#include <cstddef>

namespace tandem::wire {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  // Exactly "hh:hh:hh:hh:hh:hh": fixed width, so the length alone rules out
  // missing or extra groups and single-digit groups.
  constexpr std::size_t kTextLen = 6 * 3 - 1;
  if (text.size() != kTextLen) return std::nullopt;
  MacAddress mac;
  for (std::size_t i = 0; i < mac.octets.size(); ++i) {
    const std::size_t at = i * 3;
    if (i > 0 && text[at - 1] != ':') return std::nullopt;
    const int hi = hex_value(text[at]);
    const int lo = hex_value(text[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    mac.octets[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return mac;
}

std::string MacAddress::to_string() const {
  std::string out;
  out.reserve(17);
  for (std::size_t i = 0; i < octets.size(); ++i) {
    if (i > 0) out.push_back(':');
    out.push_back(kHexDigits[octets[i] >> 4]);
    out.push_back(kHexDigits[octets[i] & 0x0f]);
  }
  return out;
}

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  // Strict dotted quad, as inet_pton(AF_INET) takes it: four decimal parts of one
  // to three digits, each at most 255, and no leading zeros, so that "010" cannot
  // be read as octal by one tool and decimal by another.
  std::uint32_t value = 0;
  std::size_t at = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (at >= text.size() || text[at] != '.') return std::nullopt;
      ++at;
    }
    const std::size_t start = at;
    unsigned octet = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9' && at - start < 3) {
      octet = octet * 10 + static_cast<unsigned>(text[at] - '0');
      ++at;
    }
    const std::size_t digits = at - start;
    if (digits == 0 || octet > 255) return std::nullopt;
    if (digits > 1 && text[start] == '0') return std::nullopt;
    value = (value << 8) | octet;
  }
  // Anything after the fourth part (a fourth digit, a prefix length, a space) is junk.
  if (at != text.size()) return std::nullopt;
  return Ipv4Address{value};
}

std::string Ipv4Address::to_string() const {
  std::string out;
  out.reserve(15);
  for (int shift = 24; shift >= 0; shift -= 8) {
    if (shift != 24) out.push_back('.');
    out += std::to_string((value >> shift) & 0xff);
  }
  return out;
}

}  // namespace tandem::wire
