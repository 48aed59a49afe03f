// SPDX-License-Identifier: Apache-2.0
// The timer wheel against its promises (order, cancel, re-arm, cascading from far
// levels, out-of-range deadlines) and against a naive std::multimap model under
// seeded random operations.
#define BOOST_TEST_MODULE timer_wheel
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "host/base/timer_wheel.hpp"

namespace {

using namespace std::chrono_literals;
using tandem::Duration;
using tandem::Instant;
using tandem::instant_from_ns;
using tandem::Timer;
using tandem::TimerWheel;

constexpr Instant at_ms(std::int64_t ms) {
  return Instant(std::chrono::milliseconds(ms));
}

// Records (tag, time of the advance that fired it).
struct Fired {
  std::uint64_t tag;
  Instant when;
  bool operator==(const Fired&) const = default;
};

struct Harness {
  explicit Harness(Duration tick = 1ms) : wheel(tick) {}
  void advance(Instant now) {
    wheel.advance(now, [&](Timer& t) { fired.push_back({t.tag, now}); });
  }
  std::vector<std::uint64_t> tags() const {
    std::vector<std::uint64_t> v;
    for (const auto& f : fired)
      v.push_back(f.tag);
    return v;
  }
  TimerWheel wheel;
  std::vector<Fired> fired;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(basics)

BOOST_AUTO_TEST_CASE(fires_in_deadline_order_not_arm_order) {
  Harness h;
  std::array<Timer, 5> timers;
  const std::array<std::int64_t, 5> deadlines{40, 3, 700, 3, 70'000};
  for (std::size_t i = 0; i < timers.size(); ++i) {
    timers[i].tag = i;
    h.wheel.arm(timers[i], at_ms(deadlines[i]));
  }
  BOOST_TEST(h.wheel.size() == 5u);
  BOOST_TEST((h.wheel.next_expiry() == at_ms(3)));
  h.advance(at_ms(100'000));
  // Same tick: arm order. Otherwise: deadline order.
  BOOST_TEST((h.tags() == std::vector<std::uint64_t>{1, 3, 0, 2, 4}));
  BOOST_TEST(h.wheel.empty());
  BOOST_TEST(!h.wheel.next_expiry().has_value());
}

BOOST_AUTO_TEST_CASE(never_fires_early_and_fires_on_the_tick) {
  Harness h;
  Timer t;
  h.wheel.arm(t, Instant(2500us));  // rounds up to the 3 ms tick
  BOOST_TEST((h.wheel.next_expiry() == at_ms(3)));
  h.advance(Instant(2999us));
  BOOST_TEST(h.fired.empty());
  BOOST_TEST(t.armed());
  h.advance(at_ms(3));
  BOOST_TEST(h.fired.size() == 1u);
  BOOST_TEST(!t.armed());
}

BOOST_AUTO_TEST_CASE(cancel_and_rearm) {
  Harness h;
  Timer a, b;
  a.tag = 1;
  b.tag = 2;
  h.wheel.arm(a, at_ms(10));
  h.wheel.arm(b, at_ms(20));
  h.wheel.cancel(a);
  h.wheel.cancel(a);  // cancelling a disarmed timer is a no-op
  BOOST_TEST(!a.armed());
  BOOST_TEST((h.wheel.next_expiry() == at_ms(20)));
  h.wheel.arm(b, at_ms(5));  // re-arm moves it, never duplicates it
  BOOST_TEST(h.wheel.size() == 1u);
  h.advance(at_ms(30));
  BOOST_TEST((h.tags() == std::vector<std::uint64_t>{2}));
  BOOST_TEST((h.fired[0].when == at_ms(30)));
}

BOOST_AUTO_TEST_CASE(past_deadline_fires_on_next_advance) {
  Harness h;
  h.advance(at_ms(1000));
  Timer t;
  h.wheel.arm(t, at_ms(10));
  BOOST_TEST((h.wheel.next_expiry() <= std::optional<Instant>(at_ms(1000))));
  h.advance(at_ms(1000));
  BOOST_TEST(h.fired.size() == 1u);
}

BOOST_AUTO_TEST_CASE(callback_may_rearm_itself_and_cancel_others) {
  TimerWheel wheel(1ms);
  Timer periodic, victim;
  periodic.tag = 1;
  victim.tag = 2;
  wheel.arm(periodic, at_ms(10));
  wheel.arm(victim, at_ms(25));
  std::vector<Instant> ticks;
  wheel.advance(at_ms(45), [&](Timer& t) {
    BOOST_TEST(t.tag == 1u);
    ticks.push_back(t.deadline());
    wheel.cancel(victim);
    wheel.arm(t, t.deadline() + 10ms);
  });
  BOOST_TEST((ticks == std::vector<Instant>{at_ms(10), at_ms(20), at_ms(30), at_ms(40)}));
  BOOST_TEST(wheel.size() == 1u);
  BOOST_TEST((wheel.next_expiry() == at_ms(50)));
}

BOOST_AUTO_TEST_CASE(destroying_an_armed_timer_unlinks_it) {
  TimerWheel wheel(1ms);
  {
    Timer t;
    wheel.arm(t, at_ms(5));
    BOOST_TEST(wheel.size() == 1u);
  }
  BOOST_TEST(wheel.empty());
  BOOST_TEST(wheel.advance(at_ms(10), [](Timer&) { BOOST_FAIL("fired a dead timer"); }) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cascading)

// One timer per level boundary and beyond the wheel's range (2^32 ticks): each
// must come down through the levels and fire on its exact tick.
BOOST_AUTO_TEST_CASE(far_future_timers_cascade_to_their_exact_tick) {
  Harness h(1ns);
  const std::vector<std::int64_t> deadlines{255,
                                            256,
                                            257,
                                            65'535,
                                            65'536,
                                            65'537,
                                            (1 << 24) - 1,
                                            1 << 24,
                                            (1 << 24) + 1,
                                            (std::int64_t{1} << 32) - 1,
                                            std::int64_t{1} << 32,
                                            (std::int64_t{1} << 32) + 1,
                                            std::int64_t{3} << 33,
                                            (std::int64_t{1} << 40) + 12'345};
  std::vector<std::unique_ptr<Timer>> timers;
  for (std::size_t i = 0; i < deadlines.size(); ++i) {
    timers.push_back(std::make_unique<Timer>());
    timers.back()->tag = i;
    h.wheel.arm(*timers.back(), instant_from_ns(deadlines[i]));
  }
  for (std::size_t i = 0; i < deadlines.size(); ++i) {
    BOOST_TEST_CONTEXT("deadline " << deadlines[i]) {
      BOOST_TEST((h.wheel.next_expiry() == instant_from_ns(deadlines[i])));
      h.advance(instant_from_ns(deadlines[i] - 1));
      BOOST_TEST(h.fired.size() == i);
      h.advance(instant_from_ns(deadlines[i]));
      BOOST_TEST_REQUIRE(h.fired.size() == i + 1);
      BOOST_TEST(h.fired.back().tag == i);
    }
  }
  BOOST_TEST(h.wheel.empty());
}

// Slots are reused as the wheel turns: arm, fire and re-arm across many turns of
// every level so that slot indices wrap round repeatedly.
BOOST_AUTO_TEST_CASE(slot_indices_wrap_round) {
  Harness h(1ns);
  Timer t;
  std::int64_t now = 0;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const std::int64_t span = std::int64_t{1} << (rng() % 34);
    const std::int64_t deadline = now + 1 + static_cast<std::int64_t>(rng() % span);
    h.wheel.arm(t, instant_from_ns(deadline));
    BOOST_TEST_REQUIRE((h.wheel.next_expiry() == instant_from_ns(deadline)));
    h.advance(instant_from_ns(deadline - 1));
    BOOST_TEST_REQUIRE(h.fired.size() == static_cast<std::size_t>(i));
    now = deadline;
    h.advance(instant_from_ns(now));
    BOOST_TEST_REQUIRE(h.fired.size() == static_cast<std::size_t>(i + 1));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(model)

// Random arm / cancel / advance against a multimap of (tick -> id). After every
// advance, exactly the timers whose tick has come must have fired, in tick order,
// and next_expiry() must name the model's earliest tick.
BOOST_AUTO_TEST_CASE(random_operations_match_a_multimap) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      std::mt19937_64 rng(seed);
      const Duration tick = (seed % 2 == 0) ? Duration(1ms) : Duration(1ns);
      TimerWheel wheel(tick);
      constexpr std::size_t kTimers = 300;
      std::vector<std::unique_ptr<Timer>> timers;
      for (std::size_t i = 0; i < kTimers; ++i) {
        timers.push_back(std::make_unique<Timer>());
        timers.back()->tag = i;
      }
      std::vector<std::optional<std::int64_t>> model_tick(kTimers);  // id -> tick
      std::int64_t now_ns = 0;
      std::int64_t wheel_tick = 0;  // the tick of the last advance
      auto to_tick = [&](std::int64_t ns) { return (ns + tick.count() - 1) / tick.count(); };
      for (int op = 0; op < 10'000; ++op) {
        const auto r = rng() % 10;
        const std::size_t id = rng() % kTimers;
        if (r < 5) {
          // Deadlines from the past to far beyond the wheel's range.
          const int scale = static_cast<int>(rng() % 45);
          const std::int64_t off =
              static_cast<std::int64_t>(rng() % (std::uint64_t{1} << scale)) - 3;
          const std::int64_t deadline = std::max<std::int64_t>(0, now_ns + off);
          wheel.arm(*timers[id], instant_from_ns(deadline));
          model_tick[id] = to_tick(deadline);
        } else if (r < 7) {
          wheel.cancel(*timers[id]);
          model_tick[id].reset();
        } else {
          const int scale = static_cast<int>(rng() % 40);
          now_ns += static_cast<std::int64_t>(rng() % (std::uint64_t{1} << scale));
          const std::int64_t now_tick = now_ns / tick.count();
          std::multimap<std::int64_t, std::size_t> due;
          for (std::size_t i = 0; i < kTimers; ++i) {
            if (model_tick[i] && *model_tick[i] <= now_tick) {
              due.emplace(*model_tick[i], i);
              model_tick[i].reset();
            }
          }
          // Timers armed for a tick the wheel had already passed fire first, in
          // arm order; the rest fire in tick order.
          std::vector<std::int64_t> fired_ticks;
          std::multimap<std::int64_t, std::size_t> fired;
          wheel.advance(instant_from_ns(now_ns), [&](Timer& t) {
            const auto tk = to_tick(t.deadline().time_since_epoch().count());
            if (tk > wheel_tick) fired_ticks.push_back(tk);
            fired.emplace(tk, t.tag);
          });
          wheel_tick = now_tick;
          BOOST_TEST_REQUIRE(std::is_sorted(fired_ticks.begin(), fired_ticks.end()));
          BOOST_TEST_REQUIRE(fired.size() == due.size());
          // Same multiset of (tick, id): compare as sorted pairs.
          std::vector<std::pair<std::int64_t, std::size_t>> a(fired.begin(), fired.end());
          std::vector<std::pair<std::int64_t, std::size_t>> b(due.begin(), due.end());
          std::sort(a.begin(), a.end());
          std::sort(b.begin(), b.end());
          BOOST_TEST_REQUIRE((a == b));
        }
        std::optional<std::int64_t> earliest;
        std::size_t armed = 0;
        for (const auto& m : model_tick) {
          if (!m) continue;
          ++armed;
          if (!earliest || *m < *earliest) earliest = *m;
        }
        BOOST_TEST_REQUIRE(wheel.size() == armed);
        const auto next = wheel.next_expiry();
        BOOST_TEST_REQUIRE(next.has_value() == earliest.has_value());
        if (earliest) {
          // A timer armed in the past is due at once: the wheel reports its own
          // current tick, which is no later than the model's earliest.
          const std::int64_t expect_ns = *earliest * tick.count();
          if (expect_ns <= now_ns) {
            BOOST_TEST_REQUIRE(next->time_since_epoch().count() <= now_ns);
          } else {
            BOOST_TEST_REQUIRE(next->time_since_epoch().count() == expect_ns);
          }
        }
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
