// SPDX-License-Identifier: Apache-2.0
// Tandem's TCP against the Linux kernel's on the dpdk backend: the cases of
// tcp_interop_cases.hpp, the same as on the tap backend, with the per-core
// Stack on a DpdkDevice. DPDK runs without hugepages or PCI, its port a
// net_tap in a network namespace of the test's own (net_tap_peer.hpp), and a
// packet socket on Linux's side of the TAP captures what crossed it.
//
//   Linux 10.79.0.1/24  ◄── TAP tdmdp0 (net_tap) ──►  Tandem 10.79.0.2, net_tap's MAC
#define BOOST_TEST_MODULE tcp_interop_dpdk
#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>

#include "host/dev/dpdk/dpdk_device.hpp"
#include "host/dev/dpdk/tests/net_tap_peer.hpp"
#include "host/stack/stack.hpp"
#include "tests/interop/interop_test.hpp"
#include "tests/interop/real_time.hpp"
#include "tests/interop/tcp_interop_cases.hpp"

namespace {

using namespace tandem;
using namespace tandem::interop::tcp_cases;
using dev::OffloadPolicy;

// The NIC kernels compiled as C++ are what the tap backend runs on; here the
// port's offloads carry checksums and TSO, as on a real NIC, and the kernels
// only what net_tap lacks. Requiring them makes the test say so if net_tap
// stopped offering them.
dev::DpdkDeviceConfig device_config() {
  dev::DpdkDeviceConfig config;
  config.offloads.tx_checksum = OffloadPolicy::require_port;
  config.offloads.tso = OffloadPolicy::require_port;
  config.offloads.rx_checksum = OffloadPolicy::require_port;
  return config;
}

struct DpdkPeer : TcpPeer {
  const interop::NetworkNamespace& linux_ns() const override { return net_tap.ns; }
  stack::Stack& tandem() override { return tcp; }
  bool run_until(const std::function<bool()>& done, Duration limit) override {
    return net_tap.run_until(done, limit, [this](Instant now) {
      tcp.poll(now);
      return tcp.poll_at();
    });
  }
  // 16 MiB each way rather than the tap variant's 100 MiB, so that the test
  // stays well under a minute in the ASan build CI runs: there either backend
  // moves about 2 MiB/s, the Stack and the NIC kernels all instrumented (here
  // the kernels still parse every received frame and cut the TSO jobs of
  // full-MSS segments, whose frames exceed net_tap's GSO limit). 100 MiB
  // would take a minute a case, as it does on tap.
  std::size_t bulk_bytes() const override { return std::size_t{16} << 20; }
  std::string finish_capture() override {
    net_tap.finish();
    BOOST_TEST(net_tap.dev.dpdk_counters().tx_port_offload > 0u);
    BOOST_TEST(tcp.interface().counters().link.tx_refused == 0u);
    return net_tap.capture;
  }

  // Both MACs are the ones net_tap and Linux choose: the Stack takes the port's.
  dev::test::NetTapPeer net_tap{"tcp-dpdk",
                                {.device = device_config(),
                                 .linux_cidr = kLinuxIp + "/24",
                                 .tandem_mac = std::nullopt,
                                 .linux_mac = std::nullopt}};
  stack::Stack tcp{net_tap.dev, stack_config(net_tap.dev.mac_address()), interop::real_now()};
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_interop_dpdk, *boost::unit_test::precondition(interop::available))

TANDEM_TCP_INTEROP_CASES(DpdkPeer)

BOOST_AUTO_TEST_SUITE_END()
