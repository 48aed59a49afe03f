// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include "host/tcp/congestion/newreno.hpp"

namespace tt = tandem::tcp;

namespace {
constexpr std::uint32_t kMss = 1000;
const tandem::Instant kT0{};
}  // namespace

BOOST_AUTO_TEST_SUITE(newreno)

BOOST_AUTO_TEST_CASE(initial_window_follows_rfc5681) {
  BOOST_TEST(tt::NewReno::initial_window(1460) == 4380u);  // 3 segments
  BOOST_TEST(tt::NewReno::initial_window(536) == 2144u);   // 4 segments
  BOOST_TEST(tt::NewReno::initial_window(3000) == 6000u);  // 2 segments
  tt::NewReno cc;
  cc.on_established(kMss, true);
  BOOST_TEST(cc.cwnd() == kMss);  // one segment after a lost SYN
}

BOOST_AUTO_TEST_CASE(slow_start_then_congestion_avoidance) {
  tt::NewReno cc;
  cc.on_established(kMss, false);
  const auto iw = cc.cwnd();
  cc.on_ack(5000, kMss, kT0);  // at most one MSS per ACK (RFC 3465 L=1)
  BOOST_TEST(cc.cwnd() == iw + kMss);
  cc.on_rto(8000, kMss, kT0);
  BOOST_TEST(cc.ssthresh() == 4000u);
  BOOST_TEST(cc.cwnd() == kMss);
  for (int i = 0; i < 3; ++i)
    cc.on_ack(kMss, kMss, kT0);
  BOOST_TEST(cc.cwnd() == 4000u);  // reached ssthresh
  // Congestion avoidance: one MSS per cwnd of acknowledged bytes.
  for (int i = 0; i < 3; ++i)
    cc.on_ack(kMss, kMss, kT0);
  BOOST_TEST(cc.cwnd() == 4000u);
  cc.on_ack(kMss, kMss, kT0);
  BOOST_TEST(cc.cwnd() == 5000u);
}

BOOST_AUTO_TEST_CASE(fast_recovery_inflates_deflates_and_exits) {
  tt::NewReno cc;
  cc.on_established(kMss, false);
  cc.on_enter_recovery(10000, kMss, kT0);
  BOOST_TEST(cc.ssthresh() == 5000u);
  BOOST_TEST(cc.cwnd() == 8000u);  // ssthresh + 3 MSS
  cc.on_recovery_dup_ack(kMss);
  BOOST_TEST(cc.cwnd() == 9000u);
  cc.on_partial_ack(3000, kMss);  // deflate by 3000, add back one MSS
  BOOST_TEST(cc.cwnd() == 7000u);
  cc.on_exit_recovery(2000, kMss);  // min(ssthresh, flight + MSS)
  BOOST_TEST(cc.cwnd() == 3000u);
  cc.on_exit_recovery(9000, kMss);
  BOOST_TEST(cc.cwnd() == 5000u);
}

BOOST_AUTO_TEST_CASE(cwnd_is_capped_by_twice_the_peer_window) {
  tt::NewReno cc;
  cc.on_established(kMss, false);
  cc.set_max_window(4000);
  for (int i = 0; i < 20; ++i)
    cc.on_ack(kMss, kMss, kT0);
  BOOST_TEST(cc.cwnd() == 8000u);
}

BOOST_AUTO_TEST_SUITE_END()
