// SPDX-License-Identifier: Apache-2.0
// The device interface every backend implements (soft, sim, tap, dpdk, xrt). It
// is the host side of contract/nic_contract.hpp: the host runtime talks to a NIC
// only through this class, so the same stack runs on every backend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "contract/nic_contract.hpp"
#include "host/base/time.hpp"
#include "host/wire/bytes.hpp"

namespace tandem::dev {

using contract::Capabilities;
using contract::FlowCommand;
using contract::FlowCompletion;
using contract::RxMeta;
using contract::TxStatus;
using wire::ByteSpan;

// Receives RX completions. The frame's bytes are valid only during the call:
// the device reuses its buffer afterwards, as a NIC reuses an RX descriptor.
class RxSink {
 public:
  virtual void on_receive(const RxMeta& meta, ByteSpan frame) = 0;

 protected:
  ~RxSink() = default;
};

// Per-device counters, readable from outside like `ethtool -S`.
struct DeviceCounters {
  std::uint64_t tx_frames = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t tx_tso_jobs = 0;
  std::uint64_t tx_refused = 0;  // descriptors rejected with a TxStatus other than ok
  std::uint64_t rx_frames = 0;
  std::uint64_t rx_bytes = 0;
  std::uint64_t rx_dropped = 0;  // RX queue full: the frame never reached the host
  std::uint64_t flow_commands = 0;
};

class Device {
 public:
  virtual ~Device() = default;
  Device() = default;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  virtual const Capabilities& capabilities() const = 0;

  // TX. The device has taken the bytes when these return (as a NIC has DMA-read
  // them when it completes the descriptor), so the caller's buffers are free
  // again. A refused descriptor sends nothing; ring_full asks the caller to keep
  // the work and retry after the next advance().
  //
  // `flags` are contract::tx_flag bits; asking for a checksum the device does not
  // offer (capabilities()) is a caller bug and asserts.
  virtual TxStatus send_frame(std::uint16_t queue, ByteSpan frame, std::uint8_t flags) = 0;
  // A TSO job (contract::TsoJob): the header template and the payload, which may
  // be given in pieces (scatter-gather) that are concatenated in order.
  virtual TxStatus send_tso(std::uint16_t queue, ByteSpan header_template,
                            std::span<const ByteSpan> payload, std::uint16_t mss) = 0;

  // RX: hands up to `budget` completions waiting on `queue` to `sink`, in arrival
  // order, and returns how many it handed over.
  virtual std::size_t receive(std::uint16_t queue, std::size_t budget, RxSink& sink) = 0;

  // Flow table. submit returns false when the command queue is full (nothing was
  // queued); every accepted command is answered, in order, through
  // poll_flow_completions(), which returns how many it wrote into `out`.
  virtual bool submit_flow_command(const FlowCommand& command) = 0;
  virtual std::size_t poll_flow_completions(std::span<FlowCompletion> out) = 0;

  // Moves the device's own time forward to `now`: frames in flight on a link
  // arrive, simulated clocks tick. Devices that live in real time (tap, dpdk)
  // poll their hardware here.
  virtual void advance(Instant now) = 0;
  // When advance() next has work to do without new input (nullopt: none queued).
  virtual std::optional<Instant> next_event() const = 0;
  // An fd that becomes readable when advance() has work (frames arrived), so
  // that an event loop can block in poll(2); -1 for devices on virtual time.
  virtual int wait_fd() const { return -1; }

  virtual const DeviceCounters& counters() const = 0;
};

}  // namespace tandem::dev
