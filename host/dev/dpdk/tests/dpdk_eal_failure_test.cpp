// SPDX-License-Identifier: Apache-2.0
// An EAL that cannot start: the error names the arguments, and says so again on
// every later attempt (DPDK cannot retry within a process). A process of its
// own, since a failed rte_eal_init is final.
#define BOOST_TEST_MODULE dpdk_eal_failure
#include <boost/test/unit_test.hpp>

#include <string>
#include <system_error>

#include "host/dev/dpdk/dpdk_device.hpp"
#include "host/dev/dpdk/eal.hpp"

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const std::string kBadArgs = "--no-huge --no-pci --no-such-eal-option";

}  // namespace

BOOST_AUTO_TEST_CASE(a_failed_eal_is_reported_with_its_arguments_every_time) {
  try {
    tandem::dev::DpdkEal::init(kBadArgs);
    BOOST_FAIL("the EAL started with an unknown option");
  } catch (const std::system_error& e) {
    BOOST_TEST(contains(e.what(), "DPDK EAL initialization failed"), e.what());
    BOOST_TEST(contains(e.what(), kBadArgs), e.what());
  }
  BOOST_TEST(!tandem::dev::DpdkEal::initialized());
  tandem::dev::DpdkDeviceConfig config;
  config.eal_args = kBadArgs;
  config.vdev = "net_null0";
  try {
    tandem::dev::DpdkDevice device(config);
    BOOST_FAIL("a device was built without an EAL");
  } catch (const std::system_error& e) {
    BOOST_TEST(contains(e.what(), "failed earlier"), e.what());
    BOOST_TEST(contains(e.what(), kBadArgs), e.what());
  }
}
