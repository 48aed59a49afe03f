// SPDX-License-Identifier: Apache-2.0
// The single-TCB fixture: a TCB facing a scripted peer. Segments from the peer
// are built from one template, so each test shows only what differs; helpers
// bring the TCB into each RFC 9293 state the way a real exchange would.
#pragma once

#include <boost/test/unit_test.hpp>

#include <chrono>

#include "host/tcp/tcb.hpp"
#include "host/tcp/tests/tcp_test_util.hpp"

namespace tandem::tcp::test {

namespace tf = wire::tcp_flag;
using wire::SeqNum;
using wire::TcpRepr;
using namespace std::chrono_literals;

inline const SeqNum kIss(10000);        // ours
inline const SeqNum kRemoteIss(20000);  // the peer's

inline TcpConfig plain_config() {
  // The state tests speak plain RFC 9293: options are tested on their own.
  TcpConfig c;
  c.window_scale = false;
  c.timestamps = false;
  c.sack = false;
  return c;
}

struct Fixture {
  explicit Fixture(const TcpConfig& c = plain_config()) : env(c) {}

  RecordingEnv env;
  Tcb tcb{env};
  Instant now = tandem::instant_from_ns(1'000'000'000);

  // The template: a segment from the peer; tests say only what differs.
  static TcpRepr seg(std::uint8_t flags, SeqNum seq, SeqNum ack = SeqNum(0)) {
    TcpRepr r;
    r.src_port = kRemotePort;
    r.dst_port = kLocalPort;
    r.flags = flags;
    r.seq = seq;
    r.ack = ack;
    r.window = 64240;
    return r;
  }
  void recv(TcpRepr r, tandem::wire::ByteSpan payload = {}) {
    r.payload_len = payload.size();
    tcb.on_segment(kRemoteAddr, kLocalAddr, r, payload, now);
  }
  Sent one() {
    auto s = env.take_sent();
    BOOST_REQUIRE_EQUAL(s.size(), 1u);
    return s[0];
  }
  void nothing() { BOOST_TEST(env.take_sent().empty()); }
  // Runs the TCB's timers up to now + d.
  void advance(Duration d) {
    const Instant until = now + d;
    while (auto t = tcb.poll_at()) {
      if (*t > until) break;
      now = *t;
      tcb.on_timer(now);
    }
    now = until;
  }

  void to_listen() { tcb.open_passive({kLocalAddr, kLocalPort}); }
  void to_syn_received() {
    tcb.set_iss_for_test(kIss);
    to_listen();
    recv(seg(tf::syn, kRemoteIss));
    one();
  }
  void to_syn_sent() {
    tcb.set_iss_for_test(kIss);
    tcb.open_active(kTuple, now);
    one();
  }
  void to_established() {
    to_syn_sent();
    auto syn_ack = seg(tf::syn | tf::ack, kRemoteIss, kIss + 1);
    syn_ack.options.mss = 1460;
    recv(syn_ack);
    one();
    tcb.take_events();
  }
  void to_fin_wait_1() {
    to_established();
    tcb.shutdown_write(now);
    one();
  }
  void to_fin_wait_2() {
    to_fin_wait_1();
    recv(seg(tf::ack, kRemoteIss + 1, kIss + 2));
    nothing();
  }
  void to_close_wait() {
    to_established();
    recv(seg(tf::fin | tf::ack, kRemoteIss + 1, kIss + 1));
    one();
    tcb.take_events();
  }
  void to_last_ack() {
    to_close_wait();
    tcb.shutdown_write(now);
    one();
  }
  void to_closing() {
    to_fin_wait_1();
    recv(seg(tf::fin | tf::ack, kRemoteIss + 1, kIss + 1));
    one();
  }
  void to_time_wait() {
    to_fin_wait_2();
    recv(seg(tf::fin | tf::ack, kRemoteIss + 1, kIss + 2));
    one();
  }
};

inline void expect(const Sent& s, std::uint8_t flags, SeqNum seq, SeqNum ack = SeqNum(0)) {
  BOOST_TEST(static_cast<int>(s.repr.flags) == static_cast<int>(flags));
  BOOST_TEST(s.repr.seq == seq);
  if ((flags & tf::ack) != 0) BOOST_TEST(s.repr.ack == ack);
  BOOST_TEST((s.tuple == kTuple));
}

}  // namespace tandem::tcp::test
