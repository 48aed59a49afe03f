// SPDX-License-Identifier: Apache-2.0
// The native stand-ins must behave as Vitis's types do, or C simulation would
// pass kernels that synthesis then breaks. Wide values are checked against a
// plain bit-array model.
#define BOOST_TEST_MODULE hls_compat
#include <boost/test/unit_test.hpp>

#include <bitset>
#include <random>

#include "hls/common/hls_compat.hpp"

namespace {

template <int W>
std::bitset<W> to_bits(const ap_uint<W>& v) {
  std::bitset<W> b;
  for (int i = 0; i < W; ++i)
    b[i] = v[i];
  return b;
}

template <int W>
ap_uint<W> random_value(std::mt19937_64& rng) {
  ap_uint<W> v;
  for (int i = 0; i < W; i += 64) {
    const int hi = std::min(W - 1, i + 63);
    v.range(hi, i) = ap_uint<64>(rng());
  }
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(narrow_values)

BOOST_AUTO_TEST_CASE(wrap_to_width_on_assignment) {
  ap_uint<8> a = 250;
  ap_uint<8> b = 10;
  ap_uint<8> sum = a + b;
  BOOST_TEST(sum.to_uint() == 4u);
  ap_uint<8> minus_one = -1;
  BOOST_TEST(minus_one.to_uint() == 255u);
  a += 10;
  BOOST_TEST(a.to_uint() == 4u);
  ++a;
  BOOST_TEST(a.to_uint() == 5u);
}

BOOST_AUTO_TEST_CASE(shift_keeps_width_and_not_keeps_width) {
  const ap_uint<8> a = 0x81;
  BOOST_TEST((a << 1).to_uint() == 0x02u);
  BOOST_TEST((~a).to_uint() == 0x7eu);
  BOOST_TEST((a >> 7).to_uint() == 1u);
}

BOOST_AUTO_TEST_CASE(bit_and_range_references_assign) {
  ap_uint<16> v = 0;
  v[15] = true;
  v.range(7, 4) = 0xa;
  v(3, 0) = 0x5;
  BOOST_TEST(v.to_uint() == 0x80a5u);
  BOOST_TEST(v.range(15, 8).to_uint() == 0x80u);
  BOOST_TEST(v[0]);
  BOOST_TEST(!v[1]);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(wide_values)

BOOST_AUTO_TEST_CASE(bitwise_and_shifts_match_a_bitset_model) {
  std::mt19937_64 rng(1);
  for (int round = 0; round < 2000; ++round) {
    const auto a = random_value<512>(rng);
    const auto b = random_value<512>(rng);
    const int n = static_cast<int>(rng() % 600);
    BOOST_TEST_REQUIRE(to_bits(a & b) == (to_bits(a) & to_bits(b)));
    BOOST_TEST_REQUIRE(to_bits(a | b) == (to_bits(a) | to_bits(b)));
    BOOST_TEST_REQUIRE(to_bits(a ^ b) == (to_bits(a) ^ to_bits(b)));
    BOOST_TEST_REQUIRE(to_bits(~a) == ~to_bits(a));
    BOOST_TEST_REQUIRE(to_bits(a << n) == (to_bits(a) << n));
    BOOST_TEST_REQUIRE(to_bits(a >> n) == (to_bits(a) >> n));
  }
}

BOOST_AUTO_TEST_CASE(range_assignment_matches_a_bitset_model) {
  std::mt19937_64 rng(2);
  for (int round = 0; round < 5000; ++round) {
    auto v = random_value<512>(rng);
    const auto field = random_value<512>(rng);
    const int lo = static_cast<int>(rng() % 512);
    const int hi = lo + static_cast<int>(rng() % (512 - lo));
    auto expected = to_bits(v);
    for (int i = lo; i <= hi; ++i)
      expected[i] = field[i - lo];
    v.range(hi, lo) = field;
    BOOST_TEST_REQUIRE(to_bits(v) == expected);
    const ap_uint<512> back = v.range(hi, lo);
    for (int i = 0; i < 512; ++i)
      BOOST_TEST_REQUIRE(back[i] == (i <= hi - lo && field[i]));
  }
}

BOOST_AUTO_TEST_CASE(add_and_subtract_carry_across_words) {
  ap_uint<130> all_ones = ~ap_uint<130>(0);
  BOOST_TEST((all_ones + ap_uint<130>(1)).is_zero());
  BOOST_TEST(((ap_uint<130>(0) - ap_uint<130>(1)) == all_ones));
  ap_uint<130> low_ones = ~std::uint64_t{0};
  const auto carried = low_ones + ap_uint<130>(1);
  BOOST_TEST(carried.word(0) == 0u);
  BOOST_TEST(carried.word(1) == 1u);
  BOOST_TEST(((carried - ap_uint<130>(1)) == low_ones));
  BOOST_TEST((low_ones < carried));
}

BOOST_AUTO_TEST_CASE(ranges_cross_word_boundaries) {
  ap_uint<512> v;
  v.range(71, 56) = 0xbeef;
  BOOST_TEST(v.range(71, 56).to_uint() == 0xbeefu);
  BOOST_TEST(v.word(0) == (std::uint64_t{0xef} << 56));
  BOOST_TEST(v.word(1) == 0xbeu);
  BOOST_TEST(tandem::hls_kernels::beat_byte(v, 7) == 0xefu);
  BOOST_TEST(tandem::hls_kernels::beat_byte(v, 8) == 0xbeu);
}

BOOST_AUTO_TEST_CASE(width_conversion_truncates_and_zero_extends) {
  ap_uint<512> wide = ~ap_uint<512>(0);
  const ap_uint<16> narrow = wide;
  BOOST_TEST(narrow.to_uint() == 0xffffu);
  const ap_uint<512> back = narrow;
  BOOST_TEST(back.word(0) == 0xffffu);
  BOOST_TEST(back.word(7) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(streams)

BOOST_AUTO_TEST_CASE(fifo_order_and_empty_read_fails_loudly) {
  hls::stream<ap_uint<8>> s("s");
  s << ap_uint<8>(1);
  s.write(2);
  ap_uint<8> v;
  s >> v;
  BOOST_TEST(v.to_uint() == 1u);
  BOOST_TEST(s.read().to_uint() == 2u);
  BOOST_TEST(s.empty());
  BOOST_TEST(!s.read_nb(v));
  BOOST_CHECK_THROW(s.read(), std::logic_error);
}

BOOST_AUTO_TEST_SUITE_END()
