// SPDX-License-Identifier: Apache-2.0
#include "host/wire/toeplitz.hpp"

#include <algorithm>
#include <stdexcept>

namespace tandem::wire {

namespace {

// The 32 key bits starting at bit `bit` (0: the most significant bit of key[0]).
std::uint32_t key_window(std::span<const std::uint8_t> key, std::size_t bit) {
  const std::size_t byte = bit / 8;
  std::uint64_t forty = 0;
  for (std::size_t i = 0; i < 5; ++i)
    forty = (forty << 8) | (byte + i < key.size() ? key[byte + i] : 0u);
  return static_cast<std::uint32_t>(forty >> (8 - bit % 8));
}

void check_key(std::span<const std::uint8_t> key, std::size_t input_len) {
  if (key.size() < input_len + 4) {
    throw std::invalid_argument("toeplitz_hash: the key must be 4 bytes longer than the input");
  }
}

std::array<std::byte, kRssIpv4L4InputLen> ipv4_input(Ipv4Address src, Ipv4Address dst,
                                                     std::uint16_t src_port,
                                                     std::uint16_t dst_port) {
  std::array<std::byte, kRssIpv4L4InputLen> in{};
  store_be32(in, 0, src.value);
  store_be32(in, 4, dst.value);
  store_be16(in, 8, src_port);
  store_be16(in, 10, dst_port);
  return in;
}

}  // namespace

std::uint32_t toeplitz_hash(std::span<const std::uint8_t> key, ByteSpan input) {
  check_key(key, input.size());
  // A 64-bit window over the key: its top 32 bits are the key bits aligned with
  // the input bit being looked at; a new key byte enters at the bottom after
  // every input byte.
  std::uint64_t window = 0;
  for (std::size_t i = 0; i < 4; ++i)
    window |= std::uint64_t{key[i]} << (56 - 8 * i);
  std::uint32_t hash = 0;
  for (std::size_t i = 0; i < input.size(); ++i) {
    window |= std::uint64_t{key[i + 4]} << 24;
    const auto byte = static_cast<std::uint8_t>(input[i]);
    for (int b = 7; b >= 0; --b) {
      if ((byte >> b) & 1u) hash ^= static_cast<std::uint32_t>(window >> 32);
      window <<= 1;
    }
  }
  return hash;
}

std::uint32_t rss_hash_ipv4(std::span<const std::uint8_t> key, Ipv4Address src, Ipv4Address dst) {
  const auto in = ipv4_input(src, dst, 0, 0);
  return toeplitz_hash(key, std::span(in).first(kRssIpv4InputLen));
}

std::uint32_t rss_hash_ipv4_l4(std::span<const std::uint8_t> key, Ipv4Address src, Ipv4Address dst,
                               std::uint16_t src_port, std::uint16_t dst_port) {
  return toeplitz_hash(key, ipv4_input(src, dst, src_port, dst_port));
}

std::uint32_t rss_hash_of_frame(std::span<const std::uint8_t> key, ByteSpan frame) {
  constexpr std::size_t kEthernetLen = 14;
  constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
  constexpr std::uint8_t kTcp = 6;
  constexpr std::uint8_t kUdp = 17;
  if (frame.size() < kEthernetLen + 20 || load_be16(frame, 12) != kEtherTypeIpv4) return 0;
  const ByteSpan ip = frame.subspan(kEthernetLen);
  const std::size_t ihl = std::size_t{load_u8(ip, 0) & 0x0fu} * 4;
  if ((load_u8(ip, 0) >> 4) != 4 || ihl < 20 || ihl > ip.size()) return 0;
  const Ipv4Address src{load_be32(ip, 12)};
  const Ipv4Address dst{load_be32(ip, 16)};
  const std::uint8_t protocol = load_u8(ip, 9);
  // More-fragments set or a fragment offset: not the whole datagram.
  const bool fragment = (load_be16(ip, 6) & 0x3fffu) != 0;
  if (!fragment && (protocol == kTcp || protocol == kUdp) && ip.size() >= ihl + 4) {
    return rss_hash_ipv4_l4(key, src, dst, load_be16(ip, ihl), load_be16(ip, ihl + 2));
  }
  return rss_hash_ipv4(key, src, dst);
}

RssConfig RssConfig::spread(std::uint16_t queues, std::size_t reta_size) {
  if (queues == 0 || reta_size < queues) {
    throw std::invalid_argument("RssConfig::spread: needs 1+ queues and a table at least as large");
  }
  RssConfig rss;
  rss.reta.resize(reta_size);
  for (std::size_t i = 0; i < reta_size; ++i)
    rss.reta[i] = static_cast<std::uint16_t>(i % queues);
  return rss;
}

std::uint16_t RssConfig::queues() const {
  return reta.empty() ? 0 : static_cast<std::uint16_t>(*std::ranges::max_element(reta) + 1);
}

ReplyHashes::ReplyHashes(std::span<const std::uint8_t> key, Ipv4Address remote_ip,
                         std::uint16_t remote_port, Ipv4Address local_ip)
    : base_(rss_hash_ipv4_l4(key, remote_ip, local_ip, remote_port, 0)) {
  // The destination port is input bits 80..95; bit 80 is its most significant.
  constexpr std::size_t kDstPortBit = 80;
  for (std::size_t i = 0; i < port_bit_.size(); ++i)
    port_bit_[i] = key_window(key, kDstPortBit + i);
}

std::uint32_t ReplyHashes::hash(std::uint16_t local_port) const {
  std::uint32_t h = base_;
  for (std::size_t i = 0; i < port_bit_.size(); ++i) {
    if ((local_port >> (15 - i)) & 1u) h ^= port_bit_[i];
  }
  return h;
}

}  // namespace tandem::wire
