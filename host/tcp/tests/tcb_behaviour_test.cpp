// SPDX-License-Identifier: Apache-2.0
// The TCB's behaviours one at a time against a scripted peer: option
// negotiation, RTT and RTO, retransmission and its limit, fast retransmit and
// NewReno recovery, SACK generation, flow control and the persist timer, delayed
// ACK, Nagle, keepalive and PAWS.
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <chrono>
#include <vector>

#include "host/tcp/tcb.hpp"
#include "host/tcp/tests/tcb_fixture.hpp"
#include "host/tcp/tests/tcp_test_util.hpp"

using tandem::Duration;
using tandem::Instant;
using namespace tandem::tcp;
using namespace tandem::tcp::test;

namespace {

TcpConfig full_config() {
  return TcpConfig{};  // window scaling, timestamps and SACK on
}

// Established with a peer that offered everything, MSS 1460, window 65535 << 7.
struct OptionsFixture : Fixture {
  OptionsFixture() : Fixture(full_config()) {}
  std::uint32_t peer_ts = 5000;

  TcpRepr tseg(std::uint8_t flags, SeqNum seq, SeqNum ack = SeqNum(0)) {
    TcpRepr r = seg(flags, seq, ack);
    r.options.timestamps = tandem::wire::TcpTimestamps{++peer_ts, last_tsval};
    return r;
  }
  std::uint32_t last_tsval = 0;
  Sent take_one() {
    Sent s = one();
    if (s.repr.options.timestamps) last_tsval = s.repr.options.timestamps->value;
    return s;
  }

  void establish() {
    tcb.set_iss_for_test(kIss);
    tcb.open_active(kTuple, now);
    take_one();
    TcpRepr sa = seg(tf::syn | tf::ack, kRemoteIss, kIss + 1);
    sa.options.mss = 1460;
    sa.options.window_scale = 7;
    sa.options.sack_permitted = true;
    sa.options.timestamps = tandem::wire::TcpTimestamps{peer_ts, last_tsval};
    sa.window = 65535;
    now += 10ms;
    recv(sa);
    take_one();
    tcb.take_events();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tcb_behaviour)

BOOST_AUTO_TEST_CASE(tcb_is_small_and_fixed_size) {
  BOOST_TEST_MESSAGE("sizeof(Tcb) = " << sizeof(Tcb));
  // docs/host-tcp.md states this bound: an idle connection costs hundreds of
  // bytes, not kilobytes.
  BOOST_TEST(sizeof(Tcb) <= 512u);
}

BOOST_AUTO_TEST_CASE(isn_comes_from_rfc6528_by_default) {
  RecordingEnv env;
  Tcb a(env);
  Tcb b(env);
  a.open_active(kTuple, tandem::instant_from_ns(0));
  FourTuple other = kTuple;
  other.local.port = 81;
  b.open_active(other, tandem::instant_from_ns(0));
  BOOST_TEST(a.iss() != b.iss());
  BOOST_TEST(a.iss() == env.isn().isn(kTuple, tandem::instant_from_ns(0)));
}

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(options)

BOOST_FIXTURE_TEST_CASE(active_syn_offers_everything, OptionsFixture) {
  tcb.set_iss_for_test(kIss);
  tcb.open_active(kTuple, now);
  const Sent s = take_one();
  BOOST_TEST((s.repr.options.mss == std::optional<std::uint16_t>(1460)));
  BOOST_TEST((s.repr.options.window_scale == std::optional<std::uint8_t>(3)));  // 256 KiB
  BOOST_TEST(s.repr.options.sack_permitted);
  BOOST_TEST(s.repr.options.timestamps.has_value());
  BOOST_TEST(s.repr.window == 65535u);  // never scaled in a SYN
}

BOOST_FIXTURE_TEST_CASE(negotiated_when_both_offer, OptionsFixture) {
  establish();
  BOOST_TEST(tcb.window_scale_enabled());
  BOOST_TEST(tcb.timestamps_enabled());
  BOOST_TEST(tcb.sack_enabled());
  BOOST_TEST(tcb.send_scale() == 7u);
  BOOST_TEST(tcb.send_window() == 65535u);  // the SYN-ACK's window is not scaled
  recv(tseg(tf::ack, kRemoteIss + 1, kIss + 1));
  BOOST_TEST(tcb.send_window() == 64240u << 7);  // the template's window, scaled
  tcb.send(bytes_of(10), now);
  const Sent s = take_one();
  BOOST_TEST(s.repr.window == (256u * 1024 >> 3));  // our window, scaled by our shift
  BOOST_TEST(s.repr.options.timestamps->echo == peer_ts);
}

BOOST_FIXTURE_TEST_CASE(syn_ack_answers_only_what_was_offered, OptionsFixture) {
  tcb.set_iss_for_test(kIss);
  to_listen();
  TcpRepr syn = seg(tf::syn, kRemoteIss);
  syn.options.mss = 9000;
  syn.options.timestamps = tandem::wire::TcpTimestamps{77, 0};
  recv(syn);
  const Sent s = one();
  BOOST_TEST(!s.repr.options.window_scale.has_value());
  BOOST_TEST(!s.repr.options.sack_permitted);
  BOOST_TEST(s.repr.options.timestamps->echo == 77u);
  BOOST_TEST(tcb.send_mss() == 1460u);  // capped by our own MSS
  BOOST_TEST(tcb.timestamps_enabled());
  BOOST_TEST(!tcb.window_scale_enabled());
  BOOST_TEST(tcb.recv_scale() == 0u);
}

BOOST_FIXTURE_TEST_CASE(window_shift_above_14_is_used_as_14, OptionsFixture) {
  tcb.set_iss_for_test(kIss);
  to_listen();
  TcpRepr syn = seg(tf::syn, kRemoteIss);
  syn.options.window_scale = 20;
  recv(syn);
  BOOST_TEST(tcb.send_scale() == 14u);
}

BOOST_FIXTURE_TEST_CASE(timestamps_give_rtt_samples, OptionsFixture) {
  establish();
  BOOST_TEST((tcb.srtt() == Duration(10ms)));  // the SYN's echo, 10 ms later
  tcb.send(bytes_of(100), now);
  take_one();
  now += 30ms;
  recv(tseg(tf::ack, kRemoteIss + 1, kIss + 101));
  // RFC 6298 §2.3: 7/8·10 + 1/8·30 = 12.5 ms.
  BOOST_TEST((tcb.srtt() == Duration(12500us)));
}

BOOST_FIXTURE_TEST_CASE(paws_drops_old_timestamps, OptionsFixture) {
  establish();
  TcpRepr old = tseg(tf::ack, kRemoteIss + 1, kIss + 1);
  old.options.timestamps->value = 10;  // older than TS.Recent
  recv(old, bytes_of(100));
  const Sent s = take_one();
  BOOST_TEST(s.repr.ack == kRemoteIss + 1);  // ACKed, not accepted
  BOOST_TEST(tcb.recv_available() == 0u);
  BOOST_TEST(env.counters().dropped_paws == 1u);
  recv(tseg(tf::ack, kRemoteIss + 1, kIss + 1), bytes_of(100));
  BOOST_TEST(tcb.recv_available() == 100u);
}

BOOST_FIXTURE_TEST_CASE(out_of_order_data_is_reported_in_sack_blocks, OptionsFixture) {
  establish();
  recv(tseg(tf::ack, kRemoteIss + 1 + 1000, kIss + 1), bytes_of(500));
  Sent s = take_one();
  BOOST_TEST(s.repr.ack == kRemoteIss + 1);
  BOOST_REQUIRE(s.repr.options.sack_count == 1u);
  BOOST_TEST(s.repr.options.sack_blocks[0].left == kRemoteIss + 1001);
  BOOST_TEST(s.repr.options.sack_blocks[0].right == kRemoteIss + 1501);
  recv(tseg(tf::ack, kRemoteIss + 1 + 3000, kIss + 1), bytes_of(500));
  s = take_one();
  BOOST_REQUIRE(s.repr.options.sack_count == 2u);
  BOOST_TEST(s.repr.options.sack_blocks[0].left == kRemoteIss + 3001);  // newest first
  BOOST_TEST(s.repr.options.sack_blocks[1].left == kRemoteIss + 1001);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(retransmission)

BOOST_FIXTURE_TEST_CASE(rto_backs_off_then_gives_up_without_rst, Fixture) {
  env.mutable_config().max_retries = 3;
  to_established();
  tcb.send(bytes_of(100), now);
  one();
  const Duration rto = tcb.rto();
  BOOST_TEST((rto == Duration(200ms)));
  std::vector<Duration> gaps;
  Instant last = now;
  for (int i = 0; i < 3; ++i) {
    advance(*tcb.poll_at() - now);
    const Sent s = one();
    BOOST_TEST(s.repr.seq == kIss + 1);  // the oldest unacknowledged data
    BOOST_TEST(s.payload.size() == 100u);
    gaps.push_back(now - last);
    last = now;
  }
  BOOST_TEST((gaps == std::vector<Duration>{200ms, 400ms, 800ms}));
  advance(1600ms);
  nothing();  // Linux-style: no RST to a peer presumed gone
  BOOST_TEST(tcb.state() == State::closed);
  BOOST_TEST(tcb.error() == ETIMEDOUT);
  BOOST_TEST((tcb.take_events() & event::error) != 0);
  BOOST_TEST(tcb.allocated_buffers() == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_lost_syn_leaves_rto_at_3s_and_cwnd_at_one_segment, Fixture) {
  to_syn_sent();
  advance(1s);
  one();  // the SYN again
  TcpRepr syn_ack = seg(tf::syn | tf::ack, kRemoteIss, kIss + 1);
  syn_ack.options.mss = 1460;
  recv(syn_ack);
  one();
  BOOST_TEST(tcb.state() == State::established);
  BOOST_TEST((tcb.rto() == Duration(3s)));  // RFC 6298 §5.7
  BOOST_TEST(tcb.cwnd() == 1460u);          // RFC 5681 §3.1
}

BOOST_FIXTURE_TEST_CASE(rto_is_capped_at_the_maximum, Fixture) {
  env.mutable_config().rto_max = 1s;
  to_established();
  tcb.send(bytes_of(100), now);
  one();
  for (int i = 0; i < 5; ++i) {
    advance(*tcb.poll_at() - now);
    one();
  }
  BOOST_TEST((tcb.rto() == Duration(1s)));
}

BOOST_FIXTURE_TEST_CASE(karn_no_sample_from_a_retransmitted_segment, Fixture) {
  to_established();
  now += 100ms;
  tcb.send(bytes_of(100), now);
  one();
  advance(200ms);
  one();  // retransmitted
  const Duration srtt = tcb.srtt();
  const Duration backed_off = tcb.rto();
  BOOST_TEST((backed_off == Duration(400ms)));
  now += 50ms;
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 101));
  BOOST_TEST((tcb.srtt() == srtt));       // unchanged
  BOOST_TEST((tcb.rto() == backed_off));  // and the backoff stays (RFC 6298 §5.7)
}

BOOST_FIXTURE_TEST_CASE(three_duplicate_acks_trigger_fast_retransmit_and_newreno, Fixture) {
  to_established();
  // Grow the window first so that ten segments can be in flight.
  for (int i = 0; i < 8; ++i) {
    tcb.send(bytes_of(1460), now);
    env.take_sent();
    recv(seg(tf::ack, kRemoteIss + 1, kIss + 1 + 1460 * (i + 1)));
  }
  const SeqNum base = kIss + 1 + 1460 * 8;
  tcb.send(bytes_of(1460 * 10), now);
  BOOST_REQUIRE(env.take_sent().size() == 10u);
  const std::uint32_t cwnd_before = tcb.cwnd();
  // Segment 0 and 3 are lost: three duplicate ACKs for `base`.
  for (int i = 0; i < 2; ++i) {
    recv(seg(tf::ack, kRemoteIss + 1, base));
    nothing();
  }
  recv(seg(tf::ack, kRemoteIss + 1, base));
  Sent s = one();
  BOOST_TEST(s.repr.seq == base);  // fast retransmit
  BOOST_TEST(env.counters().fast_retransmits == 1u);
  BOOST_TEST(tcb.ssthresh() == 1460u * 10 / 2);
  BOOST_TEST(tcb.cwnd() == tcb.ssthresh() + 3 * 1460);
  BOOST_TEST(tcb.cwnd() < cwnd_before + 3 * 1460);
  // A partial ACK (up to the second hole) retransmits the next hole at once.
  recv(seg(tf::ack, kRemoteIss + 1, base + 3 * 1460));
  s = one();
  BOOST_TEST(s.repr.seq == base + 3 * 1460);
  BOOST_TEST(env.counters().partial_ack_retransmits == 1u);
  // The full ACK ends recovery with cwnd = min(ssthresh, max(flight, MSS) + MSS).
  recv(seg(tf::ack, kRemoteIss + 1, base + 10 * 1460));
  BOOST_TEST(tcb.cwnd() == 2u * 1460);  // nothing left in flight
  BOOST_TEST(tcb.allocated_buffers() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(flow_control)

BOOST_FIXTURE_TEST_CASE(zero_window_is_probed_with_backoff_until_it_opens, Fixture) {
  to_established();
  TcpRepr closed_window = seg(tf::ack, kRemoteIss + 1, kIss + 1);
  closed_window.window = 0;
  recv(closed_window);
  tcb.send(bytes_of(3000), now);
  nothing();  // the window is closed
  // Persist probes at RTO (200 ms), then 400, 800 ms: SEG.SEQ = SND.UNA-1, no data.
  std::vector<Duration> gaps;
  Instant last = now;
  for (int i = 0; i < 3; ++i) {
    advance(*tcb.poll_at() - now);
    const Sent s = one();
    BOOST_TEST(s.repr.seq == kIss);
    BOOST_TEST(s.payload.empty());
    gaps.push_back(now - last);
    last = now;
    recv(closed_window);  // the peer answers: still closed
  }
  BOOST_TEST((gaps == std::vector<Duration>{200ms, 400ms, 800ms}));
  BOOST_TEST(env.counters().persist_probes == 3u);
  // The window opens: data flows at once.
  TcpRepr open = closed_window;
  open.window = 65535;
  recv(open);
  auto sent = env.take_sent();
  BOOST_REQUIRE(sent.size() == 2u);  // two full segments; Nagle holds the 80-byte tail
  BOOST_TEST(sent[0].repr.seq == kIss + 1);
  BOOST_TEST(sent[1].payload.size() == 1460u);
  BOOST_TEST(tcb.state() == State::established);
}

BOOST_FIXTURE_TEST_CASE(unanswered_probes_time_out, Fixture) {
  env.mutable_config().max_retries = 2;
  to_established();
  TcpRepr closed_window = seg(tf::ack, kRemoteIss + 1, kIss + 1);
  closed_window.window = 0;
  recv(closed_window);
  tcb.send(bytes_of(10), now);
  advance(10s);
  BOOST_TEST(tcb.state() == State::closed);
  BOOST_TEST(tcb.error() == ETIMEDOUT);
}

BOOST_FIXTURE_TEST_CASE(receiver_advertises_zero_then_updates_the_window, Fixture) {
  env.mutable_config().recv_buffer = 4000;
  to_established();
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 1), bytes_of(2000));
  recv(seg(tf::ack, kRemoteIss + 2001, kIss + 1), bytes_of(2000));
  advance(40ms);
  Sent s = one();
  BOOST_TEST(s.repr.ack == kRemoteIss + 4001);
  BOOST_TEST(s.repr.window == 0u);
  // Data beyond the closed window is refused and acknowledged.
  recv(seg(tf::ack, kRemoteIss + 4001, kIss + 1), bytes_of(1));
  s = one();
  BOOST_TEST(s.repr.window == 0u);
  BOOST_TEST(tcb.recv_available() == 4000u);
  // A small read does not reopen it (receiver SWS avoidance) ...
  std::array<std::byte, 4000> buf{};
  tcb.receive(std::span(buf).first(100), now);
  nothing();
  // ... a large one does, with a window update at once.
  tcb.receive(buf, now);
  s = one();
  BOOST_TEST(s.repr.window == 4000u);
  BOOST_TEST(tcb.allocated_buffers() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(delayed_ack_and_nagle)

BOOST_FIXTURE_TEST_CASE(delayed_ack_is_sent_by_the_timer_at_40ms, Fixture) {
  to_established();
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 1), bytes_of(10));
  const Instant t0 = now;
  BOOST_TEST((tcb.poll_at() == t0 + 40ms));
  recv(seg(tf::ack, kRemoteIss + 11, kIss + 1), bytes_of(10));
  BOOST_TEST((tcb.poll_at() == t0 + 40ms));  // not pushed back by more data
  advance(40ms);
  BOOST_TEST(one().repr.ack == kRemoteIss + 21);
  BOOST_TEST(env.counters().delayed_acks == 1u);
}

BOOST_FIXTURE_TEST_CASE(ack_piggybacks_on_data, Fixture) {
  to_established();
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 1), bytes_of(10));
  tcb.send(bytes_of(5), now);
  const Sent s = one();
  BOOST_TEST(s.repr.ack == kRemoteIss + 11);
  BOOST_TEST((!tcb.poll_at().has_value() || *tcb.poll_at() != now + 40ms));
}

BOOST_FIXTURE_TEST_CASE(nagle_holds_small_segments_while_data_is_unacked, Fixture) {
  to_established();
  tcb.send(bytes_of(1), now);
  one();
  tcb.send(bytes_of(1), now);
  tcb.send(bytes_of(1), now);
  nothing();
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 2));
  const Sent s = one();
  BOOST_TEST(s.payload.size() == 2u);  // coalesced
}

BOOST_FIXTURE_TEST_CASE(nodelay_sends_small_segments_at_once, Fixture) {
  to_established();
  tcb.set_nodelay(true);
  tcb.send(bytes_of(1), now);
  tcb.send(bytes_of(1), now);
  BOOST_TEST(env.take_sent().size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(nagle_does_not_hold_full_segments, Fixture) {
  to_established();
  tcb.send(bytes_of(1), now);
  one();
  tcb.send(bytes_of(1460), now);
  const Sent s = one();
  BOOST_TEST(s.payload.size() == 1460u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(keepalive)

BOOST_FIXTURE_TEST_CASE(off_by_default, Fixture) {
  to_established();
  BOOST_TEST(!tcb.poll_at().has_value());
}

BOOST_FIXTURE_TEST_CASE(probes_after_idle_and_resets_after_count, Fixture) {
  to_established();
  tcb.set_keepalive(KeepaliveSettings{10s, 1s, 3}, now);
  advance(10s);
  Sent s = one();
  BOOST_TEST(s.repr.seq == kIss);  // SND.NXT - 1, no data
  BOOST_TEST(s.payload.empty());
  advance(1s);
  one();
  advance(1s);
  one();
  advance(1s);
  s = one();
  BOOST_TEST(static_cast<int>(s.repr.flags) == tf::rst);
  BOOST_TEST(tcb.state() == State::closed);
  BOOST_TEST(tcb.error() == ETIMEDOUT);
}

BOOST_FIXTURE_TEST_CASE(defaults_come_from_the_config, Fixture) {
  to_established();
  tcb.set_keepalive(true, now);
  BOOST_TEST((tcb.poll_at() == now + 2h));  // RFC 9293 §3.8.4: at least two hours
  tcb.set_keepalive(false, now);
  BOOST_TEST(!tcb.poll_at().has_value());
}

BOOST_FIXTURE_TEST_CASE(an_answer_restarts_the_idle_period, Fixture) {
  to_established();
  tcb.set_keepalive(KeepaliveSettings{10s, 1s, 3}, now);
  advance(10s);
  one();
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 1));
  BOOST_TEST((tcb.poll_at() == now + 10s));
  advance(9s);
  nothing();
  BOOST_TEST(tcb.state() == State::established);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()
