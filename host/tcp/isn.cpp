// SPDX-License-Identifier: Apache-2.0
#include "host/tcp/isn.hpp"

#include <array>
#include <cstddef>

namespace tandem::tcp {
namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

struct SipState {
  std::uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
  void compress(std::uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

std::uint64_t load_le64(const std::byte* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i)
    v |= std::uint64_t{static_cast<std::uint8_t>(p[i])} << (8 * i);
  return v;
}

}  // namespace

std::uint64_t siphash24(const SipKey& key, wire::ByteSpan message) {
  SipState s{key.k0 ^ 0x736f6d6570736575ULL, key.k1 ^ 0x646f72616e646f6dULL,
             key.k0 ^ 0x6c7967656e657261ULL, key.k1 ^ 0x7465646279746573ULL};
  const std::size_t whole = message.size() / 8 * 8;
  for (std::size_t i = 0; i < whole; i += 8)
    s.compress(load_le64(message.data() + i, 8));
  // The last word carries the leftover bytes and the message length in its top byte.
  const std::uint64_t last = load_le64(message.data() + whole, message.size() - whole) |
                             (std::uint64_t{message.size() & 0xff} << 56);
  s.compress(last);
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i)
    s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

std::uint64_t IsnGenerator::hash(const FourTuple& t, std::uint8_t domain) const {
  std::array<std::byte, 13> msg{};
  wire::store_be32(msg, 0, t.local.addr.value);
  wire::store_be32(msg, 4, t.remote.addr.value);
  wire::store_be16(msg, 8, t.local.port);
  wire::store_be16(msg, 10, t.remote.port);
  wire::store_u8(msg, 12, domain);
  return siphash24(secret_, msg);
}

wire::SeqNum IsnGenerator::isn(const FourTuple& tuple, Instant now) const {
  // M: the 4 µs timer of RFC 9293 §3.4.1, truncated to 32 bits as it wraps.
  const auto m = static_cast<std::uint32_t>(to_ns(now) / 4000);
  return wire::SeqNum(m + static_cast<std::uint32_t>(hash(tuple, 0)));
}

std::uint32_t IsnGenerator::timestamp_offset(const FourTuple& tuple) const {
  return static_cast<std::uint32_t>(hash(tuple, 1));
}

}  // namespace tandem::tcp
