// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

#include "host/tcp/isn.hpp"

namespace tt = tandem::tcp;
namespace tw = tandem::wire;

BOOST_AUTO_TEST_SUITE(isn)

// The reference vectors of the SipHash paper (Appendix A) and its reference code:
// key 00..0f, messages 00..(n-1).
BOOST_AUTO_TEST_CASE(siphash24_matches_the_reference_vectors) {
  const tt::SipKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  std::array<std::byte, 15> msg{};
  for (std::size_t i = 0; i < msg.size(); ++i)
    msg[i] = static_cast<std::byte>(i);
  BOOST_TEST(tt::siphash24(key, {}) == 0x726fdb47dd0e0e31ULL);
  BOOST_TEST(tt::siphash24(key, tw::ByteSpan(msg).first(8)) == 0x93f5f5799a932462ULL);
  BOOST_TEST(tt::siphash24(key, msg) == 0xa129ca6149be45e5ULL);
}

BOOST_AUTO_TEST_CASE(isn_advances_every_4us_and_depends_on_tuple_and_secret) {
  const tt::IsnGenerator gen({1, 2});
  const tt::FourTuple a{{tw::Ipv4Address::from_octets(10, 0, 0, 1), 1000},
                        {tw::Ipv4Address::from_octets(10, 0, 0, 2), 80}};
  tt::FourTuple b = a;
  b.local.port = 1001;
  const auto t0 = tandem::instant_from_ns(1'000'000);
  BOOST_TEST((gen.isn(a, t0 + std::chrono::microseconds(40)) - gen.isn(a, t0)) == 10);
  BOOST_TEST(gen.isn(a, t0) != gen.isn(b, t0));
  BOOST_TEST(tt::IsnGenerator({1, 3}).isn(a, t0) != gen.isn(a, t0));
  BOOST_TEST(gen.timestamp_offset(a) != gen.timestamp_offset(b));
}

BOOST_AUTO_TEST_SUITE_END()
