// SPDX-License-Identifier: Apache-2.0
// NewReno: RFC 5681 slow start and congestion avoidance with RFC 6582's handling
// of partial ACKs during fast recovery.
#pragma once

#include <cstdint>

#include "host/tcp/congestion/congestion_control.hpp"

namespace tandem::tcp {

class NewReno final : public CongestionControl {
 public:
  NewReno() = default;

  std::uint32_t cwnd() const override { return cwnd_; }
  std::uint32_t ssthresh() const override { return ssthresh_; }

  void on_established(std::uint32_t mss, bool syn_retransmitted) override;
  void on_ack(std::uint32_t acked, std::uint32_t mss, Instant now) override;
  void on_enter_recovery(std::uint32_t flight_size, std::uint32_t mss, Instant now) override;
  void on_recovery_dup_ack(std::uint32_t mss) override;
  void on_partial_ack(std::uint32_t acked, std::uint32_t mss) override;
  void on_exit_recovery(std::uint32_t flight_size, std::uint32_t mss) override;
  void on_rto(std::uint32_t flight_size, std::uint32_t mss, Instant now) override;
  void set_max_window(std::uint32_t bytes) override { max_window_ = bytes; }

  // RFC 5681 §3.1 equation 1 (the IW RFC 3390 allows, up to 4380 bytes).
  static std::uint32_t initial_window(std::uint32_t mss);

 private:
  static std::uint32_t halved(std::uint32_t flight_size, std::uint32_t mss);
  void cap();

  std::uint32_t cwnd_ = 0;
  // "Arbitrarily high" at first (RFC 5681 §3.1), so slow start runs until loss.
  std::uint32_t ssthresh_ = 0xffffffffu;
  // Bytes acknowledged towards the next one-MSS increase in congestion avoidance
  // (RFC 5681 §3.1, the byte-counting variant of equation 3).
  std::uint32_t acked_in_ca_ = 0;
  std::uint32_t max_window_ = 0xffffffffu;
};

}  // namespace tandem::tcp
