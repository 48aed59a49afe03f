// SPDX-License-Identifier: Apache-2.0
#include "sim/soft/soft_device.hpp"

#include <cassert>

namespace tandem::sim {

SoftDevice::SoftDevice(Link& link, LinkEnd end, const SoftDeviceConfig& config)
    : link_(link),
      end_(end),
      config_(config),
      nic_(config.nic),
      capabilities_(nic_.capabilities()) {
  link_.attach(end_, this);
}

SoftDevice::~SoftDevice() {
  link_.attach(end_, nullptr);
}

void SoftDevice::to_wire(dev::ByteSpan frame) {
  ++counters_.tx_frames;
  counters_.tx_bytes += frame.size();
  link_.transmit(end_, frame, now_);
}

dev::TxStatus SoftDevice::send_frame(std::uint16_t queue, dev::ByteSpan frame, std::uint8_t flags) {
  assert(queue < capabilities_.queues);
  (void)queue;
  const auto status = nic_.transmit_frame(frame, flags, [this](dev::ByteSpan f) { to_wire(f); });
  if (status != dev::TxStatus::ok) ++counters_.tx_refused;
  return status;
}

dev::TxStatus SoftDevice::send_tso(std::uint16_t queue, dev::ByteSpan header_template,
                                   std::span<const dev::ByteSpan> payload, std::uint16_t mss) {
  assert(queue < capabilities_.queues);
  (void)queue;
  const auto status =
      nic_.transmit_tso(header_template, payload, mss, [this](dev::ByteSpan f) { to_wire(f); });
  if (status == dev::TxStatus::ok) {
    ++counters_.tx_tso_jobs;
  } else {
    ++counters_.tx_refused;
  }
  return status;
}

void SoftDevice::on_wire_frame(dev::ByteSpan frame, Instant now) {
  now_ = std::max(now_, now);
  const dev::RxMeta meta = nic_.receive(frame);
  if (rx_ring_.size() >= config_.rx_ring_size) {
    // A full RX ring drops at the NIC, as hardware does, and says so.
    ++counters_.rx_dropped;
    return;
  }
  rx_ring_.push_back(Completion{meta, std::vector<std::byte>(frame.begin(), frame.end())});
}

std::size_t SoftDevice::receive(std::uint16_t queue, std::size_t budget, dev::RxSink& sink) {
  assert(queue < capabilities_.queues);
  (void)queue;
  std::size_t handed = 0;
  while (handed < budget && !rx_ring_.empty()) {
    // Pop first: the sink may send, and sending may deliver into this ring.
    const Completion c = std::move(rx_ring_.front());
    rx_ring_.pop_front();
    ++counters_.rx_frames;
    counters_.rx_bytes += c.frame.size();
    sink.on_receive(c.meta, c.frame);
    ++handed;
  }
  return handed;
}

bool SoftDevice::submit_flow_command(const dev::FlowCommand& command) {
  if (flow_completions_.size() >= config_.flow_queue_depth) return false;
  ++counters_.flow_commands;
  // The kernel answers each command before the next is taken, so the queue of
  // completions is the queue of commands in flight.
  flow_completions_.push_back(nic_.flow_command(command));
  return true;
}

std::size_t SoftDevice::poll_flow_completions(std::span<dev::FlowCompletion> out) {
  std::size_t n = 0;
  while (n < out.size() && !flow_completions_.empty()) {
    out[n++] = flow_completions_.front();
    flow_completions_.pop_front();
  }
  return n;
}

void SoftDevice::advance(Instant now) {
  now_ = std::max(now_, now);
  link_.advance(now_);
}

std::optional<Instant> SoftDevice::next_event() const {
  return link_.next_delivery();
}

}  // namespace tandem::sim
