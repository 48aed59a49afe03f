// SPDX-License-Identifier: Apache-2.0
// The `soft` backend: a Device whose NIC is the HLS kernels compiled as C++
// (hls/nic/nic_model.hpp), attached to one end of the link model. It is the fast
// path for host tests and scale runs: deterministic, on virtual time, with the
// same NIC logic the Alveo build synthesizes.
//
// Multi-queue (docs/multicore.md): with `queues` > 1 the NIC has one pipeline
// per queue — TX engines, RX parser and checksum, and a bank of the flow table —
// and steers every received IPv4 frame by RSS: the Toeplitz hash of its 4-tuple
// (host/wire/toeplitz.hpp) through the redirection table names the queue, the
// same rule the host uses to pick source ports (Stack::connect). ARP frames are
// copied to every queue, since each core's interface keeps its own neighbour
// table; other non-IPv4 frames go to queue 0, as a NIC sends what it cannot
// hash to its default queue. A connection's flow-table entry lives in the bank of
// the queue its 4-tuple hashes to, which is the only queue its frames reach.
//
// Threads: each queue may be driven by its own thread, through queue_port(q).
// A queue's pipeline is touched only by the thread that owns it (plus, rarely,
// a flow command for a 4-tuple that hashes elsewhere), so its lock is
// uncontended; what is really shared is the link, which the devices at both of
// its ends guard with one mutex, SoftDeviceConfig::link_lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "hls/nic/nic_model.hpp"
#include "host/dev/device.hpp"
#include "host/wire/toeplitz.hpp"
#include "sim/link/link.hpp"

namespace tandem::sim {

struct SoftDeviceConfig {
  hls_kernels::NicModelConfig nic;
  std::size_t rx_ring_size = 1024;    // per queue: frames waiting for the host; more are dropped
  std::size_t flow_queue_depth = 64;  // per port: flow commands waiting for the NIC
  // RX/TX queue pairs, one per host core.
  std::uint16_t queues = 1;
  // Key and redirection table; default RssConfig::spread(queues) with
  // Microsoft's key. A single-queue device without one does not hash at all
  // (RxMeta::rss_hash stays 0), like the RTL NIC of the `sim` backend.
  std::optional<wire::RssConfig> rss;
  // Needed when the device, or the device at the link's other end, is driven
  // from more than one thread: both devices must be given the same mutex, which
  // then guards the link. Without it the devices are single-threaded.
  std::shared_ptr<std::mutex> link_lock;
};

class SoftDevice final : public dev::Device, public WireReceiver {
 public:
  // Attaches itself to `end` of `link`, which must outlive it. Throws
  // std::invalid_argument when `rss` names a queue the device does not have.
  SoftDevice(Link& link, LinkEnd end, const SoftDeviceConfig& config = {});
  ~SoftDevice() override;

  const dev::Capabilities& capabilities() const override { return capabilities_; }
  dev::TxStatus send_frame(std::uint16_t queue, dev::ByteSpan frame, std::uint8_t flags) override;
  dev::TxStatus send_tso(std::uint16_t queue, dev::ByteSpan header_template,
                         std::span<const dev::ByteSpan> payload, std::uint16_t mss) override;
  std::size_t receive(std::uint16_t queue, std::size_t budget, dev::RxSink& sink) override;
  // Completions of commands submitted here come back here, not through any
  // queue_port(); on a device shared by threads, submit through the ports.
  bool submit_flow_command(const dev::FlowCommand& command) override;
  std::size_t poll_flow_completions(std::span<dev::FlowCompletion> out) override;
  void advance(Instant now) override;
  std::optional<Instant> next_event() const override;
  // The sum over the queues. Safe while other threads use the device, but not
  // from two threads at once (the sum lives in the device).
  const dev::DeviceCounters& counters() const override;

  void on_wire_frame(dev::ByteSpan frame, Instant now) override;
  void take_wire_frame(std::vector<std::byte>&& frame, Instant now) override;

  // The device as one core sees it: the same queues and link, with flow-command
  // completions of its own, so that each core's Stack hears only about its own
  // commands. Give the Stack on core q queue_port(q) and net.queue = q. A port
  // is used by one thread at a time; ports live as long as the device.
  dev::Device& queue_port(std::uint16_t queue);

  const wire::RssConfig& rss() const { return rss_; }
  // The sum over the queues' pipelines.
  hls_kernels::NicModelCounters nic_counters() const;

 private:
  class QueuePort;
  struct Arrival {
    std::vector<std::byte> frame;
    std::uint32_t rss_hash = 0;
    Instant at{};  // when it came off the wire
  };
  // One queue's share of the NIC. Two locks, so that the link (which holds its
  // own lock while it delivers) never waits for a pipeline: `ring_lock` guards
  // `arrived` and counters.rx_dropped; `pipeline_lock` the NIC model and the
  // other counters. Order: pipeline_lock, then the link lock, then a ring_lock.
  // Cache-line aligned, the ring on a line of its own: the ring is written by
  // whichever core delivers, the rest only by the queue's own core.
  struct alignas(64) Queue {
    explicit Queue(const hls_kernels::NicModelConfig& config) : nic(config) {}
    std::mutex pipeline_lock;
    hls_kernels::NicModel nic;
    Instant now{};               // where the queue's core last brought it: what its frames leave at
    std::vector<Arrival> batch;  // what receive() took out of `arrived`
    dev::DeviceCounters counters;
    alignas(64) std::mutex ring_lock;
    std::deque<Arrival> arrived;
  };

  using Completions = std::deque<dev::FlowCompletion>;
  bool submit_flow_command(const dev::FlowCommand& command, Completions& completions);
  static std::size_t pop_completions(Completions& completions, std::span<dev::FlowCompletion> out);
  std::uint16_t queue_of_flow(const contract::FlowKey4& key) const;
  void to_wire(Queue& q, dev::ByteSpan frame);
  void deliver(std::uint16_t queue, std::vector<std::byte>&& frame, std::uint32_t hash, Instant at);
  dev::DeviceCounters sum_counters() const;
  std::unique_lock<std::mutex> lock_link() const;
  // Brings queue `queue` (the port's thread) or every queue (advance()) to
  // `now`, then delivers what the link has due.
  void advance_queue(std::uint16_t queue, Instant now);
  void advance_link(Instant now);
  std::optional<Instant> next_event_of_queue(std::uint16_t queue) const;

  Link& link_;
  LinkEnd end_;
  SoftDeviceConfig config_;
  wire::RssConfig rss_;
  bool rss_enabled_;
  dev::Capabilities capabilities_;
  std::vector<std::unique_ptr<Queue>> queues_;
  std::vector<std::unique_ptr<QueuePort>> ports_;
  Completions flow_completions_;
  mutable dev::DeviceCounters counters_;
};

}  // namespace tandem::sim
