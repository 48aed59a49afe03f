// SPDX-License-Identifier: Apache-2.0
// Tandem's Toeplitz hash against DPDK's rte_softrss and rte_softrss_be, the
// software RSS that DPDK applications use to predict where a NIC steers a flow:
// on seeded random tuples and keys, both must agree with Tandem for the 2-tuple
// and the 4-tuple. The rte_thash helpers are inline and need no EAL.
#define BOOST_TEST_MODULE dpdk_toeplitz
#include <boost/test/unit_test.hpp>

#include <rte_thash.h>

#include <array>
#include <cstdint>
#include <random>

#include "host/wire/address.hpp"
#include "host/wire/toeplitz.hpp"

namespace {

namespace tw = tandem::wire;

constexpr int kTuples = 20000;

// rte_softrss reads the key as 32-bit words.
struct alignas(4) Key {
  std::array<std::uint8_t, 40> bytes{};
};

struct Tuple {
  tw::Ipv4Address src;
  tw::Ipv4Address dst;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
};

Tuple random_tuple(std::mt19937& rng) {
  return {tw::Ipv4Address{static_cast<std::uint32_t>(rng())},
          tw::Ipv4Address{static_cast<std::uint32_t>(rng())}, static_cast<std::uint16_t>(rng()),
          static_cast<std::uint16_t>(rng())};
}

// DPDK's tuple is in host order, ports with the source in the high half of the
// third word, as the packet carries them.
rte_ipv4_tuple dpdk_tuple(const Tuple& t) {
  rte_ipv4_tuple d{};
  d.src_addr = t.src.value;
  d.dst_addr = t.dst.value;
  d.sport = t.src_port;
  d.dport = t.dst_port;
  return d;
}

std::uint32_t softrss(rte_ipv4_tuple tuple, std::uint32_t words, const Key& key) {
  return rte_softrss(reinterpret_cast<std::uint32_t*>(&tuple), words, key.bytes.data());
}

std::uint32_t softrss_be(rte_ipv4_tuple tuple, std::uint32_t words, const Key& key) {
  Key converted;
  rte_convert_rss_key(reinterpret_cast<const std::uint32_t*>(key.bytes.data()),
                      reinterpret_cast<std::uint32_t*>(converted.bytes.data()),
                      static_cast<int>(key.bytes.size()));
  return rte_softrss_be(reinterpret_cast<std::uint32_t*>(&tuple), words, converted.bytes.data());
}

void compare(const Key& key, const Tuple& t) {
  const auto d = dpdk_tuple(t);
  const auto l4 = tw::rss_hash_ipv4_l4(key.bytes, t.src, t.dst, t.src_port, t.dst_port);
  const auto l3 = tw::rss_hash_ipv4(key.bytes, t.src, t.dst);
  BOOST_TEST_REQUIRE(l4 == softrss(d, RTE_THASH_V4_L4_LEN, key));
  BOOST_TEST_REQUIRE(l4 == softrss_be(d, RTE_THASH_V4_L4_LEN, key));
  BOOST_TEST_REQUIRE(l3 == softrss(d, RTE_THASH_V4_L3_LEN, key));
  BOOST_TEST_REQUIRE(l3 == softrss_be(d, RTE_THASH_V4_L3_LEN, key));
}

}  // namespace

BOOST_AUTO_TEST_CASE(standard_key_random_tuples) {
  Key key;
  key.bytes = tw::kMicrosoftRssKey;
  std::mt19937 rng(11);
  for (int i = 0; i < kTuples; ++i)
    compare(key, random_tuple(rng));
}

BOOST_AUTO_TEST_CASE(random_keys_random_tuples) {
  std::mt19937 rng(12);
  for (int k = 0; k < 50; ++k) {
    Key key;
    for (auto& b : key.bytes)
      b = static_cast<std::uint8_t>(rng());
    for (int i = 0; i < kTuples / 50; ++i)
      compare(key, random_tuple(rng));
  }
}

// The symmetric key (0x6d5a repeated) hashes both directions of a flow alike,
// a property that only holds if the bit alignment is exactly RSS's.
BOOST_AUTO_TEST_CASE(symmetric_key_matches_dpdk_and_is_symmetric) {
  Key key;
  for (std::size_t i = 0; i < key.bytes.size(); ++i)
    key.bytes[i] = i % 2 == 0 ? 0x6d : 0x5a;
  std::mt19937 rng(13);
  for (int i = 0; i < 1000; ++i) {
    const Tuple t = random_tuple(rng);
    compare(key, t);
    BOOST_TEST_REQUIRE(tw::rss_hash_ipv4_l4(key.bytes, t.src, t.dst, t.src_port, t.dst_port) ==
                       tw::rss_hash_ipv4_l4(key.bytes, t.dst, t.src, t.dst_port, t.src_port));
  }
}
