// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the wire tests: packets written as hex text, byte dumps that
// make a failed byte-exact comparison readable, and printers so Boost.Test can show
// the values it compares.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "host/wire/address.hpp"
#include "host/wire/arp.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/icmp.hpp"
#include "host/wire/ipv4.hpp"
#include "host/wire/result.hpp"
#include "host/wire/tcp.hpp"
#include "host/wire/udp.hpp"

namespace tandem::wire::test {

// "45 00 00 73 ..." -> bytes. Spaces are for the reader and ignored.
inline std::vector<std::byte> from_hex(std::string_view text) {
  auto nibble = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("from_hex: not a hex digit");
  };
  std::vector<std::byte> out;
  int pending = -1;
  for (char c : text) {
    if (c == ' ' || c == '\n') continue;
    const int v = nibble(c);
    if (pending < 0) {
      pending = v;
    } else {
      out.push_back(static_cast<std::byte>(pending * 16 + v));
      pending = -1;
    }
  }
  if (pending >= 0) throw std::invalid_argument("from_hex: odd number of digits");
  return out;
}

inline std::string to_hex(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) out.push_back(' ');
    const auto b = static_cast<unsigned>(bytes[i]);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

inline std::vector<std::byte> concat(ByteSpan a, ByteSpan b) {
  std::vector<std::byte> out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

inline std::vector<std::byte> random_bytes(std::mt19937& rng, std::size_t n) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<std::byte> out(n);
  for (auto& b : out)
    b = static_cast<std::byte>(byte(rng));
  return out;
}

template <typename T>
T random_uint(std::mt19937& rng) {
  return static_cast<T>(std::uniform_int_distribution<std::uint32_t>()(rng));
}

inline bool coin(std::mt19937& rng) {
  return std::bernoulli_distribution(0.5)(rng);
}

inline constexpr Ipv4Address kHostA = Ipv4Address::from_octets(10, 0, 0, 1);
inline constexpr Ipv4Address kHostB = Ipv4Address::from_octets(10, 0, 0, 2);

// The error of a parse that must fail; fails the test case if it succeeded.
template <typename T>
ParseError error_of(const Parsed<T>& parsed) {
  BOOST_TEST_REQUIRE(!parsed.ok(), "expected the parse to fail");
  return parsed.error();
}

}  // namespace tandem::wire::test

// Boost.Test finds these by argument-dependent lookup; the name is Boost's, so they
// cannot collide with printers the library may grow.
namespace tandem::wire {

inline std::ostream& boost_test_print_type(std::ostream& os, ParseError e) {
  return os << to_string(e);
}
inline std::ostream& boost_test_print_type(std::ostream& os, const MacAddress& m) {
  return os << m.to_string();
}
inline std::ostream& boost_test_print_type(std::ostream& os, const Ipv4Address& a) {
  return os << a.to_string();
}
inline std::ostream& boost_test_print_type(std::ostream& os, const EthernetRepr& r) {
  return os << "{dst " << r.dst.to_string() << " src " << r.src.to_string() << " type "
            << r.ethertype << "}";
}
inline std::ostream& boost_test_print_type(std::ostream& os, const ArpRepr& r) {
  return os << "{op " << static_cast<unsigned>(r.operation) << " " << r.sender_mac.to_string()
            << " " << r.sender_ip.to_string() << " -> " << r.target_mac.to_string() << " "
            << r.target_ip.to_string() << "}";
}
inline std::ostream& boost_test_print_type(std::ostream& os, const Ipv4Repr& r) {
  return os << "{" << r.src.to_string() << " -> " << r.dst.to_string() << " proto "
            << unsigned{r.protocol} << " len " << r.payload_len << " ttl " << unsigned{r.ttl}
            << " id " << r.ident << " df " << r.dont_fragment << " tos " << unsigned{r.dscp_ecn}
            << "}";
}
inline std::ostream& boost_test_print_type(std::ostream& os, const IcmpRepr& r) {
  return os << "{type " << unsigned{r.type} << " code " << unsigned{r.code} << " rest "
            << r.rest_of_header << " len " << r.payload_len << "}";
}
inline std::ostream& boost_test_print_type(std::ostream& os, const UdpRepr& r) {
  return os << "{" << r.src_port << " -> " << r.dst_port << " len " << r.payload_len << "}";
}
inline std::ostream& boost_test_print_type(std::ostream& os, const TcpOptions& o) {
  os << "{";
  if (o.mss) os << "mss " << *o.mss << " ";
  if (o.window_scale) os << "ws " << unsigned{*o.window_scale} << " ";
  if (o.sack_permitted) os << "sackok ";
  if (o.timestamps) os << "ts " << o.timestamps->value << "/" << o.timestamps->echo << " ";
  for (std::size_t i = 0; i < o.sack_count; ++i) {
    os << "sack " << o.sack_blocks[i].left << "-" << o.sack_blocks[i].right << " ";
  }
  return os << "}";
}
inline std::ostream& boost_test_print_type(std::ostream& os, const TcpRepr& r) {
  os << "{" << r.src_port << " -> " << r.dst_port << " seq " << r.seq << " ack " << r.ack
     << " flags " << unsigned{r.flags} << " win " << r.window << " urg " << r.urgent_pointer
     << " opts ";
  boost_test_print_type(os, r.options);
  return os << " len " << r.payload_len << "}";
}

}  // namespace tandem::wire
