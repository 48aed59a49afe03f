// SPDX-License-Identifier: Apache-2.0
// A hierarchical timer wheel (Varghese & Lauck, "Hashed and Hierarchical Timing
// Wheels", scheme 7): four levels of 256 slots over a configurable tick. Arm,
// cancel and expire are O(1); a timer far in the future sits in a coarse slot and
// cascades down a level each time the finer wheel turns past it.
//
// Timers are intrusive: a `Timer` lives inside whatever owns it (a TCB, an ARP
// entry), so arming never allocates. The wheel reads no clock: `advance(now, f)`
// is told the time and calls `f(timer)` for each timer that is due, and
// `next_expiry()` says when it next needs to be told (poll_at-style).
#pragma once

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "host/base/time.hpp"

namespace tandem {

class TimerWheel;

class Timer {
 public:
  Timer() = default;
  // An armed timer unlinks itself, so an owner may die with its timer running.
  ~Timer();
  // The wheel holds pointers to armed timers: they must stay where they are.
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  bool armed() const { return wheel_ != nullptr; }
  // The instant the timer was armed for (it fires at the first tick at or after it).
  Instant deadline() const { return deadline_; }

  // Free for the owner: tells its expiry callback which of its timers fired.
  std::uint64_t tag = 0;

 private:
  friend class TimerWheel;
  TimerWheel* wheel_ = nullptr;
  Timer* prev_ = nullptr;
  Timer* next_ = nullptr;
  Instant deadline_{};
  std::uint64_t tick_ = 0;  // the deadline rounded up to a whole tick
  std::uint16_t list_ = 0;  // which of the wheel's lists holds it
};

class TimerWheel {
 public:
  static constexpr unsigned kLevels = 4;
  static constexpr unsigned kSlotBits = 8;
  static constexpr unsigned kSlots = 1u << kSlotBits;
  // Deadlines further out than this many ticks wait in the top level's furthest
  // slot and are placed again each time it comes round.
  static constexpr std::uint64_t kRangeTicks = std::uint64_t{1} << (kLevels * kSlotBits);

  // `start` is the time the wheel is created at: nothing before it can be due.
  explicit TimerWheel(Duration tick = std::chrono::milliseconds(1), Instant start = Instant{});
  ~TimerWheel();
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // Arms `timer` for `deadline`, first cancelling it if it was armed (here or on
  // another wheel). A deadline already past fires on the next advance().
  void arm(Timer& timer, Instant deadline);
  // Disarms `timer`; a timer that is not armed is left alone.
  void cancel(Timer& timer);

  // Fires every timer whose deadline tick is at or before `now`: first those armed
  // for a time the wheel had already passed (in arm order), then the rest in
  // deadline order (the same tick: in the order they were armed), by
  // calling `on_expire(Timer&)` once each, the timer already disarmed. The
  // callback may arm and cancel any timer, itself included; one it arms for a
  // time at or before `now` fires within this same call. Returns how many fired.
  template <typename F>
  std::size_t advance(Instant now, F&& on_expire) {
    const std::uint64_t target = tick_floor(now);
    std::size_t fired = 0;
    while (Timer* t = pop_expired(target)) {
      ++fired;
      on_expire(*t);
    }
    return fired;
  }

  // When advance() next has something to fire: the tick at or after the earliest
  // armed deadline. nullopt when no timer is armed.
  std::optional<Instant> next_expiry() const;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Duration tick() const { return tick_; }
  // The time the wheel has been advanced to, rounded down to its tick.
  Instant now() const { return instant_of(current_); }

 private:
  struct List {
    Timer* head = nullptr;
    Timer* tail = nullptr;
  };
  static constexpr std::uint16_t kDueList = kLevels * kSlots;

  std::uint64_t tick_floor(Instant t) const;
  std::uint64_t tick_ceil(Instant t) const;
  Instant instant_of(std::uint64_t tick) const;

  void place(Timer& timer, std::uint64_t base);
  void link(Timer& timer, std::uint16_t list);
  void unlink(Timer& timer);
  std::optional<std::uint64_t> next_event_tick() const;
  std::optional<unsigned> first_busy_slot(unsigned level, unsigned from) const;
  void run_tick(std::uint64_t tick);
  Timer* pop_expired(std::uint64_t target);

  Duration tick_;
  std::uint64_t current_ = 0;  // every tick up to and including this one has run
  std::size_t size_ = 0;
  std::array<List, kLevels * kSlots + 1> lists_{};  // the slots, then the due list
  // One bit per slot, set while its list is non-empty, so finding the next busy
  // slot is a few word scans rather than 256 probes.
  std::array<std::array<std::uint64_t, kSlots / 64>, kLevels> busy_{};
};

}  // namespace tandem
