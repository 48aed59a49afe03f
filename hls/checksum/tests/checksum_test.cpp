// SPDX-License-Identifier: Apache-2.0
// The checksum helpers on the RFCs' own worked examples: the per-lane sums of
// hls/common/csum.hpp on RFC 1071 §3, and csum_update16 on RFC 1624 §4 and
// against recomputation. checksum_rx_test.cpp and checksum_tx_test.cpp test the
// two engines.
#define BOOST_TEST_MODULE hls_checksum
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "hls/checksum/checksum.hpp"
#include "hls/common/csum.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/checksum.hpp"

namespace {

using namespace tandem::hls_kernels;

// RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to 2ddf0, folded ddf2; the
// checksum is its complement, 220d.
constexpr std::uint8_t kRfc1071Bytes[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

void put_byte(ap_uint<kBeatBits>& data, int lane, unsigned v) {
  data.range(8 * lane + 7, 8 * lane) = v;
}

ap_uint<kBeatBits> random_beat(std::mt19937_64& rng) {
  ap_uint<kBeatBits> data;
  for (int lane = 0; lane < kBeatBytes; ++lane)
    put_byte(data, lane, rng() & 0xff);
  return data;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(helpers)

BOOST_AUTO_TEST_CASE(rfc1071_section3_example_on_beat_lanes) {
  std::mt19937_64 rng(1071);
  // At any even lane, amid random bytes that the lane mask must keep out.
  for (int start = 0; start + 8 <= kBeatBytes; start += 2) {
    ap_uint<kBeatBits> data = random_beat(rng);
    for (int i = 0; i < 8; ++i)
      put_byte(data, start + i, kRfc1071Bytes[i]);
    const CsumAcc sum = beat_word_sum(data, region_mask(0, start, start + 8));
    BOOST_TEST(sum.to_uint() == 0x2ddf0u);
    BOOST_TEST(csum_fold(sum).to_uint() == 0xddf2u);
    BOOST_TEST((~csum_fold(sum).to_uint() & 0xffffu) == 0x220du);
  }
  // Split across two beats, the partial sums add up to the same.
  ap_uint<kBeatBits> first = random_beat(rng), second = random_beat(rng);
  for (int i = 0; i < 4; ++i) {
    put_byte(first, 60 + i, kRfc1071Bytes[i]);
    put_byte(second, i, kRfc1071Bytes[4 + i]);
  }
  const CsumAcc split =
      beat_word_sum(first, region_mask(0, 60, 68)) + beat_word_sum(second, region_mask(64, 60, 68));
  BOOST_TEST(csum_fold(split).to_uint() == 0xddf2u);
  // §2(B): byte order independence. Swapping the bytes of every word swaps the sum.
  ap_uint<kBeatBits> swapped = 0;
  for (int i = 0; i < 8; ++i)
    put_byte(swapped, i ^ 1, kRfc1071Bytes[i]);
  BOOST_TEST(csum_fold(beat_word_sum(swapped, region_mask(0, 0, 8))).to_uint() == 0xf2ddu);
}

// RFC 1624 §4: the other header words sum to CD7A, the field m = 5555 becomes
// m' = 3285. HC = ~(CD7A + 5555) = DD2F; recomputing gives ~(CD7A + 3285) =
// ~FFFF = 0000, and so must eqn. 3, where eqn. 2 gives FFFF.
BOOST_AUTO_TEST_CASE(rfc1624_section4_example) {
  BOOST_TEST(csum_update16(0xdd2f, 0x5555, 0x3285).to_uint() == 0x0000u);
  // Changing the word back restores the original checksum.
  BOOST_TEST(csum_update16(0x0000, 0x3285, 0x5555).to_uint() == 0xdd2fu);
  // A word that does not change leaves the checksum as it was.
  BOOST_TEST(csum_update16(0xdd2f, 0x1234, 0x1234).to_uint() == 0xdd2fu);
}

BOOST_AUTO_TEST_CASE(update16_equals_recomputation) {
  std::mt19937_64 rng(1624);
  for (int n = 0; n < 20000; ++n) {
    std::vector<std::byte> header(20 + 4 * (rng() % 11));
    for (auto& b : header)
      b = static_cast<std::byte>(rng());
    tandem::wire::store_be16(header, 10, 0);
    const std::uint16_t before = tandem::wire::internet_checksum(header);
    tandem::wire::store_be16(header, 10, before);
    std::size_t at = 2 * (rng() % (header.size() / 2));
    if (at == 10) at = 8;  // the checksum field is not data it covers
    const std::uint16_t old_word = tandem::wire::load_be16(header, at);
    const auto new_word = static_cast<std::uint16_t>(rng());
    tandem::wire::store_be16(header, at, new_word);
    tandem::wire::store_be16(header, 10, 0);
    const std::uint16_t recomputed = tandem::wire::internet_checksum(header);
    BOOST_TEST_CONTEXT("word at " << at << " " << old_word << " -> " << new_word) {
      BOOST_TEST(csum_update16(before, old_word, new_word).to_uint() == recomputed);
      BOOST_TEST(csum_update16(before, old_word, new_word).to_uint() ==
                 tandem::wire::checksum_update16(before, old_word, new_word));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
