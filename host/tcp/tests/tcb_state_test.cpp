// SPDX-License-Identifier: Apache-2.0
// One suite per RFC 9293 state, smoltcp style: each test builds the segments it
// feeds from one template, so it shows only what differs, and together they take
// every transition of the state diagram (RFC 9293 §3.3.2 figure 5).
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <chrono>

#include "host/tcp/tcb.hpp"
#include "host/tcp/tests/tcb_fixture.hpp"
#include "host/tcp/tests/tcp_test_util.hpp"

using tandem::Duration;
using tandem::Instant;
using namespace tandem::tcp;
using namespace tandem::tcp::test;

BOOST_AUTO_TEST_SUITE(tcb_states)

// ===========================================================================
BOOST_AUTO_TEST_SUITE(closed)  // Tests for the CLOSED state

BOOST_FIXTURE_TEST_CASE(ack_draws_rst_at_its_ack, Fixture) {
  auto r = reset_for(seg(tf::ack, SeqNum(5), SeqNum(77)));
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(static_cast<int>(r->flags) == tf::rst);
  BOOST_TEST(r->seq == SeqNum(77));
  BOOST_TEST(r->dst_port == kRemotePort);
}

BOOST_FIXTURE_TEST_CASE(no_ack_draws_rst_ack_covering_the_segment, Fixture) {
  auto s = seg(tf::syn | tf::fin, SeqNum(5));
  s.payload_len = 10;
  auto r = reset_for(s);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(static_cast<int>(r->flags) == (tf::rst | tf::ack));
  BOOST_TEST(r->seq == SeqNum(0));
  BOOST_TEST(r->ack == SeqNum(5 + 10 + 2));
}

BOOST_FIXTURE_TEST_CASE(rst_draws_nothing, Fixture) {
  BOOST_TEST(!reset_for(seg(tf::rst | tf::ack, SeqNum(5), SeqNum(6))).has_value());
  recv(seg(tf::rst, SeqNum(5)));
  nothing();
}

BOOST_FIXTURE_TEST_CASE(segment_to_closed_tcb_is_reset, Fixture) {
  recv(seg(tf::ack, SeqNum(5), SeqNum(99)));
  expect(one(), tf::rst, SeqNum(99));
  BOOST_TEST(tcb.state() == State::closed);
}

BOOST_FIXTURE_TEST_CASE(application_calls_on_closed_fail_with_enotconn, Fixture) {
  const auto data = bytes_of(4);
  BOOST_TEST(tcb.send(data, now).error == ENOTCONN);
  std::array<std::byte, 4> buf{};
  BOOST_TEST(tcb.receive(buf, now).error == ENOTCONN);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(listen)  // Tests for the LISTEN state

BOOST_FIXTURE_TEST_CASE(syn_moves_to_syn_received_with_syn_ack, Fixture) {
  tcb.set_iss_for_test(kIss);
  to_listen();
  recv(seg(tf::syn, kRemoteIss));
  const Sent s = one();
  expect(s, tf::syn | tf::ack, kIss, kRemoteIss + 1);
  BOOST_TEST((s.repr.options.mss == std::optional<std::uint16_t>(1460)));
  BOOST_TEST(!s.repr.options.window_scale.has_value());  // the SYN did not offer it
  BOOST_TEST(tcb.state() == State::syn_received);
  BOOST_TEST((tcb.tuple() == kTuple));
  BOOST_TEST(tcb.send_mss() == 536u);  // RFC 9293 §3.7.1: no MSS option
}

BOOST_FIXTURE_TEST_CASE(unspecified_local_address_is_learnt_from_the_syn, Fixture) {
  tcb.open_passive({tandem::wire::Ipv4Address{}, kLocalPort});
  recv(seg(tf::syn, kRemoteIss));
  BOOST_TEST((one().tuple == kTuple));
  // A RST returns it to listening on any address.
  recv(seg(tf::rst, kRemoteIss + 1));
  BOOST_TEST(tcb.state() == State::listen);
  BOOST_TEST(tcb.tuple().local.addr.is_unspecified());
}

BOOST_FIXTURE_TEST_CASE(rst_is_ignored, Fixture) {
  to_listen();
  recv(seg(tf::rst, kRemoteIss));
  nothing();
  BOOST_TEST(tcb.state() == State::listen);
}

BOOST_FIXTURE_TEST_CASE(ack_draws_rst, Fixture) {
  to_listen();
  recv(seg(tf::ack, kRemoteIss, SeqNum(4242)));
  expect(one(), tf::rst, SeqNum(4242));
  BOOST_TEST(tcb.state() == State::listen);
}

BOOST_FIXTURE_TEST_CASE(segment_without_syn_is_dropped, Fixture) {
  to_listen();
  recv(seg(tf::fin, kRemoteIss));
  nothing();
  BOOST_TEST(tcb.state() == State::listen);
  BOOST_TEST(env.counters().dropped_in_state == 1u);
}

BOOST_FIXTURE_TEST_CASE(close_moves_to_closed, Fixture) {
  to_listen();
  tcb.close(now);
  BOOST_TEST(tcb.state() == State::closed);
  nothing();
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(syn_sent)  // Tests for the SYN-SENT state

BOOST_FIXTURE_TEST_CASE(open_sends_syn, Fixture) {
  tcb.set_iss_for_test(kIss);
  tcb.open_active(kTuple, now);
  const Sent s = one();
  expect(s, tf::syn, kIss);
  BOOST_TEST((s.repr.options.mss == std::optional<std::uint16_t>(1460)));
  BOOST_TEST(tcb.state() == State::syn_sent);
  BOOST_TEST((tcb.poll_at() == now + 1s));  // RFC 6298 §2.1 initial RTO
}

BOOST_FIXTURE_TEST_CASE(syn_ack_moves_to_established, Fixture) {
  to_syn_sent();
  auto sa = seg(tf::syn | tf::ack, kRemoteIss, kIss + 1);
  sa.options.mss = 1200;
  recv(sa);
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 1);
  BOOST_TEST(tcb.state() == State::established);
  BOOST_TEST((tcb.take_events() & event::connected) != 0);
  BOOST_TEST(tcb.send_mss() == 1200u);
  BOOST_TEST(!tcb.poll_at().has_value());  // nothing outstanding, no timer
}

BOOST_FIXTURE_TEST_CASE(syn_ack_with_bad_ack_draws_rst, Fixture) {
  to_syn_sent();
  recv(seg(tf::syn | tf::ack, kRemoteIss, kIss + 5));
  expect(one(), tf::rst, kIss + 5);
  BOOST_TEST(tcb.state() == State::syn_sent);
  recv(seg(tf::syn | tf::ack, kRemoteIss, kIss));  // acks nothing we sent
  expect(one(), tf::rst, kIss);
}

BOOST_FIXTURE_TEST_CASE(rst_with_acceptable_ack_refuses_the_connection, Fixture) {
  to_syn_sent();
  recv(seg(tf::rst | tf::ack, SeqNum(0), kIss + 1));
  nothing();
  BOOST_TEST(tcb.state() == State::closed);
  BOOST_TEST(tcb.error() == ECONNREFUSED);
  BOOST_TEST((tcb.take_events() & (event::error | event::closed)) ==
             (event::error | event::closed));
}

BOOST_FIXTURE_TEST_CASE(rst_without_ack_is_ignored, Fixture) {
  to_syn_sent();
  recv(seg(tf::rst, kRemoteIss));
  nothing();
  BOOST_TEST(tcb.state() == State::syn_sent);
  // And a RST with a bad ACK draws nothing (RFC 9293 §3.10.7.3 first check).
  recv(seg(tf::rst | tf::ack, kRemoteIss, kIss + 9));
  nothing();
  BOOST_TEST(tcb.state() == State::syn_sent);
}

BOOST_FIXTURE_TEST_CASE(segment_without_syn_or_rst_is_dropped, Fixture) {
  to_syn_sent();
  recv(seg(tf::ack, kRemoteIss, kIss + 1));
  nothing();
  BOOST_TEST(tcb.state() == State::syn_sent);
}

BOOST_FIXTURE_TEST_CASE(bare_syn_is_simultaneous_open, Fixture) {
  to_syn_sent();
  recv(seg(tf::syn, kRemoteIss));
  expect(one(), tf::syn | tf::ack, kIss, kRemoteIss + 1);
  BOOST_TEST(tcb.state() == State::syn_received);
  // Their SYN,ACK in reply to ours completes it (RFC 9293 §3.5 figure 8).
  recv(seg(tf::syn | tf::ack, kRemoteIss, kIss + 1));
  BOOST_TEST(tcb.state() == State::established);
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 1);
}

BOOST_FIXTURE_TEST_CASE(syn_is_retransmitted_with_backoff_then_times_out, Fixture) {
  env.mutable_config().syn_retries = 2;
  to_syn_sent();
  advance(999ms);
  nothing();
  advance(1ms);
  expect(one(), tf::syn, kIss);  // after 1 s
  advance(2s);
  expect(one(), tf::syn, kIss);  // after 2 s more
  advance(4s);
  nothing();
  BOOST_TEST(tcb.state() == State::closed);
  BOOST_TEST(tcb.error() == ETIMEDOUT);
}

BOOST_FIXTURE_TEST_CASE(close_deletes_the_tcb, Fixture) {
  to_syn_sent();
  tcb.shutdown_write(now);
  BOOST_TEST(tcb.state() == State::closed);
  nothing();
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(syn_received)  // Tests for the SYN-RECEIVED state

BOOST_FIXTURE_TEST_CASE(ack_moves_to_established, Fixture) {
  to_syn_received();
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 1));
  nothing();
  BOOST_TEST(tcb.state() == State::established);
  BOOST_TEST((tcb.take_events() & event::connected) != 0);
}

BOOST_FIXTURE_TEST_CASE(bad_ack_draws_rst, Fixture) {
  to_syn_received();
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 100));
  expect(one(), tf::rst, kIss + 100);
  BOOST_TEST(tcb.state() == State::syn_received);
}

BOOST_FIXTURE_TEST_CASE(rst_returns_a_passive_open_to_listen, Fixture) {
  to_syn_received();
  recv(seg(tf::rst, kRemoteIss + 1));
  nothing();
  BOOST_TEST(tcb.state() == State::listen);
  // ... which accepts the next SYN.
  recv(seg(tf::syn, kRemoteIss + 500));
  expect(one(), tf::syn | tf::ack, kIss, kRemoteIss + 501);
}

BOOST_FIXTURE_TEST_CASE(rst_closes_a_connection_opened_from_a_handed_in_syn, Fixture) {
  tcb.set_iss_for_test(kIss);
  auto syn = seg(tf::syn, kRemoteIss);
  tcb.open_from_syn(kTuple, syn, now);
  expect(one(), tf::syn | tf::ack, kIss, kRemoteIss + 1);
  BOOST_TEST(tcb.state() == State::syn_received);
  recv(seg(tf::rst, kRemoteIss + 1));
  BOOST_TEST(tcb.state() == State::closed);
}

BOOST_FIXTURE_TEST_CASE(retransmitted_syn_draws_the_syn_ack_again, Fixture) {
  to_syn_received();
  recv(seg(tf::syn, kRemoteIss));
  expect(one(), tf::syn | tf::ack, kIss, kRemoteIss + 1);
  BOOST_TEST(tcb.state() == State::syn_received);
}

BOOST_FIXTURE_TEST_CASE(syn_in_window_returns_passive_open_to_listen, Fixture) {
  to_syn_received();
  recv(seg(tf::syn, kRemoteIss + 10));
  BOOST_TEST(tcb.state() == State::listen);
}

BOOST_FIXTURE_TEST_CASE(syn_ack_is_retransmitted_then_given_up, Fixture) {
  env.mutable_config().syn_retries = 1;
  to_syn_received();
  advance(1s);
  expect(one(), tf::syn | tf::ack, kIss, kRemoteIss + 1);
  advance(2s);
  BOOST_TEST(tcb.state() == State::listen);
}

BOOST_FIXTURE_TEST_CASE(fin_with_ack_moves_through_established_to_close_wait, Fixture) {
  to_syn_received();
  recv(seg(tf::fin | tf::ack, kRemoteIss + 1, kIss + 1));
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 2);
  BOOST_TEST(tcb.state() == State::close_wait);
  BOOST_TEST(env.transitions.back() == (Transition{State::established, State::close_wait}));
}

BOOST_FIXTURE_TEST_CASE(close_waits_for_established_then_sends_fin, Fixture) {
  to_syn_received();
  tcb.shutdown_write(now);
  nothing();
  BOOST_TEST(tcb.state() == State::syn_received);
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 1));
  expect(one(), tf::fin | tf::ack, kIss + 1, kRemoteIss + 1);
  BOOST_TEST(tcb.state() == State::fin_wait_1);
}

BOOST_FIXTURE_TEST_CASE(abort_sends_rst, Fixture) {
  to_syn_received();
  tcb.abort(now);
  expect(one(), tf::rst, kIss + 1);
  BOOST_TEST(tcb.state() == State::closed);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(established)  // Tests for the ESTABLISHED state

BOOST_FIXTURE_TEST_CASE(data_is_delivered_and_acked_after_the_delayed_ack_timeout, Fixture) {
  to_established();
  const auto data = bytes_of(100);
  recv(seg(tf::ack | tf::psh, kRemoteIss + 1, kIss + 1), data);
  nothing();
  BOOST_TEST((tcb.take_events() & event::readable) != 0);
  BOOST_TEST((tcb.poll_at() == now + 40ms));
  advance(39ms);
  nothing();
  advance(1ms);
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 101);
  std::array<std::byte, 200> buf{};
  const auto r = tcb.receive(buf, now);
  BOOST_TEST(r.bytes == 100u);
  BOOST_TEST(std::equal(data.begin(), data.end(), buf.begin()));
  BOOST_TEST(tcb.allocated_buffers() == 0u);
}

BOOST_FIXTURE_TEST_CASE(every_second_full_segment_is_acked_at_once, Fixture) {
  to_established();
  const auto data = bytes_of(1460);
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 1), data);
  nothing();
  recv(seg(tf::ack, kRemoteIss + 1461, kIss + 1), data);
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 2921);
  BOOST_TEST(!tcb.poll_at().has_value());  // the delayed-ACK timer is cancelled
}

BOOST_FIXTURE_TEST_CASE(out_of_order_data_draws_an_immediate_duplicate_ack, Fixture) {
  to_established();
  const auto data = bytes_of(300);
  recv(seg(tf::ack, kRemoteIss + 101, kIss + 1), tandem::wire::ByteSpan(data).subspan(100));
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 1);
  // Filling the hole delivers both and is acked at once too.
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 1), tandem::wire::ByteSpan(data).first(100));
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 301);
  std::array<std::byte, 400> buf{};
  BOOST_TEST(tcb.receive(buf, now).bytes == 300u);
  BOOST_TEST(std::equal(data.begin(), data.end(), buf.begin()));
  BOOST_TEST(tcb.allocated_buffers() == 0u);
}

BOOST_FIXTURE_TEST_CASE(unacceptable_segment_draws_an_ack, Fixture) {
  to_established();
  recv(seg(tf::ack, kRemoteIss + 1 + 70000, kIss + 1), bytes_of(10));  // right of the window
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 1);
  recv(seg(tf::ack, kRemoteIss - 100, kIss + 1), bytes_of(10));  // old duplicate
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 1);
  BOOST_TEST(env.counters().dropped_unacceptable == 2u);
  BOOST_TEST(tcb.recv_available() == 0u);
}

BOOST_FIXTURE_TEST_CASE(fin_moves_to_close_wait_and_ends_the_stream, Fixture) {
  to_established();
  recv(seg(tf::fin | tf::ack, kRemoteIss + 1, kIss + 1));
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 2);
  BOOST_TEST(tcb.state() == State::close_wait);
  BOOST_TEST((tcb.take_events() & event::end_of_stream) != 0);
  std::array<std::byte, 4> buf{};
  const auto r = tcb.receive(buf, now);
  BOOST_TEST(r.bytes == 0u);
  BOOST_TEST(r.error == 0);
}

BOOST_FIXTURE_TEST_CASE(fin_after_a_hole_waits_for_the_hole, Fixture) {
  to_established();
  const auto data = bytes_of(20);
  recv(seg(tf::fin | tf::ack, kRemoteIss + 11, kIss + 1), tandem::wire::ByteSpan(data).subspan(10));
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 1);
  BOOST_TEST(tcb.state() == State::established);
}

BOOST_FIXTURE_TEST_CASE(exact_rst_resets_the_connection, Fixture) {
  to_established();
  recv(seg(tf::rst, kRemoteIss + 1));
  nothing();
  BOOST_TEST(tcb.state() == State::closed);
  BOOST_TEST(tcb.error() == ECONNRESET);
  std::array<std::byte, 4> buf{};
  BOOST_TEST(tcb.receive(buf, now).error == ECONNRESET);
  BOOST_TEST(tcb.send(buf, now).error == ECONNRESET);
}

BOOST_FIXTURE_TEST_CASE(in_window_rst_draws_a_challenge_ack, Fixture) {
  to_established();
  recv(seg(tf::rst, kRemoteIss + 100));
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 1);  // RFC 5961 §3.2
  BOOST_TEST(tcb.state() == State::established);
  BOOST_TEST(env.counters().challenge_acks == 1u);
}

BOOST_FIXTURE_TEST_CASE(out_of_window_rst_is_dropped_silently, Fixture) {
  to_established();
  recv(seg(tf::rst, kRemoteIss + 1 + 100000));
  nothing();
  BOOST_TEST(tcb.state() == State::established);
}

BOOST_FIXTURE_TEST_CASE(syn_draws_a_challenge_ack, Fixture) {
  to_established();
  recv(seg(tf::syn, kRemoteIss + 50));  // in window
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 1);
  recv(seg(tf::syn, kRemoteIss + 1 + 100000));  // out of window: an ACK as well
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 1);
  BOOST_TEST(tcb.state() == State::established);
}

BOOST_FIXTURE_TEST_CASE(challenge_acks_are_rate_limited, Fixture) {
  to_established();
  for (int i = 0; i < 15; ++i)
    recv(seg(tf::rst, kRemoteIss + 100));
  BOOST_TEST(env.take_sent().size() == 10u);
  BOOST_TEST(env.counters().challenge_acks_suppressed == 5u);
  advance(1s);
  recv(seg(tf::rst, kRemoteIss + 100));
  one();
}

BOOST_FIXTURE_TEST_CASE(ack_of_unsent_data_draws_an_ack_and_is_dropped, Fixture) {
  to_established();
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 1000), bytes_of(10));
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 1);
  BOOST_TEST(tcb.recv_available() == 0u);
}

BOOST_FIXTURE_TEST_CASE(ack_older_than_the_window_draws_a_challenge_ack, Fixture) {
  to_established();
  recv(seg(tf::ack, kRemoteIss + 1, kIss - 70000), bytes_of(10));  // RFC 5961 §5
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 1);
  BOOST_TEST(tcb.recv_available() == 0u);
}

BOOST_FIXTURE_TEST_CASE(segment_without_ack_is_dropped, Fixture) {
  to_established();
  recv(seg(0, kRemoteIss + 1), bytes_of(10));
  nothing();
  BOOST_TEST(tcb.recv_available() == 0u);
}

BOOST_FIXTURE_TEST_CASE(sent_data_is_freed_when_acked, Fixture) {
  to_established();
  const auto data = bytes_of(1000);
  BOOST_TEST(tcb.send(data, now).bytes == 1000u);
  const Sent s = one();
  expect(s, tf::ack | tf::psh, kIss + 1, kRemoteIss + 1);
  BOOST_TEST((s.payload == data));
  BOOST_TEST(tcb.allocated_buffers() == 1u);
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 1001));
  BOOST_TEST(tcb.allocated_buffers() == 0u);
  BOOST_TEST(!tcb.poll_at().has_value());
}

BOOST_FIXTURE_TEST_CASE(shutdown_sends_fin_and_moves_to_fin_wait_1, Fixture) {
  to_established();
  tcb.shutdown_write(now);
  expect(one(), tf::fin | tf::ack, kIss + 1, kRemoteIss + 1);
  BOOST_TEST(tcb.state() == State::fin_wait_1);
  BOOST_TEST(tcb.send(bytes_of(1), now).error == EPIPE);
}

BOOST_FIXTURE_TEST_CASE(abort_sends_rst_and_frees_everything, Fixture) {
  to_established();
  tcb.send(bytes_of(5000), now);
  env.take_sent();
  const SeqNum nxt = tcb.snd_nxt();
  BOOST_TEST(nxt == kIss + 1 + 4380);  // the initial window went out
  tcb.abort(now);
  expect(one(), tf::rst, nxt);
  BOOST_TEST(tcb.state() == State::closed);
  BOOST_TEST(tcb.allocated_buffers() == 0u);
}

BOOST_FIXTURE_TEST_CASE(close_with_unread_data_resets, Fixture) {
  to_established();
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 1), bytes_of(10));
  tcb.close(now);
  expect(one(), tf::rst, kIss + 1);
  BOOST_TEST(tcb.state() == State::closed);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(fin_wait_1)  // Tests for the FIN-WAIT-1 state

BOOST_FIXTURE_TEST_CASE(ack_of_fin_moves_to_fin_wait_2, Fixture) {
  to_fin_wait_1();
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 2));
  nothing();
  BOOST_TEST(tcb.state() == State::fin_wait_2);
}

BOOST_FIXTURE_TEST_CASE(fin_without_ack_of_ours_is_simultaneous_close, Fixture) {
  to_fin_wait_1();
  recv(seg(tf::fin | tf::ack, kRemoteIss + 1, kIss + 1));
  expect(one(), tf::ack, kIss + 2, kRemoteIss + 2);
  BOOST_TEST(tcb.state() == State::closing);
}

BOOST_FIXTURE_TEST_CASE(fin_with_ack_of_ours_moves_to_time_wait, Fixture) {
  to_fin_wait_1();
  recv(seg(tf::fin | tf::ack, kRemoteIss + 1, kIss + 2));
  expect(one(), tf::ack, kIss + 2, kRemoteIss + 2);
  BOOST_TEST(tcb.state() == State::time_wait);
}

BOOST_FIXTURE_TEST_CASE(data_still_arrives_after_our_fin, Fixture) {
  to_fin_wait_1();
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 1), bytes_of(10));
  BOOST_TEST(tcb.recv_available() == 10u);
}

BOOST_FIXTURE_TEST_CASE(fin_is_retransmitted_on_rto, Fixture) {
  to_fin_wait_1();
  // The handshake's RTT sample was 0, so RTO is the 200 ms floor.
  BOOST_TEST((tcb.rto() == Duration(200ms)));
  advance(200ms);
  expect(one(), tf::fin | tf::ack, kIss + 1, kRemoteIss + 1);
}

BOOST_FIXTURE_TEST_CASE(rst_resets, Fixture) {
  to_fin_wait_1();
  recv(seg(tf::rst, kRemoteIss + 1));
  BOOST_TEST(tcb.state() == State::closed);
  BOOST_TEST(tcb.error() == ECONNRESET);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(fin_wait_2)  // Tests for the FIN-WAIT-2 state

BOOST_FIXTURE_TEST_CASE(fin_moves_to_time_wait, Fixture) {
  to_fin_wait_2();
  recv(seg(tf::fin | tf::ack, kRemoteIss + 1, kIss + 2));
  expect(one(), tf::ack, kIss + 2, kRemoteIss + 2);
  BOOST_TEST(tcb.state() == State::time_wait);
}

BOOST_FIXTURE_TEST_CASE(data_is_received, Fixture) {
  to_fin_wait_2();
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 2), bytes_of(10));
  BOOST_TEST(tcb.recv_available() == 10u);
}

BOOST_FIXTURE_TEST_CASE(rst_resets, Fixture) {
  to_fin_wait_2();
  recv(seg(tf::rst, kRemoteIss + 1));
  BOOST_TEST(tcb.state() == State::closed);
  BOOST_TEST(tcb.error() == ECONNRESET);
}

BOOST_FIXTURE_TEST_CASE(orphan_times_out, Fixture) {
  to_fin_wait_2();
  tcb.close(now);
  advance(59s);
  BOOST_TEST(tcb.state() == State::fin_wait_2);
  advance(1s);
  BOOST_TEST(tcb.state() == State::closed);
}

BOOST_FIXTURE_TEST_CASE(data_after_close_resets, Fixture) {
  to_fin_wait_2();
  tcb.close(now);
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 2), bytes_of(10));
  expect(one(), tf::rst, kIss + 2);
  BOOST_TEST(tcb.state() == State::closed);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(close_wait)  // Tests for the CLOSE-WAIT state

BOOST_FIXTURE_TEST_CASE(shutdown_sends_fin_and_moves_to_last_ack, Fixture) {
  to_close_wait();
  tcb.shutdown_write(now);
  expect(one(), tf::fin | tf::ack, kIss + 1, kRemoteIss + 2);
  BOOST_TEST(tcb.state() == State::last_ack);
}

BOOST_FIXTURE_TEST_CASE(data_can_still_be_sent, Fixture) {
  to_close_wait();
  BOOST_TEST(tcb.send(bytes_of(10), now).bytes == 10u);
  expect(one(), tf::ack | tf::psh, kIss + 1, kRemoteIss + 2);
}

BOOST_FIXTURE_TEST_CASE(rst_resets, Fixture) {
  to_close_wait();
  recv(seg(tf::rst, kRemoteIss + 2));
  BOOST_TEST(tcb.state() == State::closed);
  BOOST_TEST(tcb.error() == ECONNRESET);
}

BOOST_FIXTURE_TEST_CASE(retransmitted_fin_is_acked_again, Fixture) {
  to_close_wait();
  recv(seg(tf::fin | tf::ack, kRemoteIss + 1, kIss + 1));
  expect(one(), tf::ack, kIss + 1, kRemoteIss + 2);
  BOOST_TEST(tcb.state() == State::close_wait);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(closing)  // Tests for the CLOSING state

BOOST_FIXTURE_TEST_CASE(ack_of_fin_moves_to_time_wait, Fixture) {
  to_closing();
  recv(seg(tf::ack, kRemoteIss + 2, kIss + 2));
  nothing();
  BOOST_TEST(tcb.state() == State::time_wait);
}

BOOST_FIXTURE_TEST_CASE(other_acks_are_ignored, Fixture) {
  to_closing();
  recv(seg(tf::ack, kRemoteIss + 2, kIss + 1));
  BOOST_TEST(tcb.state() == State::closing);
}

BOOST_FIXTURE_TEST_CASE(rst_closes, Fixture) {
  to_closing();
  recv(seg(tf::rst, kRemoteIss + 2));
  BOOST_TEST(tcb.state() == State::closed);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(last_ack)  // Tests for the LAST-ACK state

BOOST_FIXTURE_TEST_CASE(ack_of_fin_closes, Fixture) {
  to_last_ack();
  recv(seg(tf::ack, kRemoteIss + 2, kIss + 2));
  nothing();
  BOOST_TEST(tcb.state() == State::closed);
  BOOST_TEST((tcb.take_events() & event::closed) != 0);
  BOOST_TEST(tcb.error() == 0);
  BOOST_TEST(tcb.allocated_buffers() == 0u);
}

BOOST_FIXTURE_TEST_CASE(fin_is_retransmitted_until_acked, Fixture) {
  to_last_ack();
  advance(200ms);
  expect(one(), tf::fin | tf::ack, kIss + 1, kRemoteIss + 2);
  recv(seg(tf::ack, kRemoteIss + 2, kIss + 2));
  BOOST_TEST(tcb.state() == State::closed);
}

BOOST_FIXTURE_TEST_CASE(rst_closes, Fixture) {
  to_last_ack();
  recv(seg(tf::rst, kRemoteIss + 2));
  BOOST_TEST(tcb.state() == State::closed);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(time_wait)  // Tests for the TIME-WAIT state

BOOST_FIXTURE_TEST_CASE(expires_after_two_msl, Fixture) {
  to_time_wait();
  BOOST_TEST((tcb.poll_at() == now + 60s));
  advance(59s);
  BOOST_TEST(tcb.state() == State::time_wait);
  advance(1s);
  BOOST_TEST(tcb.state() == State::closed);
  nothing();
}

BOOST_FIXTURE_TEST_CASE(msl_is_configurable, Fixture) {
  env.mutable_config().msl = 2s;
  to_time_wait();
  advance(4s);
  BOOST_TEST(tcb.state() == State::closed);
}

BOOST_FIXTURE_TEST_CASE(retransmitted_fin_is_acked_and_restarts_the_timer, Fixture) {
  to_time_wait();
  advance(30s);
  recv(seg(tf::fin | tf::ack, kRemoteIss + 1, kIss + 2));
  expect(one(), tf::ack, kIss + 2, kRemoteIss + 2);
  BOOST_TEST((tcb.poll_at() == now + 60s));
}

BOOST_FIXTURE_TEST_CASE(rst_closes, Fixture) {
  to_time_wait();
  recv(seg(tf::rst, kRemoteIss + 2));
  BOOST_TEST(tcb.state() == State::closed);
}

BOOST_FIXTURE_TEST_CASE(syn_draws_a_challenge_ack, Fixture) {
  to_time_wait();
  recv(seg(tf::syn, kRemoteIss + 100000));
  expect(one(), tf::ack, kIss + 2, kRemoteIss + 2);
  BOOST_TEST(tcb.state() == State::time_wait);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(diagram)

// Every arc of RFC 9293 figure 5 (plus the simultaneous-open and -close ones)
// is taken by some test above; this one walks both closes end to end and checks
// the trace set_state() leaves.
BOOST_FIXTURE_TEST_CASE(active_close_trace, Fixture) {
  to_time_wait();
  advance(60s);
  const std::vector<Transition> want{
      {State::closed, State::syn_sent},        {State::syn_sent, State::established},
      {State::established, State::fin_wait_1}, {State::fin_wait_1, State::fin_wait_2},
      {State::fin_wait_2, State::time_wait},   {State::time_wait, State::closed}};
  BOOST_TEST(env.transitions == want, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(passive_close_trace, Fixture) {
  to_syn_received();
  recv(seg(tf::ack, kRemoteIss + 1, kIss + 1));
  recv(seg(tf::fin | tf::ack, kRemoteIss + 1, kIss + 1));
  tcb.shutdown_write(now);
  recv(seg(tf::ack, kRemoteIss + 2, kIss + 2));
  const std::vector<Transition> want{{State::closed, State::listen},
                                     {State::listen, State::syn_received},
                                     {State::syn_received, State::established},
                                     {State::established, State::close_wait},
                                     {State::close_wait, State::last_ack},
                                     {State::last_ack, State::closed}};
  BOOST_TEST(env.transitions == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()
