// SPDX-License-Identifier: Apache-2.0
#include "host/stack/stack.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>

#include "host/wire/tcp.hpp"

namespace tandem::stack {

namespace tf = wire::tcp_flag;
using tcp::State;

namespace {

constexpr std::uint8_t kProtoTcp = static_cast<std::uint8_t>(wire::IpProtocol::tcp);
constexpr std::uint8_t kMaxWindowShift = 14;  // RFC 7323 §2.3
// Linux's net.core.somaxconn: listen(2)'s backlog is silently capped by it.
constexpr std::uint32_t kSomaxconn = 4096;

std::error_code err(std::errc e) {
  return std::make_error_code(e);
}

std::uint64_t mix(std::uint64_t x) {
  // splitmix64's finalizer: spreads every input bit over the result.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint32_t clamp_backlog(int backlog) {
  return backlog < 0 ? 0 : std::min(static_cast<std::uint32_t>(backlog), kSomaxconn);
}

}  // namespace

std::size_t Stack::TupleHash::operator()(const tcp::FourTuple& t) const {
  const std::uint64_t a = (std::uint64_t{t.local.addr.value} << 32) | t.remote.addr.value;
  const std::uint64_t p = (std::uint64_t{t.local.port} << 16) | t.remote.port;
  return static_cast<std::size_t>(mix(a ^ mix(p)));
}

Stack::Stack(dev::Device& device, const StackConfig& config, Instant start)
    : Environment(config_.tcp, isn_),
      device_(device),
      config_(config),
      isn_(config.secret),
      cookies_(config.secret),
      iface_(device, config.net, start),
      wheel_(config.net.timer_tick, start),
      now_(start),
      next_ephemeral_(config.ephemeral_first) {
  if (config_.ephemeral_first == 0 || config_.ephemeral_first > config_.ephemeral_last) {
    throw std::invalid_argument("Stack: empty ephemeral port range");
  }
  // Our MSS is what the interface's MTU leaves after the IPv4 and TCP headers.
  const auto mtu_mss = static_cast<std::uint16_t>(iface_.mtu() - 40);
  config_.tcp.mss = std::min(config_.tcp.mss, mtu_mss);
  if (auto ec = iface_.register_protocol(kProtoTcp, *this)) {
    throw std::system_error(ec, "Stack: TCP handler");
  }
}

Stack::~Stack() {
  (void)iface_.unregister_protocol(kProtoTcp);
}

// ---------------------------------------------------------------------------
// Polling

void Stack::poll(Instant now) {
  now_ = now;
  iface_.poll(now);
  std::array<contract::FlowCompletion, 32> done{};
  while (const std::size_t n = device_.poll_flow_completions(done)) {
    for (std::size_t i = 0; i < n; ++i) {
      // A refused insert costs only speed: the host's table still finds the TCB.
      if (done[i].status != contract::FlowStatus::ok) ++counters_.flow_insert_failed;
    }
  }
  wheel_.advance(now, [this](Timer& t) { on_timer(t); });
  flush_flow_commands();
  iface_.flush(now);
}

std::optional<Instant> Stack::poll_at() const {
  std::optional<Instant> at = iface_.poll_at();
  if (const auto t = wheel_.next_expiry(); t && (!at || *t < *at)) at = t;
  if (!flow_backlog_.empty() && (!at || now_ < *at)) at = now_;
  return at;
}

void Stack::on_timer(Timer& timer) {
  const auto id = static_cast<ConnId>(timer.tag);
  conn(id).tcb.on_timer(now_);
  settle(id);
}

// ---------------------------------------------------------------------------
// Input

void Stack::on_ipv4(const net::Ipv4Input& input) {
  ++counters_.segments_in;
  // Broadcast and multicast segments are never TCP's (RFC 1122 §4.2.3.10).
  if (input.broadcast) {
    ++counters_.bad_segments;
    return;
  }
  const auto packet = wire::TcpPacket::new_checked(input.l4);
  if (!packet) {
    ++counters_.bad_segments;
    return;
  }
  const auto seg = wire::TcpRepr::parse(*packet, input.ip.src, input.ip.dst, input.l4_checksum);
  if (!seg) {
    ++counters_.bad_segments;
    return;
  }
  // SYN with FIN or RST names no meaningful event; dropped before any state
  // sees it, as FreeBSD's drop_synfin does (docs/host-stack.md).
  if (seg->has(tf::syn) && (seg->has(tf::fin) || seg->has(tf::rst))) {
    ++counters_.dropped_bad_flags;
    return;
  }
  const tcp::FourTuple tuple{tcp::Endpoint{input.ip.dst, seg->dst_port},
                             tcp::Endpoint{input.ip.src, seg->src_port}};
  const contract::ConnectionId nic_id = input.meta.conn_id;
  if (nic_id != contract::kLookupMiss) {
    if (nic_id < slots_.size() && conn(nic_id).owner != Owner::free &&
        conn(nic_id).tcb.tuple() == tuple) {
      ++counters_.demux_by_nic;
      deliver(nic_id, input.ip, *seg, packet->payload(), now_);
      return;
    }
    ++counters_.nic_conn_id_stale;
  }
  if (const auto it = by_tuple_.find(tuple); it != by_tuple_.end()) {
    ++counters_.demux_by_software;
    deliver(it->second, input.ip, *seg, packet->payload(), now_);
    return;
  }
  if (const auto lid = find_listener(tuple.local, tuple)) {
    on_listener_segment(*lid, input.ip, *seg, packet->payload(), now_);
    return;
  }
  answer_stray(input.ip, *seg);
}

bool Stack::reopens_time_wait(ConnId id, const wire::TcpRepr& seg) const {
  const Connection& c = conn(id);
  if (c.owner != Owner::orphan || c.tcb.state() != State::time_wait) return false;
  if (!seg.has(tf::syn) || seg.has(tf::ack) || seg.has(tf::rst)) return false;
  const tcp::Tcb& old = c.tcb;
  // RFC 6191 §2: with timestamps on both, a SYN whose TSval is newer than the
  // old connection's last; otherwise RFC 1122 §4.2.2.13: a sequence number
  // past everything the old connection received. Either way no segment of
  // the old connection can be taken for one of the new. (Linux's
  // tcp_timewait_state_process applies the same two tests.)
  if (old.timestamps_enabled() && seg.options.timestamps) {
    return static_cast<std::int32_t>(seg.options.timestamps->value - old.ts_recent()) > 0;
  }
  return seg.seq > old.rcv_nxt();
}

void Stack::deliver(ConnId id, const wire::Ipv4Repr& ip, const wire::TcpRepr& seg,
                    wire::ByteSpan payload, Instant now) {
  Connection& c = conn(id);
  if (reopens_time_wait(id, seg)) {
    const tcp::FourTuple tuple = c.tcb.tuple();
    if (const auto lid = find_listener(tuple.local, tuple)) {
      // The new connection's sequence space starts past the old one's, as
      // Linux's does (tw_snd_nxt + 65535 + 2), so that the peer's old
      // duplicates cannot fall into it.
      const wire::SeqNum iss = c.tcb.snd_nxt() + 65537;
      ++counters_.time_wait_reopened;
      free_connection(id);
      on_listener_segment(*lid, ip, seg, payload, now, iss);
      return;
    }
  }
  if (c.owner == Owner::syn_queue && c.tcb.state() == State::syn_received && seg.has(tf::ack) &&
      !seg.has(tf::rst) && !seg.has(tf::syn)) {
    const Listener& l = listeners_[c.listener];
    // The handshake would complete into a full accept queue: Linux ignores the
    // ACK (tcp_abort_on_overflow=0), the SYN-ACK is retransmitted and the
    // peer's next ACK may find room.
    if (l.accept_queue.size() > l.backlog) {
      ++counters_.listen_overflows;
      return;
    }
  }
  c.tcb.on_segment(ip.src, ip.dst, seg, payload, now);
  settle(id);
}

void Stack::on_listener_segment(ListenerId lid, const wire::Ipv4Repr& ip, const wire::TcpRepr& seg,
                                wire::ByteSpan payload, Instant now,
                                std::optional<wire::SeqNum> iss) {
  Listener& l = listeners_[lid];
  const tcp::FourTuple tuple{tcp::Endpoint{ip.dst, seg.dst_port},
                             tcp::Endpoint{ip.src, seg.src_port}};
  // RFC 9293 §3.10.7.2, LISTEN. First: a RST is ignored.
  if (seg.has(tf::rst)) {
    ++counters_.no_socket_dropped;
    return;
  }
  // Second: an ACK resets, unless it returns one of our SYN cookies.
  if (seg.has(tf::ack)) {
    if (seg.has(tf::syn) || !config_.syn_cookies) {
      answer_stray(ip, seg);
      return;
    }
    const wire::SeqNum peer_isn = seg.seq - 1;
    const auto mss = cookies_.check(tuple, peer_isn, seg.ack - 1, now);
    if (!mss) {
      ++counters_.syncookies_failed;
      answer_stray(ip, seg);
      return;
    }
    if (l.accept_queue.size() > l.backlog) {
      ++counters_.listen_overflows;
      return;
    }
    const auto id = allocate();
    if (!id) {
      ++counters_.connections_exhausted;
      return;
    }
    ++counters_.syncookies_recv;
    wire::TcpRepr syn;
    syn.src_port = seg.src_port;
    syn.dst_port = seg.dst_port;
    syn.seq = peer_isn;
    syn.flags = tf::syn;
    syn.window = 0;  // the ACK's window replaces it at once
    syn.options.mss = *mss;
    if (seg.options.timestamps) {
      const auto echoed = SynCookies::options_from_echo(seg.options.timestamps->echo);
      syn.options.window_scale = echoed.window_scale;
      syn.options.sack_permitted = echoed.sack_permitted;
      syn.options.timestamps = wire::TcpTimestamps{seg.options.timestamps->value, 0};
    }
    Connection& c = conn(*id);
    c.owner = Owner::syn_queue;
    c.listener = lid;
    ++l.syn_queue;
    c.tcb.set_limits(l.limits);
    c.tcb.open_from_cookie(tuple, syn, seg.ack - 1, now);
    register_tuple(*id);
    c.tcb.on_segment(ip.src, ip.dst, seg, payload, now);
    settle(*id);
    return;
  }
  // Third: a SYN opens a connection.
  if (!seg.has(tf::syn)) {
    ++counters_.no_socket_dropped;
    return;
  }
  // Linux drops SYNs while the accept queue is full, cookies or not: a
  // connection it completed could not be queued anyway.
  if (l.accept_queue.size() > l.backlog) {
    ++counters_.listen_drops;
    return;
  }
  const bool syn_queue_full = l.syn_queue >= std::min(l.backlog, config_.max_syn_backlog);
  std::optional<ConnId> id;
  if (!syn_queue_full) {
    id = allocate();
    if (!id) ++counters_.connections_exhausted;
  }
  if (!id) {
    if (config_.syn_cookies) {
      send_cookie_syn_ack(ip, seg, l.limits, now);
    } else {
      ++counters_.listen_drops;
    }
    return;
  }
  Connection& c = conn(*id);
  c.owner = Owner::syn_queue;
  c.listener = lid;
  ++l.syn_queue;
  c.tcb.set_limits(l.limits);
  if (iss) c.tcb.set_iss(*iss);
  c.tcb.open_from_syn(tuple, seg, now);
  register_tuple(*id);
  settle(*id);
}

void Stack::send_cookie_syn_ack(const wire::Ipv4Repr& ip, const wire::TcpRepr& syn,
                                const tcp::SocketLimits& limits, Instant now) {
  const tcp::FourTuple tuple{tcp::Endpoint{ip.dst, syn.dst_port},
                             tcp::Endpoint{ip.src, syn.src_port}};
  const tcp::TcpConfig& cfg = config_.tcp;
  // What the TCB the cookie opens will announce.
  const std::uint32_t recv_buffer = limits.recv_buffer_for(cfg);
  const std::uint16_t mss = limits.mss_for(cfg);
  wire::TcpRepr r;
  r.src_port = syn.dst_port;
  r.dst_port = syn.src_port;
  r.seq = cookies_.make(tuple, syn.seq, syn.options.mss.value_or(wire::kTcpDefaultMss), now);
  r.ack = syn.seq + 1;
  r.flags = tf::syn | tf::ack;
  r.window = static_cast<std::uint16_t>(std::min<std::uint32_t>(recv_buffer, 0xffff));
  r.options.mss = mss;
  // Window scale and SACK survive only inside a timestamp (see syn_cookie.hpp).
  if (cfg.timestamps && syn.options.timestamps) {
    SynCookies::Options echoed;
    if (cfg.window_scale && syn.options.window_scale) {
      echoed.window_scale = std::min(*syn.options.window_scale, kMaxWindowShift);
      std::uint8_t ours = 0;
      while (ours < kMaxWindowShift && (recv_buffer >> ours) > 0xffff)
        ++ours;
      r.options.window_scale = ours;
    }
    echoed.sack_permitted = cfg.sack && syn.options.sack_permitted;
    r.options.sack_permitted = echoed.sack_permitted;
    // The TSval the TCB would send: its clock is milliseconds plus the tuple's
    // offset (RFC 7323 §7.1), with the options in the low bits.
    const auto tsval =
        static_cast<std::uint32_t>(to_ns(now) / 1'000'000) + isn_.timestamp_offset(tuple);
    r.options.timestamps = wire::TcpTimestamps{SynCookies::stamp_options(tsval, echoed),
                                               syn.options.timestamps->value};
  }
  ++counters_.syncookies_sent;
  transmit(tuple, r, {});
}

void Stack::answer_stray(const wire::Ipv4Repr& ip, const wire::TcpRepr& seg) {
  // RFC 9293 §3.10.7.1: a segment for no connection is answered with a RST.
  const auto rst = tcp::reset_for(seg);
  if (!rst) {
    ++counters_.no_socket_dropped;
    return;
  }
  ++counters_.no_socket_resets;
  transmit(tcp::FourTuple{tcp::Endpoint{ip.dst, seg.dst_port}, tcp::Endpoint{ip.src, seg.src_port}},
           *rst, {});
}

std::optional<ListenerId> Stack::find_listener(const tcp::Endpoint& local,
                                               const tcp::FourTuple& tuple) const {
  // A listener on our exact address wins over one on the unspecified address;
  // within a SO_REUSEPORT group the 4-tuple's hash picks one.
  std::array<ListenerId, 64> group{};
  std::size_t n = 0;
  bool exact = false;
  const auto [first, last] = listeners_by_port_.equal_range(local.port);
  for (auto it = first; it != last; ++it) {
    const Listener& l = listeners_[it->second];
    if (!l.open) continue;
    const bool match_exact = l.local.addr == local.addr;
    if (!match_exact && !l.local.addr.is_unspecified()) continue;
    if (match_exact && !exact) {
      exact = true;
      n = 0;
    }
    if (match_exact != exact) continue;
    if (n < group.size()) group[n++] = it->second;
  }
  if (n == 0) return std::nullopt;
  if (n == 1) return group[0];
  // Sorted so the choice depends on the group, not on the hash map's order.
  std::sort(group.begin(), group.begin() + static_cast<std::ptrdiff_t>(n));
  return group[TupleHash{}(tuple) % n];
}

// ---------------------------------------------------------------------------
// Output

void Stack::transmit(const tcp::FourTuple& tuple, const wire::TcpRepr& repr,
                     std::span<const wire::ByteSpan> payload) {
  std::size_t payload_len = 0;
  for (const auto& p : payload)
    payload_len += p.size();
  const std::size_t header_len = repr.header_len();
  auto write = [&](std::span<std::byte> l4, wire::ChecksumMode mode) {
    auto out = l4.begin() + static_cast<std::ptrdiff_t>(header_len);
    for (const auto& p : payload)
      out = std::copy(p.begin(), p.end(), out);
    repr.emit(l4, tuple.local.addr, tuple.remote.addr, mode);
  };
  std::error_code ec;
  // A segment bigger than one MSS exists only because max_burst() allowed it:
  // the NIC cuts it, at the payload size the TCB's segments have (its MSS less
  // the options every segment of the job repeats).
  const auto it = payload_len > 0 ? by_tuple_.find(tuple) : by_tuple_.end();
  const std::size_t options_len = header_len - wire::kTcpMinHeaderLen;
  if (it != by_tuple_.end() && iface_.max_tso_payload() > 0 &&
      payload_len + options_len > conn(it->second).tcb.send_mss()) {
    const auto mss = static_cast<std::uint16_t>(conn(it->second).tcb.send_mss() - options_len);
    ec = iface_.send_tcp_tso(tuple.remote.addr, header_len, payload_len, mss, write);
    if (!ec) ++counters_.tso_jobs;
  } else {
    ec = iface_.send_ipv4(tuple.remote.addr, kProtoTcp, header_len + payload_len, true, write);
  }
  // Lost like a segment on the wire: the TCB's retransmission covers it.
  if (ec) ++counters_.transmit_failed;
}

std::uint32_t Stack::max_burst() const {
  return static_cast<std::uint32_t>(iface_.max_tso_payload());
}

void Stack::on_state_change(const tcp::Tcb& /*tcb*/, State /*from*/, State /*to*/) {}

// ---------------------------------------------------------------------------
// The TCB table

std::optional<ConnId> Stack::allocate() {
  if (!free_slots_.empty()) {
    const ConnId id = free_slots_.back();
    free_slots_.pop_back();
    return id;
  }
  if (slots_.size() >= config_.max_connections) return std::nullopt;
  const auto id = static_cast<ConnId>(slots_.size());
  slots_.emplace_back(static_cast<tcp::Environment&>(*this));
  slots_.back().timer.tag = id;
  return id;
}

void Stack::register_tuple(ConnId id) {
  Connection& c = conn(id);
  const tcp::FourTuple& tuple = c.tcb.tuple();
  by_tuple_.emplace(tuple, id);
  ++port_users_[tuple.local.port];
  if (device_.capabilities().lookup_capacity > 0) {
    c.in_nic_table = true;
    flow_command(contract::FlowOp::insert, id);
  }
}

void Stack::free_connection(ConnId id) {
  Connection& c = conn(id);
  wheel_.cancel(c.timer);
  const tcp::FourTuple tuple = c.tcb.tuple();
  if (const auto it = by_tuple_.find(tuple); it != by_tuple_.end() && it->second == id) {
    by_tuple_.erase(it);
    if (const auto p = port_users_.find(tuple.local.port); p != port_users_.end()) {
      if (--p->second == 0) port_users_.erase(p);
    }
  }
  if (c.in_nic_table) {
    flow_command(contract::FlowOp::remove, id);
    c.in_nic_table = false;
  }
  c.owner = Owner::free;
  // A fresh TCB for the next connection: nothing of this one's state survives.
  std::destroy_at(&c.tcb);
  std::construct_at(&c.tcb, static_cast<tcp::Environment&>(*this));
  free_slots_.push_back(id);
}

void Stack::settle(ConnId id) {
  Connection& c = conn(id);
  const State state = c.tcb.state();
  if (c.owner == Owner::syn_queue && state != State::syn_received) {
    Listener& l = listeners_[c.listener];
    --l.syn_queue;
    if (state == State::closed) {
      free_connection(id);
      return;
    }
    c.owner = Owner::accept_queue;
    l.accept_queue.push_back(id);
    (void)c.tcb.take_events();  // accept() starts it from its state, not its history
    if (observer_ != nullptr) observer_->on_listener_ready(c.listener);
  }
  if (state == State::closed && c.owner == Owner::orphan) {
    free_connection(id);
    return;
  }
  if (c.owner == Owner::application) {
    if (const std::uint8_t events = c.tcb.take_events(); events != 0 && observer_ != nullptr) {
      observer_->on_connection_events(id, events);
    }
  } else {
    (void)c.tcb.take_events();
  }
  if (const auto at = c.tcb.poll_at()) {
    if (!c.timer.armed() || c.timer.deadline() != *at) wheel_.arm(c.timer, *at);
  } else {
    wheel_.cancel(c.timer);
  }
}

void Stack::flow_command(contract::FlowOp op, ConnId id) {
  const tcp::FourTuple& t = conn(id).tcb.tuple();
  contract::FlowCommand cmd;
  cmd.op = op;
  cmd.key =
      contract::FlowKey4{t.remote.addr.value, t.local.addr.value, t.remote.port, t.local.port};
  cmd.conn_id = id;
  cmd.tag = flow_tag_++;
  if (op == contract::FlowOp::insert) {
    ++counters_.flow_inserts;
  } else {
    ++counters_.flow_deletes;
  }
  // Order matters (a delete, then an insert of the same id for a new tuple): once
  // anything waits, everything waits behind it.
  if (flow_backlog_.empty() && device_.submit_flow_command(cmd)) return;
  if (flow_backlog_.size() >= config_.flow_command_backlog) {
    ++counters_.flow_commands_dropped;
    return;
  }
  flow_backlog_.push_back(cmd);
}

void Stack::flush_flow_commands() {
  while (!flow_backlog_.empty() && device_.submit_flow_command(flow_backlog_.front())) {
    flow_backlog_.pop_front();
  }
}

std::uint16_t Stack::pick_ephemeral(const tcp::Endpoint& remote, wire::Ipv4Address local) {
  // A port may serve many remotes (the 4-tuple must be unique), but never one
  // a listener holds.
  const auto usable = [&](std::uint16_t port) {
    return !listeners_by_port_.contains(port) &&
           !by_tuple_.contains(tcp::FourTuple{tcp::Endpoint{local, port}, remote});
  };
  const auto next_after = [this](std::uint16_t port) {
    return port == config_.ephemeral_last ? config_.ephemeral_first
                                          : static_cast<std::uint16_t>(port + 1);
  };
  if (config_.rss) {
    // Only ports whose reply 4-tuple hashes to our queue: any other would bring
    // the SYN-ACK to another core's Stack, which would reset it.
    const auto port = wire::pick_source_port(
        *config_.rss, remote.addr, remote.port, local, config_.net.queue,
        wire::PortRange{config_.ephemeral_first, config_.ephemeral_last}, next_ephemeral_, usable);
    if (!port) return 0;
    next_ephemeral_ = next_after(*port);
    return *port;
  }
  const std::uint32_t range = config_.ephemeral_last - config_.ephemeral_first + 1u;
  for (std::uint32_t tries = 0; tries < range; ++tries) {
    const std::uint16_t port = next_ephemeral_;
    next_ephemeral_ = next_after(port);
    if (usable(port)) return port;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Application calls

std::error_code Stack::connect(const tcp::Endpoint& remote, tcp::Endpoint local, Instant now,
                               ConnId& id, const tcp::SocketLimits& limits) {
  now_ = std::max(now_, now);
  if (remote.port == 0 || remote.addr.is_unspecified()) return err(std::errc::invalid_argument);
  if (local.addr.is_unspecified()) local.addr = address();
  if (local.addr != address()) return err(std::errc::address_not_available);
  if (local.port == 0) {
    local.port = pick_ephemeral(remote, local.addr);
    if (local.port == 0) return err(std::errc::address_not_available);
  } else if (by_tuple_.contains(tcp::FourTuple{local, remote})) {
    return err(std::errc::address_in_use);
  }
  const auto slot = allocate();
  if (!slot) {
    ++counters_.connections_exhausted;
    return err(std::errc::no_buffer_space);
  }
  id = *slot;
  Connection& c = conn(id);
  c.owner = Owner::application;
  c.tcb.set_limits(limits);
  c.tcb.open_active(tcp::FourTuple{local, remote}, now);
  register_tuple(id);
  settle(id);
  iface_.flush(now);
  return {};
}

tcp::Tcb& Stack::tcb(ConnId id) {
  assert(id < slots_.size() && conn(id).owner != Owner::free);
  return conn(id).tcb;
}

const tcp::Tcb& Stack::tcb(ConnId id) const {
  assert(id < slots_.size() && conn(id).owner != Owner::free);
  return conn(id).tcb;
}

tcp::IoResult Stack::send(ConnId id, wire::ByteSpan data, Instant now) {
  now_ = std::max(now_, now);
  const tcp::IoResult r = tcb(id).send(data, now);
  settle(id);
  iface_.flush(now);
  return r;
}

tcp::IoResult Stack::receive(ConnId id, wire::MutableByteSpan out, Instant now) {
  now_ = std::max(now_, now);
  const tcp::IoResult r = tcb(id).receive(out, now);
  settle(id);
  iface_.flush(now);
  return r;
}

void Stack::shutdown_write(ConnId id, Instant now) {
  now_ = std::max(now_, now);
  tcb(id).shutdown_write(now);
  settle(id);
  iface_.flush(now);
}

void Stack::set_nodelay(ConnId id, bool on) {
  tcb(id).set_nodelay(on);
}

void Stack::set_keepalive(ConnId id, std::optional<tcp::KeepaliveSettings> settings, Instant now) {
  tcb(id).set_keepalive(settings, now);
  settle(id);
}

void Stack::release(ConnId id, bool abort, Instant now) {
  now_ = std::max(now_, now);
  Connection& c = conn(id);
  assert(c.owner == Owner::application);
  c.owner = Owner::orphan;
  if (abort) {
    c.tcb.abort(now);
  } else if (c.tcb.state() != State::closed) {
    c.tcb.close(now);
  }
  settle(id);
  iface_.flush(now);
}

// ---------------------------------------------------------------------------
// Listeners

std::error_code Stack::listen(const tcp::Endpoint& local, int backlog, bool reuseport,
                              ListenerId& id, const tcp::SocketLimits& limits) {
  if (local.port == 0) return err(std::errc::invalid_argument);
  if (!local.addr.is_unspecified() && local.addr != address()) {
    return err(std::errc::address_not_available);
  }
  const auto [first, last] = listeners_by_port_.equal_range(local.port);
  for (auto it = first; it != last; ++it) {
    const Listener& other = listeners_[it->second];
    const bool overlap = other.local.addr.is_unspecified() || local.addr.is_unspecified() ||
                         other.local.addr == local.addr;
    if (overlap && !(reuseport && other.reuseport)) return err(std::errc::address_in_use);
  }
  id = static_cast<ListenerId>(listeners_.size());
  for (ListenerId i = 0; i < listeners_.size(); ++i) {
    const Listener& l = listeners_[i];
    if (!l.open && l.accept_queue.empty() && l.syn_queue == 0) {
      id = i;
      break;
    }
  }
  if (id == listeners_.size()) listeners_.emplace_back();
  Listener& l = listeners_[id];
  l.local = local;
  l.backlog = clamp_backlog(backlog);
  l.open = true;
  l.reuseport = reuseport;
  l.limits = limits;
  listeners_by_port_.emplace(local.port, id);
  return {};
}

void Stack::set_backlog(ListenerId id, int backlog) {
  listeners_[id].backlog = clamp_backlog(backlog);
}

void Stack::set_limits(ListenerId id, const tcp::SocketLimits& limits) {
  listeners_[id].limits = limits;
}

std::optional<ConnId> Stack::accept(ListenerId id) {
  Listener& l = listeners_[id];
  if (l.accept_queue.empty()) return std::nullopt;
  const ConnId c = l.accept_queue.front();
  l.accept_queue.pop_front();
  conn(c).owner = Owner::application;
  return c;
}

std::size_t Stack::accept_queue_size(ListenerId id) const {
  return listeners_[id].accept_queue.size();
}

void Stack::close_listener(ListenerId id, Instant now) {
  now_ = std::max(now_, now);
  Listener& l = listeners_[id];
  l.open = false;
  const auto [first, last] = listeners_by_port_.equal_range(l.local.port);
  for (auto it = first; it != last; ++it) {
    if (it->second == id) {
      listeners_by_port_.erase(it);
      break;
    }
  }
  // Connections never accepted are reset, as close(2) on a Linux listener does.
  for (const ConnId c : l.accept_queue) {
    conn(c).owner = Owner::orphan;
    conn(c).tcb.abort(now);
    settle(c);
  }
  l.accept_queue.clear();
  for (ConnId c = 0; c < slots_.size() && l.syn_queue > 0; ++c) {
    Connection& x = conn(c);
    if (x.owner != Owner::syn_queue || x.listener != id) continue;
    --l.syn_queue;
    x.owner = Owner::orphan;
    x.tcb.abort(now);
    settle(c);
  }
  iface_.flush(now);
}

bool Stack::tcp_port_in_use(std::uint16_t port) const {
  return port_users_.contains(port) || listeners_by_port_.contains(port);
}

std::size_t Stack::listeners() const {
  return static_cast<std::size_t>(std::count_if(listeners_.begin(), listeners_.end(),
                                                [](const Listener& l) { return l.open; }));
}

std::size_t Stack::allocated_buffers() const {
  std::size_t n = 0;
  for (const Connection& c : slots_) {
    if (c.owner != Owner::free) n += c.tcb.allocated_buffers();
  }
  return n;
}

}  // namespace tandem::stack
