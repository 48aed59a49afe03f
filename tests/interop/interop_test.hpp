// SPDX-License-Identifier: Apache-2.0
// Boost.Test glue for interop tests. Include after <boost/test/unit_test.hpp>.
//
//   BOOST_AUTO_TEST_SUITE(ping, *boost::unit_test::precondition(tandem::interop::available))
//
// skips the suite, saying why, where interop tests cannot run (not root, no
// /dev/net/tun); where they can (CI runs as root), they run.
#pragma once

#include <string>

#include "tests/interop/capture_check.hpp"
#include "tests/interop/netns.hpp"

namespace tandem::interop {

inline boost::test_tools::assertion_result available(boost::unit_test::test_unit_id) {
  const auto why = why_unavailable();
  boost::test_tools::assertion_result result(!why);
  if (why) result.message() << *why;
  return result;
}

// A capture file named after the running test module and case, in the working
// directory (CTest's: the build tree), where it stays for a look after a
// failure. The module is in the name because the same cases run on several
// backends, in test programs that CTest runs at the same time.
inline std::string capture_path_for_this_test() {
  namespace utf = boost::unit_test;
  return "interop-" + utf::framework::master_test_suite().p_name.get() + "-" +
         utf::framework::current_test_case().p_name.get() + ".pcap";
}

// Fails the test with tshark's lines for every offending frame.
inline void check_capture_is_clean(const std::string& pcap) {
  const CaptureVerdict verdict = check_capture(pcap);
  BOOST_TEST(verdict.ok(), pcap << ": " << verdict.report());
}

}  // namespace tandem::interop
