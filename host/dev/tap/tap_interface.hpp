// SPDX-License-Identifier: Apache-2.0
// A Linux TAP interface attached for whole Ethernet frames: the one place
// Tandem opens /dev/net/tun, for the tap backend (tap_device.hpp) and for the
// sim backend's TAP wire (sim/verilator/sim_device.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tandem::dev {

class TapInterface {
 public:
  // Attaches to the TAP `name`, creating it when absent, non-blocking and
  // without tun's packet-information prefix (frames come and go exactly as on
  // the wire); sets the MTU to `mtu` when given and brings the interface up,
  // each only when needed, so that a user without CAP_NET_ADMIN can use a TAP
  // prepared for them. Throws std::system_error naming the interface, the step
  // that failed and what to do about it.
  explicit TapInterface(const std::string& name, std::optional<std::uint16_t> mtu = std::nullopt);
  ~TapInterface();
  TapInterface(const TapInterface&) = delete;
  TapInterface& operator=(const TapInterface&) = delete;

  // Readable when Linux has sent a frame; a read(2) returns one whole frame.
  int fd() const { return fd_; }
  // The interface name the kernel confirmed.
  const std::string& name() const { return name_; }

 private:
  int fd_ = -1;
  std::string name_;
};

}  // namespace tandem::dev
