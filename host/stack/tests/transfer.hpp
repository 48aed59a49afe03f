// SPDX-License-Identifier: Apache-2.0
// Byte-checked transfers between the two Stacks of a test world
// (stack_world.hpp), whatever NICs it is built on. Include after
// <boost/test/unit_test.hpp>.
#pragma once

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "host/stack/stack.hpp"
#include "host/stack/tests/stack_world.hpp"
#include "host/tcp/tests/tcp_test_util.hpp"
#include "sim/link/link.hpp"

namespace tandem::stack::test {

using namespace std::chrono_literals;

// Writes `data` into a connection as send space allows, then shuts it down.
struct Writer {
  Stack& stack;
  ConnId id;
  std::vector<std::byte> data;
  std::size_t sent = 0;
  bool shut = false;

  void step(Instant now) {
    while (sent < data.size()) {
      const auto chunk =
          std::span(data).subspan(sent, std::min<std::size_t>(data.size() - sent, 100'000));
      const auto r = stack.send(id, chunk, now);
      if (r.bytes == 0) break;
      sent += r.bytes;
    }
    if (sent == data.size() && !shut) {
      stack.shutdown_write(id, now);
      shut = true;
    }
  }
};

// Reads a connection to its end of stream.
struct Reader {
  Stack& stack;
  ConnId id;
  std::vector<std::byte> got;
  bool eof = false;
  int error = 0;

  void step(Instant now) {
    std::array<std::byte, 16384> buf{};
    while (!eof && error == 0) {
      const auto r = stack.receive(id, buf, now);
      if (r.error == EAGAIN) return;
      if (r.error != 0) {
        error = r.error;
        return;
      }
      if (r.bytes == 0) {
        eof = true;
        return;
      }
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r.bytes));
    }
  }
};

// B listens on port 80 and A connects; returns {A's id, B's id} once accepted.
// What the impaired-transfer cases put on the link, each way: loss,
// duplication, reordering, corruption, delay with jitter.
inline sim::Impairment rough_link() {
  sim::Impairment bad;
  bad.loss = 0.02;
  bad.duplicate = 0.01;
  bad.reorder = 0.02;
  bad.corrupt = 0.01;
  bad.delay = 2ms;
  bad.jitter = 200us;
  return bad;
}

template <typename World>
std::pair<ConnId, ConnId> connect_pair(World& w, std::uint16_t port = 80) {
  ListenerId lid = 0;
  BOOST_REQUIRE(!w.b().listen(tcp::Endpoint{{}, port}, 16, false, lid));
  ConnId client = kNoConn;
  BOOST_REQUIRE(!w.a().connect(tcp::Endpoint{kAddrB, port}, {}, w.now(), client));
  std::optional<ConnId> server;
  BOOST_REQUIRE(w.run_until([&] {
    if (!server) server = w.b().accept(lid);
    return server && w.a().tcb(client).state() == tcp::State::established;
  }));
  w.b().close_listener(lid, w.now());
  return {client, *server};
}

// Moves `a_to_b` and `b_to_a` over one connection at once, closes both ends and
// checks that every byte arrived, in order, and that nothing is left allocated.
template <typename World>
void transfer_both_ways(World& w, std::size_t a_to_b, std::size_t b_to_a, std::uint64_t seed,
                        Duration limit = 600s) {
  const auto [ca, cb] = connect_pair(w);
  Writer wa{w.a(), ca, tcp::test::random_bytes(a_to_b, seed)};
  Writer wb{w.b(), cb, tcp::test::random_bytes(b_to_a, seed + 1)};
  Reader ra{w.a(), ca, {}};
  Reader rb{w.b(), cb, {}};
  const bool done = w.run_until(
      [&] {
        wa.step(w.now());
        wb.step(w.now());
        ra.step(w.now());
        rb.step(w.now());
        return ra.eof && rb.eof;
      },
      limit);
  BOOST_REQUIRE_MESSAGE(done, "transfer stalled: B got " << rb.got.size() << " of " << a_to_b
                                                         << ", A got " << ra.got.size() << " of "
                                                         << b_to_a);
  BOOST_TEST(ra.error == 0);
  BOOST_TEST(rb.error == 0);
  BOOST_TEST((rb.got == wa.data));
  BOOST_TEST((ra.got == wb.data));
  w.a().release(ca, false, w.now());
  w.b().release(cb, false, w.now());
  // TIME-WAIT is 2 s here (MSL 1 s); then both tables and every buffer are empty.
  BOOST_TEST(
      w.run_until([&] { return w.a().connections() == 0 && w.b().connections() == 0; }, 120s));
  BOOST_TEST(w.a().allocated_buffers() == 0u);
  BOOST_TEST(w.b().allocated_buffers() == 0u);
}

}  // namespace tandem::stack::test
