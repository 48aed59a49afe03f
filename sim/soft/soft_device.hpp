// SPDX-License-Identifier: Apache-2.0
// The `soft` backend: a Device whose NIC is the HLS kernels compiled as C++
// (hls/nic/nic_model.hpp), attached to one end of the link model. It is the fast
// path for host tests and scale runs: deterministic, on virtual time, with the
// same NIC logic the Alveo build synthesizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "hls/nic/nic_model.hpp"
#include "host/dev/device.hpp"
#include "sim/link/link.hpp"

namespace tandem::sim {

struct SoftDeviceConfig {
  hls_kernels::NicModelConfig nic;
  std::size_t rx_ring_size = 1024;    // completions waiting for the host; more are dropped
  std::size_t flow_queue_depth = 64;  // flow commands waiting for the NIC
};

class SoftDevice final : public dev::Device, public WireReceiver {
 public:
  // Attaches itself to `end` of `link`, which must outlive it.
  SoftDevice(Link& link, LinkEnd end, const SoftDeviceConfig& config = {});
  ~SoftDevice() override;

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

  void on_wire_frame(dev::ByteSpan frame, Instant now) override;

  const hls_kernels::NicModelCounters& nic_counters() const { return nic_.counters(); }

 private:
  struct Completion {
    dev::RxMeta meta;
    std::vector<std::byte> frame;
  };

  void to_wire(dev::ByteSpan frame);

  Link& link_;
  LinkEnd end_;
  SoftDeviceConfig config_;
  hls_kernels::NicModel nic_;
  dev::Capabilities capabilities_;
  Instant now_{};
  std::deque<Completion> rx_ring_;
  std::deque<dev::FlowCompletion> flow_completions_;
  dev::DeviceCounters counters_;
};

}  // namespace tandem::sim
