// SPDX-License-Identifier: Apache-2.0
#include "host/dev/tap/tap_device.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace tandem::dev {

namespace {

constexpr std::size_t kEthernetHeaderLen = 14;
// The longest frame a TAP without offloads can hand us is one IPv4 packet of
// 64 KiB plus its Ethernet and VLAN headers. Reading into a buffer that large
// means an oversized frame arrives whole (and is counted), never truncated.
constexpr std::size_t kRxBufferSize = kEthernetHeaderLen + 4 + 65535;
// RxMeta::queue is 12 bits wide on the sideband (contract::rx_meta_bits::queue).
constexpr std::uint16_t kMaxQueues = 1u << 12;

}  // namespace

TapDevice::TapDevice(const TapDeviceConfig& config)
    : config_(config), nic_(config.nic), capabilities_(nic_.capabilities()) {
  if (config_.queues == 0 || config_.queues > kMaxQueues) {
    throw std::invalid_argument("tap device '" + config_.name + "': queues must be 1 to " +
                                std::to_string(kMaxQueues));
  }
  if (config_.rx_batch == 0) {
    throw std::invalid_argument("tap device '" + config_.name + "': rx_batch must be positive");
  }
  capabilities_.queues = config_.queues;
  tap_ = std::make_unique<TapInterface>(config_.name, config_.nic.mtu);
  fd_ = tap_->fd();
  if (!config_.capture_path.empty()) capture_ = std::make_unique<PcapWriter>(config_.capture_path);
  rx_buffer_.resize(kRxBufferSize);
  rx_rings_.resize(config_.queues);
}

TapDevice::~TapDevice() {
  // Whatever is still in the backlog was accepted: give the kernel a last chance.
  flush_backlog();
  if (capture_) capture_->flush();
}

void TapDevice::flush_capture() {
  if (capture_) capture_->flush();
}

TapDevice::WriteResult TapDevice::write_frame(ByteSpan frame) {
  for (;;) {
    const ssize_t n = ::write(fd_, frame.data(), frame.size());
    if (n >= 0 && static_cast<std::size_t>(n) == frame.size()) {
      ++counters_.tx_frames;
      counters_.tx_bytes += frame.size();
      if (capture_) capture_->write(frame, now_);
      return WriteResult::written;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
      return WriteResult::later;
    }
    // A TAP takes a frame whole or not at all; anything else (EIO with the
    // interface gone, say) loses this frame like a wire without carrier.
    ++tap_counters_.tx_write_errors;
    return WriteResult::lost;
  }
}

void TapDevice::to_wire(ByteSpan frame) {
  // Behind a backlog a frame waits its turn, so frames leave in order.
  if (backlog_.empty() && write_frame(frame) != WriteResult::later) return;
  backlog_.emplace_back(frame.begin(), frame.end());
  ++tap_counters_.tx_deferred;
  tap_counters_.tx_backlog_peak =
      std::max<std::uint64_t>(tap_counters_.tx_backlog_peak, backlog_.size());
}

bool TapDevice::flush_backlog() {
  while (!backlog_.empty()) {
    if (write_frame(backlog_.front()) == WriteResult::later) return false;
    backlog_.pop_front();
  }
  return true;
}

TxStatus TapDevice::send_frame(std::uint16_t queue, ByteSpan frame, std::uint8_t flags) {
  assert(queue < capabilities_.queues);
  (void)queue;
  if (!flush_backlog()) {
    ++counters_.tx_refused;
    return TxStatus::ring_full;
  }
  const auto status = nic_.transmit_frame(frame, flags, [this](ByteSpan f) { to_wire(f); });
  if (status != TxStatus::ok) ++counters_.tx_refused;
  return status;
}

TxStatus TapDevice::send_tso(std::uint16_t queue, ByteSpan header_template,
                             std::span<const ByteSpan> payload, std::uint16_t mss) {
  assert(queue < capabilities_.queues);
  (void)queue;
  if (!flush_backlog()) {
    ++counters_.tx_refused;
    return TxStatus::ring_full;
  }
  const auto status =
      nic_.transmit_tso(header_template, payload, mss, [this](ByteSpan f) { to_wire(f); });
  if (status == TxStatus::ok) {
    ++counters_.tx_tso_jobs;
  } else {
    ++counters_.tx_refused;
  }
  return status;
}

void TapDevice::on_frame(ByteSpan frame) {
  if (capture_) capture_->write(frame, now_);
  // Linux hands a TAP frames without padding (an ARP request is 42 bytes), so
  // a runt is what cannot even hold an Ethernet header.
  if (frame.size() < kEthernetHeaderLen) {
    ++tap_counters_.rx_runts;
    return;
  }
  if (frame.size() > kEthernetHeaderLen + config_.nic.mtu) {
    ++tap_counters_.rx_oversize;
    return;
  }
  RxMeta meta = nic_.receive(frame);
  // Steering as rtl/nic/nic_rx_steer.sv does it.
  meta.queue = meta.conn_id == contract::kLookupMiss
                   ? std::uint16_t{0}
                   : static_cast<std::uint16_t>(meta.conn_id % config_.queues);
  auto& ring = rx_rings_[meta.queue];
  if (ring.size() >= config_.rx_ring_size) {
    ++counters_.rx_dropped;
    return;
  }
  ring.push_back(Completion{meta, std::vector<std::byte>(frame.begin(), frame.end())});
}

void TapDevice::advance(Instant now) {
  now_ = std::max(now_, now);
  flush_backlog();
  for (std::size_t i = 0; i < config_.rx_batch; ++i) {
    const ssize_t n = ::read(fd_, rx_buffer_.data(), rx_buffer_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) ++tap_counters_.rx_read_errors;
      return;
    }
    on_frame(ByteSpan(rx_buffer_).first(static_cast<std::size_t>(n)));
  }
}

std::optional<Instant> TapDevice::next_event() const {
  if (!backlog_.empty()) return now_;
  pollfd readable{.fd = fd_, .events = POLLIN, .revents = 0};
  if (::poll(&readable, 1, 0) > 0 && (readable.revents & POLLIN) != 0) return now_;
  return std::nullopt;
}

std::size_t TapDevice::receive(std::uint16_t queue, std::size_t budget, RxSink& sink) {
  assert(queue < capabilities_.queues);
  auto& ring = rx_rings_[queue];
  std::size_t handed = 0;
  while (handed < budget && !ring.empty()) {
    // Pop first: the sink may send, and sending may flush into this device.
    const Completion c = std::move(ring.front());
    ring.pop_front();
    ++counters_.rx_frames;
    counters_.rx_bytes += c.frame.size();
    sink.on_receive(c.meta, c.frame);
    ++handed;
  }
  return handed;
}

bool TapDevice::submit_flow_command(const FlowCommand& command) {
  if (flow_completions_.size() >= config_.flow_queue_depth) return false;
  ++counters_.flow_commands;
  // The kernel answers each command before it takes the next, so the queue of
  // completions is the queue of commands in flight.
  flow_completions_.push_back(nic_.flow_command(command));
  return true;
}

std::size_t TapDevice::poll_flow_completions(std::span<FlowCompletion> out) {
  std::size_t n = 0;
  while (n < out.size() && !flow_completions_.empty()) {
    out[n++] = flow_completions_.front();
    flow_completions_.pop_front();
  }
  return n;
}

}  // namespace tandem::dev
