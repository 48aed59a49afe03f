// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <sstream>

#include "host/wire/seq.hpp"

using tandem::wire::SeqNum;

BOOST_AUTO_TEST_SUITE(seq_num)

BOOST_AUTO_TEST_CASE(comparison_wraps_around) {
  const SeqNum before(0xfffffff0);
  const SeqNum after(0x10);
  BOOST_TEST(before < after);
  BOOST_TEST(after > before);
  BOOST_TEST(before <= after);
  BOOST_TEST(after >= before);
  BOOST_TEST(!(after < before));
  BOOST_TEST(!(before > after));
  BOOST_TEST(before != after);
  BOOST_TEST(SeqNum(5) <= SeqNum(5));
  BOOST_TEST(SeqNum(5) >= SeqNum(5));
  BOOST_TEST(!(SeqNum(5) < SeqNum(5)));
}

BOOST_AUTO_TEST_CASE(comparison_holds_up_to_half_the_space) {
  // RFC 9293 §3.4: comparisons are meaningful while the numbers are less than
  // 2^31 apart, wherever they sit in the space.
  BOOST_TEST(SeqNum(0) < SeqNum(0x7fffffff));
  BOOST_TEST(SeqNum(0x80000000) < SeqNum(0xffffffff));
  BOOST_TEST(SeqNum(0x90000000) < SeqNum(0x0fffffff));
  BOOST_TEST(SeqNum(0x0fffffff) > SeqNum(0x90000000));
}

BOOST_AUTO_TEST_CASE(signed_distance) {
  BOOST_TEST(SeqNum(0x10) - SeqNum(0xfffffff0) == 0x20);
  BOOST_TEST(SeqNum(0xfffffff0) - SeqNum(0x10) == -0x20);
  BOOST_TEST(SeqNum(1000) - SeqNum(1000) == 0);
}

BOOST_AUTO_TEST_CASE(arithmetic_wraps) {
  BOOST_TEST(SeqNum(0xffffffff) + 1 == SeqNum(0));
  BOOST_TEST(SeqNum(0xfffffff0) + 0x20 == SeqNum(0x10));
  BOOST_TEST(SeqNum(0) - 1 == SeqNum(0xffffffff));
  SeqNum s(0xfffffffe);
  s += 3;
  BOOST_TEST(s == SeqNum(1));
  BOOST_TEST(s.raw() == 1u);
}

BOOST_AUTO_TEST_CASE(in_window_edges) {
  const SeqNum lo(1000);
  BOOST_TEST(lo.in_window(lo, 1));
  BOOST_TEST(SeqNum(1099).in_window(lo, 100));
  BOOST_TEST(!SeqNum(1100).in_window(lo, 100));  // hi is outside: lo <= s < lo + size
  BOOST_TEST(!SeqNum(999).in_window(lo, 100));
  BOOST_TEST(!lo.in_window(lo, 0));  // an empty window holds nothing
  BOOST_TEST(!SeqNum(0x80000000).in_window(lo, 100));
}

BOOST_AUTO_TEST_CASE(in_window_across_the_wrap) {
  const SeqNum lo(0xfffffff0);
  BOOST_TEST(SeqNum(0xfffffff0).in_window(lo, 0x20));
  BOOST_TEST(SeqNum(0xffffffff).in_window(lo, 0x20));
  BOOST_TEST(SeqNum(0).in_window(lo, 0x20));
  BOOST_TEST(SeqNum(0x0f).in_window(lo, 0x20));
  BOOST_TEST(!SeqNum(0x10).in_window(lo, 0x20));
  BOOST_TEST(!SeqNum(0xffffffef).in_window(lo, 0x20));
}

BOOST_AUTO_TEST_CASE(min_max_follow_sequence_order) {
  const SeqNum a(0xfffffff0);
  const SeqNum b(0x10);
  BOOST_TEST(tandem::wire::max(a, b) == b);
  BOOST_TEST(tandem::wire::max(b, a) == b);
  BOOST_TEST(tandem::wire::min(a, b) == a);
  BOOST_TEST(tandem::wire::min(b, a) == a);
}

BOOST_AUTO_TEST_CASE(prints_the_raw_value) {
  std::ostringstream os;
  os << SeqNum(4294967295u);
  BOOST_TEST(os.str() == "4294967295");
  BOOST_TEST(SeqNum().raw() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
