// SPDX-License-Identifier: Apache-2.0
// The `sim` backend: a Device whose NIC is the RTL datapath (rtl/nic/nic_top.sv)
// under Verilator, clocked as the host posts work. It is what co-simulation
// runs: the host runtime drives the RTL through the same interface it uses for
// real hardware.
//
// Posting a frame, a TSO job or a flow command puts its words on the model's
// H2C streams (host-side queues, as a QDMA engine holds descriptors);
// advance(), receive() and poll_flow_completions() clock the model until
// nothing is in flight, and no cycle is clocked while nothing is. send_tso()
// also clocks until the job's status is back, since it returns it. cycles()
// counts every clock edge.
//
// The wire side is a WirePort: one end of the link model (so a SimDevice and a
// SoftDevice can talk to each other), a Linux TAP device, or a pcap capture
// replayed into RX with TX written to another capture.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/dev/device.hpp"
#include "host/dev/pcap.hpp"
#include "host/dev/tap/tap_interface.hpp"
#include "sim/link/link.hpp"

namespace tandem::sim {

// Where the device takes wire frames from and puts them. The device calls
// transmit() for every frame nic_top sends, and poll() from advance() to take
// what arrived by `now` (handed to the sink given at attach()).
class WirePort {
 public:
  class Sink {
   public:
    virtual void on_wire_frame(wire::ByteSpan frame, Instant now) = 0;

   protected:
    ~Sink() = default;
  };

  virtual ~WirePort() = default;
  WirePort() = default;
  WirePort(const WirePort&) = delete;
  WirePort& operator=(const WirePort&) = delete;

  virtual void attach(Sink* sink) = 0;
  virtual void transmit(wire::ByteSpan frame, Instant now) = 0;
  virtual void poll(Instant now) = 0;
  // When poll() next has something to hand over (nullopt: nothing known).
  virtual std::optional<Instant> next_event() const = 0;
  // A descriptor that becomes readable when the real world has a frame for
  // poll() (dev::Device::wait_fd()); -1 when there is none.
  virtual int wait_fd() const { return -1; }
};

// One end of the link model. The link must outlive the port.
class LinkPort final : public WirePort, public WireReceiver {
 public:
  LinkPort(Link& link, LinkEnd end) : link_(link), end_(end) {}
  ~LinkPort() override;
  void attach(Sink* sink) override;
  void transmit(wire::ByteSpan frame, Instant now) override;
  void poll(Instant now) override { link_.advance(now); }
  std::optional<Instant> next_event() const override { return link_.next_delivery(); }
  void on_wire_frame(wire::ByteSpan frame, Instant now) override;

 private:
  Link& link_;
  LinkEnd end_;
  Sink* sink_ = nullptr;
};

// A Linux TAP device (IFF_TAP | IFF_NO_PI, non-blocking), opened by name and
// created if absent (which needs CAP_NET_ADMIN). It lives in real time: poll()
// reads whatever the kernel has queued. Throws std::system_error when the
// device cannot be opened.
class TapPort final : public WirePort {
 public:
  // Throws std::system_error as dev::TapInterface does.
  explicit TapPort(const std::string& name);
  void attach(Sink* sink) override { sink_ = sink; }
  void transmit(wire::ByteSpan frame, Instant now) override;
  void poll(Instant now) override;
  std::optional<Instant> next_event() const override { return std::nullopt; }
  int wait_fd() const override { return tap_.fd(); }
  const std::string& name() const { return tap_.name(); }
  // Frames the kernel refused or that came back truncated: counted, not fatal.
  std::uint64_t errors() const { return errors_; }

 private:
  dev::TapInterface tap_;
  Sink* sink_ = nullptr;
  std::vector<std::byte> buffer_;
  std::uint64_t errors_ = 0;
};

// Tees another port's traffic, both ways, into a capture file, as the other
// backends' capture options do. Throws std::runtime_error when the file cannot
// be written.
class CapturingPort final : public WirePort, private WirePort::Sink {
 public:
  CapturingPort(std::unique_ptr<WirePort> inner, const std::string& path);
  void attach(WirePort::Sink* sink) override { sink_ = sink; }
  void transmit(wire::ByteSpan frame, Instant now) override;
  void poll(Instant now) override { inner_->poll(now); }
  std::optional<Instant> next_event() const override { return inner_->next_event(); }
  int wait_fd() const override { return inner_->wait_fd(); }
  // Puts what is buffered in the file (the destructor does too).
  void flush() { capture_.flush(); }

 private:
  void on_wire_frame(wire::ByteSpan frame, Instant now) override;

  std::unique_ptr<WirePort> inner_;
  dev::PcapWriter capture_;
  WirePort::Sink* sink_ = nullptr;
};

// Replays a capture into RX, each frame at its timestamp relative to the
// capture's first frame (offset by `start`), and writes every transmitted
// frame to `tx_path` (when not empty). Throws std::runtime_error when a file
// cannot be opened.
class PcapPort final : public WirePort {
 public:
  PcapPort(const std::string& rx_path, const std::string& tx_path, Instant start = {});
  ~PcapPort() override;
  void attach(Sink* sink) override { sink_ = sink; }
  void transmit(wire::ByteSpan frame, Instant now) override;
  void poll(Instant now) override;
  std::optional<Instant> next_event() const override;
  std::size_t remaining() const { return frames_.size() - next_; }

 private:
  std::vector<dev::CapturedFrame> frames_;  // timestamps already rebased
  std::size_t next_ = 0;
  std::unique_ptr<dev::PcapWriter> tx_;
  Sink* sink_ = nullptr;
};

struct SimDeviceConfig {
  std::size_t rx_ring_size = 1024;    // completions waiting per queue; more are dropped
  std::size_t tx_ring_size = 4096;    // frames or jobs waiting per queue before ring_full
  std::size_t flow_queue_depth = 64;  // flow commands waiting for the NIC
  // Writes an FST waveform of every clocked cycle (gtkwave opens it); empty:
  // none, unless the environment variable TANDEM_SIM_FST names a path prefix,
  // in which case device n of the process writes <prefix>-<n>.fst (so any test
  // or benchmark can be traced without a change to its code).
  std::string fst_path;
};

// What the model did, beyond the Device counters.
struct SimDeviceStats {
  std::uint64_t cycles = 0;              // clock edges since reset
  std::uint64_t tso_statuses = 0;        // jobs answered by tcp_segment
  std::uint64_t tx_unparsed_frames = 0;  // checksum_tx could not fill as asked
  std::uint64_t tso_framing_errors = 0;  // tcp_segment payload framing errors
  // Wire frames delivered flagged (counted as hls/nic's NicModel counts):
  // RxMeta parse status other than ok, and a bad IPv4 header or TCP/UDP/ICMP
  // checksum.
  std::uint64_t rx_parse_errors = 0;
  std::uint64_t rx_checksum_bad = 0;
};

class SimDevice final : public dev::Device, private WirePort::Sink {
 public:
  // The model's shape, fixed when it was verilated.
  static std::uint16_t queues();
  static std::uint32_t table_latency();
  // The longest wire frame RX delivers whole; longer ones (all of them flagged
  // oversize) reach the host cut to this many bytes.
  static std::size_t rx_frame_limit();

  explicit SimDevice(std::unique_ptr<WirePort> wire, const SimDeviceConfig& config = {});
  // On one end of the link model, like SoftDevice.
  SimDevice(Link& link, LinkEnd end, const SimDeviceConfig& config = {});
  ~SimDevice() override;

  const dev::Capabilities& capabilities() const override { return capabilities_; }
  dev::TxStatus send_frame(std::uint16_t queue, dev::ByteSpan frame, std::uint8_t flags) override;
  dev::TxStatus send_tso(std::uint16_t queue, dev::ByteSpan header_template,
                         std::span<const dev::ByteSpan> payload, std::uint16_t mss) override;
  std::size_t receive(std::uint16_t queue, std::size_t budget, dev::RxSink& sink) override;
  bool submit_flow_command(const dev::FlowCommand& command) override;
  std::size_t poll_flow_completions(std::span<dev::FlowCompletion> out) override;
  void advance(Instant now) override;
  std::optional<Instant> next_event() const override;
  const dev::DeviceCounters& counters() const override { return counters_; }
  // The wire port's (readable when a TAP has a frame), -1 for the link and pcap.
  int wait_fd() const override { return wire_->wait_fd(); }

  // A frame from the wire, as the WirePort hands it over; public so that a
  // bench can feed RX directly.
  void on_wire_frame(wire::ByteSpan frame, Instant now) override;

  // The flow-table memory's read latency in cycles (0: the model's default,
  // table_latency()); takes effect once what is in flight is through. RX
  // keeps one lookup a cycle up to 200 cycles (the join's FIFOs are sized for
  // it); longer latencies work at a lower rate.
  void set_table_latency(std::uint16_t cycles);
  // Clocks the model until nothing is in flight (nothing when nothing is).
  void run_until_idle();
  bool in_flight() const;
  std::uint64_t cycles() const;
  SimDeviceStats stats() const;
  WirePort& wire() { return *wire_; }

 private:
  struct Model;
  struct Completion {
    dev::RxMeta meta;
    std::vector<std::byte> frame;
  };

  // One clock cycle: drives the H2C and wire RX streams from the host-side
  // queues, takes what the model hands out, then clocks an edge.
  void step();
  enum class TxKind { frame, tso };
  void keep_tx_order(TxKind kind);
  void deliver_rx(std::uint16_t queue, const dev::RxMeta& meta, std::vector<std::byte> frame);

  std::unique_ptr<WirePort> wire_;
  SimDeviceConfig config_;
  std::unique_ptr<Model> model_;
  dev::Capabilities capabilities_;
  Instant now_{};
  std::vector<std::deque<Completion>> rx_rings_;
  std::deque<dev::FlowCompletion> flow_completions_;
  std::size_t flow_outstanding_ = 0;
  TxKind last_tx_kind_ = TxKind::frame;
  dev::DeviceCounters counters_;
};

}  // namespace tandem::sim
