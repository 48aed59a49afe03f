// SPDX-License-Identifier: Apache-2.0
// SYN cookies (RFC 4987 §3.6): when a listener's SYN queue is full, the SYN-ACK's
// sequence number carries what the connection needs, so that no state is kept
// until the handshake's ACK returns it.
//
// The 32-bit cookie, our ISS:
//   bits 31..27  a counter of 64-second periods (mod 32): cookies expire
//   bits 26..24  an index into kMssTable: the peer's MSS, rounded down
//   bits 23..0   SipHash-2-4 over the 4-tuple, the peer's ISN, the counter and
//                the MSS index, under the stack's secret
// With timestamps (RFC 7323) the low bits of our TSval carry the peer's window
// scale and SACK-permitted, as Linux does, and come back in the TSecr of the ACK;
// without them the connection goes on without either (RFC 4987 §3.6's cost).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "host/base/time.hpp"
#include "host/tcp/endpoint.hpp"
#include "host/tcp/isn.hpp"
#include "host/wire/seq.hpp"

namespace tandem::stack {

class SynCookies {
 public:
  // Linux's IPv4 table: the MSSs most peers send, so rounding loses little.
  static constexpr std::array<std::uint16_t, 8> kMssTable = {536,  1200, 1300, 1400,
                                                             1440, 1452, 1460, 8960};
  // Cookies older than this many periods (of 64 s) are refused.
  static constexpr std::uint32_t kMaxAgePeriods = 2;
  // TSval bits that carry options: 4 for the window scale (15: none), 1 for SACK.
  static constexpr std::uint32_t kTsOptionBits = 5;
  static constexpr std::uint32_t kTsOptionMask = (1u << kTsOptionBits) - 1;

  struct Options {
    std::optional<std::uint8_t> window_scale;
    bool sack_permitted = false;
    friend bool operator==(const Options&, const Options&) = default;
  };

  explicit SynCookies(const tcp::SipKey& secret) : secret_(secret) {}

  // The ISS for the SYN-ACK answering a SYN with sequence number `peer_isn` and
  // MSS option `peer_mss` (536 when absent, RFC 9293 §3.7.1).
  wire::SeqNum make(const tcp::FourTuple& tuple, wire::SeqNum peer_isn, std::uint16_t peer_mss,
                    Instant now) const;
  // For an ACK that matches no connection: the MSS its cookie (SEG.ACK - 1)
  // encodes, or nullopt when it is not one of ours or has expired.
  std::optional<std::uint16_t> check(const tcp::FourTuple& tuple, wire::SeqNum peer_isn,
                                     wire::SeqNum cookie, Instant now) const;

  // The TSval of a cookie SYN-ACK: `tsval` with its low bits replaced by `options`.
  static std::uint32_t stamp_options(std::uint32_t tsval, const Options& options);
  // The options a TSecr echoes back.
  static Options options_from_echo(std::uint32_t tsecr);

 private:
  static std::uint32_t period(Instant now);
  std::uint32_t mac(const tcp::FourTuple& tuple, wire::SeqNum peer_isn, std::uint32_t period,
                    std::uint32_t mss_index) const;

  tcp::SipKey secret_;
};

}  // namespace tandem::stack
