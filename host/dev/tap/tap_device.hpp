// SPDX-License-Identifier: Apache-2.0
// The `tap` backend: a Device whose NIC is the HLS kernels compiled as C++
// (hls/nic/nic_model.hpp) and whose wire is a Linux TAP interface, so that the
// Linux kernel is the peer. It runs in real time: advance() reads what the
// kernel has sent, and wait_fd() lets an event loop sleep in poll(2) until then.
//
//   send_frame/send_tso ─► NicModel ─► write(2) ─► TAP ─► Linux
//   receive ◄─ RX rings ◄─ NicModel::receive ◄─ read(2) in advance() ◄─ TAP
//
// TX back-pressure (docs/backends.md). A TAP write only fails with EAGAIN or
// ENOBUFS when the kernel holds too many of our frames (the TAP's socket send
// buffer is charged until the kernel frees them). A descriptor's frames are
// then kept, in order, in a backlog that every advance() and every later
// descriptor first tries to flush; while anything is left in it the device
// refuses new descriptors with ring_full, as a NIC with a full ring does. So a
// frame the host was told is sent is never dropped for want of buffer space,
// and the backlog never holds more than one descriptor's frames (one TSO job).
// Checking writability before a descriptor would not do: one TSO job is many
// writes, and any of them may find the buffer full.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hls/nic/nic_model.hpp"
#include "host/dev/device.hpp"
#include "host/dev/pcap.hpp"
#include "host/dev/tap/tap_interface.hpp"

namespace tandem::dev {

struct TapDeviceConfig {
  // The TAP interface to attach to, at most 15 characters; created in the
  // calling thread's network namespace if absent (and then removed with the
  // device), brought up if down.
  std::string name;
  // nic.mtu is also set as the TAP's MTU, so that Linux sends nothing longer.
  hls_kernels::NicModelConfig nic{.mtu = 1500};
  // RX queues. Steering as rtl/nic does: a lookup hit goes to conn_id % queues,
  // a miss (everything that is not a known TCP flow) to queue 0.
  std::uint16_t queues = 1;
  std::size_t rx_ring_size = 1024;    // completions waiting per queue; more are dropped
  std::size_t rx_batch = 256;         // frames read from the TAP per advance()
  std::size_t flow_queue_depth = 64;  // flow commands waiting for the NIC
  // A pcap file that receives every frame written to and read from the TAP,
  // stamped with the device's `now`; empty: no capture.
  std::string capture_path;
};

// What the TAP wire did besides what DeviceCounters says.
struct TapCounters {
  std::uint64_t rx_runts = 0;         // shorter than an Ethernet header: dropped
  std::uint64_t rx_oversize = 0;      // longer than an Ethernet header + the MTU: dropped
  std::uint64_t rx_read_errors = 0;   // read(2) failures other than "nothing there"
  std::uint64_t tx_deferred = 0;      // frames the kernel would not take at once: backlogged
  std::uint64_t tx_write_errors = 0;  // frames lost to any other write(2) failure
  std::uint64_t tx_backlog_peak = 0;  // most frames ever waiting in the backlog
};

class TapDevice final : public Device {
 public:
  // Throws std::system_error naming the device and the cause when /dev/net/tun
  // is missing, the name is not a valid interface name, or the process may not
  // attach to or configure the TAP; std::runtime_error when the capture file
  // cannot be written; std::invalid_argument for a config that cannot work.
  explicit TapDevice(const TapDeviceConfig& config);
  ~TapDevice() override;

  const Capabilities& capabilities() const override { return capabilities_; }
  TxStatus send_frame(std::uint16_t queue, ByteSpan frame, std::uint8_t flags) override;
  TxStatus send_tso(std::uint16_t queue, ByteSpan header_template,
                    std::span<const ByteSpan> payload, std::uint16_t mss) override;
  std::size_t receive(std::uint16_t queue, std::size_t budget, RxSink& sink) override;
  bool submit_flow_command(const FlowCommand& command) override;
  std::size_t poll_flow_completions(std::span<FlowCompletion> out) override;
  // Flushes the TX backlog, then reads up to rx_batch frames from the TAP.
  void advance(Instant now) override;
  // `now` (of the last advance) while frames wait to be read or to be written;
  // nullopt otherwise. Frames the kernel sends later are new input: wait_fd().
  std::optional<Instant> next_event() const override;
  const DeviceCounters& counters() const override { return counters_; }
  // The TAP's file descriptor: readable when Linux has sent a frame.
  int wait_fd() const override { return fd_; }

  // The interface name the kernel gave the TAP.
  const std::string& name() const { return tap_->name(); }
  const TapCounters& tap_counters() const { return tap_counters_; }
  const hls_kernels::NicModelCounters& nic_counters() const { return nic_.counters(); }
  std::size_t tx_backlog() const { return backlog_.size(); }
  // Writes buffered capture records to the file (the destructor does too).
  void flush_capture();

 private:
  struct Completion {
    RxMeta meta;
    std::vector<std::byte> frame;
  };
  enum class WriteResult { written, later, lost };

  WriteResult write_frame(ByteSpan frame);
  void to_wire(ByteSpan frame);
  bool flush_backlog();
  void on_frame(ByteSpan frame);

  TapDeviceConfig config_;
  std::unique_ptr<TapInterface> tap_;
  int fd_ = -1;  // tap_'s
  hls_kernels::NicModel nic_;
  Capabilities capabilities_;
  Instant now_{};
  std::vector<std::byte> rx_buffer_;
  std::vector<std::deque<Completion>> rx_rings_;
  std::deque<std::vector<std::byte>> backlog_;
  std::deque<FlowCompletion> flow_completions_;
  std::unique_ptr<PcapWriter> capture_;
  DeviceCounters counters_;
  TapCounters tap_counters_;
};

}  // namespace tandem::dev
