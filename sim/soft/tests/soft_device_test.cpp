// SPDX-License-Identifier: Apache-2.0
// The soft backend end to end: the Device conformance cases
// (sim/tests/device_conformance.hpp) on two soft NICs.
#define BOOST_TEST_MODULE soft_device
#include <boost/test/unit_test.hpp>

#include "sim/soft/soft_device.hpp"
#include "sim/tests/device_conformance.hpp"

namespace {

std::unique_ptr<tandem::dev::Device> make_soft(tandem::sim::Link& link, tandem::sim::LinkEnd end,
                                               const tandem::conformance::DeviceOptions& options) {
  tandem::sim::SoftDeviceConfig config;
  config.rx_ring_size = options.rx_ring_size;
  return std::make_unique<tandem::sim::SoftDevice>(link, end, config);
}

}  // namespace

TANDEM_DEVICE_CONFORMANCE_CASES(make_soft)
