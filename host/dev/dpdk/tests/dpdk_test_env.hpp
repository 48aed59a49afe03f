// SPDX-License-Identifier: Apache-2.0
// What the DPDK tests share: the EAL arguments of a test process (no hugepages,
// no PCI, a file prefix of its own so that concurrent runs never meet), and
// virtual devices named uniquely within the process.
#pragma once

#include <unistd.h>

#include <string>

namespace tandem::dev::test {

// DPDK with ordinary memory: what CI machines without hugepages or NICs have.
inline const std::string& test_eal_args() {
  static const std::string args =
      "--no-huge --no-pci -m 256 --no-telemetry --log-level=warning --file-prefix=tdm-test-" +
      std::to_string(::getpid());
  return args;
}

// A name no other vdev of this process has had: "net_ring3", say.
inline std::string unique_vdev(const std::string& driver) {
  static int serial = 0;
  return driver + std::to_string(serial++);
}

}  // namespace tandem::dev::test
