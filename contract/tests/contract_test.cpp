// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE contract
#include <boost/test/unit_test.hpp>

#include "contract/nic_contract.hpp"

namespace c = tandem::contract;

BOOST_AUTO_TEST_SUITE(rx_meta_sideband)

BOOST_AUTO_TEST_CASE(fields_do_not_overlap_and_fit_the_word) {
  namespace b = c::rx_meta_bits;
  const c::BitField fields[] = {b::frame_length,   b::l3_offset,   b::l4_offset, b::payload_offset,
                                b::payload_length, b::l3,          b::l4,        b::parse,
                                b::l3_checksum,    b::l4_checksum, b::tcp_flags, b::queue,
                                b::conn_id,        b::rss_hash};
  bool used[b::kWidth] = {};
  for (const auto& f : fields) {
    BOOST_TEST_REQUIRE(f.offset + f.width <= b::kWidth);
    for (unsigned i = f.offset; i < f.offset + f.width; ++i) {
      BOOST_TEST(!used[i], "bit " << i << " is claimed twice");
      used[i] = true;
    }
  }
}

BOOST_AUTO_TEST_CASE(pack_then_unpack_is_identity_at_field_limits) {
  c::RxMeta m;
  m.frame_length = 0xffff;
  m.l3_offset = 14;
  m.l4_offset = 0xff;
  m.payload_offset = 0xfedc;
  m.payload_length = 0x1234;
  m.l3 = c::L3Kind::other;
  m.l4 = c::L4Kind::other;
  m.parse = c::ParseStatus::fragment;
  m.l3_checksum = c::ChecksumStatus::bad;
  m.l4_checksum = c::ChecksumStatus::good;
  m.tcp_flags = 0xff;
  m.queue = 0xfff;
  m.conn_id = c::kLookupMiss;
  m.rss_hash = 0x89abcdef;
  BOOST_TEST((c::unpack_rx_meta(c::pack_rx_meta(m)) == m));
}

BOOST_AUTO_TEST_CASE(pack_places_fields_at_their_documented_bits) {
  c::RxMeta m;
  m.frame_length = 0x0102;
  m.conn_id = 0xa5a5a5a5;
  m.rss_hash = 0x00000001;
  m.tcp_flags = 0x12;  // SYN+ACK
  const auto w = c::pack_rx_meta(m);
  BOOST_TEST(w.lane[0] == 0x00000102u);
  BOOST_TEST(w.lane[3] == 0xa5a5a5a5u);
  BOOST_TEST(w.lane[4] == 0x00000001u);
  BOOST_TEST(((w.lane[2] >> (76 - 64)) & 0xffu) == 0x12u);
}

BOOST_AUTO_TEST_CASE(pack_is_usable_at_compile_time) {
  constexpr c::RxMeta m{.frame_length = 60, .l3_offset = 14};
  static_assert(c::unpack_rx_meta(c::pack_rx_meta(m)) == m);
  BOOST_TEST(true);
}

BOOST_AUTO_TEST_SUITE_END()
