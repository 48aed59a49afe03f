// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE stack
#include <boost/test/unit_test.hpp>

#include "host/stack/syn_cookie.hpp"

using namespace tandem;
using namespace std::chrono_literals;
using stack::SynCookies;

namespace {

const tcp::FourTuple kTuple{tcp::Endpoint{wire::Ipv4Address{0x0a000002}, 80},
                            tcp::Endpoint{wire::Ipv4Address{0x0a000001}, 40000}};
const tcp::SipKey kSecret{0x0123456789abcdefULL, 0xfedcba9876543210ULL};

}  // namespace

BOOST_AUTO_TEST_SUITE(syn_cookie)

BOOST_AUTO_TEST_CASE(returns_the_mss_rounded_down_to_the_table) {
  const SynCookies cookies(kSecret);
  const Instant t = Instant{} + 1000s;
  const wire::SeqNum isn(12345);
  for (const auto& [offered, encoded] : {std::pair<std::uint16_t, std::uint16_t>{1460, 1460},
                                         {1400, 1400},
                                         {1399, 1300},
                                         {536, 536},
                                         {9000, 8960},
                                         {100, 536}}) {
    const auto cookie = cookies.make(kTuple, isn, offered, t);
    BOOST_TEST(cookies.check(kTuple, isn, cookie, t + 1s).value_or(0) == encoded);
  }
}

BOOST_AUTO_TEST_CASE(refuses_another_tuple_isn_or_a_changed_bit) {
  const SynCookies cookies(kSecret);
  const Instant t = Instant{} + 1000s;
  const wire::SeqNum isn(777);
  const auto cookie = cookies.make(kTuple, isn, 1460, t);
  tcp::FourTuple other = kTuple;
  other.remote.port = 40001;
  BOOST_TEST(!cookies.check(other, isn, cookie, t));
  BOOST_TEST(!cookies.check(kTuple, isn + 1, cookie, t));
  for (unsigned bit = 0; bit < 32; ++bit) {
    BOOST_TEST(!cookies.check(kTuple, isn, wire::SeqNum(cookie.raw() ^ (1u << bit)), t));
  }
  const SynCookies other_secret(tcp::SipKey{1, 2});
  BOOST_TEST(!other_secret.check(kTuple, isn, cookie, t));
}

BOOST_AUTO_TEST_CASE(expires_after_two_periods) {
  const SynCookies cookies(kSecret);
  const Instant t = Instant{} + 6400s;
  const wire::SeqNum isn(1);
  const auto cookie = cookies.make(kTuple, isn, 1460, t);
  BOOST_TEST(cookies.check(kTuple, isn, cookie, t + 127s).has_value());
  BOOST_TEST(!cookies.check(kTuple, isn, cookie, t + 192s));
}

BOOST_AUTO_TEST_CASE(timestamp_carries_window_scale_and_sack) {
  for (const SynCookies::Options o :
       {SynCookies::Options{std::nullopt, false}, SynCookies::Options{7, true},
        SynCookies::Options{14, false}, SynCookies::Options{0, true}}) {
    const std::uint32_t ts = SynCookies::stamp_options(0xdeadbeef, o);
    BOOST_TEST((ts & ~SynCookies::kTsOptionMask) == (0xdeadbeefu & ~SynCookies::kTsOptionMask));
    BOOST_TEST((SynCookies::options_from_echo(ts) == o));
  }
}

BOOST_AUTO_TEST_SUITE_END()
