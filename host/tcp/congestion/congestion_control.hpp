// SPDX-License-Identifier: Apache-2.0
// The congestion-control interface. The TCB does loss detection (duplicate ACKs,
// RTO, NewReno's partial ACKs) and tells the algorithm what happened; the
// algorithm owns only cwnd and ssthresh. One file per algorithm implements it
// (newreno now, CUBIC per RFC 9438 next), the split Linux's tcp_congestion_ops and
// smoltcp's congestion module also make.
#pragma once

#include <cstdint>

#include "host/base/time.hpp"

namespace tandem::tcp {

class CongestionControl {
 public:
  virtual ~CongestionControl() = default;

  virtual std::uint32_t cwnd() const = 0;
  virtual std::uint32_t ssthresh() const = 0;

  // The connection is synchronized and the sender MSS is known: set the initial
  // window. `syn_retransmitted` lowers it to one segment (RFC 5681 §3.1).
  virtual void on_established(std::uint32_t mss, bool syn_retransmitted) = 0;
  // New data was acknowledged outside loss recovery.
  virtual void on_ack(std::uint32_t acked, std::uint32_t mss, Instant now) = 0;
  // Three duplicate ACKs: loss recovery starts (RFC 5681 §3.2 steps 2-3).
  virtual void on_enter_recovery(std::uint32_t flight_size, std::uint32_t mss, Instant now) = 0;
  // A further duplicate ACK during recovery: a segment has left the network.
  virtual void on_recovery_dup_ack(std::uint32_t mss) = 0;
  // An ACK below the recovery point (RFC 6582 §3.2 step 3, partial ACK).
  virtual void on_partial_ack(std::uint32_t acked, std::uint32_t mss) = 0;
  // An ACK at or past the recovery point: recovery is over (RFC 6582 step 3, full ACK).
  virtual void on_exit_recovery(std::uint32_t flight_size, std::uint32_t mss) = 0;
  // The retransmission timer expired (RFC 5681 §3.1 equation 4, then slow start).
  virtual void on_rto(std::uint32_t flight_size, std::uint32_t mss, Instant now) = 0;
  // The peer's receive window bounds cwnd growth's usefulness; algorithms may use
  // it to cap cwnd so that it cannot grow without limit on an idle-limited flow.
  virtual void set_max_window(std::uint32_t bytes) = 0;

 protected:
  CongestionControl() = default;
  CongestionControl(const CongestionControl&) = default;
  CongestionControl& operator=(const CongestionControl&) = default;
};

}  // namespace tandem::tcp
