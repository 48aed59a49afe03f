// SPDX-License-Identifier: Apache-2.0
// Receive-side scaling (RSS): the Toeplitz hash over a packet's addresses and
// ports, and the redirection table (RETA) that turns a hash into a queue.
//
// It lives with the wire formats because it is a pure function of header fields
// in their wire order, and because both halves use it: a NIC steers a received
// flow to the queue of the core that owns it, and the host picks source ports
// for its outgoing connections so that the replies come back to the calling
// core (pick_source_port). Both must compute the same number, so there is one
// definition, checked against Microsoft's published verification vectors and
// against DPDK's rte_softrss.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "host/wire/address.hpp"
#include "host/wire/bytes.hpp"

namespace tandem::wire {

// The key Microsoft publishes with its RSS verification suite. NIC drivers and
// DPDK applications use it as their default, so a port configured with it hashes
// the way a host that knows nothing else expects.
inline constexpr std::array<std::uint8_t, 40> kMicrosoftRssKey{
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};

// The hash input bytes for IPv4: source and destination address, then (for the
// 4-tuple) source and destination port, each big-endian, in the order the packet
// carries them.
inline constexpr std::size_t kRssIpv4InputLen = 8;
inline constexpr std::size_t kRssIpv4L4InputLen = 12;

// The Toeplitz hash as RSS defines it: for every set bit of `input`, most
// significant bit of input[0] first, XOR in the 32 key bits that start at that
// bit's position. The key must hold at least input.size() + 4 bytes (it throws
// std::invalid_argument otherwise).
std::uint32_t toeplitz_hash(std::span<const std::uint8_t> key, ByteSpan input);

// The 2-tuple hash (addresses only): what a NIC computes for IPv4 that is not
// TCP or UDP, and for fragments.
std::uint32_t rss_hash_ipv4(std::span<const std::uint8_t> key, Ipv4Address src, Ipv4Address dst);
// The 4-tuple hash (addresses and ports) of a TCP or UDP datagram.
std::uint32_t rss_hash_ipv4_l4(std::span<const std::uint8_t> key, Ipv4Address src, Ipv4Address dst,
                               std::uint16_t src_port, std::uint16_t dst_port);

// The hash a NIC computes for a received Ethernet frame: the 4-tuple for TCP and
// UDP (not for fragments: they carry no ports past the first), the 2-tuple for
// other IPv4, and 0 for what is not IPv4 or too short to say. Untagged Ethernet
// II only, as the NIC kernels parse it.
std::uint32_t rss_hash_of_frame(std::span<const std::uint8_t> key, ByteSpan frame);

// How a NIC turns hashes into queues: the Toeplitz key and the redirection table,
// whose entry hash % reta.size() names the queue. NICs index the table with the
// hash's low bits, which is the same thing for their power-of-two table sizes.
struct RssConfig {
  std::vector<std::uint8_t> key{kMicrosoftRssKey.begin(), kMicrosoftRssKey.end()};
  std::vector<std::uint16_t> reta{0};

  // The table a NIC driver programs by default: entry i is queue i % queues.
  // Throws std::invalid_argument for zero queues or a table smaller than that.
  static RssConfig spread(std::uint16_t queues, std::size_t reta_size = 128);

  std::uint16_t queue_of(std::uint32_t hash) const { return reta[hash % reta.size()]; }
  // The number of queues the table names (its largest entry + 1).
  std::uint16_t queues() const;
};

// The ephemeral range Linux uses by default (net.ipv4.ip_local_port_range).
struct PortRange {
  std::uint16_t first = 32768;
  std::uint16_t last = 60999;
};

// The hashes of replies from one remote endpoint to one local address, as a
// function of the local port: Toeplitz is linear over XOR, so the hash for port p
// is the hash with port 0 XOR the key windows of p's set bits. That makes trying
// every port of a range cheap.
class ReplyHashes {
 public:
  ReplyHashes(std::span<const std::uint8_t> key, Ipv4Address remote_ip, std::uint16_t remote_port,
              Ipv4Address local_ip);
  // The 4-tuple hash of a segment from the remote endpoint to local_port.
  std::uint32_t hash(std::uint16_t local_port) const;

 private:
  std::uint32_t base_ = 0;                    // the hash with local port 0
  std::array<std::uint32_t, 16> port_bit_{};  // contribution of local-port bit 15 - i
};

// A local port for a connection to remote_ip:remote_port from local_ip whose
// replies the NIC steers to `queue`. Ports are tried in order from `start`
// (clamped into the range), wrapping within `range`; `usable(port)` may reject a
// port (already bound, in TIME-WAIT, ...). nullopt when no port qualifies.
template <typename Usable>
std::optional<std::uint16_t> pick_source_port(const RssConfig& rss, Ipv4Address remote_ip,
                                              std::uint16_t remote_port, Ipv4Address local_ip,
                                              std::uint16_t queue, PortRange range,
                                              std::uint16_t start, Usable&& usable) {
  if (range.first > range.last) return std::nullopt;
  const ReplyHashes replies(rss.key, remote_ip, remote_port, local_ip);
  const std::uint32_t span = std::uint32_t{range.last} - range.first + 1;
  const std::uint32_t offset =
      start < range.first || start > range.last ? 0 : std::uint32_t{start} - range.first;
  for (std::uint32_t i = 0; i < span; ++i) {
    const auto port = static_cast<std::uint16_t>(range.first + (offset + i) % span);
    if (rss.queue_of(replies.hash(port)) == queue && usable(port)) return port;
  }
  return std::nullopt;
}

inline std::optional<std::uint16_t> pick_source_port(const RssConfig& rss, Ipv4Address remote_ip,
                                                     std::uint16_t remote_port,
                                                     Ipv4Address local_ip, std::uint16_t queue,
                                                     PortRange range = {},
                                                     std::uint16_t start = 0) {
  return pick_source_port(rss, remote_ip, remote_port, local_ip, queue, range, start,
                          [](std::uint16_t) { return true; });
}

}  // namespace tandem::wire
