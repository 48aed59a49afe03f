// SPDX-License-Identifier: Apache-2.0
// Tandem's TCP against the Linux kernel's on the tap backend: the cases of
// tcp_interop_cases.hpp with the per-core Stack on a TapDevice, in a network
// namespace of the test's own. The TapDevice captures what it writes and reads.
//
//   Linux 10.79.0.1/24 (tdm0's address)  ◄── TAP tdm0 ──►  Tandem 10.79.0.2
#define BOOST_TEST_MODULE tcp_interop
#include <boost/test/unit_test.hpp>

#include <string>

#include "host/dev/tap/tap_device.hpp"
#include "host/stack/stack.hpp"
#include "tests/interop/interop_test.hpp"
#include "tests/interop/real_time.hpp"
#include "tests/interop/tcp_interop_cases.hpp"

namespace {

using namespace tandem;
using namespace tandem::interop::tcp_cases;
using interop::NetworkNamespace;

const std::string kTap = "tdm0";
const wire::MacAddress kTandemMac{{0x02, 0x00, 0x00, 0x79, 0x00, 0x02}};

dev::TapDeviceConfig tap_config(const std::string& capture) {
  dev::TapDeviceConfig c;
  c.name = kTap;
  c.capture_path = capture;
  return c;
}

struct TapPeer : TcpPeer {
  TapPeer() { ns.add_address(kTap, kLinuxIp + "/24"); }

  const NetworkNamespace& linux_ns() const override { return ns; }
  stack::Stack& tandem() override { return tcp; }
  bool run_until(const std::function<bool()>& done, Duration limit) override {
    const auto poll = [this](Instant now) {
      tcp.poll(now);
      return tcp.poll_at();
    };
    return interop::run_until(tap, poll, done, limit);
  }
  // 100 MiB each way: long enough for the congestion window to grow well past
  // any queue on the way. The dpdk variant sends less and says why.
  std::size_t bulk_bytes() const override { return std::size_t{100} << 20; }
  std::string finish_capture() override {
    tap.flush_capture();
    return capture;
  }

  NetworkNamespace ns{"tcp"};
  NetworkNamespace::Entered entered = ns.enter();
  const std::string capture = interop::capture_path_for_this_test();
  dev::TapDevice tap{tap_config(capture)};
  stack::Stack tcp{tap, stack_config(kTandemMac), interop::real_now()};
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_interop, *boost::unit_test::precondition(interop::available))

TANDEM_TCP_INTEROP_CASES(TapPeer)

BOOST_AUTO_TEST_SUITE_END()
