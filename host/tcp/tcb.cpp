// SPDX-License-Identifier: Apache-2.0
#include "host/tcp/tcb.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>

namespace tandem::tcp {

namespace tf = wire::tcp_flag;
using wire::SeqNum;
using wire::TcpRepr;

namespace {

// RFC 7323 §2.3: shift counts above 14 are used as 14.
constexpr std::uint8_t kMaxWindowShift = 14;
// RFC 7323 §5.5: a TS.Recent idle this long may be from a wrapped clock.
constexpr Duration kPawsIdleLimit = std::chrono::hours(24 * 24);
// A peer MSS below this would make segments mostly header; Linux clamps similarly.
constexpr std::uint16_t kMinMss = 64;
// RFC 6298 §2: the clock granularity G; RFC 7323 timestamps tick in milliseconds.
constexpr Duration kClockGranularity = 1ms;
constexpr std::size_t kTimestampsLen = 12;  // with its two NOPs, as emitted
// A 64 KiB payload over 4 KiB chunks, not aligned to them.
constexpr std::size_t kMaxPayloadViews = 0x10000 / ByteQueue::kChunkSize + 2;

bool synchronized(State s) {
  return s != State::closed && s != State::listen && s != State::syn_sent;
}

}  // namespace

std::string_view to_string(State s) {
  switch (s) {
    case State::closed:
      return "CLOSED";
    case State::listen:
      return "LISTEN";
    case State::syn_sent:
      return "SYN-SENT";
    case State::syn_received:
      return "SYN-RECEIVED";
    case State::established:
      return "ESTABLISHED";
    case State::fin_wait_1:
      return "FIN-WAIT-1";
    case State::fin_wait_2:
      return "FIN-WAIT-2";
    case State::close_wait:
      return "CLOSE-WAIT";
    case State::closing:
      return "CLOSING";
    case State::last_ack:
      return "LAST-ACK";
    case State::time_wait:
      return "TIME-WAIT";
  }
  return "?";
}

std::optional<TcpRepr> reset_for(const TcpRepr& seg) {
  if (seg.has(tf::rst)) return std::nullopt;
  TcpRepr r;
  r.src_port = seg.dst_port;
  r.dst_port = seg.src_port;
  if (seg.has(tf::ack)) {
    r.seq = seg.ack;
    r.flags = tf::rst;
  } else {
    r.seq = SeqNum(0);
    r.ack = seg.seq + seg.segment_len();
    r.flags = tf::rst | tf::ack;
  }
  return r;
}

Tcb::Tcb(Environment& env) : env_(&env) {}

std::uint8_t Tcb::take_events() {
  return std::exchange(events_, 0);
}

void Tcb::set_state(State next) {
  if (next == state_) return;
  const State prev = state_;
  state_ = next;
  env_->on_state_change(*this, prev, next);
  if (next == State::closed) {
    rto_at_ = delack_at_ = persist_at_ = keepalive_at_ = close_at_ = kNever;
    events_ |= event::closed;
  }
}

std::uint32_t Tcb::send_buffer() const {
  return limits_.send_buffer_for(cfg());
}

std::uint32_t Tcb::recv_buffer() const {
  return limits_.recv_buffer_for(cfg());
}

std::uint16_t Tcb::our_mss() const {
  return limits_.mss_for(cfg());
}

// ---------------------------------------------------------------------------
// Opening

void Tcb::init_connection(const FourTuple& tuple, Instant now) {
  tuple_ = tuple;
  ws_ok_ = ts_ok_ = sack_ok_ = false;
  fin_queued_ = fin_received_ = app_closed_ = false;
  syn_retransmitted_ = in_recovery_ = rtt_timing_ = ack_now_ = false;
  dup_acks_ = retries_ = persist_backoff_ = persist_probes_ = keepalive_probes_ = 0;
  error_ = 0;
  snd_wnd_ = max_snd_wnd_ = 0;
  rcv_unacked_ = 0;
  srtt_ = kNoRtt;
  rttvar_ = Duration(0);
  rto_ = cfg().rto_initial;
  snd_mss_ = std::min(wire::kTcpDefaultMss, our_mss());
  // The smallest shift that lets the whole receive buffer be advertised.
  rcv_scale_ = 0;
  if (cfg().window_scale) {
    while (rcv_scale_ < kMaxWindowShift && (recv_buffer() >> rcv_scale_) > 0xffff)
      ++rcv_scale_;
  }
  snd_scale_ = 0;
  ts_offset_ = env_->isn().timestamp_offset(tuple);
  choose_iss(now);
}

void Tcb::choose_iss(Instant now) {
  // RFC 9293 §3.4.1 / RFC 6528 §3.
  iss_ = has_iss_override_ ? iss_override_ : env_->isn().isn(tuple_, now);
  snd_una_ = snd_nxt_ = snd_max_ = recover_ = iss_;
  front_seq_ = iss_ + 1;
}

void Tcb::open_active(const FourTuple& tuple, Instant now) {
  assert(state_ == State::closed);
  init_connection(tuple, now);
  passive_ = false;
  set_state(State::syn_sent);
  output(now);
}

void Tcb::open_passive(const Endpoint& local) {
  assert(state_ == State::closed);
  tuple_ = FourTuple{local, Endpoint{}};
  listen_any_ = local.addr.is_unspecified();
  passive_ = true;
  set_state(State::listen);
}

void Tcb::open_from_syn(const FourTuple& tuple, const TcpRepr& syn, Instant now) {
  assert(state_ == State::closed && syn.has(tf::syn) && !syn.has(tf::ack));
  init_connection(tuple, now);
  passive_ = false;
  accept_syn(syn, now);
  output(now);
}

void Tcb::open_from_cookie(const FourTuple& tuple, const TcpRepr& syn, SeqNum cookie, Instant now) {
  assert(state_ == State::closed);
  init_connection(tuple, now);
  passive_ = false;
  iss_ = cookie;
  snd_una_ = snd_nxt_ = snd_max_ = recover_ = iss_;
  front_seq_ = iss_ + 1;
  accept_syn(syn, now);
  snd_nxt_ = snd_max_ = iss_ + 1;  // the SYN-ACK is out
}

// LISTEN's third check (RFC 9293 §3.10.7.2), shared with open_from_syn.
void Tcb::accept_syn(const TcpRepr& syn, Instant now) {
  irs_ = syn.seq;
  rcv_nxt_ = rcv_adv_ = last_ack_sent_ = syn.seq + 1;
  negotiate(syn, now);
  snd_wnd_ = syn.window;  // never scaled in a SYN (RFC 7323 §2.2)
  max_snd_wnd_ = snd_wnd_;
  snd_wl1_ = syn.seq;
  snd_wl2_ = iss_;
  // Departure: text carried on the SYN is not queued (RFC 9293 allows either);
  // the peer retransmits it, as it does for Linux without TCP Fast Open.
  set_state(State::syn_received);
}

void Tcb::negotiate(const TcpRepr& syn, Instant now) {
  const auto& opt = syn.options;
  // RFC 9293 §3.7.1: 536 when the option is absent; never more than our own MSS,
  // since our MTU bounds what we can send whatever the peer can take.
  const std::uint16_t peer_mss = opt.mss.value_or(wire::kTcpDefaultMss);
  snd_mss_ = std::max(kMinMss, std::min(peer_mss, our_mss()));
  // RFC 7323 §2.2: scaling is on only if both SYNs carry the option.
  ws_ok_ = cfg().window_scale && opt.window_scale.has_value();
  snd_scale_ = ws_ok_ ? std::min(*opt.window_scale, kMaxWindowShift) : 0;
  if (!ws_ok_) rcv_scale_ = 0;
  sack_ok_ = cfg().sack && opt.sack_permitted;              // RFC 2018 §2
  ts_ok_ = cfg().timestamps && opt.timestamps.has_value();  // RFC 7323 §3.2
  if (ts_ok_) {
    ts_recent_ = opt.timestamps->value;
    ts_recent_at_ = now;
  }
}

void Tcb::enter_established(const TcpRepr& seg, Instant now) {
  // RFC 6298 §5.7: a SYN that needed retransmitting leaves RTO at 3 s at least.
  if (syn_retransmitted_ && rto_ < 3s) rto_ = 3s;
  cc().on_established(smss(), syn_retransmitted_);
  snd_wl1_ = seg.seq;
  snd_wl2_ = seg.ack;
  events_ |= event::connected | event::writable;
  if (fin_queued_) {
    // shutdown_write() in SYN-RECEIVED waited for ESTABLISHED (RFC 9293 §3.10.4).
    set_state(State::fin_wait_1);
  } else {
    set_state(State::established);
  }
  restart_keepalive(now);
}

// ---------------------------------------------------------------------------
// Application calls

std::uint32_t Tcb::recv_space() const {
  const auto queued = static_cast<std::uint32_t>(recv_q_.size());
  return recv_buffer() > queued ? recv_buffer() - queued : 0;
}

std::size_t Tcb::send_space() const {
  return send_buffer() > send_q_.size() ? send_buffer() - send_q_.size() : 0;
}

IoResult Tcb::send(wire::ByteSpan data, Instant now) {
  // RFC 9293 §3.10.2 SEND.
  switch (state_) {
    case State::closed:
      return {0, error_ != 0 ? error_ : ENOTCONN};
    case State::listen:
      return {0, ENOTCONN};
    case State::syn_sent:
    case State::syn_received:
    case State::established:
    case State::close_wait:
      break;
    default:
      return {0, EPIPE};  // "connection closing"
  }
  if (fin_queued_) return {0, EPIPE};
  const std::size_t n = std::min(data.size(), send_space());
  if (n == 0 && !data.empty()) return {0, EAGAIN};
  send_q_.append(data.first(n));
  output(now);
  return {n, 0};
}

IoResult Tcb::receive(wire::MutableByteSpan out, Instant now) {
  // RFC 9293 §3.10.3 RECEIVE.
  if (state_ == State::listen ||
      (state_ == State::closed && error_ == 0 && !fin_received_ && recv_q_.empty())) {
    return {0, ENOTCONN};
  }
  if (recv_q_.empty()) {
    if (fin_received_) return {0, 0};
    if (error_ != 0) return {0, error_};
    return {0, EAGAIN};
  }
  const std::size_t n = recv_q_.peek(0, out);
  recv_q_.consume(n);
  // A window update is worth a segment once the window the peer may use has at
  // least doubled, and by at least the SWS threshold (RFC 9293 §3.8.6.2.2), the
  // rule Linux's tcp_cleanup_rbuf applies.
  if (synchronized(state_) && !fin_received_) {
    const std::uint32_t cur = static_cast<std::uint32_t>(rcv_adv_ - rcv_nxt_);
    const std::uint32_t space = recv_space();
    const std::uint32_t threshold = std::min<std::uint32_t>(recv_buffer() / 2, our_mss());
    if (space >= 2 * cur && space - cur >= threshold) {
      ack_now_ = true;
      output(now);
    }
  }
  return {n, 0};
}

void Tcb::shutdown_write(Instant now) {
  // RFC 9293 §3.10.4 CLOSE.
  switch (state_) {
    case State::listen:
    case State::syn_sent:
      release_buffers();
      set_state(State::closed);
      return;
    case State::syn_received:
      fin_queued_ = true;
      return;
    case State::established:
      fin_queued_ = true;
      set_state(State::fin_wait_1);
      break;
    case State::close_wait:
      fin_queued_ = true;
      set_state(State::last_ack);
      break;
    default:
      return;  // already closing: "error: connection closing", nothing to change
  }
  output(now);
}

void Tcb::close(Instant now) {
  app_closed_ = true;
  if (!recv_q_.empty() && synchronized(state_) && state_ != State::time_wait) {
    // Data the application will never read: tell the peer at once (RFC 2525
    // §2.17) rather than letting it believe the data was consumed.
    abort(now);
    return;
  }
  recv_q_.clear();
  shutdown_write(now);
  if (state_ == State::fin_wait_2 && close_at_ == kNever) {
    close_at_ = now + cfg().fin_wait_2_timeout;
  }
}

void Tcb::abort(Instant /*now*/) {
  // RFC 9293 §3.10.5 ABORT.
  switch (state_) {
    case State::syn_received:
    case State::established:
    case State::fin_wait_1:
    case State::fin_wait_2:
    case State::close_wait:
      transmit_reset(snd_nxt_);
      break;
    default:
      break;
  }
  release_buffers();
  set_state(State::closed);
}

void Tcb::set_keepalive(std::optional<KeepaliveSettings> settings, Instant now) {
  keepalive_ = settings.has_value();
  if (settings) {
    keepalive_idle_ = settings->idle;
    keepalive_interval_ = settings->interval;
    keepalive_count_ = settings->count;
  }
  restart_keepalive(now);
}

void Tcb::release_buffers() {
  send_q_.clear();
  recv_q_.clear();
  ooo_.clear();
}

void Tcb::fail(int err, Instant /*now*/) {
  error_ = static_cast<std::uint8_t>(err);
  events_ |= event::error;
  release_buffers();
  set_state(State::closed);
}

void Tcb::reset_to_listen() {
  // RFC 9293 §3.10.7.4 second check: a passive SYN-RECEIVED goes back to LISTEN.
  release_buffers();
  rto_at_ = delack_at_ = persist_at_ = keepalive_at_ = close_at_ = kNever;
  tuple_.remote = Endpoint{};
  if (listen_any_) tuple_.local.addr = wire::Ipv4Address{};
  set_state(State::listen);
}

// ---------------------------------------------------------------------------
// Segment arrival (RFC 9293 §3.10.7)

void Tcb::on_segment(const TcpRepr& seg, wire::ByteSpan payload, Instant now) {
  on_segment(tuple_.remote.addr, tuple_.local.addr, seg, payload, now);
}

void Tcb::on_segment(wire::Ipv4Address src, wire::Ipv4Address dst, const TcpRepr& seg,
                     wire::ByteSpan payload, Instant now) {
  assert(payload.size() == seg.payload_len);
  ++counters().segments_in;
  switch (state_) {
    case State::closed:
      segment_in_closed(FourTuple{Endpoint{dst, seg.dst_port}, Endpoint{src, seg.src_port}}, seg);
      return;
    case State::listen:
      segment_in_listen(src, dst, seg, now);
      break;
    case State::syn_sent:
      segment_in_syn_sent(seg, now);
      break;
    default:
      segment_in_synchronized(seg, payload, now);
      break;
  }
  if (state_ != State::closed && state_ != State::listen) output(now);
}

// §3.10.7.1: "all data in the incoming segment is discarded"; anything but a RST
// draws a RST.
void Tcb::segment_in_closed(const FourTuple& tuple, const TcpRepr& seg) {
  ++counters().dropped_in_state;
  if (auto rst = reset_for(seg)) {
    ++counters().resets_out;
    env_->transmit(tuple, *rst, {});
  }
}

// §3.10.7.2.
void Tcb::segment_in_listen(wire::Ipv4Address src, wire::Ipv4Address dst, const TcpRepr& seg,
                            Instant now) {
  // First, check for a RST: an incoming RST is ignored.
  if (seg.has(tf::rst)) {
    ++counters().dropped_in_state;
    return;
  }
  // Second, check for an ACK: nothing has been sent, so any ACK is bad.
  if (seg.has(tf::ack)) {
    ++counters().dropped_bad_ack;
    if (auto rst = reset_for(seg)) {
      ++counters().resets_out;
      env_->transmit(FourTuple{Endpoint{dst, tuple_.local.port}, Endpoint{src, seg.src_port}}, *rst,
                     {});
    }
    return;
  }
  // Third, check for a SYN.
  if (seg.has(tf::syn)) {
    const Endpoint local{tuple_.local.addr.is_unspecified() ? dst : tuple_.local.addr,
                         tuple_.local.port};
    init_connection(FourTuple{local, Endpoint{src, seg.src_port}}, now);
    passive_ = true;
    accept_syn(seg, now);
    return;
  }
  // Fourth, other text or control: drop.
  ++counters().dropped_in_state;
}

// §3.10.7.3.
void Tcb::segment_in_syn_sent(const TcpRepr& seg, Instant now) {
  // First, check the ACK bit.
  bool ack_ok = false;
  if (seg.has(tf::ack)) {
    if (seg.ack <= iss_ || seg.ack > snd_max_) {
      ++counters().dropped_bad_ack;
      if (!seg.has(tf::rst)) {
        transmit_reset(seg.ack);
      }
      return;
    }
    ack_ok = seg.ack > snd_una_;  // SND.UNA < SEG.ACK =< SND.NXT
  }
  // Second, check the RST bit. RFC 5961 §3: valid only with an acceptable ACK.
  if (seg.has(tf::rst)) {
    ++counters().resets_in;
    if (ack_ok) {
      fail(ECONNREFUSED, now);
    } else {
      ++counters().dropped_in_state;
    }
    return;
  }
  // Third, security and compartment: Tandem has none (RFC 9293 §3.10.7.3).
  // Fourth, check the SYN bit.
  if (!seg.has(tf::syn)) {
    // Fifth: neither SYN nor RST.
    ++counters().dropped_in_state;
    return;
  }
  irs_ = seg.seq;
  rcv_nxt_ = rcv_adv_ = last_ack_sent_ = seg.seq + 1;
  negotiate(seg, now);
  snd_wnd_ = seg.window;  // unscaled in a SYN
  max_snd_wnd_ = snd_wnd_;
  snd_wl1_ = seg.seq;
  snd_wl2_ = seg.ack;
  if (ack_ok) {
    if (ts_ok_ && seg.options.timestamps && seg.options.timestamps->echo != 0) {
      update_rtt_from_echo(seg.options.timestamps->echo, now);
    } else if (!syn_retransmitted_) {
      update_rtt(now - rtt_start_);  // Karn: only when the SYN went once
    }
    snd_una_ = seg.ack;
    retries_ = 0;
    rto_at_ = kNever;
  }
  if (snd_una_ > iss_) {
    // Our SYN is acknowledged: ESTABLISHED, and the ACK goes out now.
    ack_now_ = true;
    enter_established(seg, now);
    // Departure: data or FIN on a SYN-ACK is not processed; the peer retransmits.
  } else {
    // Simultaneous open (RFC 9293 §3.5 figure 7): SYN,ACK in reply to their SYN.
    snd_nxt_ = iss_;
    set_state(State::syn_received);
  }
}

bool Tcb::check_paws(const TcpRepr& seg, Instant now) {
  // RFC 7323 §5.3 R1. A RST is judged by its sequence number alone (§5.3 note:
  // RSTs need not carry timestamps and are acceptable regardless).
  if (!ts_ok_ || seg.has(tf::rst) || !seg.options.timestamps) return true;
  const auto ts_val = seg.options.timestamps->value;
  if (static_cast<std::int32_t>(ts_val - ts_recent_) >= 0) return true;
  if (now - ts_recent_at_ > kPawsIdleLimit) {
    // §5.5: after 24 days idle TS.Recent is stale; accept and start over.
    ts_recent_ = ts_val;
    ts_recent_at_ = now;
    return true;
  }
  return false;
}

// §3.10.7.4, for every state from SYN-RECEIVED on.
void Tcb::segment_in_synchronized(const TcpRepr& in, wire::ByteSpan payload, Instant now) {
  TcpRepr seg = in;  // trimmed copy; `in` keeps what arrived

  // Simultaneous open (RFC 9293 §3.5 figure 8): in SYN-RECEIVED the peer's
  // SYN,ACK repeats the SYN we have, which the acceptability table below would
  // refuse for lying left of RCV.NXT. Its ACK is what completes the handshake.
  if (state_ == State::syn_received && seg.has(tf::syn) && seg.has(tf::ack) && seg.seq == irs_ &&
      payload.empty() && !seg.has(tf::rst)) {
    seg.flags &= static_cast<std::uint8_t>(~tf::syn);
    seg.seq += 1;
    ack_now_ = true;
  }

  // First, check the sequence number, starting with PAWS (RFC 7323 §5.3 R1).
  if (!check_paws(seg, now)) {
    ++counters().dropped_paws;
    ack_now_ = true;
    return;
  }
  const std::uint32_t rcv_wnd = static_cast<std::uint32_t>(rcv_adv_ - rcv_nxt_);
  const std::uint32_t seg_len = seg.segment_len();
  bool acceptable;
  if (seg_len == 0) {
    acceptable = rcv_wnd == 0 ? seg.seq == rcv_nxt_ : seg.seq.in_window(rcv_nxt_, rcv_wnd);
  } else {
    acceptable = rcv_wnd != 0 && (seg.seq.in_window(rcv_nxt_, rcv_wnd) ||
                                  (seg.seq + (seg_len - 1)).in_window(rcv_nxt_, rcv_wnd));
    // "special allowance should be made to accept valid ACKs, URGs, and RSTs"
    // when RCV.WND is zero: such a segment is processed without its text.
    if (rcv_wnd == 0 && seg.seq == rcv_nxt_) {
      acceptable = true;
    }
  }
  if (!acceptable) {
    ++counters().dropped_unacceptable;
    if (!seg.has(tf::rst)) {
      if (seg_len == 0 || seg.has(tf::syn)) {
        // Answering every unacceptable pure ACK can feed an ACK loop between
        // two confused ends; such answers share the challenge-ACK budget (Linux
        // rate-limits them the same way). Probes still get theirs.
        challenge_ack(now);
      } else {
        ack_now_ = true;
      }
      // TIME-WAIT: the only thing that can arrive is the peer's retransmitted
      // FIN; ACK it and restart the 2·MSL timeout.
      if (state_ == State::time_wait && seg.has(tf::fin)) enter_time_wait(now);
    }
    return;
  }
  // Trim to the window: what precedes RCV.NXT was received already (an old SYN
  // included), what lies past the right edge is not ours to keep.
  const std::int32_t front = seg.seq - rcv_nxt_;
  if (front < 0) {
    ack_now_ = true;  // a duplicate: the peer may have missed our ACK
    std::uint32_t skip = static_cast<std::uint32_t>(-front);
    if (seg.has(tf::syn)) {
      seg.flags &= static_cast<std::uint8_t>(~tf::syn);
      --skip;
      seg.seq += 1;
    }
    const std::uint32_t cut =
        std::min<std::uint32_t>(skip, static_cast<std::uint32_t>(payload.size()));
    payload = payload.subspan(cut);
    seg.seq += cut;
    if (skip > cut) seg.flags &= static_cast<std::uint8_t>(~tf::fin);  // an old FIN
  }
  const std::uint32_t room = static_cast<std::uint32_t>(rcv_adv_ - seg.seq);
  if (payload.size() > room || (rcv_wnd == 0 && !payload.empty())) {
    payload = payload.first(rcv_wnd == 0 ? 0 : room);
    seg.flags &= static_cast<std::uint8_t>(~tf::fin);
    ack_now_ = true;  // tell the peer the window it overran (answers window probes)
  }
  seg.payload_len = payload.size();
  // RFC 7323 §4.3 R3: TS.Recent follows the segment that covers Last.ACK.sent.
  if (ts_ok_ && in.options.timestamps && in.seq <= last_ack_sent_ &&
      static_cast<std::int32_t>(in.options.timestamps->value - ts_recent_) >= 0) {
    ts_recent_ = in.options.timestamps->value;
    ts_recent_at_ = now;
  }
  restart_keepalive(now);

  // Second, check the RST bit (RFC 5961 §3: only an exact match resets; a RST
  // elsewhere in the window draws a challenge ACK).
  if (seg.has(tf::rst)) {
    ++counters().resets_in;
    if (in.seq != rcv_nxt_) {
      challenge_ack(now);
      return;
    }
    switch (state_) {
      case State::syn_received:
        if (passive_) {
          reset_to_listen();
        } else {
          fail(ECONNREFUSED, now);  // simultaneous open refused
        }
        return;
      case State::established:
      case State::fin_wait_1:
      case State::fin_wait_2:
      case State::close_wait:
        // RFC 9293 §3.10.7.4 flushes every queue; Linux keeps what arrived in
        // order before the RST for the application to read, and reports
        // ECONNRESET after it (a response followed by a RST is still read).
        send_q_.clear();
        ooo_.clear();
        error_ = ECONNRESET;
        events_ |= event::error;
        set_state(State::closed);
        return;
      default:  // CLOSING, LAST-ACK, TIME-WAIT: the close is just cut short
        release_buffers();
        set_state(State::closed);
        return;
    }
  }

  // Third, check security: Tandem has no compartments (RFC 9293 §3.10.7.4).

  // Fourth, check the SYN bit. A SYN still here is in the window.
  if (seg.has(tf::syn)) {
    if (state_ == State::syn_received && passive_) {
      reset_to_listen();
      return;
    }
    // RFC 5961 §4 (RFC 9293 adopts it): challenge ACK, whatever the sequence.
    // TIME-WAIT too: a SYN that may reopen the connection (RFC 6191) never
    // gets here, the Stack, which owns the listeners, takes it first.
    challenge_ack(now);
    return;
  }

  // Fifth, check the ACK field.
  if (!seg.has(tf::ack)) {
    ++counters().dropped_no_ack;
    return;
  }
  if (state_ == State::syn_received) {
    if (seg.ack > snd_una_ && seg.ack <= snd_max_) {
      snd_una_ = seg.ack;
      if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;
      retries_ = 0;
      rto_at_ = kNever;
      if (!syn_retransmitted_ && !ts_ok_) update_rtt(now - rtt_start_);
      snd_wnd_ = static_cast<std::uint32_t>(seg.window) << snd_scale_;
      max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
      enter_established(seg, now);
      // Falls through to ESTABLISHED processing of the same ACK below.
    } else {
      ++counters().dropped_bad_ack;
      transmit_reset(seg.ack);
      return;
    }
  }
  if (!process_ack(seg, now)) return;
  switch (state_) {
    case State::fin_wait_1:
      if (fin_acked()) {
        set_state(State::fin_wait_2);
        if (app_closed_) close_at_ = now + cfg().fin_wait_2_timeout;
      }
      break;
    case State::closing:
      if (fin_acked()) enter_time_wait(now);
      break;
    case State::last_ack:
      if (fin_acked()) {
        release_buffers();
        set_state(State::closed);
        return;
      }
      break;
    default:
      break;
  }

  // Sixth, check the URG bit: urgent data is not supported (RFC 6093 advises
  // new applications against it); the pointer is ignored and the octets are
  // delivered in line.

  // Seventh, process the segment text.
  if (!payload.empty()) {
    switch (state_) {
      case State::established:
      case State::fin_wait_1:
      case State::fin_wait_2:
        if (app_closed_) {
          // Nobody will read it: RST, as Linux does for data after close().
          ++counters().data_after_close;
          abort(now);
          return;
        }
        process_text(seg.seq, payload, now);
        break;
      default:
        break;  // the peer's FIN came already: ignore text after it
    }
  }

  // Eighth, check the FIN bit: processed once everything before it has arrived.
  if (seg.has(tf::fin) && seg.seq + static_cast<std::uint32_t>(payload.size()) == rcv_nxt_) {
    process_fin(now);
  }
}

// The fifth step for ESTABLISHED and the states that share its ACK handling.
// Returns false when the segment is to be dropped.
bool Tcb::process_ack(const TcpRepr& seg, Instant now) {
  // RFC 5961 §5: an ACK outside [SND.UNA - MAX.SND.WND, SND.NXT] is answered
  // with a (challenge) ACK and dropped.
  if (seg.ack > snd_max_ || seg.ack < snd_una_ - max_snd_wnd_) {
    ++counters().dropped_bad_ack;
    challenge_ack(now);
    return false;
  }
  const std::uint32_t new_wnd = static_cast<std::uint32_t>(seg.window) << snd_scale_;
  const bool window_changed = new_wnd != snd_wnd_;

  if (seg.ack > snd_una_) {
    const std::uint32_t acked = static_cast<std::uint32_t>(seg.ack - snd_una_);
    // RTT measurement: RFC 7323 §4.2 (timestamps, on any ACK that advances
    // SND.UNA) or one timed segment with Karn's rule (RFC 6298 §3).
    if (ts_ok_ && seg.options.timestamps && seg.options.timestamps->echo != 0) {
      update_rtt_from_echo(seg.options.timestamps->echo, now);
    } else if (rtt_timing_ && seg.ack > rtt_seq_) {
      rtt_timing_ = false;
      update_rtt(now - rtt_start_);
    }
    // Remove acknowledged data from the send queue; the SYN and FIN occupy
    // sequence space but no queue bytes.
    const SeqNum acked_to = wire::min(seg.ack, data_end());
    if (acked_to > front_seq_) {
      send_q_.consume(static_cast<std::size_t>(acked_to - front_seq_));
      front_seq_ = acked_to;
    }
    snd_una_ = seg.ack;
    if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;
    retries_ = 0;
    if (send_space() > 0) events_ |= event::writable;

    // Loss recovery (RFC 5681 §3.2, RFC 6582 §3.2).
    if (in_recovery_) {
      if (seg.ack >= recover_) {
        in_recovery_ = false;
        cc().on_exit_recovery(flight_size(), smss());
      } else {
        // Partial ACK: the next hole is lost too; retransmit it at once.
        ++counters().partial_ack_retransmits;
        cc().on_partial_ack(acked, smss());
        retransmit_first(now);
      }
    } else {
      cc().on_ack(acked, smss(), now);
    }
    dup_acks_ = 0;
    // RFC 6298 §5.2/5.3.
    rto_at_ = snd_una_ == snd_max_ ? kNever : now + rto_;
  } else if (seg.ack == snd_una_ && seg.payload_len == 0 && !window_changed && !seg.has(tf::fin) &&
             snd_max_ != snd_una_) {
    // A duplicate ACK as RFC 5681 §2 defines it.
    ++dup_acks_;
    if (in_recovery_) {
      cc().on_recovery_dup_ack(smss());
    } else if (dup_acks_ == 3 && seg.ack - 1 >= recover_) {
      // RFC 6582 §3.2 step 2: only when the ACK covers more than `recover`, so
      // that dupacks from an earlier episode do not start another.
      in_recovery_ = true;
      recover_ = snd_max_;
      ++counters().fast_retransmits;
      cc().on_enter_recovery(flight_size(), smss(), now);
      retransmit_first(now);
    }
  }

  // Window update (RFC 9293 §3.10.7.4, SND.WL1/SND.WL2 guard old segments).
  if (snd_wl1_ < seg.seq || (snd_wl1_ == seg.seq && snd_wl2_ <= seg.ack)) {
    snd_wnd_ = new_wnd;
    snd_wl1_ = seg.seq;
    snd_wl2_ = seg.ack;
    max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    cc().set_max_window(max_snd_wnd_);
    if (snd_wnd_ > 0) {
      persist_at_ = kNever;
      persist_backoff_ = 0;
    }
  }
  persist_probes_ = 0;  // the peer answers: probing may go on (RFC 9293 §3.8.6.1)
  return true;
}

void Tcb::process_text(SeqNum seq, wire::ByteSpan payload, Instant now) {
  if (seq == rcv_nxt_) {
    const bool filling_hole = !ooo_.empty();
    recv_q_.append(payload);
    rcv_nxt_ += static_cast<std::uint32_t>(payload.size());
    if (filling_hole) {
      const std::size_t more =
          ooo_.drain(rcv_nxt_, [&](wire::ByteSpan run) { recv_q_.append(run); });
      rcv_nxt_ += static_cast<std::uint32_t>(more);
      // RFC 5681 §4.2: ACK at once when a segment fills (part of) a gap.
      ack_now_ = true;
    }
    events_ |= event::readable;
    // Delayed ACK (RFC 9293 §3.8.6.3, RFC 5681 §4.2): at least every second
    // full-sized segment, and never later than the delayed-ACK timeout.
    rcv_unacked_ += static_cast<std::uint32_t>(payload.size());
    const std::uint32_t full = our_mss() - (ts_ok_ ? kTimestampsLen : 0);
    if (rcv_unacked_ >= 2 * full) {
      ack_now_ = true;
    } else if (delack_at_ == kNever) {
      delack_at_ = now + cfg().delayed_ack;
    }
  } else {
    // Beyond a hole: hold it, and send a duplicate ACK at once (RFC 5681 §4.2)
    // that, with SACK, says what arrived.
    ++counters().out_of_order_segments;
    if (!ooo_.insert(seq, payload)) ++counters().out_of_order_dropped;
    ack_now_ = true;
  }
}

void Tcb::process_fin(Instant now) {
  rcv_nxt_ += 1;
  fin_received_ = true;
  ack_now_ = true;
  events_ |= event::end_of_stream | event::readable;
  switch (state_) {
    case State::syn_received:
    case State::established:
      set_state(State::close_wait);
      break;
    case State::fin_wait_1:
      if (fin_acked()) {
        enter_time_wait(now);
      } else {
        set_state(State::closing);  // simultaneous close (RFC 9293 §3.6 figure 13)
      }
      break;
    case State::fin_wait_2:
    case State::time_wait:  // a retransmitted FIN restarts the 2·MSL timeout
      enter_time_wait(now);
      break;
    default:
      break;  // CLOSE-WAIT, CLOSING, LAST-ACK: remain
  }
}

void Tcb::enter_time_wait(Instant now) {
  rto_at_ = persist_at_ = keepalive_at_ = kNever;
  close_at_ = now + 2 * cfg().msl;
  set_state(State::time_wait);
}

void Tcb::update_rtt_from_echo(std::uint32_t echo, Instant now) {
  // RFC 7323 §4.2: RTT = now - TSecr on the TSval clock. An echo from the future
  // is the peer's bug, not a sample.
  const auto ms = static_cast<std::int32_t>(ts_now(now) - echo);
  if (ms >= 0) update_rtt(std::chrono::milliseconds(ms));
}

void Tcb::update_rtt(Duration r) {
  if (r < Duration(0)) return;
  // RFC 6298 §2.2 and §2.3, with alpha = 1/8 and beta = 1/4.
  if (srtt_ == kNoRtt) {
    srtt_ = r;
    rttvar_ = r / 2;
  } else {
    const Duration err = srtt_ > r ? srtt_ - r : r - srtt_;
    rttvar_ = (3 * rttvar_ + err) / 4;
    srtt_ = (7 * srtt_ + r) / 8;
  }
  rto_ = std::clamp(srtt_ + std::max(kClockGranularity, 4 * rttvar_), cfg().rto_min, cfg().rto_max);
}

void Tcb::challenge_ack(Instant now) {
  // RFC 5961 §7: bounded, so that challenge ACKs cannot be used as an amplifier.
  if (now - challenge_window_ >= 1s) {
    challenge_window_ = now;
    challenge_count_ = 0;
  }
  if (challenge_count_ >= cfg().challenge_ack_limit) {
    ++counters().challenge_acks_suppressed;
    return;
  }
  ++challenge_count_;
  ++counters().challenge_acks;
  ack_now_ = true;
}

// ---------------------------------------------------------------------------
// Output

std::uint32_t Tcb::ts_now(Instant now) const {
  return static_cast<std::uint32_t>(to_ns(now) / 1'000'000) + ts_offset_;
}

std::uint32_t Tcb::payload_room(Instant now) const {
  // RFC 9293 §3.7.1: the MSS counts no options, so they come out of the payload;
  // SACK blocks ride on data segments too and take their share.
  return static_cast<std::uint32_t>(snd_mss_ - segment_options(false, now).emitted_len());
}

std::uint32_t Tcb::smss() const {
  return snd_mss_ - (ts_ok_ ? kTimestampsLen : 0);
}

SeqNum Tcb::data_end() const {
  return front_seq_ + static_cast<std::uint32_t>(send_q_.size());
}

void Tcb::arm_rto(Instant now) {
  if (rto_at_ == kNever) rto_at_ = now + rto_;
}

wire::TcpOptions Tcb::segment_options(bool syn, Instant now) const {
  wire::TcpOptions opt;
  if (syn) {
    // Our SYN offers what is configured; a SYN-ACK answers only what the peer
    // offered (RFC 7323 §2.2, §3.2; RFC 2018 §2).
    const bool reply = state_ != State::syn_sent;
    opt.mss = our_mss();
    if (reply ? ws_ok_ : cfg().window_scale) opt.window_scale = rcv_scale_;
    opt.sack_permitted = reply ? sack_ok_ : cfg().sack;
    if (reply ? ts_ok_ : cfg().timestamps) {
      opt.timestamps = wire::TcpTimestamps{ts_now(now), reply ? ts_recent_ : 0};
    }
    return opt;
  }
  if (ts_ok_) opt.timestamps = wire::TcpTimestamps{ts_now(now), ts_recent_};
  if (sack_ok_ && !ooo_.empty()) {
    opt.sack_count = static_cast<std::uint8_t>(ooo_.sack_blocks(opt.sack_blocks));
  }
  return opt;
}

std::uint16_t Tcb::advertise_window(bool syn) {
  const std::uint32_t space = recv_space();
  if (syn) {
    // RFC 7323 §2.2: the window in a SYN is never scaled.
    const std::uint32_t field = std::min<std::uint32_t>(space, 0xffff);
    rcv_adv_ = wire::max(rcv_adv_, rcv_nxt_ + field);
    return static_cast<std::uint16_t>(field);
  }
  // Receiver SWS avoidance (RFC 9293 §3.8.6.2.2): the right edge moves only by
  // min(buffer/2, MSS) or more; and it never moves left.
  SeqNum right = rcv_nxt_ + space;
  const std::uint32_t threshold = std::min<std::uint32_t>(recv_buffer() / 2, our_mss());
  if (right <= rcv_adv_ || static_cast<std::uint32_t>(right - rcv_adv_) < threshold) {
    right = wire::max(rcv_adv_, rcv_nxt_);
  }
  const std::uint32_t wnd = static_cast<std::uint32_t>(right - rcv_nxt_);
  // Rounded up to the scale unit so that the edge we advertised is never cut.
  const std::uint32_t unit = (1u << rcv_scale_) - 1;
  const std::uint32_t field = std::min<std::uint32_t>((wnd + unit) >> rcv_scale_, 0xffff);
  rcv_adv_ = wire::max(rcv_adv_, rcv_nxt_ + (field << rcv_scale_));
  return static_cast<std::uint16_t>(field);
}

std::uint32_t Tcb::transmit_at(SeqNum seq, std::uint32_t len, bool fin, Instant now) {
  TcpRepr r;
  r.src_port = tuple_.local.port;
  r.dst_port = tuple_.remote.port;
  r.seq = seq;
  const bool syn = seq == iss_ && syn_outstanding();
  if (syn) r.flags |= tf::syn;
  if (state_ != State::syn_sent) {
    r.flags |= tf::ack;
    r.ack = rcv_nxt_;
  }
  if (fin) r.flags |= tf::fin;
  r.options = segment_options(syn, now);
  r.window = advertise_window(syn);
  std::array<wire::ByteSpan, kMaxPayloadViews> views{};
  std::size_t nviews = 0;
  if (len > 0) {
    assert(!syn);
    const auto offset = static_cast<std::size_t>(seq - front_seq_);
    nviews = send_q_.gather(offset, len, views);
    r.payload_len = len;
    if (seq + len == data_end()) r.flags |= tf::psh;
  }
  if (r.has(tf::ack)) {
    last_ack_sent_ = rcv_nxt_;
    rcv_unacked_ = 0;
    delack_at_ = kNever;
    ack_now_ = false;
  }
  ++counters().segments_out;
  if (seq < snd_max_ && (len > 0 || syn || fin)) ++counters().retransmitted_segments;
  env_->transmit(tuple_, r, std::span<const wire::ByteSpan>(views.data(), nviews));
  return len + (syn ? 1u : 0u) + (fin ? 1u : 0u);
}

void Tcb::transmit_reset(SeqNum seq) {
  TcpRepr r;
  r.src_port = tuple_.local.port;
  r.dst_port = tuple_.remote.port;
  r.seq = seq;
  r.flags = tf::rst;
  ++counters().resets_out;
  env_->transmit(tuple_, r, {});
}

void Tcb::retransmit_first(Instant now) {
  // The oldest unacknowledged segment, without disturbing SND.NXT.
  if (snd_max_ == snd_una_) return;
  // Only what was sent before: new data goes out through output(), which keeps
  // SND.MAX and the congestion window's accounting right.
  const SeqNum end = wire::min(data_end(), snd_max_);
  const std::uint32_t len =
      snd_una_ < end ? std::min(static_cast<std::uint32_t>(end - snd_una_), payload_room(now)) : 0;
  const bool fin = fin_queued_ && snd_una_ + len == data_end() && snd_max_ > data_end();
  if (len == 0 && !fin) return;
  transmit_at(snd_una_, len, fin, now);
  rto_at_ = now + rto_;
}

void Tcb::output(Instant now) {
  switch (state_) {
    case State::closed:
    case State::listen:
      return;
    case State::time_wait:
      if (ack_now_) transmit_ack(now);
      return;
    default:
      break;
  }

  if (syn_outstanding()) {
    // Until our SYN is acknowledged only the SYN (or SYN,ACK) goes out; the ACK
    // owed in SYN-RECEIVED is the SYN,ACK itself, sent again.
    if (ack_now_ && state_ == State::syn_received) snd_nxt_ = iss_;
    if (snd_nxt_ == iss_) {
      if (snd_max_ == iss_) rtt_start_ = now;
      snd_nxt_ += transmit_at(iss_, 0, false, now);
      snd_max_ = wire::max(snd_max_, snd_nxt_);
      arm_rto(now);
    }
    return;
  }

  bool sent = false;
  const std::uint32_t mss = smss();
  while (true) {
    const SeqNum end = data_end();
    const std::uint32_t avail = snd_nxt_ < end ? static_cast<std::uint32_t>(end - snd_nxt_) : 0;
    const bool fin_pending = fin_queued_ && snd_nxt_ <= end;
    const std::uint32_t in_flight = static_cast<std::uint32_t>(snd_nxt_ - snd_una_);
    const std::uint32_t wnd = std::min(snd_wnd_, cc().cwnd());
    const std::uint32_t usable = wnd > in_flight ? wnd - in_flight : 0;
    const std::uint32_t room = payload_room(now);
    // New data may leave as one TSO job of several segments; a retransmission
    // after go-back-N stays one segment, the unit the loss was in.
    std::uint32_t burst = room;
    if (snd_nxt_ >= snd_max_ && env_->max_burst() > room) burst = env_->max_burst() / room * room;
    std::uint32_t len = std::min({avail, burst, usable});
    // A window-limited job ends on a segment boundary: no runt at its tail.
    if (len > room && len < avail) len = len / room * room;
    const bool fin = fin_pending && len == avail;
    if (len == 0 && !fin) break;
    if (len == 0 && avail > 0) break;  // a FIN waits for the data before it
    // Retransmissions after go-back-N resend what was sent before and are held
    // back by neither rule below.
    const bool new_data = snd_nxt_ >= snd_max_;
    if (new_data && len < avail && len < room) {
      // Window-limited: sender SWS avoidance (RFC 9293 §3.8.6.2.1) sends a part
      // only if it is at least half the largest window the peer has offered.
      if (len < max_snd_wnd_ / 2) break;
    }
    if (new_data && len > 0 && len < mss && len == avail && !fin && !nodelay_ && in_flight > 0) {
      break;  // Nagle (RFC 896, RFC 9293 §3.7.4): one small segment in flight at a time
    }
    if (!rtt_timing_ && !ts_ok_ && snd_nxt_ == snd_max_ && len > 0) {
      rtt_timing_ = true;
      rtt_seq_ = snd_nxt_;
      rtt_start_ = now;
    }
    snd_nxt_ += transmit_at(snd_nxt_, len, fin, now);
    snd_max_ = wire::max(snd_max_, snd_nxt_);
    arm_rto(now);
    sent = true;
  }

  if (ack_now_ && !sent) transmit_ack(now);
  // RFC 6298 §5.1: whatever is outstanding, the retransmission timer runs.
  if (snd_max_ != snd_una_) arm_rto(now);

  // The persist timer (RFC 9293 §3.8.6.1) runs while data waits, nothing is in
  // flight to bring an ACK, and the window keeps it from going.
  const bool waiting = data_end() > snd_nxt_ || (fin_queued_ && snd_max_ <= data_end());
  if (waiting && snd_max_ == snd_una_) {
    if (persist_at_ == kNever) persist_at_ = now + persist_interval();
  } else {
    persist_at_ = kNever;
  }
}

// ---------------------------------------------------------------------------
// Timers

std::optional<Instant> Tcb::poll_at() const {
  const Instant t = std::min({rto_at_, delack_at_, persist_at_, keepalive_at_, close_at_});
  if (t == kNever) return std::nullopt;
  return t;
}

void Tcb::on_timer(Instant now) {
  if (close_at_ <= now) {
    close_at_ = kNever;
    if (state_ == State::time_wait || state_ == State::fin_wait_2) {
      // TIME-WAIT's 2·MSL is over (RFC 9293 §3.10.8), or the orphan timeout.
      release_buffers();
      set_state(State::closed);
      return;
    }
  }
  if (rto_at_ <= now) on_rto(now);
  if (state_ == State::closed) return;
  if (persist_at_ <= now) on_persist(now);
  if (keepalive_at_ <= now) on_keepalive(now);
  if (state_ == State::closed) return;
  if (delack_at_ <= now) {
    delack_at_ = kNever;
    ++counters().delayed_acks;
    ack_now_ = true;
  }
  output(now);
}

void Tcb::on_rto(Instant now) {
  rto_at_ = kNever;
  if (snd_max_ == snd_una_) return;
  ++counters().rto_expiries;
  const bool syn = syn_outstanding();
  if (++retries_ > (syn ? cfg().syn_retries : cfg().max_retries)) {
    if (state_ == State::syn_received && passive_) {
      reset_to_listen();  // the half-open connection is forgotten, the listener stays
      return;
    }
    // Departure from RFC 9293 §3.8.3's R2 "close the connection": no RST is
    // sent, as Linux does, since the peer is presumed unreachable.
    ++counters().timeouts;
    fail(ETIMEDOUT, now);
    return;
  }
  // RFC 6298 §5.4-5.6: retransmit the earliest segment, back off, restart.
  rto_ = std::min(rto_ * 2, cfg().rto_max);
  rtt_timing_ = false;  // Karn: no sample from a retransmitted segment
  if (syn) {
    syn_retransmitted_ = true;
  } else {
    cc().on_rto(flight_size(), smss(), now);
  }
  in_recovery_ = false;
  dup_acks_ = 0;
  recover_ = snd_max_;  // RFC 6582 §3.2 step 4
  // Go back N: everything after SND.UNA is sent again as cwnd reopens.
  snd_nxt_ = snd_una_;
  output(now);
}

void Tcb::on_persist(Instant now) {
  persist_at_ = kNever;
  if (++persist_probes_ > cfg().max_retries) {
    // RFC 9293 §3.8.6.1 probes for as long as the peer answers; a peer that stops
    // answering is given up after as many probes as retransmissions, like Linux.
    ++counters().timeouts;
    fail(ETIMEDOUT, now);
    return;
  }
  const std::uint32_t in_flight = static_cast<std::uint32_t>(snd_nxt_ - snd_una_);
  const std::uint32_t usable = snd_wnd_ > in_flight ? snd_wnd_ - in_flight : 0;
  const SeqNum end = data_end();
  if (usable > 0 && snd_nxt_ < end) {
    // A small window the SWS rule held back: the override timeout of RFC 9293
    // §3.8.6.2.1 sends what fits, and the RTO watches it from here.
    const std::uint32_t len =
        std::min({static_cast<std::uint32_t>(end - snd_nxt_), usable, smss()});
    snd_nxt_ += transmit_at(snd_nxt_, len, false, now);
    snd_max_ = wire::max(snd_max_, snd_nxt_);
    arm_rto(now);
    return;
  }
  // Departure: the probe is SEG.SEQ = SND.UNA-1 without data (as Linux sends it)
  // rather than one octet past the window; the peer must answer it with an ACK
  // carrying its window either way, and no sequence space is consumed, so no
  // retransmission timer has to watch it.
  ++counters().persist_probes;
  transmit_probe(now);
  ++persist_backoff_;
  persist_at_ = now + persist_interval();
}

Duration Tcb::persist_interval() const {
  return std::min(rto_ * (1 << std::min<int>(persist_backoff_, 16)), cfg().rto_max);
}

void Tcb::transmit_probe(Instant now) {
  TcpRepr r;
  r.src_port = tuple_.local.port;
  r.dst_port = tuple_.remote.port;
  r.seq = snd_una_ - 1;
  r.flags = tf::ack;
  r.ack = rcv_nxt_;
  r.options = segment_options(false, now);
  r.window = advertise_window(false);
  ++counters().segments_out;
  env_->transmit(tuple_, r, {});
}

void Tcb::restart_keepalive(Instant now) {
  keepalive_probes_ = 0;
  keepalive_at_ = keepalive_ && (state_ == State::established || state_ == State::close_wait)
                      ? now + keepalive_idle_
                      : kNever;
}

void Tcb::on_keepalive(Instant now) {
  keepalive_at_ = kNever;
  if (state_ != State::established && state_ != State::close_wait) return;
  if (snd_max_ != snd_una_) {
    // Data in flight: the retransmission timer already watches the peer.
    keepalive_at_ = now + keepalive_idle_;
    return;
  }
  if (keepalive_probes_ >= keepalive_count_) {
    // Linux sends a RST when keepalive gives up; the peer may be back.
    transmit_reset(snd_nxt_);
    ++counters().timeouts;
    fail(ETIMEDOUT, now);
    return;
  }
  // RFC 9293 §3.8.4: SEG.SEQ = SND.NXT-1 with no data, which the peer must
  // answer with an ACK because it lies left of its window.
  ++keepalive_probes_;
  ++counters().keepalive_probes;
  transmit_probe(now);
  keepalive_at_ = now + keepalive_interval_;
}

}  // namespace tandem::tcp
