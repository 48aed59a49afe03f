// SPDX-License-Identifier: Apache-2.0
#include "host/tcp/congestion/newreno.hpp"

#include <algorithm>

namespace tandem::tcp {

std::uint32_t NewReno::initial_window(std::uint32_t mss) {
  return std::min(4 * mss, std::max(2 * mss, 4380u));
}

std::uint32_t NewReno::halved(std::uint32_t flight_size, std::uint32_t mss) {
  // RFC 5681 §3.1 equation 4.
  return std::max(flight_size / 2, 2 * mss);
}

void NewReno::cap() {
  // cwnd beyond twice what the peer lets us have in flight buys nothing and would
  // make a later loss cut from an unrealistic height.
  const std::uint64_t limit = 2ull * max_window_;
  if (max_window_ != 0 && cwnd_ > limit) cwnd_ = static_cast<std::uint32_t>(limit);
}

void NewReno::on_established(std::uint32_t mss, bool syn_retransmitted) {
  cwnd_ = syn_retransmitted ? mss : initial_window(mss);
  acked_in_ca_ = 0;
}

void NewReno::on_ack(std::uint32_t acked, std::uint32_t mss, Instant) {
  if (cwnd_ < ssthresh_) {
    // Slow start, with RFC 3465's limit of one MSS per ACK (L = 1 SMSS).
    cwnd_ += std::min(acked, mss);
  } else {
    acked_in_ca_ += acked;
    if (acked_in_ca_ >= cwnd_) {
      acked_in_ca_ -= cwnd_;
      cwnd_ += mss;
    }
  }
  cap();
}

void NewReno::on_enter_recovery(std::uint32_t flight_size, std::uint32_t mss, Instant) {
  ssthresh_ = halved(flight_size, mss);
  cwnd_ = ssthresh_ + 3 * mss;  // the three segments the duplicate ACKs stand for
  acked_in_ca_ = 0;
}

void NewReno::on_recovery_dup_ack(std::uint32_t mss) {
  cwnd_ += mss;
  cap();
}

void NewReno::on_partial_ack(std::uint32_t acked, std::uint32_t mss) {
  // RFC 6582 §3.2 step 5: deflate by what was acknowledged, add back one SMSS
  // if at least one SMSS was acknowledged.
  cwnd_ = cwnd_ > acked ? cwnd_ - acked : 0;
  if (acked >= mss) cwnd_ += mss;
  cwnd_ = std::max(cwnd_, mss);
}

void NewReno::on_exit_recovery(std::uint32_t flight_size, std::uint32_t mss) {
  // RFC 6582 §3.2 step 3, full ACK, option (1): min(ssthresh, FlightSize + SMSS),
  // which avoids a burst when little is left in flight.
  cwnd_ = std::min(ssthresh_, std::max(flight_size, mss) + mss);
}

void NewReno::on_rto(std::uint32_t flight_size, std::uint32_t mss, Instant) {
  ssthresh_ = halved(flight_size, mss);
  cwnd_ = mss;  // loss window, RFC 5681 §3.1
  acked_in_ca_ = 0;
}

}  // namespace tandem::tcp
