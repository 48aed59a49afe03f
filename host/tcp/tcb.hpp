// SPDX-License-Identifier: Apache-2.0
// The transmission control block: one TCP connection's protocol state machine
// (RFC 9293 §3.3.2), with no I/O and no clock. Its inputs are segments, the
// application's calls and timer expiry, each with `now`; its outputs are segments
// handed to the Environment, events for the application, and poll_at(), the time
// it next wants on_timer() — the shape smoltcp's process/dispatch/poll_at has, and
// what makes every test deterministic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>

#include "host/base/time.hpp"
#include "host/tcp/assembler.hpp"
#include "host/tcp/byte_queue.hpp"
#include "host/tcp/config.hpp"
#include "host/tcp/congestion/newreno.hpp"
#include "host/tcp/endpoint.hpp"
#include "host/tcp/isn.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/seq.hpp"
#include "host/wire/tcp.hpp"

namespace tandem::tcp {

// RFC 9293 §3.3.2.
enum class State : std::uint8_t {
  closed,
  listen,
  syn_sent,
  syn_received,
  established,
  fin_wait_1,
  fin_wait_2,
  close_wait,
  closing,
  last_ack,
  time_wait,
};
std::string_view to_string(State s);

// What the application is told, as bits it collects with take_events(): the
// readiness a socket layer turns into epoll events.
namespace event {
inline constexpr std::uint8_t readable = 0x01;       // data to receive()
inline constexpr std::uint8_t writable = 0x02;       // send buffer space freed
inline constexpr std::uint8_t connected = 0x04;      // reached ESTABLISHED
inline constexpr std::uint8_t end_of_stream = 0x08;  // the peer's FIN: receive() returns 0
inline constexpr std::uint8_t error = 0x10;          // error() holds ECONNRESET, ETIMEDOUT...
inline constexpr std::uint8_t closed = 0x20;         // reached CLOSED: the owner may free it
}  // namespace event

// The result of send()/receive(): bytes moved, or a POSIX errno (EAGAIN,
// ENOTCONN, EPIPE, ECONNRESET, ETIMEDOUT). receive() returning {0, 0} is end of
// stream.
struct IoResult {
  std::size_t bytes = 0;
  int error = 0;
};

class Tcb;

// What a TCB needs from its owner (the per-core Stack; a test harness in tests):
// the settings, the ISN secret, the counters and the way out for segments.
class Environment {
 public:
  Environment(const TcpConfig& config, const IsnGenerator& isn) : config_(config), isn_(isn) {}
  virtual ~Environment() = default;
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  // One segment out. `payload` is scatter-gather over the send queue's chunks and
  // is valid only during the call (the NIC contract's TSO job takes it as is).
  virtual void transmit(const FourTuple& tuple, const wire::TcpRepr& repr,
                        std::span<const wire::ByteSpan> payload) = 0;
  // The most payload one transmit() may carry: a TSO job's limit when the device
  // segments (a multiple of the MSS is used), 0 when every segment is one MSS.
  virtual std::uint32_t max_burst() const { return 0; }
  // Every state transition passes through here (the trace of set_state()).
  virtual void on_state_change(const Tcb& /*tcb*/, State /*from*/, State /*to*/) {}

  const TcpConfig& config() const { return config_; }
  const IsnGenerator& isn() const { return isn_; }
  TcpCounters& counters() { return counters_; }
  const TcpCounters& counters() const { return counters_; }

 private:
  const TcpConfig& config_;
  const IsnGenerator& isn_;
  TcpCounters counters_;
};

// The reply RFC 9293 §3.10.7.1 prescribes to a segment for a connection that does
// not exist (nothing for a RST). The Stack uses it for strays that match no TCB.
std::optional<wire::TcpRepr> reset_for(const wire::TcpRepr& seg);

struct KeepaliveSettings {
  Duration idle;
  Duration interval;
  std::uint8_t count;
};

class Tcb {
 public:
  explicit Tcb(Environment& env);
  Tcb(const Tcb&) = delete;
  Tcb& operator=(const Tcb&) = delete;
  ~Tcb() = default;

  State state() const { return state_; }
  const FourTuple& tuple() const { return tuple_; }
  // The errno of the failure that closed the connection, 0 if none.
  int error() const { return error_; }
  std::uint8_t take_events();
  std::uint8_t pending_events() const { return events_; }

  // The socket's own buffer sizes and MSS (SocketLimits). The owner sets them
  // before every open, so that a reused TCB starts from the socket's; set
  // later, only the buffer sizes take effect (the SYN has announced the rest).
  void set_limits(const SocketLimits& limits) { limits_ = limits; }
  const SocketLimits& limits() const { return limits_; }
  std::uint32_t send_buffer() const;
  std::uint32_t recv_buffer() const;
  // The MSS we announce and cap what we send by.
  std::uint16_t our_mss() const;

  // --- Application calls (RFC 9293 §3.10) ---------------------------------
  // OPEN, active: sends a SYN; CLOSED -> SYN-SENT.
  void open_active(const FourTuple& tuple, Instant now);
  // OPEN, passive: CLOSED -> LISTEN on `local` (its address may be unspecified).
  void open_passive(const Endpoint& local);
  // For a listener that keeps its own SYN queue: this fresh TCB takes the SYN
  // the listener received and goes CLOSED -> SYN-RECEIVED. A RST later closes it
  // instead of returning it to LISTEN.
  void open_from_syn(const FourTuple& tuple, const wire::TcpRepr& syn, Instant now);
  // A listener's SYN cookie came back (RFC 4987 §3.6): the SYN-ACK with ISS
  // `cookie` went out statelessly, `syn` is the SYN as the cookie recalls it.
  // CLOSED -> SYN-RECEIVED, ready for the ACK that carried the cookie.
  void open_from_cookie(const FourTuple& tuple, const wire::TcpRepr& syn, wire::SeqNum cookie,
                        Instant now);
  IoResult send(wire::ByteSpan data, Instant now);
  IoResult receive(wire::MutableByteSpan out, Instant now);
  // RFC 9293's CLOSE: no more data from us (shutdown(SHUT_WR)).
  void shutdown_write(Instant now);
  // close(): shutdown_write, and the application will read no more. Unread data,
  // or data arriving later, resets the connection as Linux does (RFC 2525 §2.17).
  void close(Instant now);
  // ABORT (RFC 9293 §3.10.5): RST if synchronized, then CLOSED.
  void abort(Instant now);

  void set_nodelay(bool on) { nodelay_ = on; }
  // SO_KEEPALIVE with the TcpConfig's idle/interval/count (TCP_KEEPIDLE & co.
  // when `settings` is given); nullopt turns it off.
  void set_keepalive(std::optional<KeepaliveSettings> settings, Instant now);
  void set_keepalive(bool on, Instant now) {
    set_keepalive(on ? std::optional<KeepaliveSettings>(KeepaliveSettings{
                           cfg().keepalive_idle, cfg().keepalive_interval, cfg().keepalive_count})
                     : std::nullopt,
                  now);
  }

  // --- Network and timers --------------------------------------------------
  // A segment for this connection, already checksum-verified and demultiplexed.
  void on_segment(const wire::TcpRepr& seg, wire::ByteSpan payload, Instant now);
  // The same with the segment's addresses, which a TCB in LISTEN needs to learn
  // its peer (and its own address when it listens on the unspecified one).
  void on_segment(wire::Ipv4Address src, wire::Ipv4Address dst, const wire::TcpRepr& seg,
                  wire::ByteSpan payload, Instant now);
  void on_timer(Instant now);
  // When on_timer() is next needed; nullopt when no timer runs.
  std::optional<Instant> poll_at() const;

  // --- Introspection (tests, getsockopt(TCP_INFO), the socket layer) --------
  std::size_t send_queued() const { return send_q_.size(); }
  std::size_t send_space() const;
  std::size_t recv_available() const { return recv_q_.size(); }
  // MSG_PEEK: copies what receive() would return next, consuming nothing.
  std::size_t peek(wire::MutableByteSpan out) const { return recv_q_.peek(0, out); }
  // The peer's FIN has been processed: once the queue is empty, receive() is at
  // end of stream (the socket layer's RCV_SHUTDOWN).
  bool end_of_stream() const { return fin_received_; }
  // Consecutive retransmissions of the oldest segment (TCP_INFO's tcpi_retransmits).
  std::uint8_t retransmits() const { return retries_; }
  Duration rttvar() const { return rttvar_; }
  // Heap chunks and reassembly blocks held: zero once the buffers are drained.
  std::size_t allocated_buffers() const {
    return send_q_.allocated_chunks() + recv_q_.allocated_chunks() + ooo_.allocated_blocks();
  }
  std::uint32_t cwnd() const { return cc().cwnd(); }
  std::uint32_t ssthresh() const { return cc().ssthresh(); }
  Duration rto() const { return rto_; }
  Duration srtt() const { return srtt_; }
  std::uint16_t send_mss() const { return snd_mss_; }
  std::uint32_t send_window() const { return snd_wnd_; }
  std::uint8_t send_scale() const { return snd_scale_; }
  std::uint8_t recv_scale() const { return rcv_scale_; }
  bool timestamps_enabled() const { return ts_ok_; }
  bool sack_enabled() const { return sack_ok_; }
  bool window_scale_enabled() const { return ws_ok_; }
  wire::SeqNum iss() const { return iss_; }
  wire::SeqNum snd_una() const { return snd_una_; }
  wire::SeqNum snd_nxt() const { return snd_nxt_; }
  wire::SeqNum rcv_nxt() const { return rcv_nxt_; }
  // The peer's most recent timestamp (RFC 7323 §4.3 TS.Recent).
  std::uint32_t ts_recent() const { return ts_recent_; }

  // The ISS of the next open instead of RFC 6528's: for a SYN that reopens a
  // connection in TIME-WAIT (above the old connection's sequence space, RFC
  // 1122 §4.2.2.13), and for tests (to start near 2^32).
  void set_iss(wire::SeqNum iss) {
    iss_override_ = iss;
    has_iss_override_ = true;
  }
  void set_iss_for_test(wire::SeqNum iss) { set_iss(iss); }

 private:
  static constexpr Instant kNever = Instant::max();
  static constexpr Duration kNoRtt{-1};  // srtt_ before the first sample

  const TcpConfig& cfg() const { return env_->config(); }
  TcpCounters& counters() { return env_->counters(); }
  CongestionControl& cc() {
    return std::visit([](auto& c) -> CongestionControl& { return c; }, cc_);
  }
  const CongestionControl& cc() const {
    return std::visit([](const auto& c) -> const CongestionControl& { return c; }, cc_);
  }

  // The one place a state changes.
  void set_state(State next);

  // Setup shared by the ways a connection starts.
  void init_connection(const FourTuple& tuple, Instant now);
  void choose_iss(Instant now);
  void accept_syn(const wire::TcpRepr& syn, Instant now);
  void negotiate(const wire::TcpRepr& syn, Instant now);
  void enter_established(const wire::TcpRepr& seg, Instant now);

  // Input processing, one function per group of states of RFC 9293 §3.10.7.
  void segment_in_closed(const FourTuple& tuple, const wire::TcpRepr& seg);
  void segment_in_listen(wire::Ipv4Address src, wire::Ipv4Address dst, const wire::TcpRepr& seg,
                         Instant now);
  void segment_in_syn_sent(const wire::TcpRepr& seg, Instant now);
  void segment_in_synchronized(const wire::TcpRepr& seg, wire::ByteSpan payload, Instant now);
  bool check_paws(const wire::TcpRepr& seg, Instant now);
  bool process_ack(const wire::TcpRepr& seg, Instant now);
  void process_text(wire::SeqNum seq, wire::ByteSpan payload, Instant now);
  void process_fin(Instant now);
  void update_rtt(Duration sample);
  void update_rtt_from_echo(std::uint32_t echo, Instant now);
  void challenge_ack(Instant now);

  // Output.
  void output(Instant now);
  // Sends [seq, seq+len) of the send queue, with SYN when seq is the ISS and FIN
  // when `fin`; returns the sequence space used.
  std::uint32_t transmit_at(wire::SeqNum seq, std::uint32_t len, bool fin, Instant now);
  // A pure ACK carries SND.MAX: after go-back-N rewinds SND.NXT its sequence
  // number could lie left of the peer's window, and the peer would drop it
  // unread (and answer with an ACK of its own).
  void transmit_ack(Instant now) { transmit_at(snd_max_, 0, false, now); }
  void transmit_reset(wire::SeqNum seq);
  void retransmit_first(Instant now);
  std::uint16_t advertise_window(bool syn);
  wire::TcpOptions segment_options(bool syn, Instant now) const;
  std::uint32_t ts_now(Instant now) const;
  std::uint32_t smss() const;
  std::uint32_t payload_room(Instant now) const;
  std::uint32_t flight_size() const { return static_cast<std::uint32_t>(snd_max_ - snd_una_); }
  wire::SeqNum data_end() const;  // one past the send queue's last byte (the FIN's number)
  std::uint32_t recv_space() const;
  Duration persist_interval() const;
  void transmit_probe(Instant now);
  bool fin_acked() const { return fin_queued_ && snd_una_ > data_end(); }
  bool syn_outstanding() const { return snd_una_ == iss_; }
  void arm_rto(Instant now);

  // Timers.
  void on_rto(Instant now);
  void on_persist(Instant now);
  void on_keepalive(Instant now);
  void restart_keepalive(Instant now);
  void enter_time_wait(Instant now);
  void fail(int err, Instant now);
  void reset_to_listen();
  void release_buffers();

  Environment* env_;
  FourTuple tuple_{};
  State state_ = State::closed;

  // Negotiated on the SYNs.
  bool ws_ok_ = false;
  bool ts_ok_ = false;
  bool sack_ok_ = false;
  // How this connection began and how it is ending.
  bool passive_ = false;       // came from a TCB in LISTEN (RST returns it there)
  bool listen_any_ = false;    // that LISTEN was on the unspecified address
  bool fin_queued_ = false;    // the application closed its sending side
  bool fin_received_ = false;  // end of stream reached (the peer's FIN was processed)
  bool app_closed_ = false;    // close(): the application reads no more
  bool nodelay_ = false;
  bool keepalive_ = false;
  bool syn_retransmitted_ = false;
  bool in_recovery_ = false;  // NewReno fast recovery (RFC 6582)
  bool rtt_timing_ = false;   // a segment is being timed (when timestamps are off)
  bool ack_now_ = false;      // an ACK is owed and must not wait for the delayed-ACK timer
  bool has_iss_override_ = false;
  std::uint8_t snd_scale_ = 0;
  std::uint8_t rcv_scale_ = 0;
  std::uint8_t dup_acks_ = 0;
  std::uint8_t retries_ = 0;
  std::uint8_t persist_backoff_ = 0;
  std::uint8_t persist_probes_ = 0;  // unanswered zero-window probes
  std::uint8_t keepalive_probes_ = 0;
  std::uint8_t keepalive_count_ = 0;
  std::uint8_t events_ = 0;
  std::uint8_t error_ = 0;
  SocketLimits limits_;
  std::uint16_t snd_mss_ = wire::kTcpDefaultMss;  // the peer's MSS, capped by ours
  std::uint16_t challenge_count_ = 0;

  // Send sequence space (RFC 9293 §3.3.1). snd_nxt_ moves back to snd_una_ when
  // the RTO fires (go-back-N); snd_max_ is the highest ever sent and what ACKs are
  // judged against, the SND.NXT of the RFC's acceptability rules.
  wire::SeqNum iss_;
  wire::SeqNum iss_override_;
  wire::SeqNum snd_una_;
  wire::SeqNum snd_nxt_;
  wire::SeqNum snd_max_;
  wire::SeqNum snd_wl1_;
  wire::SeqNum snd_wl2_;
  wire::SeqNum front_seq_;  // sequence number of the send queue's first byte
  wire::SeqNum recover_;    // RFC 6582
  wire::SeqNum rtt_seq_;
  std::uint32_t snd_wnd_ = 0;
  std::uint32_t max_snd_wnd_ = 0;

  // Receive sequence space. rcv_adv_ is the right edge last advertised, which the
  // window never moves back from (RFC 9293 §3.8.6, no shrinking).
  wire::SeqNum irs_;
  wire::SeqNum rcv_nxt_;
  wire::SeqNum rcv_adv_;
  wire::SeqNum last_ack_sent_;     // RFC 7323 §4.3 Last.ACK.sent
  std::uint32_t rcv_unacked_ = 0;  // bytes received since our last ACK
  std::uint32_t ts_recent_ = 0;
  std::uint32_t ts_offset_ = 0;

  // RFC 6298 state.
  Duration srtt_ = kNoRtt;
  Duration rttvar_{0};
  Duration rto_{0};
  Instant rtt_start_{};

  // Deadlines, kNever when idle: the timers a timer wheel will drive.
  Instant rto_at_ = kNever;
  Instant delack_at_ = kNever;
  Instant persist_at_ = kNever;
  Instant keepalive_at_ = kNever;
  Instant close_at_ = kNever;  // TIME-WAIT's 2·MSL, or the orphan FIN-WAIT-2 timeout
  Instant ts_recent_at_{};
  Instant challenge_window_{};
  Duration keepalive_idle_{0};
  Duration keepalive_interval_{0};

  std::variant<NewReno> cc_;
  ByteQueue send_q_;
  ByteQueue recv_q_;
  Assembler ooo_;
};

}  // namespace tandem::tcp
