// SPDX-License-Identifier: Apache-2.0
// Tandem's TCP against the Linux kernel's on the sim backend: the cases of
// tcp_interop_cases.hpp with the per-core Stack on the NIC's RTL (nic_top under
// Verilator), whose wire is a TAP in a network namespace of the test's own.
// Every frame Linux sees was checksummed, segmented and parsed by the RTL.
//
//   Linux 10.79.0.1/24 (tdm0's address)  ◄── TAP tdm0 ──►  nic_top ──► Tandem 10.79.0.2
#define BOOST_TEST_MODULE tcp_interop_sim
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>

#include "host/stack/stack.hpp"
#include "sim/verilator/sim_device.hpp"
#include "tests/interop/interop_test.hpp"
#include "tests/interop/real_time.hpp"
#include "tests/interop/tcp_interop_cases.hpp"

namespace {

using namespace tandem;
using namespace tandem::interop::tcp_cases;
using interop::NetworkNamespace;

const std::string kTap = "tdm0";
const wire::MacAddress kTandemMac{{0x02, 0x00, 0x00, 0x79, 0x00, 0x02}};

struct SimPeer : TcpPeer {
  SimPeer() {
    // The TAP is made by the port; Linux's end of it gets the address.
    ns.run_checked({"ip", "link", "set", kTap, "up"});
    ns.add_address(kTap, kLinuxIp + "/24");
  }

  const NetworkNamespace& linux_ns() const override { return ns; }
  stack::Stack& tandem() override { return tcp; }
  bool run_until(const std::function<bool()>& done, Duration limit) override {
    const auto poll = [this](Instant now) {
      tcp.poll(now);
      return tcp.poll_at();
    };
    return interop::run_until(nic, poll, done, limit);
  }
  // Each frame is tens of simulated cycles of the whole NIC: 8 MiB each way is
  // thousands of full-size segments and a window that grows past the TAP's
  // queue, in seconds rather than the minutes 100 MiB would take.
  std::size_t bulk_bytes() const override { return std::size_t{8} << 20; }
  std::string finish_capture() override {
    capturing->flush();
    return capture;
  }

  NetworkNamespace ns{"tcpsim"};
  NetworkNamespace::Entered entered = ns.enter();
  const std::string capture = interop::capture_path_for_this_test();
  sim::CapturingPort* capturing = nullptr;
  sim::SimDevice nic{wire_port()};
  stack::Stack tcp{nic, one_core_on_every_queue(), interop::real_now()};

 private:
  // nic_top steers connections over its host queues by connection id; the one
  // Stack here takes them all.
  stack::StackConfig one_core_on_every_queue() const {
    auto config = stack_config(kTandemMac);
    config.net.rx_queues = nic.capabilities().queues;
    return config;
  }
  std::unique_ptr<sim::WirePort> wire_port() {
    auto port = std::make_unique<sim::CapturingPort>(std::make_unique<sim::TapPort>(kTap), capture);
    capturing = port.get();
    return port;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_interop_sim, *boost::unit_test::precondition(interop::available))

TANDEM_TCP_INTEROP_CASES(SimPeer)

BOOST_AUTO_TEST_SUITE_END()
