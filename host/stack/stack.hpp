// SPDX-License-Identifier: Apache-2.0
// One core's TCP/IP stack (design §3): the network interface on the core's device
// queue, the TCB table the NIC's connection ids index, the listeners with their
// SYN and accept queues, and the timer wheel that drives every TCB's timers.
//
// Poll-driven and run to completion, with no I/O and no clock of its own:
// poll(now) takes what the device queue has received, runs due timers and hands
// queued frames to the device; poll_at() says when it next needs to run. The
// socket layer (host/api) sits on top and learns readiness through a
// ReadinessObserver. Nothing here is shared between cores.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "host/base/time.hpp"
#include "host/base/timer_wheel.hpp"
#include "host/dev/device.hpp"
#include "host/net/interface.hpp"
#include "host/stack/syn_cookie.hpp"
#include "host/tcp/config.hpp"
#include "host/tcp/endpoint.hpp"
#include "host/tcp/isn.hpp"
#include "host/tcp/tcb.hpp"
#include "host/wire/toeplitz.hpp"

namespace tandem::stack {

// Indexes the TCB table; the NIC's flow lookup returns it (contract::ConnectionId).
using ConnId = std::uint32_t;
using ListenerId = std::uint32_t;
inline constexpr ConnId kNoConn = ~ConnId{0};

struct StackConfig {
  net::InterfaceConfig net;
  tcp::TcpConfig tcp;
  // TCB slots, TIME-WAIT included; connect() and new SYNs fail beyond it.
  std::uint32_t max_connections = 1u << 16;
  // Linux's net.ipv4.ip_local_port_range.
  std::uint16_t ephemeral_first = 32768;
  std::uint16_t ephemeral_last = 60999;
  // The NIC's RSS key and redirection table when the device has several queues
  // (one Stack per core, docs/multicore.md): connect() then picks only
  // ephemeral ports whose replies the NIC steers to net.queue, this core's.
  // Unset: any free port, as on a single-queue device.
  std::optional<wire::RssConfig> rss;
  // Linux's net.ipv4.tcp_max_syn_backlog: SYN-RECEIVED connections per listener
  // before SYN cookies take over (or SYNs are dropped, without cookies).
  std::uint32_t max_syn_backlog = 256;
  bool syn_cookies = true;  // Linux's tcp_syncookies=1
  // The secret behind ISNs and SYN cookies; the runtime draws it from the OS.
  tcp::SipKey secret{};
  // Flow-table commands waiting for room in the device's command queue.
  std::size_t flow_command_backlog = 4096;
};

// netstat -s's TcpExt lines for what the Stack itself decides.
struct StackCounters {
  std::uint64_t segments_in = 0;
  std::uint64_t bad_segments = 0;       // failed parse or checksum, or broadcast
  std::uint64_t dropped_bad_flags = 0;  // SYN with FIN or RST
  std::uint64_t demux_by_nic = 0;       // the NIC's conn_id named the TCB
  std::uint64_t demux_by_software = 0;  // found in the host's own table
  std::uint64_t nic_conn_id_stale = 0;  // the NIC named a TCB of another tuple
  std::uint64_t no_socket_resets = 0;   // RST sent for a segment nobody owns
  std::uint64_t no_socket_dropped = 0;  // no owner, and no RST is due (a RST, say)
  std::uint64_t listen_overflows = 0;   // handshake completions dropped: accept queue full
  std::uint64_t listen_drops = 0;       // SYNs dropped by a listener
  std::uint64_t syncookies_sent = 0;
  std::uint64_t syncookies_recv = 0;
  std::uint64_t syncookies_failed = 0;
  std::uint64_t time_wait_reopened = 0;     // a SYN ended TIME-WAIT and opened anew (RFC 6191)
  std::uint64_t connections_exhausted = 0;  // no TCB slot free
  std::uint64_t transmit_failed = 0;        // the interface refused a segment
  std::uint64_t tso_jobs = 0;
  std::uint64_t flow_inserts = 0;
  std::uint64_t flow_insert_failed = 0;  // the NIC table refused: software demux covers it
  std::uint64_t flow_deletes = 0;
  std::uint64_t flow_commands_dropped = 0;  // command backlog full
};

// How the socket layer hears about readiness. Called from inside the Stack's
// calls (poll() and the connection operations): record what changed and act on
// it afterwards, without calling back into the Stack.
class ReadinessObserver {
 public:
  // `events` are tcp::event bits, newly raised on connection `id`.
  virtual void on_connection_events(ConnId id, std::uint8_t events) = 0;
  // A connection joined the accept queue of `listener`.
  virtual void on_listener_ready(ListenerId listener) = 0;

 protected:
  ~ReadinessObserver() = default;
};

class Stack final : private net::Ipv4ProtocolHandler, private tcp::Environment {
 public:
  // Throws std::invalid_argument for an unusable configuration (see
  // net::Interface, and an empty ephemeral port range).
  Stack(dev::Device& device, const StackConfig& config, Instant start = Instant{});
  ~Stack() override;
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  void poll(Instant now);
  std::optional<Instant> poll_at() const;

  void set_observer(ReadinessObserver* observer) { observer_ = observer; }

  // --- Connections ---------------------------------------------------------
  // An active open to `remote` from `local` (address unspecified: ours; port 0:
  // an ephemeral port). Errors as connect(2): EADDRNOTAVAIL when no ephemeral
  // port is free or `local` is not ours, EADDRINUSE when the 4-tuple exists,
  // ENETUNREACH, ENOBUFS when no TCB slot is free, EINVAL for a zero remote port.
  // `limits`: the socket's buffer sizes and MSS, before the SYN announces them.
  [[nodiscard]] std::error_code connect(const tcp::Endpoint& remote, tcp::Endpoint local,
                                        Instant now, ConnId& id,
                                        const tcp::SocketLimits& limits = {});
  tcp::Tcb& tcb(ConnId id);
  const tcp::Tcb& tcb(ConnId id) const;
  // Application operations on a connection, through the Stack so that it can
  // reschedule the connection's timer and report readiness afterwards.
  tcp::IoResult send(ConnId id, wire::ByteSpan data, Instant now);
  tcp::IoResult receive(ConnId id, wire::MutableByteSpan out, Instant now);
  void shutdown_write(ConnId id, Instant now);
  void set_nodelay(ConnId id, bool on);
  void set_keepalive(ConnId id, std::optional<tcp::KeepaliveSettings> settings, Instant now);
  // The application is done with `id` (close(2)): an orderly close, or a RST when
  // `abort` (SO_LINGER with a zero timeout, or unread data as Linux does). The
  // TCB lives on as long as the protocol needs it (FIN-WAIT, TIME-WAIT) and is
  // then freed; `id` must not be used again.
  void release(ConnId id, bool abort, Instant now);

  // --- Listeners -----------------------------------------------------------
  // Passive open on `local` (unspecified address: any of ours). Several
  // listeners may share a port when every one of them asked for `reuseport`;
  // new connections are spread among them by a hash of the 4-tuple. Errors:
  // EADDRINUSE, EINVAL for port 0.
  // `limits` go to every connection the listener opens (as a Linux listener's
  // socket options to the sockets accept() returns) and shape its SYN-ACKs,
  // cookies' included.
  [[nodiscard]] std::error_code listen(const tcp::Endpoint& local, int backlog, bool reuseport,
                                       ListenerId& id, const tcp::SocketLimits& limits = {});
  // listen(2) again on a listening socket: only the backlog changes.
  void set_backlog(ListenerId id, int backlog);
  // setsockopt(2) on a listening socket: for the connections it opens next.
  void set_limits(ListenerId id, const tcp::SocketLimits& limits);
  // The oldest established connection waiting, if any; the caller owns it now.
  std::optional<ConnId> accept(ListenerId id);
  std::size_t accept_queue_size(ListenerId id) const;
  // Closes the listener: connections in its queues are reset, as Linux does.
  void close_listener(ListenerId id, Instant now);

  // Whether any listener or connection uses local TCP `port` (for bind(2)).
  bool tcp_port_in_use(std::uint16_t port) const;
  wire::Ipv4Address address() const { return iface_.config().address; }
  const StackConfig& config() const { return config_; }

  net::Interface& interface() { return iface_; }
  const net::Interface& interface() const { return iface_; }
  const StackCounters& counters() const { return counters_; }
  const tcp::TcpCounters& tcp_counters() const { return Environment::counters(); }
  // TCB slots in use, TIME-WAIT and orphans included.
  std::size_t connections() const { return by_tuple_.size(); }
  std::size_t listeners() const;
  // Buffers held across every TCB (zero once all data is delivered and acked).
  std::size_t allocated_buffers() const;

 private:
  enum class Owner : std::uint8_t {
    free,
    application,   // the socket layer holds it
    syn_queue,     // SYN-RECEIVED, under a listener
    accept_queue,  // established, waiting for accept()
    orphan,        // released by the application, finishing its close
  };

  struct Connection {
    explicit Connection(tcp::Environment& env) : tcb(env) {}
    tcp::Tcb tcb;
    Timer timer;
    Owner owner = Owner::free;
    bool in_nic_table = false;
    ListenerId listener = 0;
  };

  struct Listener {
    tcp::Endpoint local;
    std::uint32_t backlog = 0;
    bool open = false;
    bool reuseport = false;
    tcp::SocketLimits limits;
    std::deque<ConnId> accept_queue;
    std::uint32_t syn_queue = 0;  // connections in SYN-RECEIVED under it
  };

  struct TupleHash {
    std::size_t operator()(const tcp::FourTuple& t) const;
  };

  // net::Ipv4ProtocolHandler
  void on_ipv4(const net::Ipv4Input& input) override;
  // tcp::Environment
  void transmit(const tcp::FourTuple& tuple, const wire::TcpRepr& repr,
                std::span<const wire::ByteSpan> payload) override;
  std::uint32_t max_burst() const override;
  void on_state_change(const tcp::Tcb& tcb, tcp::State from, tcp::State to) override;

  void deliver(ConnId id, const wire::Ipv4Repr& ip, const wire::TcpRepr& seg,
               wire::ByteSpan payload, Instant now);
  // `iss`: the new connection's ISS, when a SYN reopens a TIME-WAIT one.
  void on_listener_segment(ListenerId lid, const wire::Ipv4Repr& ip, const wire::TcpRepr& seg,
                           wire::ByteSpan payload, Instant now,
                           std::optional<wire::SeqNum> iss = std::nullopt);
  // A SYN for connection `id` in TIME-WAIT that may open a new one: see
  // stack.cpp.
  bool reopens_time_wait(ConnId id, const wire::TcpRepr& seg) const;
  void answer_stray(const wire::Ipv4Repr& ip, const wire::TcpRepr& seg);
  void send_cookie_syn_ack(const wire::Ipv4Repr& ip, const wire::TcpRepr& syn,
                           const tcp::SocketLimits& limits, Instant now);
  std::optional<ListenerId> find_listener(const tcp::Endpoint& local,
                                          const tcp::FourTuple& tuple) const;

  std::optional<ConnId> allocate();
  void register_tuple(ConnId id);
  void free_connection(ConnId id);
  // After every call into a TCB: its timer, its readiness, its end.
  void settle(ConnId id);
  void on_timer(Timer& timer);
  void flow_command(contract::FlowOp op, ConnId id);
  void flush_flow_commands();
  std::uint16_t pick_ephemeral(const tcp::Endpoint& remote, wire::Ipv4Address local);
  Connection& conn(ConnId id) { return slots_[id]; }
  const Connection& conn(ConnId id) const { return slots_[id]; }

  dev::Device& device_;
  StackConfig config_;
  tcp::IsnGenerator isn_;
  SynCookies cookies_;
  net::Interface iface_;
  TimerWheel wheel_;
  Instant now_;
  ReadinessObserver* observer_ = nullptr;
  StackCounters counters_;

  std::deque<Connection> slots_;  // a deque: a TCB never moves once made
  std::vector<ConnId> free_slots_;
  std::unordered_map<tcp::FourTuple, ConnId, TupleHash> by_tuple_;
  std::vector<Listener> listeners_;
  std::unordered_multimap<std::uint16_t, ListenerId> listeners_by_port_;
  std::unordered_map<std::uint16_t, std::uint32_t> port_users_;  // local port -> TCBs using it
  std::deque<contract::FlowCommand> flow_backlog_;
  std::uint16_t next_ephemeral_;
  std::uint32_t flow_tag_ = 0;
  std::vector<ConnId> settling_;  // TCBs touched inside the current input
};

}  // namespace tandem::stack
