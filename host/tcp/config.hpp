// SPDX-License-Identifier: Apache-2.0
// What a TCB's owner decides for it: stack-wide settings (one TcpConfig per
// Stack, referenced, never copied into a TCB) and the counters it reads back.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "host/base/time.hpp"

namespace tandem::tcp {

using namespace std::chrono_literals;

struct TcpConfig {
  // Our MSS: what the interface MTU allows (1500 - 40), advertised in SYNs and
  // also the cap on what we send whatever the peer offers.
  std::uint16_t mss = 1460;
  // Upper bounds on the byte queues; memory is only held while data is queued.
  std::uint32_t send_buffer = 256 * 1024;
  std::uint32_t recv_buffer = 256 * 1024;
  bool window_scale = true;  // RFC 7323 §2
  bool timestamps = true;    // RFC 7323 §3
  bool sack = true;          // RFC 2018
  // Maximum segment lifetime; TIME-WAIT lasts 2·MSL (RFC 9293 §3.4.2). 30 s makes
  // TIME-WAIT 60 s, Linux's TCP_TIMEWAIT_LEN.
  Duration msl = 30s;
  // RFC 6298 §2: 1 s initial. The floor is Linux's 200 ms rather than the RFC's
  // 1 s (§2.4 "SHOULD"), because 1 s makes every tail loss in a data centre cost
  // a second; the ceiling is Linux's 120 s (the RFC allows any value ≥ 60 s).
  Duration rto_initial = 1s;
  Duration rto_min = 200ms;
  Duration rto_max = 120s;
  // Retransmissions before the connection is given up with ETIMEDOUT, Linux's
  // tcp_retries2 and tcp_syn_retries defaults.
  std::uint8_t max_retries = 15;
  std::uint8_t syn_retries = 6;
  // RFC 9293 §3.8.6.3 / RFC 5681 §4.2: at most 500 ms, Linux's 40 ms minimum.
  Duration delayed_ack = 40ms;
  // How long an orphaned connection (closed by the application) waits in
  // FIN-WAIT-2 for the peer's FIN: Linux's tcp_fin_timeout.
  Duration fin_wait_2_timeout = 60s;
  // RFC 5961 §7: challenge ACKs are rate-limited, here per connection per second.
  std::uint32_t challenge_ack_limit = 10;
  // Keepalive defaults (RFC 9293 §3.8.4: off unless asked for, idle ≥ 2 h).
  Duration keepalive_idle = 2h;
  Duration keepalive_interval = 75s;
  std::uint8_t keepalive_count = 9;
};

// What one socket asked for of its connection (SO_SNDBUF, SO_RCVBUF,
// TCP_MAXSEG); 0 leaves the Stack's TcpConfig value. Set before the SYN they
// also decide what it announces: the MSS option (never above the Stack's MSS,
// which the MTU bounds) and the window scale (RFC 7323 §2.3: the smallest that
// lets the whole receive buffer be advertised).
struct SocketLimits {
  std::uint32_t send_buffer = 0;
  std::uint32_t recv_buffer = 0;
  std::uint16_t mss = 0;
  bool operator==(const SocketLimits&) const = default;

  // What a connection of a Stack with settings `stack` gets.
  std::uint32_t send_buffer_for(const TcpConfig& stack) const {
    return send_buffer != 0 ? send_buffer : stack.send_buffer;
  }
  std::uint32_t recv_buffer_for(const TcpConfig& stack) const {
    return recv_buffer != 0 ? recv_buffer : stack.recv_buffer;
  }
  std::uint16_t mss_for(const TcpConfig& stack) const {
    return mss != 0 ? std::min(mss, stack.mss) : stack.mss;
  }
};

// What the TCBs of one Stack counted, netstat -s style: everything dropped,
// retried or refused is counted here, never logged per packet.
struct TcpCounters {
  std::uint64_t segments_in = 0;
  std::uint64_t segments_out = 0;
  std::uint64_t retransmitted_segments = 0;
  std::uint64_t rto_expiries = 0;
  std::uint64_t fast_retransmits = 0;
  std::uint64_t partial_ack_retransmits = 0;
  std::uint64_t dropped_unacceptable = 0;  // failed the §3.10.7.4 acceptability test
  std::uint64_t dropped_paws = 0;          // RFC 7323 §5 PAWS
  std::uint64_t dropped_no_ack = 0;
  std::uint64_t dropped_bad_ack = 0;   // ACK of unsent data or too old (RFC 5961 §5)
  std::uint64_t dropped_in_state = 0;  // nothing to do with it in the current state
  std::uint64_t out_of_order_segments = 0;
  std::uint64_t out_of_order_dropped = 0;  // reassembly full
  std::uint64_t resets_in = 0;
  std::uint64_t resets_out = 0;
  std::uint64_t challenge_acks = 0;
  std::uint64_t challenge_acks_suppressed = 0;
  std::uint64_t delayed_acks = 0;
  std::uint64_t persist_probes = 0;
  std::uint64_t keepalive_probes = 0;
  std::uint64_t timeouts = 0;  // connections ended with ETIMEDOUT
  std::uint64_t data_after_close = 0;
};

}  // namespace tandem::tcp
