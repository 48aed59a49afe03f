// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE wire
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <random>
#include <vector>

#include "host/wire/bytes.hpp"
#include "host/wire/checksum.hpp"
#include "host/wire/result.hpp"
#include "host/wire/tests/wire_test_util.hpp"

namespace tw = tandem::wire;
using tw::test::from_hex;
using tw::test::random_bytes;

namespace {

std::uint16_t sum_of(tw::ByteSpan bytes) {
  tw::ChecksumAccumulator acc;
  acc.add(bytes);
  return acc.sum();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(internet_checksum)

// RFC 1071 §3, "Numerical Examples": the bytes 00 01 f2 03 f4 f5 f6 f7 sum to
// ddf2, whose complement 220d is the checksum.
BOOST_AUTO_TEST_CASE(rfc1071_worked_example) {
  const auto bytes = from_hex("00 01 f2 03 f4 f5 f6 f7");
  tw::ChecksumAccumulator acc;
  acc.add(bytes);
  BOOST_TEST(acc.sum() == 0xddf2);
  BOOST_TEST(acc.checksum() == 0x220d);
  BOOST_TEST(tw::internet_checksum(bytes) == 0x220d);
}

BOOST_AUTO_TEST_CASE(buffer_with_its_checksum_verifies_to_zero) {
  auto bytes = from_hex("00 01 f2 03 f4 f5 f6 f7 22 0d");
  BOOST_TEST(tw::internet_checksum(bytes) == 0);
  bytes[3] ^= std::byte{0x01};
  BOOST_TEST(tw::internet_checksum(bytes) != 0);
}

BOOST_AUTO_TEST_CASE(odd_length_pads_the_last_byte_with_zero) {
  BOOST_TEST(sum_of(from_hex("01")) == 0x0100);
  // abcd + ef00 = 1_9acd, folded: 9ace.
  BOOST_TEST(sum_of(from_hex("ab cd ef")) == 0x9ace);
  BOOST_TEST(tw::internet_checksum(from_hex("ab cd ef")) == 0x6531);
  BOOST_TEST(sum_of(from_hex("ab cd ef")) == sum_of(from_hex("ab cd ef 00")));
}

BOOST_AUTO_TEST_CASE(empty_input_sums_to_zero) {
  BOOST_TEST(sum_of({}) == 0);
  BOOST_TEST(tw::internet_checksum({}) == 0xffff);
}

BOOST_AUTO_TEST_CASE(end_around_carry_is_folded) {
  // ffff + ffff + 0002 = 2_0000, folded twice: 0002.
  BOOST_TEST(sum_of(from_hex("ff ff ff ff 00 02")) == 0x0002);
}

BOOST_AUTO_TEST_CASE(odd_piece_then_add_u16_straddles_words) {
  // 12 | 3456 | 78 must sum like 12 34 56 78.
  tw::ChecksumAccumulator acc;
  acc.add(from_hex("12"));
  acc.add_u16(0x3456);
  acc.add(from_hex("78"));
  BOOST_TEST(acc.sum() == sum_of(from_hex("12 34 56 78")));
  BOOST_TEST(acc.sum() == 0x68ac);
}

// Summing in pieces of any length, interleaved with add_u16/add_u32, must equal
// summing the concatenation whole.
BOOST_AUTO_TEST_CASE(piecewise_equals_whole_randomized) {
  std::mt19937 rng(1071);
  std::uniform_int_distribution<int> piece_len(0, 7);
  std::uniform_int_distribution<int> action(0, 5);
  std::uniform_int_distribution<std::uint32_t> word;
  for (int iter = 0; iter < 2000; ++iter) {
    tw::ChecksumAccumulator acc;
    std::vector<std::byte> whole;
    const int steps = 1 + iter % 40;
    for (int s = 0; s < steps; ++s) {
      switch (action(rng)) {
        case 0: {
          const auto w = static_cast<std::uint16_t>(word(rng));
          acc.add_u16(w);
          whole.push_back(static_cast<std::byte>(w >> 8));
          whole.push_back(static_cast<std::byte>(w & 0xff));
          break;
        }
        case 1: {
          const std::uint32_t w = word(rng);
          acc.add_u32(w);
          for (int shift = 24; shift >= 0; shift -= 8) {
            whole.push_back(static_cast<std::byte>((w >> shift) & 0xff));
          }
          break;
        }
        default: {
          const auto piece = random_bytes(rng, static_cast<std::size_t>(piece_len(rng)));
          acc.add(piece);
          whole.insert(whole.end(), piece.begin(), piece.end());
          break;
        }
      }
    }
    BOOST_TEST_CONTEXT("iteration " << iter) {
      BOOST_TEST(acc.sum() == sum_of(whole));
      BOOST_TEST(acc.checksum() == tw::internet_checksum(whole));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(incremental_update)

// RFC 1624 §4: checksum dd2f, a field changes 5555 -> 3285; eqn. 3 gives 0000
// where eqn. 2 would give the -0 ffff.
BOOST_AUTO_TEST_CASE(rfc1624_example) {
  BOOST_TEST(tw::checksum_update16(0xdd2f, 0x5555, 0x3285) == 0x0000);
}

BOOST_AUTO_TEST_CASE(unchanged_field_keeps_the_checksum) {
  BOOST_TEST(tw::checksum_update16(0x1234, 0xabcd, 0xabcd) == 0x1234);
  BOOST_TEST(tw::checksum_update32(0x1234, 0x0a000001, 0x0a000001) == 0x1234);
}

namespace {

constexpr std::size_t kChecksumAt = 10;

void seal(std::vector<std::byte>& header) {
  tw::store_be16(header, kChecksumAt, 0);
  tw::store_be16(header, kChecksumAt, tw::internet_checksum(header));
}

}  // namespace

// The NAT use: rewrite one field of a 20-byte header and patch the checksum
// instead of recomputing it; both must agree.
BOOST_AUTO_TEST_CASE(update_equals_recomputation_randomized) {
  std::mt19937 rng(1624);
  const std::size_t offsets16[] = {0, 2, 4, 6, 8, 12, 14, 16, 18};
  const std::size_t offsets32[] = {0, 4, 12, 16};
  std::uniform_int_distribution<std::size_t> pick16(0, std::size(offsets16) - 1);
  std::uniform_int_distribution<std::size_t> pick32(0, std::size(offsets32) - 1);
  std::uniform_int_distribution<std::uint32_t> value;
  for (int iter = 0; iter < 5000; ++iter) {
    auto header = random_bytes(rng, 20);
    seal(header);
    BOOST_TEST_REQUIRE(tw::internet_checksum(header) == 0);

    const std::size_t at16 = offsets16[pick16(rng)];
    const std::uint16_t old16 = tw::load_be16(header, at16);
    const auto new16 = static_cast<std::uint16_t>(value(rng));
    const std::uint16_t patched16 =
        tw::checksum_update16(tw::load_be16(header, kChecksumAt), old16, new16);
    tw::store_be16(header, at16, new16);
    seal(header);
    BOOST_TEST(patched16 == tw::load_be16(header, kChecksumAt), "update16 at " << at16);

    const std::size_t at32 = offsets32[pick32(rng)];
    const std::uint32_t old32 = tw::load_be32(header, at32);
    const std::uint32_t new32 = value(rng);
    const std::uint16_t patched32 =
        tw::checksum_update32(tw::load_be16(header, kChecksumAt), old32, new32);
    tw::store_be32(header, at32, new32);
    seal(header);
    BOOST_TEST(patched32 == tw::load_be16(header, kChecksumAt), "update32 at " << at32);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(parse_error)

BOOST_AUTO_TEST_CASE(names) {
  BOOST_TEST(tw::to_string(tw::ParseError::truncated) == "truncated");
  BOOST_TEST(tw::to_string(tw::ParseError::malformed) == "malformed");
  BOOST_TEST(tw::to_string(tw::ParseError::unsupported) == "unsupported");
  BOOST_TEST(tw::to_string(tw::ParseError::bad_checksum) == "bad_checksum");
}

BOOST_AUTO_TEST_CASE(parsed_holds_a_value_or_an_error) {
  const tw::Parsed<int> value(7);
  BOOST_TEST(value.ok());
  BOOST_TEST(*value == 7);
  const tw::Parsed<int> error(tw::ParseError::malformed);
  BOOST_TEST(!error.ok());
  BOOST_TEST(!error);
  BOOST_TEST(error.error() == tw::ParseError::malformed);
}

BOOST_AUTO_TEST_SUITE_END()
