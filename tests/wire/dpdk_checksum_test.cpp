// SPDX-License-Identifier: Apache-2.0
// Tandem's Internet checksums against DPDK's, an independent implementation that
// NIC drivers and their users rely on: on seeded random IPv4/TCP and IPv4/UDP
// packets, what Tandem's emitters write must be what DPDK computes, Tandem's
// parsers must accept what DPDK checksummed, and an RFC 1624 incremental update
// must land where DPDK's full recomputation does. DPDK's checksum helpers are
// inline and need no EAL.
#define BOOST_TEST_MODULE dpdk_checksum
#include <boost/test/unit_test.hpp>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "host/wire/bytes.hpp"
#include "host/wire/checksum.hpp"
#include "host/wire/ipv4.hpp"
#include "host/wire/tcp.hpp"
#include "host/wire/udp.hpp"

namespace {

namespace wire = tandem::wire;
using wire::ByteSpan;
using wire::ChecksumMode;
using wire::MutableByteSpan;

constexpr std::size_t kIpChecksumAt = 10;
constexpr std::size_t kTcpChecksumAt = 16;
constexpr std::size_t kUdpChecksumAt = 6;
constexpr std::size_t kMtu = 1500;
constexpr int kPackets = 4000;

// DPDK reads its headers in place; its structs are packed, so any address works.
const rte_ipv4_hdr* as_ipv4_hdr(const std::vector<std::byte>& packet) {
  return reinterpret_cast<const rte_ipv4_hdr*>(packet.data());
}

// DPDK returns checksums in network order, ready to store; Tandem's are numbers.
std::uint16_t dpdk_ipv4_checksum(std::vector<std::byte> packet) {
  wire::store_be16(packet, kIpChecksumAt, 0);
  return rte_be_to_cpu_16(rte_ipv4_cksum(as_ipv4_hdr(packet)));
}

std::size_t ipv4_header_len(const std::vector<std::byte>& packet) {
  return static_cast<std::size_t>(wire::load_u8(packet, 0) & 0x0f) * 4;
}

std::size_t l4_checksum_at(const std::vector<std::byte>& packet) {
  return ipv4_header_len(packet) +
         (wire::load_u8(packet, 9) == static_cast<std::uint8_t>(wire::IpProtocol::tcp)
              ? kTcpChecksumAt
              : kUdpChecksumAt);
}

std::uint16_t dpdk_l4_checksum(std::vector<std::byte> packet) {
  wire::store_be16(packet, l4_checksum_at(packet), 0);
  return rte_be_to_cpu_16(
      rte_ipv4_udptcp_cksum(as_ipv4_hdr(packet), packet.data() + ipv4_header_len(packet)));
}

template <typename T>
T uniform(std::mt19937& rng, T lo, T hi) {
  return static_cast<T>(std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng));
}

bool coin(std::mt19937& rng) {
  return uniform<int>(rng, 0, 1) == 1;
}

wire::Ipv4Repr random_ipv4(std::mt19937& rng, wire::IpProtocol protocol) {
  wire::Ipv4Repr ip;
  ip.src = {uniform<std::uint32_t>(rng, 0, 0xffffffff)};
  ip.dst = {uniform<std::uint32_t>(rng, 0, 0xffffffff)};
  ip.protocol = static_cast<std::uint8_t>(protocol);
  ip.ttl = uniform<std::uint8_t>(rng, 0, 255);
  ip.ident = uniform<std::uint16_t>(rng, 0, 0xffff);
  ip.dont_fragment = coin(rng);
  ip.dscp_ecn = uniform<std::uint8_t>(rng, 0, 255);
  return ip;
}

// A random option set that fits the 40 bytes Tandem lays it out in.
wire::TcpOptions random_tcp_options(std::mt19937& rng) {
  wire::TcpOptions o;
  if (coin(rng)) o.mss = uniform<std::uint16_t>(rng, 0, 0xffff);
  if (coin(rng)) o.window_scale = uniform<std::uint8_t>(rng, 0, 14);
  o.sack_permitted = coin(rng);
  if (coin(rng)) {
    o.timestamps = wire::TcpTimestamps{uniform<std::uint32_t>(rng, 0, 0xffffffff),
                                       uniform<std::uint32_t>(rng, 0, 0xffffffff)};
  }
  const std::size_t fixed =
      (o.mss ? 4 : 0) + (o.timestamps ? 12 : (o.sack_permitted ? 4 : 0)) + (o.window_scale ? 4 : 0);
  std::size_t blocks = uniform<std::size_t>(rng, 0, wire::TcpOptions::kMaxSackBlocks);
  while (blocks > 0 && fixed + 4 + 8 * blocks > wire::kTcpMaxOptionsLen)
    --blocks;
  o.sack_count = static_cast<std::uint8_t>(blocks);
  for (std::size_t i = 0; i < blocks; ++i) {
    const std::uint32_t left = uniform<std::uint32_t>(rng, 0, 0xffffffff);
    o.sack_blocks[i] = {wire::SeqNum(left),
                        wire::SeqNum(left + uniform<std::uint32_t>(rng, 1, 65535))};
  }
  return o;
}

void fill_random(std::mt19937& rng, MutableByteSpan bytes) {
  for (auto& b : bytes)
    b = static_cast<std::byte>(uniform<unsigned>(rng, 0, 255));
}

// Payload lengths lean towards the small and odd ones where checksum code trips
// (an odd trailing byte, an empty payload) but cover the whole MTU.
std::size_t random_payload_len(std::mt19937& rng, std::size_t max) {
  return coin(rng) ? uniform<std::size_t>(rng, 0, std::min<std::size_t>(max, 9))
                   : uniform<std::size_t>(rng, 0, max);
}

// An IPv4 packet (no Ethernet) built by Tandem's emitters in software mode.
std::vector<std::byte> tandem_tcp_packet(std::mt19937& rng) {
  wire::TcpRepr tcp;
  tcp.src_port = uniform<std::uint16_t>(rng, 0, 0xffff);
  tcp.dst_port = uniform<std::uint16_t>(rng, 0, 0xffff);
  tcp.seq = wire::SeqNum(uniform<std::uint32_t>(rng, 0, 0xffffffff));
  tcp.ack = wire::SeqNum(uniform<std::uint32_t>(rng, 0, 0xffffffff));
  tcp.flags = uniform<std::uint8_t>(rng, 0, 255);
  tcp.window = uniform<std::uint16_t>(rng, 0, 0xffff);
  tcp.urgent_pointer = uniform<std::uint16_t>(rng, 0, 0xffff);
  tcp.options = random_tcp_options(rng);
  tcp.payload_len = random_payload_len(rng, kMtu - wire::Ipv4Repr::header_len() - tcp.header_len());

  wire::Ipv4Repr ip = random_ipv4(rng, wire::IpProtocol::tcp);
  ip.payload_len = static_cast<std::uint16_t>(tcp.header_len() + tcp.payload_len);
  std::vector<std::byte> packet(ip.total_len());
  const MutableByteSpan segment = MutableByteSpan(packet).subspan(wire::Ipv4Repr::header_len());
  fill_random(rng, segment.subspan(tcp.header_len()));
  tcp.emit(segment, ip.src, ip.dst, ChecksumMode::software);
  ip.emit(packet, ChecksumMode::software);
  return packet;
}

std::vector<std::byte> tandem_udp_packet(std::mt19937& rng) {
  wire::UdpRepr udp;
  udp.src_port = uniform<std::uint16_t>(rng, 0, 0xffff);
  udp.dst_port = uniform<std::uint16_t>(rng, 0, 0xffff);
  udp.payload_len =
      random_payload_len(rng, kMtu - wire::Ipv4Repr::header_len() - wire::UdpRepr::header_len());

  wire::Ipv4Repr ip = random_ipv4(rng, wire::IpProtocol::udp);
  ip.payload_len = static_cast<std::uint16_t>(wire::UdpRepr::header_len() + udp.payload_len);
  std::vector<std::byte> packet(ip.total_len());
  const MutableByteSpan datagram = MutableByteSpan(packet).subspan(wire::Ipv4Repr::header_len());
  fill_random(rng, datagram.subspan(wire::UdpRepr::header_len()));
  udp.emit(datagram, ip.src, ip.dst, ChecksumMode::software);
  ip.emit(packet, ChecksumMode::software);
  return packet;
}

std::vector<std::byte> tandem_packet(std::mt19937& rng) {
  return coin(rng) ? tandem_tcp_packet(rng) : tandem_udp_packet(rng);
}

bool is_udp(const std::vector<std::byte>& packet) {
  return wire::load_u8(packet, 9) == static_cast<std::uint8_t>(wire::IpProtocol::udp);
}

// Tandem's parsers, in software mode, on a packet whose checksums someone else
// wrote: true when every layer accepts it.
bool tandem_accepts(const std::vector<std::byte>& packet) {
  auto view = wire::Ipv4Packet::new_checked(packet);
  if (!view) return false;
  auto ip = wire::Ipv4Repr::parse(*view, ChecksumMode::software);
  if (!ip) return false;
  if (is_udp(packet)) {
    auto udp = wire::UdpPacket::new_checked(view->payload());
    return udp && wire::UdpRepr::parse(*udp, ip->src, ip->dst, ChecksumMode::software).ok();
  }
  auto tcp = wire::TcpPacket::new_checked(view->payload());
  return tcp && wire::TcpRepr::parse(*tcp, ip->src, ip->dst, ChecksumMode::software).ok();
}

// The L4 checksum summed by hand with Tandem's accumulator, the bytes fed in
// random pieces (odd ones included) to exercise the carried odd byte.
std::uint16_t accumulated_l4_checksum(std::mt19937& rng, std::vector<std::byte> packet) {
  wire::store_be16(packet, l4_checksum_at(packet), 0);
  const ByteSpan l4 = ByteSpan(packet).subspan(ipv4_header_len(packet));
  wire::ChecksumAccumulator acc;
  wire::add_ipv4_pseudo_header(acc, {wire::load_be32(packet, 12)}, {wire::load_be32(packet, 16)},
                               wire::load_u8(packet, 9), static_cast<std::uint16_t>(l4.size()));
  for (std::size_t at = 0; at < l4.size();) {
    const std::size_t n = std::min(l4.size() - at, uniform<std::size_t>(rng, 0, 64));
    acc.add(l4.subspan(at, n));
    at += n;
  }
  const std::uint16_t checksum = acc.checksum();
  // RFC 768: a UDP checksum that computes to zero is sent as all ones.
  return is_udp(packet) && checksum == 0 ? 0xffff : checksum;
}

// Moves the IPv4 header out to `ihl` words, filling the options with random bytes;
// the header checksum is recomputed with DPDK's so Tandem's verifier is checked
// against a checksum it did not write.
std::vector<std::byte> with_ipv4_options(std::mt19937& rng, const std::vector<std::byte>& packet,
                                         std::size_t ihl) {
  const std::size_t header_len = ihl * 4;
  std::vector<std::byte> out(packet.size() + header_len - wire::kIpv4MinHeaderLen);
  std::copy(packet.begin(), packet.begin() + wire::kIpv4MinHeaderLen, out.begin());
  fill_random(rng, MutableByteSpan(out).subspan(wire::kIpv4MinHeaderLen,
                                                header_len - wire::kIpv4MinHeaderLen));
  std::copy(packet.begin() + wire::kIpv4MinHeaderLen, packet.end(),
            out.begin() + static_cast<std::ptrdiff_t>(header_len));
  wire::store_u8(out, 0, static_cast<std::uint8_t>(0x40 | ihl));
  wire::store_be16(out, 2, static_cast<std::uint16_t>(out.size()));
  wire::store_be16(out, kIpChecksumAt, dpdk_ipv4_checksum(out));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(raw_sums_match_rte_raw_cksum) {
  std::mt19937 rng(0x7a4d3e01);
  std::vector<std::byte> buffer(kMtu + 1);
  for (int i = 0; i < kPackets; ++i) {
    fill_random(rng, buffer);
    const std::size_t offset = uniform<std::size_t>(rng, 0, 1);
    const std::size_t len = uniform<std::size_t>(rng, 0, kMtu);
    const ByteSpan bytes = ByteSpan(buffer).subspan(offset, len);
    const std::uint16_t dpdk = rte_be_to_cpu_16(rte_raw_cksum(bytes.data(), bytes.size()));
    wire::ChecksumAccumulator acc;
    acc.add(bytes);
    BOOST_TEST_REQUIRE(acc.sum() == dpdk, "length " << len << " at offset " << offset);
    BOOST_TEST_REQUIRE(wire::internet_checksum(bytes) == static_cast<std::uint16_t>(~dpdk));
  }
}

BOOST_AUTO_TEST_CASE(emitted_checksums_match_dpdk) {
  std::mt19937 rng(0x5eed0001);
  int tcp = 0, udp = 0, odd = 0;
  for (int i = 0; i < kPackets; ++i) {
    const std::vector<std::byte> packet = tandem_packet(rng);
    BOOST_TEST_CONTEXT("packet " << i << ", " << packet.size() << " bytes") {
      BOOST_TEST_REQUIRE(wire::load_be16(packet, kIpChecksumAt) == dpdk_ipv4_checksum(packet));
      BOOST_TEST_REQUIRE(wire::load_be16(packet, l4_checksum_at(packet)) ==
                         dpdk_l4_checksum(packet));
      BOOST_TEST_REQUIRE(accumulated_l4_checksum(rng, packet) == dpdk_l4_checksum(packet));
      std::vector<std::byte> header(packet.begin(), packet.begin() + wire::kIpv4MinHeaderLen);
      wire::store_be16(header, kIpChecksumAt, 0);
      BOOST_TEST_REQUIRE(wire::internet_checksum(header) == dpdk_ipv4_checksum(packet));
    }
    (is_udp(packet) ? udp : tcp) += 1;
    odd += packet.size() % 2;
  }
  // The generator must actually have covered both protocols and odd lengths.
  BOOST_TEST(tcp > kPackets / 3);
  BOOST_TEST(udp > kPackets / 3);
  BOOST_TEST(odd > kPackets / 3);
}

BOOST_AUTO_TEST_CASE(parsers_accept_what_dpdk_checksummed) {
  std::mt19937 rng(0x5eed0002);
  for (int i = 0; i < kPackets; ++i) {
    std::vector<std::byte> packet = tandem_packet(rng);
    const std::size_t ihl = uniform<std::size_t>(rng, 5, 15);
    if (ihl > 5) packet = with_ipv4_options(rng, packet, ihl);
    // Scribble over both checksums, then let DPDK write them.
    wire::store_be16(packet, kIpChecksumAt, uniform<std::uint16_t>(rng, 0, 0xffff));
    wire::store_be16(packet, l4_checksum_at(packet), uniform<std::uint16_t>(rng, 0, 0xffff));
    wire::store_be16(packet, l4_checksum_at(packet), dpdk_l4_checksum(packet));
    wire::store_be16(packet, kIpChecksumAt, dpdk_ipv4_checksum(packet));
    BOOST_TEST_CONTEXT("packet " << i << ", ihl " << ihl << ", " << packet.size() << " bytes") {
      BOOST_TEST_REQUIRE(tandem_accepts(packet));
      // And one flipped bit anywhere must make it refuse. Where the fields lie is
      // read before the flip, which may hit the very bytes that say so.
      const bool udp = is_udp(packet);
      const std::size_t l4 = ipv4_header_len(packet);
      const std::size_t checksum_at = l4_checksum_at(packet);
      const std::size_t bit = uniform<std::size_t>(rng, 0, packet.size() * 8 - 1);
      const std::size_t byte = bit / 8;
      packet[byte] ^= static_cast<std::byte>(1u << (bit % 8));
      // A flip in the version, IHL or a length is refused by shape rather than by
      // checksum, or may even be accepted (a shorter total length that still
      // verifies); a UDP checksum flipped to 0 turns checksumming off (RFC 768).
      const bool length_field = byte < 4 || (udp && byte >= l4 + 4 && byte < l4 + 6);
      const bool udp_checksum_off = udp && wire::load_be16(packet, checksum_at) == 0;
      if (!length_field && !udp_checksum_off) BOOST_TEST_REQUIRE(!tandem_accepts(packet));
    }
  }
}

BOOST_AUTO_TEST_CASE(computed_zero_is_sent_as_udp_all_ones_and_tcp_zero) {
  std::mt19937 rng(0x5eed0003);
  int udp = 0, tcp = 0;
  for (int i = 0; i < 200; ++i) {
    std::vector<std::byte> packet = tandem_packet(rng);
    const std::size_t l4 = ipv4_header_len(packet);
    const std::size_t header =
        is_udp(packet) ? wire::kUdpHeaderLen : (wire::load_u8(packet, l4 + 12) >> 4) * 4u;
    if (packet.size() < l4 + header + 2) continue;
    // One payload word set to the checksum the packet had with that word zeroed
    // brings the one's-complement sum to 0xffff: the checksum computes to zero.
    const std::size_t word = l4 + header;
    wire::store_be16(packet, word, 0);
    const std::uint16_t without = dpdk_l4_checksum(packet);
    wire::store_be16(packet, word,
                     static_cast<std::uint16_t>(without == 0xffff && is_udp(packet) ? 0 : without));
    // Re-emit through Tandem from the parsed values with this payload in place.
    auto view = wire::Ipv4Packet::new_checked(packet);
    BOOST_TEST_REQUIRE(view.ok());
    const wire::Ipv4Address src = view->src(), dst = view->dst();
    const MutableByteSpan l4_bytes = MutableByteSpan(packet).subspan(l4);
    if (is_udp(packet)) {
      auto parsed = wire::UdpPacket::new_checked(l4_bytes);
      BOOST_TEST_REQUIRE(parsed.ok());
      const auto repr = wire::UdpRepr::parse(*parsed, src, dst, ChecksumMode::offloaded);
      BOOST_TEST_REQUIRE(repr.ok());
      repr->emit(l4_bytes, src, dst, ChecksumMode::software);
      BOOST_TEST(wire::load_be16(packet, l4 + kUdpChecksumAt) == 0xffff);
      ++udp;
    } else {
      auto parsed = wire::TcpPacket::new_checked(l4_bytes);
      BOOST_TEST_REQUIRE(parsed.ok());
      const auto repr = wire::TcpRepr::parse(*parsed, src, dst, ChecksumMode::offloaded);
      BOOST_TEST_REQUIRE(repr.ok());
      repr->emit(l4_bytes, src, dst, ChecksumMode::software);
      BOOST_TEST(wire::load_be16(packet, l4 + kTcpChecksumAt) == 0);
      ++tcp;
    }
    BOOST_TEST(wire::load_be16(packet, l4_checksum_at(packet)) == dpdk_l4_checksum(packet));
    BOOST_TEST(tandem_accepts(packet));
  }
  BOOST_TEST(udp > 50);
  BOOST_TEST(tcp > 50);
}

BOOST_AUTO_TEST_CASE(incremental_updates_match_dpdk_recomputation) {
  std::mt19937 rng(0x5eed0004);
  for (int i = 0; i < kPackets; ++i) {
    std::vector<std::byte> packet = tandem_packet(rng);
    const std::size_t l4_at = l4_checksum_at(packet);
    // What a router or NAT rewrites: TTL (sharing a word with the protocol), the
    // identification, and either address, which the L4 pseudo header covers too.
    const int field = uniform<int>(rng, 0, 3);
    std::uint16_t ip_checksum = wire::load_be16(packet, kIpChecksumAt);
    std::uint16_t l4_checksum = wire::load_be16(packet, l4_at);
    if (field == 0) {
      const std::uint16_t old_word = wire::load_be16(packet, 8);
      const std::uint16_t new_word =
          static_cast<std::uint16_t>((old_word & 0x00ff) | (uniform<unsigned>(rng, 0, 255) << 8));
      wire::store_be16(packet, 8, new_word);
      ip_checksum = wire::checksum_update16(ip_checksum, old_word, new_word);
    } else if (field == 1) {
      const std::uint16_t old_word = wire::load_be16(packet, 4);
      const std::uint16_t new_word = uniform<std::uint16_t>(rng, 0, 0xffff);
      wire::store_be16(packet, 4, new_word);
      ip_checksum = wire::checksum_update16(ip_checksum, old_word, new_word);
    } else {
      const std::size_t at = field == 2 ? 12 : 16;
      const std::uint32_t old_addr = wire::load_be32(packet, at);
      const std::uint32_t new_addr = uniform<std::uint32_t>(rng, 0, 0xffffffff);
      wire::store_be32(packet, at, new_addr);
      ip_checksum = wire::checksum_update32(ip_checksum, old_addr, new_addr);
      // RFC 768: a UDP sender's all-ones is a computed zero; the update works on
      // the sum, and a UDP rewriter maps a resulting zero back to all ones.
      l4_checksum = wire::checksum_update32(l4_checksum, old_addr, new_addr);
      if (is_udp(packet) && l4_checksum == 0) l4_checksum = 0xffff;
    }
    BOOST_TEST_CONTEXT("packet " << i << ", field " << field) {
      BOOST_TEST_REQUIRE(ip_checksum == dpdk_ipv4_checksum(packet));
      BOOST_TEST_REQUIRE(l4_checksum == dpdk_l4_checksum(packet));
    }
  }
}
