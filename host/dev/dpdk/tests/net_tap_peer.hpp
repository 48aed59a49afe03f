// SPDX-License-Identifier: Apache-2.0
// A DpdkDevice and the Linux kernel on either side of a TAP, in a network
// namespace of the test's own: what the dpdk interop tests stand on.
// Include after <boost/test/unit_test.hpp>.
//
// DPDK's net_tap port creates the TAP; Linux's side of it gets an address (and,
// if asked, a MAC). DpdkDevice has no capture of its own, and what matters is
// what crossed the wire anyway: a packet socket on Linux's side of the TAP sees
// every frame the kernel received from DPDK and sent to it, and writes them to
// a pcap for tshark.
#pragma once

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "host/dev/dpdk/dpdk_device.hpp"
#include "host/dev/dpdk/eal.hpp"
#include "host/dev/dpdk/tests/dpdk_test_env.hpp"
#include "host/dev/pcap.hpp"
#include "tests/interop/interop_test.hpp"
#include "tests/interop/real_time.hpp"

namespace tandem::dev::test {

// Frames on Linux's side of the TAP, both ways, read from a packet socket
// opened in the calling thread's namespace and written to a pcap. It can also
// send, as Linux would, frames no Linux tool would make (bad checksums).
class LinuxSide {
 public:
  LinuxSide(const std::string& interface, const std::string& pcap_path)
      : fd_(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL))), pcap_(pcap_path) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "packet socket");
    // A bulk transfer outruns the default buffer between two drains. Root may
    // exceed net.core.rmem_max (FORCE); anyone else gets what it allows.
    const int buffer = 32 << 20;
    if (::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer) != 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    }
    sockaddr_ll where{};
    where.sll_family = AF_PACKET;
    where.sll_protocol = htons(ETH_P_ALL);
    where.sll_ifindex = static_cast<int>(::if_nametoindex(interface.c_str()));
    ifindex_ = where.sll_ifindex;
    if (ifindex_ == 0 ||
        ::bind(fd_, reinterpret_cast<const sockaddr*>(&where), sizeof where) != 0) {
      const int error = errno;
      ::close(fd_);
      throw std::system_error(error, std::generic_category(), "bind to " + interface);
    }
  }
  ~LinuxSide() { ::close(fd_); }
  LinuxSide(const LinuxSide&) = delete;
  LinuxSide& operator=(const LinuxSide&) = delete;

  // Writes whatever the socket has to the capture.
  void drain() {
    std::array<std::byte, 65536> buffer{};
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), MSG_TRUNC);
      if (n < 0) return;
      pcap_.write(wire::ByteSpan(buffer.data(), std::min<std::size_t>(n, buffer.size())),
                  interop::real_now());
    }
  }
  void send(wire::ByteSpan frame) {
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = ifindex_;
    to.sll_halen = 6;
    const ssize_t n = ::sendto(fd_, frame.data(), frame.size(), 0,
                               reinterpret_cast<const sockaddr*>(&to), sizeof to);
    BOOST_TEST_REQUIRE(n == static_cast<ssize_t>(frame.size()), "sendto: " << errno);
  }
  // Drains the socket and puts the capture on disk. A capture with holes could
  // not vouch for what crossed the wire, so frames the socket had to drop fail
  // the test.
  void finish() {
    drain();
    pcap_.flush();
    tpacket_stats stats{};
    socklen_t len = sizeof stats;
    BOOST_TEST_REQUIRE(::getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &stats, &len) == 0);
    dropped_ += stats.tp_drops;  // the kernel resets them on every read
    BOOST_TEST(dropped_ == 0u, "the capture socket dropped " << dropped_ << " frames");
  }

 private:
  int fd_;
  int ifindex_ = 0;
  dev::PcapWriter pcap_;
  unsigned dropped_ = 0;
};

// How the TAP between DPDK and Linux is set up.
struct NetTapSetup {
  // What the DpdkDevice gets, but for its vdev: a net_tap on the namespace's TAP.
  DpdkDeviceConfig device;
  std::string linux_cidr;                      // Linux's address on the TAP, "10.78.0.1/24"
  std::optional<wire::MacAddress> tandem_mac;  // the port's; net_tap's random one if unset
  std::optional<wire::MacAddress> linux_mac;   // Linux's side; the kernel's random one if unset
};

// A TAP name no earlier peer of this process has used.
inline std::string next_tap_name() {
  static int serial = 0;
  return "tdmdp" + std::to_string(serial++);
}

// Linux and a DpdkDevice on either side of a TAP in a namespace of their own.
// The EAL starts before the test's thread enters the namespace, so that its own
// threads do not keep the namespace alive; the TAP is created inside.
struct NetTapPeer {
  NetTapPeer(std::string_view purpose, const NetTapSetup& setup)
      : eal(DpdkEal::init(test_eal_args())),
        ns(purpose),
        dev(on_tap(setup.device, tap, setup.tandem_mac)),
        linux_side(tap, capture) {
    if (setup.linux_mac) {
      ns.run_checked({"ip", "link", "set", "dev", tap, "address", setup.linux_mac->to_string()});
    }
    ns.add_address(tap, setup.linux_cidr);
    ns.run_checked({"ip", "link", "set", "dev", tap, "up"});
  }

  // Runs Tandem until `done` or `limit`; `poll` runs the stack (or not). The
  // capture socket is drained every round. DPDK has no fd to sleep on, so a
  // round sleeps at most 1 ms.
  bool run_until(const std::function<bool()>& done, Duration limit,
                 const interop::PollTandem& poll) {
    const auto round = [&](Instant now) {
      linux_side.drain();
      return poll(now);
    };
    return interop::run_until(dev, round, done, limit, std::chrono::milliseconds(1));
  }

  // The device's frames have all gone out, and the capture is on disk.
  void finish() {
    dev.advance(interop::real_now());
    BOOST_TEST(!dev.next_event().has_value());  // no TX backlog
    linux_side.finish();
  }

  DpdkEal& eal;
  interop::NetworkNamespace ns;
  interop::NetworkNamespace::Entered inside = ns.enter();
  const std::string tap = next_tap_name();
  const std::string capture = interop::capture_path_for_this_test();
  DpdkDevice dev;
  LinuxSide linux_side;

 private:
  static DpdkDeviceConfig on_tap(DpdkDeviceConfig config, const std::string& tap,
                                 const std::optional<wire::MacAddress>& mac) {
    config.eal_args = test_eal_args();
    config.vdev = unique_vdev("net_tap") + ",iface=" + tap;
    if (mac) config.vdev += ",mac=" + mac->to_string();
    return config;
  }
};

}  // namespace tandem::dev::test
