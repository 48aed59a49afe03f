// SPDX-License-Identifier: Apache-2.0
#include "sim/soft/soft_device.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>

#include "host/wire/ethernet.hpp"

namespace tandem::sim {

namespace {

constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeArp = 0x0806;

// A spin-wait hint: lets the other hardware thread of the core run, and saves
// power, while a lock is retried.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

std::uint16_t ether_type(dev::ByteSpan frame) {
  return frame.size() >= wire::kEthernetHeaderLen ? wire::load_be16(frame, 12) : 0;
}

void add(dev::DeviceCounters& sum, const dev::DeviceCounters& c) {
  sum.tx_frames += c.tx_frames;
  sum.tx_bytes += c.tx_bytes;
  sum.tx_tso_jobs += c.tx_tso_jobs;
  sum.tx_refused += c.tx_refused;
  sum.rx_frames += c.rx_frames;
  sum.rx_bytes += c.rx_bytes;
  sum.rx_dropped += c.rx_dropped;
  sum.flow_commands += c.flow_commands;
}

wire::RssConfig rss_of(const SoftDeviceConfig& config) {
  if (config.queues == 0) throw std::invalid_argument("SoftDevice: zero queues");
  wire::RssConfig rss = config.rss ? *config.rss : wire::RssConfig::spread(config.queues);
  if (rss.reta.empty() || rss.queues() > config.queues) {
    throw std::invalid_argument("SoftDevice: the RSS table names a queue the device lacks");
  }
  if (rss.key.size() < wire::kRssIpv4L4InputLen + 4) {
    throw std::invalid_argument("SoftDevice: RSS key too short for the IPv4 4-tuple");
  }
  return rss;
}

}  // namespace

// The device as the Stack on one queue sees it.
// Aligned to a cache line: ports sit side by side on the heap, and each is
// written by its own core.
class alignas(64) SoftDevice::QueuePort final : public dev::Device {
 public:
  QueuePort(SoftDevice& device, std::uint16_t queue) : device_(device), queue_(queue) {}

  const dev::Capabilities& capabilities() const override { return device_.capabilities(); }
  dev::TxStatus send_frame(std::uint16_t queue, dev::ByteSpan frame, std::uint8_t flags) override {
    assert(queue == queue_);
    return device_.send_frame(queue, frame, flags);
  }
  dev::TxStatus send_tso(std::uint16_t queue, dev::ByteSpan header_template,
                         std::span<const dev::ByteSpan> payload, std::uint16_t mss) override {
    assert(queue == queue_);
    return device_.send_tso(queue, header_template, payload, mss);
  }
  std::size_t receive(std::uint16_t queue, std::size_t budget, dev::RxSink& sink) override {
    assert(queue == queue_);
    return device_.receive(queue, budget, sink);
  }
  bool submit_flow_command(const dev::FlowCommand& command) override {
    return device_.submit_flow_command(command, completions_);
  }
  std::size_t poll_flow_completions(std::span<dev::FlowCompletion> out) override {
    return pop_completions(completions_, out);
  }
  void advance(Instant now) override { device_.advance_queue(queue_, now); }
  std::optional<Instant> next_event() const override { return device_.next_event_of_queue(queue_); }
  const dev::DeviceCounters& counters() const override {
    Queue& q = *device_.queues_[queue_];
    const std::scoped_lock lock(q.pipeline_lock, q.ring_lock);
    snapshot_ = q.counters;
    return snapshot_;
  }

 private:
  SoftDevice& device_;
  std::uint16_t queue_;
  Completions completions_;
  mutable dev::DeviceCounters snapshot_;
};

SoftDevice::SoftDevice(Link& link, LinkEnd end, const SoftDeviceConfig& config)
    : link_(link),
      end_(end),
      config_(config),
      rss_(rss_of(config)),
      rss_enabled_(config.queues > 1 || config.rss.has_value()) {
  for (std::uint16_t q = 0; q < config.queues; ++q) {
    queues_.push_back(std::make_unique<Queue>(config.nic));
    ports_.push_back(std::make_unique<QueuePort>(*this, q));
  }
  capabilities_ = queues_.front()->nic.capabilities();
  capabilities_.queues = config.queues;
  const auto lock = lock_link();
  link_.attach(end_, this);
}

SoftDevice::~SoftDevice() {
  const auto lock = lock_link();
  link_.attach(end_, nullptr);
}

std::unique_lock<std::mutex> SoftDevice::lock_link() const {
  if (!config_.link_lock) return {};
  // The link is held for one frame's enqueue or delivery at a time, far less
  // than a sleep and a wake-up in the kernel cost: a core that finds it taken
  // retries for a while before it blocks.
  std::unique_lock lock(*config_.link_lock, std::try_to_lock);
  for (int attempt = 0; attempt < 200 && !lock.owns_lock(); ++attempt) {
    cpu_relax();
    (void)lock.try_lock();
  }
  if (!lock.owns_lock()) lock.lock();
  return lock;
}

dev::Device& SoftDevice::queue_port(std::uint16_t queue) {
  if (queue >= ports_.size()) throw std::out_of_range("SoftDevice::queue_port: no such queue");
  return *ports_[queue];
}

// ---------------------------------------------------------------------------
// TX: the queue's own pipeline, then the shared link.

void SoftDevice::to_wire(Queue& q, dev::ByteSpan frame) {
  ++q.counters.tx_frames;
  q.counters.tx_bytes += frame.size();
  const auto lock = lock_link();
  link_.transmit(end_, frame, q.now);
  // With threads, a frame due already (a link without delay) is delivered
  // under the same lock, by the core that sent it, rather than by whichever
  // core polls next: one lock round instead of two, and the frame still in
  // this core's cache. (Single-threaded, frames wait in the link for the next
  // advance(), as they always have: callers drive the world by next_event().)
  if (config_.link_lock && link_.may_have_due(q.now)) link_.advance(q.now);
}

dev::TxStatus SoftDevice::send_frame(std::uint16_t queue, dev::ByteSpan frame, std::uint8_t flags) {
  assert(queue < queues_.size());
  Queue& q = *queues_[queue];
  const std::scoped_lock lock(q.pipeline_lock);
  const auto status =
      q.nic.transmit_frame(frame, flags, [this, &q](dev::ByteSpan f) { to_wire(q, f); });
  if (status != dev::TxStatus::ok) ++q.counters.tx_refused;
  return status;
}

dev::TxStatus SoftDevice::send_tso(std::uint16_t queue, dev::ByteSpan header_template,
                                   std::span<const dev::ByteSpan> payload, std::uint16_t mss) {
  assert(queue < queues_.size());
  Queue& q = *queues_[queue];
  const std::scoped_lock lock(q.pipeline_lock);
  const auto status = q.nic.transmit_tso(header_template, payload, mss,
                                         [this, &q](dev::ByteSpan f) { to_wire(q, f); });
  if (status == dev::TxStatus::ok) {
    ++q.counters.tx_tso_jobs;
  } else {
    ++q.counters.tx_refused;
  }
  return status;
}

// ---------------------------------------------------------------------------
// RX: the link hands a frame over under its lock, and all that happens then is
// steering; the queue's pipeline parses and looks it up when its own thread
// takes it, so that no core does another core's NIC work.

void SoftDevice::on_wire_frame(dev::ByteSpan frame, Instant now) {
  take_wire_frame(std::vector<std::byte>(frame.begin(), frame.end()), now);
}

void SoftDevice::take_wire_frame(std::vector<std::byte>&& frame, Instant now) {
  if (!rss_enabled_) {
    deliver(0, std::move(frame), 0, now);
    return;
  }
  switch (ether_type(frame)) {
    case kEtherTypeIpv4: {
      const std::uint32_t hash = wire::rss_hash_of_frame(rss_.key, frame);
      deliver(rss_.queue_of(hash), std::move(frame), hash, now);
      break;
    }
    case kEtherTypeArp:
      for (std::size_t q = 0; q + 1 < queues_.size(); ++q)
        deliver(static_cast<std::uint16_t>(q), std::vector<std::byte>(frame), 0, now);
      deliver(static_cast<std::uint16_t>(queues_.size() - 1), std::move(frame), 0, now);
      break;
    default:
      // What no core's stack speaks goes where a NIC sends what it cannot
      // hash: the default queue.
      deliver(0, std::move(frame), 0, now);
  }
}

void SoftDevice::deliver(std::uint16_t queue, std::vector<std::byte>&& frame, std::uint32_t hash,
                         Instant at) {
  Queue& q = *queues_[queue];
  const std::scoped_lock lock(q.ring_lock);
  if (q.arrived.size() >= config_.rx_ring_size) {
    // A full RX ring drops at the NIC, as hardware does, and says so.
    ++q.counters.rx_dropped;
    return;
  }
  q.arrived.push_back(Arrival{std::move(frame), hash, at});
}

std::size_t SoftDevice::receive(std::uint16_t queue, std::size_t budget, dev::RxSink& sink) {
  assert(queue < queues_.size());
  Queue& q = *queues_[queue];
  // Taken out of the ring first: the sink may send, and a send may end in a
  // delivery into this ring.
  q.batch.clear();
  {
    const std::scoped_lock lock(q.ring_lock);
    const std::size_t n = std::min(budget, q.arrived.size());
    for (std::size_t i = 0; i < n; ++i) {
      q.batch.push_back(std::move(q.arrived.front()));
      q.arrived.pop_front();
    }
  }
  for (const Arrival& a : q.batch) {
    dev::RxMeta meta;
    {
      const std::scoped_lock lock(q.pipeline_lock);
      meta = q.nic.receive(a.frame);
      ++q.counters.rx_frames;
      q.counters.rx_bytes += a.frame.size();
    }
    meta.queue = queue;
    meta.rss_hash = a.rss_hash;
    sink.on_receive(meta, a.frame);
  }
  const std::size_t handed = q.batch.size();
  q.batch.clear();
  return handed;
}

// ---------------------------------------------------------------------------
// Flow table: banked by queue. Frames of a 4-tuple only ever reach the queue it
// hashes to, so its entry lives in that queue's bank.

std::uint16_t SoftDevice::queue_of_flow(const contract::FlowKey4& key) const {
  if (!rss_enabled_) return 0;
  // Keyed as the frames the entry must match: from the remote end, to us.
  return rss_.queue_of(wire::rss_hash_ipv4_l4(rss_.key, wire::Ipv4Address{key.remote_ip},
                                              wire::Ipv4Address{key.local_ip}, key.remote_port,
                                              key.local_port));
}

bool SoftDevice::submit_flow_command(const dev::FlowCommand& command, Completions& completions) {
  if (completions.size() >= config_.flow_queue_depth) return false;
  Queue& q = *queues_[queue_of_flow(command.key)];
  const std::scoped_lock lock(q.pipeline_lock);
  ++q.counters.flow_commands;
  // The kernel answers each command before the next is taken, so the queue of
  // completions is the queue of commands in flight.
  completions.push_back(q.nic.flow_command(command));
  return true;
}

bool SoftDevice::submit_flow_command(const dev::FlowCommand& command) {
  return submit_flow_command(command, flow_completions_);
}

std::size_t SoftDevice::pop_completions(Completions& completions,
                                        std::span<dev::FlowCompletion> out) {
  std::size_t n = 0;
  while (n < out.size() && !completions.empty()) {
    out[n++] = completions.front();
    completions.pop_front();
  }
  return n;
}

std::size_t SoftDevice::poll_flow_completions(std::span<dev::FlowCompletion> out) {
  return pop_completions(flow_completions_, out);
}

// ---------------------------------------------------------------------------

void SoftDevice::advance(Instant now) {
  for (auto& q : queues_)
    q->now = std::max(q->now, now);
  advance_link(now);
}

void SoftDevice::advance_queue(std::uint16_t queue, Instant now) {
  Queue& q = *queues_[queue];
  q.now = std::max(q.now, now);
  advance_link(now);
}

void SoftDevice::advance_link(Instant now) {
  // Cores poll far more often than frames arrive: a poll that finds nothing
  // due leaves the link's lock to the cores that have frames to move.
  if (!link_.may_have_due(now)) return;
  const auto lock = lock_link();
  link_.advance(now);
}

std::optional<Instant> SoftDevice::next_event() const {
  const auto lock = lock_link();
  return link_.next_delivery();
}

std::optional<Instant> SoftDevice::next_event_of_queue(std::uint16_t queue) const {
  // With threads, the link hands frames over as they are sent (to_wire): what
  // waits in the port's own ring is work for now.
  std::optional<Instant> next = next_event();
  Queue& q = *queues_[queue];
  const std::scoped_lock lock(q.ring_lock);
  if (!q.arrived.empty() && (!next || q.arrived.front().at < *next)) next = q.arrived.front().at;
  return next;
}

dev::DeviceCounters SoftDevice::sum_counters() const {
  dev::DeviceCounters sum;
  for (const auto& q : queues_) {
    const std::scoped_lock lock(q->pipeline_lock, q->ring_lock);
    add(sum, q->counters);
  }
  return sum;
}

const dev::DeviceCounters& SoftDevice::counters() const {
  counters_ = sum_counters();
  return counters_;
}

hls_kernels::NicModelCounters SoftDevice::nic_counters() const {
  hls_kernels::NicModelCounters sum;
  for (const auto& q : queues_) {
    const std::scoped_lock lock(q->pipeline_lock);
    const auto& c = q->nic.counters();
    sum.cycles += c.cycles;
    sum.tx_frames += c.tx_frames;
    sum.tso_jobs += c.tso_jobs;
    sum.tso_segments += c.tso_segments;
    sum.tx_refused += c.tx_refused;
    sum.rx_frames += c.rx_frames;
    sum.rx_parse_errors += c.rx_parse_errors;
    sum.rx_checksum_bad += c.rx_checksum_bad;
    sum.lookups += c.lookups;
    sum.lookup_hits += c.lookup_hits;
    sum.flow_commands += c.flow_commands;
  }
  return sum;
}

}  // namespace tandem::sim
