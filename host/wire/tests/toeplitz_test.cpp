// SPDX-License-Identifier: Apache-2.0
// The Toeplitz hash against Microsoft's RSS verification suite ("Verifying the RSS
// Hash Calculation", the same table Intel's 82599 datasheet prints in §7.1.2.8.3),
// and the source-port picker against the hash it is meant to steer by.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include "host/wire/address.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/toeplitz.hpp"

namespace tw = tandem::wire;

namespace {

struct RssVector {
  tw::Ipv4Address dst;
  std::uint16_t dst_port;
  tw::Ipv4Address src;
  std::uint16_t src_port;
  std::uint32_t ipv4;      // addresses only
  std::uint32_t ipv4_tcp;  // addresses and ports
};

// The published IPv4 table, with the standard key (kMicrosoftRssKey).
const std::vector<RssVector> kMicrosoftVectors{
    {tw::Ipv4Address::from_octets(161, 142, 100, 80), 1766,
     tw::Ipv4Address::from_octets(66, 9, 149, 187), 2794, 0x323e8fc2, 0x51ccc178},
    {tw::Ipv4Address::from_octets(65, 69, 140, 83), 4739,
     tw::Ipv4Address::from_octets(199, 92, 111, 2), 14230, 0xd718262a, 0xc626b0ea},
    {tw::Ipv4Address::from_octets(12, 22, 207, 184), 38024,
     tw::Ipv4Address::from_octets(24, 19, 198, 95), 12898, 0xd2d0a5de, 0x5c2b394a},
    {tw::Ipv4Address::from_octets(209, 142, 163, 6), 2217,
     tw::Ipv4Address::from_octets(38, 27, 205, 30), 48228, 0x82989176, 0xafc7327f},
    {tw::Ipv4Address::from_octets(202, 188, 127, 2), 1303,
     tw::Ipv4Address::from_octets(153, 39, 163, 191), 44251, 0x5d1809c5, 0x10e828a2},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(toeplitz)

BOOST_AUTO_TEST_CASE(microsoft_ipv4_vectors) {
  for (const auto& v : kMicrosoftVectors) {
    BOOST_TEST(tw::rss_hash_ipv4(tw::kMicrosoftRssKey, v.src, v.dst) == v.ipv4);
  }
}

BOOST_AUTO_TEST_CASE(microsoft_ipv4_tcp_vectors) {
  for (const auto& v : kMicrosoftVectors) {
    BOOST_TEST(tw::rss_hash_ipv4_l4(tw::kMicrosoftRssKey, v.src, v.dst, v.src_port, v.dst_port) ==
               v.ipv4_tcp);
  }
}

BOOST_AUTO_TEST_CASE(the_hash_depends_on_the_key) {
  auto key = std::vector<std::uint8_t>(tw::kMicrosoftRssKey.begin(), tw::kMicrosoftRssKey.end());
  key[6] ^= 0x10;  // a bit every input bit from 20 to 51 meets
  const auto& v = kMicrosoftVectors[0];
  BOOST_TEST(tw::rss_hash_ipv4_l4(key, v.src, v.dst, v.src_port, v.dst_port) != v.ipv4_tcp);
  // Bytes past the input + 4 do not take part.
  key = std::vector<std::uint8_t>(tw::kMicrosoftRssKey.begin(), tw::kMicrosoftRssKey.end());
  key.resize(tw::kRssIpv4L4InputLen + 4);
  BOOST_TEST(tw::rss_hash_ipv4_l4(key, v.src, v.dst, v.src_port, v.dst_port) == v.ipv4_tcp);
}

BOOST_AUTO_TEST_CASE(a_key_too_short_for_the_input_is_refused) {
  const std::vector<std::uint8_t> key(tw::kRssIpv4L4InputLen + 3, 0x5a);
  BOOST_CHECK_THROW(tw::rss_hash_ipv4_l4(key, {1}, {2}, 3, 4), std::invalid_argument);
  BOOST_CHECK_NO_THROW(tw::rss_hash_ipv4(key, {1}, {2}));
}

BOOST_AUTO_TEST_CASE(the_empty_input_hashes_to_zero) {
  BOOST_TEST(tw::toeplitz_hash(tw::kMicrosoftRssKey, {}) == 0u);
}

// An untagged Ethernet II frame carrying IPv4 from `src` to `dst` with the given
// protocol, fragment field and 4 bytes of ports after a 20-byte header.
std::vector<std::byte> ipv4_frame(const RssVector& v, std::uint8_t protocol,
                                  std::uint16_t fragment_field = 0x4000) {
  std::vector<std::byte> f(14 + 20 + 8);
  tw::store_be16(f, 12, 0x0800);
  tw::store_u8(f, 14, 0x45);
  tw::store_be16(f, 14 + 2, 28);
  tw::store_be16(f, 14 + 6, fragment_field);
  tw::store_u8(f, 14 + 9, protocol);
  tw::store_be32(f, 14 + 12, v.src.value);
  tw::store_be32(f, 14 + 16, v.dst.value);
  tw::store_be16(f, 34, v.src_port);
  tw::store_be16(f, 36, v.dst_port);
  return f;
}

BOOST_AUTO_TEST_CASE(frames_hash_by_their_tuple) {
  constexpr std::uint8_t kTcp = 6, kUdp = 17, kIcmp = 1;
  for (const auto& v : kMicrosoftVectors) {
    BOOST_TEST(tw::rss_hash_of_frame(tw::kMicrosoftRssKey, ipv4_frame(v, kTcp)) == v.ipv4_tcp);
    BOOST_TEST(tw::rss_hash_of_frame(tw::kMicrosoftRssKey, ipv4_frame(v, kUdp)) == v.ipv4_tcp);
    BOOST_TEST(tw::rss_hash_of_frame(tw::kMicrosoftRssKey, ipv4_frame(v, kIcmp)) == v.ipv4);
    // First fragment (MF) and a later one (offset): addresses only.
    BOOST_TEST(tw::rss_hash_of_frame(tw::kMicrosoftRssKey, ipv4_frame(v, kTcp, 0x2000)) == v.ipv4);
    BOOST_TEST(tw::rss_hash_of_frame(tw::kMicrosoftRssKey, ipv4_frame(v, kUdp, 0x0010)) == v.ipv4);
  }
}

BOOST_AUTO_TEST_CASE(frames_that_are_not_ipv4_hash_to_zero) {
  auto frame = ipv4_frame(kMicrosoftVectors[0], 6);
  tw::store_be16(frame, 12, 0x0806);  // ARP
  BOOST_TEST(tw::rss_hash_of_frame(tw::kMicrosoftRssKey, frame) == 0u);
  frame = ipv4_frame(kMicrosoftVectors[0], 6);
  tw::store_u8(frame, 14, 0x65);  // version 6
  BOOST_TEST(tw::rss_hash_of_frame(tw::kMicrosoftRssKey, frame) == 0u);
  frame.resize(30);
  BOOST_TEST(tw::rss_hash_of_frame(tw::kMicrosoftRssKey, frame) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(redirection)

BOOST_AUTO_TEST_CASE(spread_names_queues_round_robin) {
  const auto rss = tw::RssConfig::spread(3, 8);
  BOOST_TEST(rss.reta == (std::vector<std::uint16_t>{0, 1, 2, 0, 1, 2, 0, 1}),
             boost::test_tools::per_element());
  BOOST_TEST(rss.queues() == 3u);
  BOOST_TEST(rss.queue_of(10) == 2u);  // 10 % 8 = 2
  BOOST_CHECK_THROW(tw::RssConfig::spread(0), std::invalid_argument);
  BOOST_CHECK_THROW(tw::RssConfig::spread(4, 2), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(source_port)

const auto kRemote = tw::Ipv4Address::from_octets(192, 0, 2, 80);
const auto kLocal = tw::Ipv4Address::from_octets(10, 0, 0, 7);

BOOST_AUTO_TEST_CASE(reply_hashes_equal_the_direct_hash_for_every_port) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    const tw::Ipv4Address remote{static_cast<std::uint32_t>(rng())};
    const tw::Ipv4Address local{static_cast<std::uint32_t>(rng())};
    const auto remote_port = static_cast<std::uint16_t>(rng());
    const tw::ReplyHashes replies(tw::kMicrosoftRssKey, remote, remote_port, local);
    for (std::uint32_t port = 0; port <= 0xffff; port += 1 + rng() % 97) {
      const auto p = static_cast<std::uint16_t>(port);
      BOOST_TEST_REQUIRE(replies.hash(p) ==
                         tw::rss_hash_ipv4_l4(tw::kMicrosoftRssKey, remote, local, remote_port, p));
    }
  }
}

BOOST_AUTO_TEST_CASE(picked_ports_steer_replies_to_the_asking_queue) {
  for (std::uint16_t queues : {1, 2, 3, 4, 8}) {
    const auto rss = tw::RssConfig::spread(queues, 128);
    for (std::uint16_t q = 0; q < queues; ++q) {
      const auto port = tw::pick_source_port(rss, kRemote, 443, kLocal, q);
      BOOST_TEST_REQUIRE(port.has_value());
      BOOST_TEST(*port >= tw::PortRange{}.first);
      BOOST_TEST(*port <= tw::PortRange{}.last);
      // What the NIC computes for the reply: source = remote, destination = us.
      const auto hash = tw::rss_hash_ipv4_l4(rss.key, kRemote, kLocal, 443, *port);
      BOOST_TEST(rss.queue_of(hash) == q);
    }
  }
}

BOOST_AUTO_TEST_CASE(rejected_ports_are_skipped_and_the_search_wraps) {
  const auto rss = tw::RssConfig::spread(2, 128);
  const tw::PortRange range{40000, 40100};
  std::set<std::uint16_t> taken;
  // Take every port of the range that lands on queue 1, one at a time, each
  // search starting near the end so that it has to wrap.
  for (;;) {
    const auto port = tw::pick_source_port(rss, kRemote, 80, kLocal, 1, range, 40090,
                                           [&](std::uint16_t p) { return !taken.contains(p); });
    if (!port) break;
    BOOST_TEST_REQUIRE(taken.insert(*port).second);
  }
  std::size_t expected = 0;
  for (std::uint32_t p = range.first; p <= range.last; ++p) {
    const auto hash =
        tw::rss_hash_ipv4_l4(rss.key, kRemote, kLocal, 80, static_cast<std::uint16_t>(p));
    if (rss.queue_of(hash) == 1) ++expected;
  }
  BOOST_TEST(taken.size() == expected);
  BOOST_TEST(expected > 20u);  // about half of 101
}

BOOST_AUTO_TEST_CASE(a_queue_the_table_never_names_gets_no_port) {
  const auto rss = tw::RssConfig::spread(2, 128);
  BOOST_TEST(!tw::pick_source_port(rss, kRemote, 80, kLocal, 2).has_value());
  BOOST_TEST(!tw::pick_source_port(rss, kRemote, 80, kLocal, 0, {100, 99}).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
