// SPDX-License-Identifier: Apache-2.0
// setsockopt() and getsockopt() as net/core/sock.c (sk_setsockopt,
// sk_getsockopt) and net/ipv4/tcp.c (do_tcp_setsockopt, do_tcp_getsockopt)
// check and report them.
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>

#include "host/api/runtime.hpp"

namespace tandem::api {

namespace {

using tcp::State;

// Linux's defaults for net.core.rmem_max and wmem_max, which cap SO_RCVBUF and
// SO_SNDBUF, and the floors it applies (SOCK_MIN_RCVBUF, SOCK_MIN_SNDBUF).
constexpr int kRmemMax = 212992;
constexpr int kWmemMax = 212992;
constexpr int kMinRcvbuf = 2304;
constexpr int kMinSndbuf = 4608;
// include/net/tcp.h.
constexpr int kTcpMinMss = 88;
constexpr int kMaxTcpWindow = 32767;
constexpr int kMaxKeepIdle = 32767;
constexpr int kMaxKeepIntvl = 32767;
constexpr int kMaxKeepCnt = 127;
constexpr int kTcpMssDefault = 536;
constexpr std::uint32_t kInfiniteSsthresh = 0x7fffffff;

// include/net/tcp_states.h.
std::uint8_t linux_state(State s) {
  switch (s) {
    case State::established:
      return 1;
    case State::syn_sent:
      return 2;
    case State::syn_received:
      return 3;
    case State::fin_wait_1:
      return 4;
    case State::fin_wait_2:
      return 5;
    case State::time_wait:
      return 6;
    case State::closed:
      return 7;
    case State::close_wait:
      return 8;
    case State::last_ack:
      return 9;
    case State::listen:
      return 10;
    case State::closing:
      return 11;
  }
  return 7;
}

std::uint32_t to_us(Duration d) {
  return d < Duration{0} ? 0u
                         : static_cast<std::uint32_t>(
                               std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

// Copies `value` out as sk_getsockopt() does: as much as the caller's length
// allows, and the length written back.
int put_option(const void* value, int size, void* out, socklen_t* len) {
  int n = static_cast<int>(*len);
  if (n < 0) return -EINVAL;
  n = std::min(n, size);
  if (n > 0) {
    if (out == nullptr) return -EFAULT;
    std::memcpy(out, value, static_cast<std::size_t>(n));
  }
  *len = static_cast<socklen_t>(n);
  return 0;
}

int set_timeout(Duration& timeout, const void* value, socklen_t len) {
  // sock_set_timeout().
  if (len < sizeof(timeval)) return -EINVAL;
  timeval tv{};
  std::memcpy(&tv, value, sizeof tv);
  if (tv.tv_usec < 0 || tv.tv_usec >= 1'000'000) return -EDOM;
  if (tv.tv_sec < 0) {
    timeout = Duration{1};  // Linux: "tries to set negative timeout": return at once
    return 0;
  }
  timeout = std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
  return 0;
}

timeval get_timeout(Duration timeout) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(us / 1'000'000);
  tv.tv_usec = static_cast<suseconds_t>(us % 1'000'000);
  return tv;
}

}  // namespace

int Runtime::setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  File* f = nullptr;
  if (const int e = lookup_socket(fd, f)) return e;
  if (static_cast<int>(len) < 0) return -EINVAL;
  driver_.poll();
  SocketOptions& opt = f->kind == File::Kind::tcp ? static_cast<TcpSocket&>(*f).opt
                                                  : static_cast<UdpSocket&>(*f).opt;
  if (level == IPPROTO_TCP) {
    if (f->kind != File::Kind::tcp) return -ENOPROTOOPT;
    return tcp_setsockopt(static_cast<TcpSocket&>(*f), name, value, len);
  }
  if (level != SOL_SOCKET) return -ENOPROTOOPT;
  if (len < sizeof(int)) return -EINVAL;
  if (value == nullptr) return -EFAULT;
  int val = 0;
  std::memcpy(&val, value, sizeof val);
  const bool on = val != 0;
  switch (name) {
    case SO_REUSEADDR:
      opt.reuseaddr = on;
      return 0;
    case SO_REUSEPORT:
      opt.reuseport = on;
      return 0;
    case SO_TYPE:
    case SO_PROTOCOL:
    case SO_DOMAIN:
    case SO_ERROR:
    case SO_ACCEPTCONN:
      return -ENOPROTOOPT;
    case SO_SNDBUF:
      // Linux doubles the value "to allow space for bookkeeping overhead".
      val = static_cast<int>(std::min<unsigned>(static_cast<unsigned>(val), kWmemMax));
      opt.sndbuf = std::max(val * 2, kMinSndbuf);
      opt.sndbuf_locked = true;
      if (f->kind == File::Kind::tcp) apply_limits(static_cast<TcpSocket&>(*f));
      return 0;
    case SO_RCVBUF:
      val = static_cast<int>(std::min<unsigned>(static_cast<unsigned>(val), kRmemMax));
      opt.rcvbuf = std::max(val * 2, kMinRcvbuf);
      opt.rcvbuf_locked = true;
      if (f->kind == File::Kind::tcp) apply_limits(static_cast<TcpSocket&>(*f));
      return 0;
    case SO_KEEPALIVE:
      opt.keepalive = on;
      if (f->kind == File::Kind::tcp) apply_keepalive(static_cast<TcpSocket&>(*f));
      return 0;
    case SO_LINGER: {
      if (len < sizeof(linger)) return -EINVAL;
      linger l{};
      std::memcpy(&l, value, sizeof l);
      opt.linger_on = l.l_onoff != 0;
      opt.linger_seconds = std::max(l.l_linger, 0);
      return 0;
    }
    case SO_RCVTIMEO:
      return set_timeout(opt.rcvtimeo, value, len);
    case SO_SNDTIMEO:
      return set_timeout(opt.sndtimeo, value, len);
    default:
      return -ENOPROTOOPT;
  }
}

int Runtime::getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  File* f = nullptr;
  if (const int e = lookup_socket(fd, f)) return e;
  if (len == nullptr) return -EFAULT;
  driver_.poll();
  if (level == IPPROTO_TCP && f->kind == File::Kind::tcp) {
    return tcp_getsockopt(static_cast<TcpSocket&>(*f), name, value, len);
  }
  // Other levels fall to ip_getsockopt(), which knows only SOL_IP; Tandem has
  // no IP-level options at all (docs/host-api.md).
  if (level == IPPROTO_IP) return -ENOPROTOOPT;
  if (level != SOL_SOCKET) return -EOPNOTSUPP;
  if (static_cast<int>(*len) < 0) return -EINVAL;
  const bool is_tcp = f->kind == File::Kind::tcp;
  SocketOptions& opt = is_tcp ? static_cast<TcpSocket&>(*f).opt : static_cast<UdpSocket&>(*f).opt;
  int val = 0;
  switch (name) {
    case SO_REUSEADDR:
      val = opt.reuseaddr ? 1 : 0;
      break;
    case SO_REUSEPORT:
      val = opt.reuseport ? 1 : 0;
      break;
    case SO_KEEPALIVE:
      val = opt.keepalive ? 1 : 0;
      break;
    case SO_TYPE:
      val = is_tcp ? SOCK_STREAM : SOCK_DGRAM;
      break;
    case SO_PROTOCOL:
      val = is_tcp ? IPPROTO_TCP : IPPROTO_UDP;
      break;
    case SO_DOMAIN:
      val = AF_INET;
      break;
    case SO_ERROR:
      val = -take_error(is_tcp ? static_cast<TcpSocket&>(*f).error
                               : static_cast<UdpSocket&>(*f).error);
      break;
    case SO_SNDBUF:
      val = opt.sndbuf;
      break;
    case SO_RCVBUF:
      val = opt.rcvbuf;
      break;
    case SO_ACCEPTCONN:
      val = is_tcp && static_cast<TcpSocket&>(*f).listening() ? 1 : 0;
      break;
    case SO_LINGER: {
      const linger l{opt.linger_on ? 1 : 0, opt.linger_seconds};
      return put_option(&l, sizeof l, value, len);
    }
    case SO_RCVTIMEO: {
      const timeval tv = get_timeout(opt.rcvtimeo);
      return put_option(&tv, sizeof tv, value, len);
    }
    case SO_SNDTIMEO: {
      const timeval tv = get_timeout(opt.sndtimeo);
      return put_option(&tv, sizeof tv, value, len);
    }
    default:
      return -ENOPROTOOPT;
  }
  return put_option(&val, sizeof val, value, len);
}

int Runtime::tcp_setsockopt(TcpSocket& s, int name, const void* value, socklen_t len) {
  if (len < sizeof(int)) return -EINVAL;
  if (value == nullptr) return -EFAULT;
  int val = 0;
  std::memcpy(&val, value, sizeof val);
  switch (name) {
    case TCP_MAXSEG:
      // Before connect() or listen(): the MSS the SYN announces and the cap on
      // what is sent (never above the stack's, which the MTU bounds).
      if (val != 0 && (val < kTcpMinMss || val > kMaxTcpWindow)) return -EINVAL;
      s.opt.user_mss = val;
      apply_limits(s);
      return 0;
    case TCP_NODELAY:
      s.opt.nodelay = val != 0;
      if (s.conn != stack::kNoConn) stack_at(s.stack).set_nodelay(s.conn, s.opt.nodelay);
      return 0;
    case TCP_KEEPIDLE:
      if (val < 1 || val > kMaxKeepIdle) return -EINVAL;
      s.opt.keepidle = val;
      if (s.opt.keepalive) apply_keepalive(s);
      return 0;
    case TCP_KEEPINTVL:
      if (val < 1 || val > kMaxKeepIntvl) return -EINVAL;
      s.opt.keepintvl = val;
      if (s.opt.keepalive) apply_keepalive(s);
      return 0;
    case TCP_KEEPCNT:
      if (val < 1 || val > kMaxKeepCnt) return -EINVAL;
      s.opt.keepcnt = val;
      if (s.opt.keepalive) apply_keepalive(s);
      return 0;
    default:
      return -ENOPROTOOPT;
  }
}

int Runtime::tcp_getsockopt(TcpSocket& s, int name, void* value, socklen_t* len) {
  // do_tcp_getsockopt() compares the length as unsigned: a negative one reads
  // as large, never as an error.
  const tcp::Tcb* t = s.conn != stack::kNoConn ? &stack_at(s.stack).tcb(s.conn) : nullptr;
  const tcp::TcpConfig* cfg = stacks().empty() ? nullptr : &stack_at(0).config().tcp;
  if (name == TCP_INFO) {
    tcp_info info{};
    info.tcpi_state = s.listening() ? 10 : t != nullptr ? linux_state(t->state()) : 7;
    if (t != nullptr) {
      const std::uint32_t mss = std::max<std::uint32_t>(t->send_mss(), 1);
      info.tcpi_retransmits = t->retransmits();
      info.tcpi_options =
          static_cast<std::uint8_t>((t->timestamps_enabled() ? TCPI_OPT_TIMESTAMPS : 0) |
                                    (t->sack_enabled() ? TCPI_OPT_SACK : 0) |
                                    (t->window_scale_enabled() ? TCPI_OPT_WSCALE : 0));
      if (t->window_scale_enabled()) {
        info.tcpi_snd_wscale = t->send_scale() & 0xf;
        info.tcpi_rcv_wscale = t->recv_scale() & 0xf;
      }
      info.tcpi_rto = to_us(t->rto());
      info.tcpi_snd_mss = t->send_mss();
      const std::uint32_t in_flight = static_cast<std::uint32_t>(t->snd_nxt() - t->snd_una());
      info.tcpi_unacked = (in_flight + mss - 1) / mss;
      info.tcpi_pmtu = stack_at(s.stack).interface().mtu();
      info.tcpi_rtt = to_us(t->srtt());
      info.tcpi_rttvar = to_us(t->rttvar());
      info.tcpi_snd_ssthresh =
          t->ssthresh() >= kInfiniteSsthresh ? kInfiniteSsthresh : t->ssthresh() / mss;
      info.tcpi_snd_cwnd = t->cwnd() / mss;
      info.tcpi_reordering = 3;
    }
    if (cfg != nullptr) {
      info.tcpi_advmss = cfg->mss;
      info.tcpi_ato = to_us(cfg->delayed_ack);
    }
    const int n = static_cast<int>(std::min<unsigned>(*len, sizeof info));
    if (n > 0 && value == nullptr) return -EFAULT;
    *len = static_cast<socklen_t>(n);
    if (n > 0) std::memcpy(value, &info, static_cast<std::size_t>(n));
    return 0;
  }
  int val = 0;
  switch (name) {
    case TCP_MAXSEG:
      if (t != nullptr && t->state() != State::closed) {
        // The payload a segment carries: the MSS less the options every
        // segment repeats (Linux's mss_cache).
        val = t->send_mss() - (t->timestamps_enabled() ? 12 : 0);
      } else {
        val = s.opt.user_mss != 0 ? s.opt.user_mss : kTcpMssDefault;
      }
      break;
    case TCP_NODELAY:
      val = s.opt.nodelay ? 1 : 0;
      break;
    case TCP_KEEPIDLE:
      val = s.opt.keepidle > 0 ? s.opt.keepidle
            : cfg != nullptr
                ? static_cast<int>(
                      std::chrono::duration_cast<std::chrono::seconds>(cfg->keepalive_idle).count())
                : 7200;
      break;
    case TCP_KEEPINTVL:
      val = s.opt.keepintvl > 0 ? s.opt.keepintvl
            : cfg != nullptr    ? static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(
                                                    cfg->keepalive_interval)
                                                    .count())
                                : 75;
      break;
    case TCP_KEEPCNT:
      val = s.opt.keepcnt > 0 ? s.opt.keepcnt : cfg != nullptr ? cfg->keepalive_count : 9;
      break;
    default:
      return -ENOPROTOOPT;
  }
  const int n = static_cast<int>(std::min<unsigned>(*len, sizeof(int)));
  if (n > 0 && value == nullptr) return -EFAULT;
  *len = static_cast<socklen_t>(n);
  if (n > 0) std::memcpy(value, &val, static_cast<std::size_t>(n));
  return 0;
}

}  // namespace tandem::api
