// SPDX-License-Identifier: Apache-2.0
// The frames the checksum kernels are tested with, shared by their HLS tests
// (hls/checksum/tests) and the RTL equivalence tests that run the same vectors
// through rtl/checksum (rtl/checksum/tests), so both see one generator.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "hls/rx_parser/tests/rx_reference.hpp"
#include "host/wire/arp.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/checksum.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/ipv4.hpp"
#include "host/wire/tcp.hpp"
#include "host/wire/udp.hpp"

namespace tandem::hls_test {

inline void flip_random_bit(Frame& f, std::mt19937_64& rng) {
  const std::size_t bit = rng() % (8 * f.size());
  f[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
}

// Rewrites the IPv4 header checksum after a header edit.
inline void refresh_ipv4_checksum(Frame& f) {
  const std::size_t header_len = std::size_t{wire::load_u8(f, kEth) & 0x0fu} * 4;
  wire::store_be16(f, kEth + 10, 0);
  wire::store_be16(f, kEth + 10,
                   wire::internet_checksum(wire::ByteSpan(f).subspan(kEth, header_len)));
}

// RX: correct frames of every kind checksum_rx verifies or must leave alone
// (TCP, UDP, ICMP with IPv4 options; UDP without a checksum, fragments,
// Ethernet padding, unknown protocols, ARP).
inline std::vector<Frame> assorted_frames(std::mt19937_64& rng, int count) {
  std::vector<Frame> frames;
  for (int i = 0; i < count; ++i) {
    const auto protocol = static_cast<wire::IpProtocol>(std::array{1, 6, 17}[rng() % 3]);
    const std::size_t payload = rng() % 4 ? rng() % 200 : rng() % 3000;
    Frame f =
        random_l4_frame(rng, protocol, payload, 4 * (rng() % 11), wire::ChecksumMode::software);
    switch (rng() % 10) {
      case 0:  // UDP sent without a checksum (RFC 768)
        if (protocol == wire::IpProtocol::udp) {
          const std::size_t l4 = kEth + std::size_t{wire::load_u8(f, kEth) & 0x0fu} * 4;
          wire::store_be16(f, l4 + 6, 0);
        }
        break;
      case 1:  // a fragment: the header is verified, the L4 checksum not
        wire::store_be16(f, kEth + 6, rng() % 2 ? 0x2000 : 0x0010);
        refresh_ipv4_checksum(f);
        break;
      case 2:  // Ethernet padding after the datagram, outside every checksum
        for (int n = 0; n < 1 + static_cast<int>(rng() % 20); ++n) {
          f.push_back(static_cast<std::byte>(rng()));
        }
        break;
      case 3: {  // an IPv4 protocol the engine does not know
        wire::store_u8(f, kEth + 9, 47);
        refresh_ipv4_checksum(f);
        break;
      }
      case 4: {  // ARP
        Frame arp(kEth + wire::kArpPacketLen);
        wire::ArpRepr{}.emit(wire::MutableByteSpan(arp).subspan(kEth));
        wire::store_be16(arp, 12, static_cast<std::uint16_t>(wire::EtherType::arp));
        f = arp;
        break;
      }
      default:
        break;
    }
    frames.push_back(std::move(f));
  }
  return frames;
}

// TX: where the TCP or UDP checksum of a frame with an IPv4 header sits.
inline std::size_t l4_checksum_at(const Frame& frame) {
  const std::size_t l4 = kEth + std::size_t{wire::load_u8(frame, kEth) & 0x0fu} * 4;
  return l4 + (wire::load_u8(frame, kEth + 9) == 6 ? 16 : 6);
}

// TX: a TCP or UDP frame of exactly `length` bytes (>= 54), checksum fields
// zero as the host leaves them, IPv4 and TCP options when they fit.
inline Frame random_tx_frame(std::mt19937_64& rng, std::size_t length) {
  const bool tcp = rng() % 2 == 0;
  const wire::Ipv4Repr ip = random_ipv4(rng, tcp ? wire::IpProtocol::tcp : wire::IpProtocol::udp);
  std::size_t ip_options = rng() % 3 == 0 ? 4 * (rng() % 11) : 0;
  wire::TcpRepr t = random_tcp(rng);
  if (rng() % 2) t.options = {};
  std::size_t l4_header = tcp ? t.header_len() : wire::kUdpHeaderLen;
  if (kEth + 20 + ip_options + l4_header > length) {
    ip_options = 0;
    t.options = {};
    l4_header = tcp ? t.header_len() : wire::kUdpHeaderLen;
  }
  const Frame payload = random_bytes(rng, length - (kEth + 20 + ip_options + l4_header));
  const Frame segment =
      tcp ? tcp_segment(t, payload, ip.src, ip.dst, wire::ChecksumMode::offloaded)
          : udp_datagram(static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng()),
                         payload, ip.src, ip.dst, wire::ChecksumMode::offloaded);
  return ethernet_frame(
      static_cast<std::uint16_t>(wire::EtherType::ipv4),
      ipv4_packet(ip, random_bytes(rng, ip_options), segment, wire::ChecksumMode::offloaded));
}

}  // namespace tandem::hls_test
