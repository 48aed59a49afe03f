// SPDX-License-Identifier: Apache-2.0
// The NIC as the Alveo build wires its kernels, run natively cycle by cycle:
//
//   TX frame:  s_axis_tx ─► checksum_tx ─► wire
//   TX job:    cmd/header/payload ─► tcp_segment ─► wire
//   RX:        wire ─► rx_parser ─► checksum_rx ─► conn_lookup ─► RX completion
//   flow cmds: ─► conn_lookup ◄─► table memory (latency in cycles)
//
// It is what the backends without NIC hardware (soft, tap) use as their NIC:
// the same kernel code Vitis synthesizes, so a host test on `soft` exercises the
// NIC logic that ships. Each call runs the kernels until they are idle again and
// counts the clock cycles that took. Not synthesized.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "contract/nic_contract.hpp"

namespace tandem::hls_kernels {

// The flow-table capacity the native NIC is built with (a template parameter of
// conn_lookup, as it is a synthesis parameter on the card).
inline constexpr std::uint32_t kNicLookupCapacity = 1u << 20;

struct NicModelConfig {
  std::uint16_t mtu = 9000;    // largest IPv4 packet the wire carries
  unsigned table_latency = 1;  // flow-table memory read latency, in cycles
};

// What the NIC did, like `ethtool -S`.
struct NicModelCounters {
  std::uint64_t cycles = 0;
  std::uint64_t tx_frames = 0;
  std::uint64_t tso_jobs = 0;
  std::uint64_t tso_segments = 0;
  std::uint64_t tx_refused = 0;
  std::uint64_t rx_frames = 0;
  std::uint64_t rx_parse_errors = 0;
  std::uint64_t rx_checksum_bad = 0;
  std::uint64_t lookups = 0;
  std::uint64_t lookup_hits = 0;
  std::uint64_t flow_commands = 0;
};

class NicModel {
 public:
  using ByteSpan = std::span<const std::byte>;
  // Where the NIC puts frames it sends; the span is valid during the call.
  using WireSink = std::function<void(ByteSpan frame)>;

  explicit NicModel(const NicModelConfig& config = {});
  ~NicModel();
  NicModel(const NicModel&) = delete;
  NicModel& operator=(const NicModel&) = delete;

  contract::Capabilities capabilities() const;

  // A plain frame with contract::tx_flag bits: checksum_tx fills what is asked.
  contract::TxStatus transmit_frame(ByteSpan frame, std::uint8_t flags, const WireSink& wire);
  // A TSO job: tcp_segment emits ceil(len/mss) frames with both checksums.
  contract::TxStatus transmit_tso(ByteSpan header_template, std::span<const ByteSpan> payload,
                                  std::uint16_t mss, const WireSink& wire);
  // A frame from the wire: its RX metadata, lookup result included.
  contract::RxMeta receive(ByteSpan frame);
  contract::FlowCompletion flow_command(const contract::FlowCommand& command);

  const NicModelCounters& counters() const { return counters_; }

 private:
  struct Kernels;
  NicModelConfig config_;
  std::unique_ptr<Kernels> kernels_;
  NicModelCounters counters_;
};

}  // namespace tandem::hls_kernels
