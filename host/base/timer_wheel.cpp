// SPDX-License-Identifier: Apache-2.0
#include "host/base/timer_wheel.hpp"

#include <algorithm>
#include <bit>

namespace tandem {

namespace {
constexpr std::uint64_t kSlotMask = TimerWheel::kSlots - 1;
constexpr unsigned shift_of(unsigned level) {
  return level * TimerWheel::kSlotBits;
}
}  // namespace

Timer::~Timer() {
  if (wheel_ != nullptr) wheel_->cancel(*this);
}

TimerWheel::TimerWheel(Duration tick, Instant start) : tick_(tick) {
  assert(tick_.count() > 0);
  current_ = tick_floor(start);
}

TimerWheel::~TimerWheel() {
  // Timers may outlive the wheel; they must not try to unlink from it later.
  for (auto& list : lists_) {
    for (Timer* t = list.head; t != nullptr;) {
      Timer* next = t->next_;
      t->wheel_ = nullptr;
      t->prev_ = t->next_ = nullptr;
      t = next;
    }
  }
}

std::uint64_t TimerWheel::tick_floor(Instant t) const {
  const auto ns = t.time_since_epoch().count();
  return ns <= 0 ? 0 : static_cast<std::uint64_t>(ns / tick_.count());
}

std::uint64_t TimerWheel::tick_ceil(Instant t) const {
  const auto ns = t.time_since_epoch().count();
  if (ns <= 0) return 0;
  const auto q = static_cast<std::uint64_t>(ns / tick_.count());
  return ns % tick_.count() == 0 ? q : q + 1;
}

Instant TimerWheel::instant_of(std::uint64_t tick) const {
  return Instant(tick_ * static_cast<std::int64_t>(tick));
}

void TimerWheel::arm(Timer& timer, Instant deadline) {
  cancel(timer);
  timer.wheel_ = this;
  timer.deadline_ = deadline;
  // Rounded up, so that a timer never fires before the time it was armed for.
  timer.tick_ = tick_ceil(deadline);
  ++size_;
  if (timer.tick_ <= current_) {
    link(timer, kDueList);
  } else {
    place(timer, current_);
  }
}

void TimerWheel::cancel(Timer& timer) {
  if (timer.wheel_ != nullptr) timer.wheel_->unlink(timer);
}

// Puts a timer whose tick is at or after `base` into the finest level whose span
// covers it. A level-k slot holds one 256^k-tick block; the block is at most 256
// blocks ahead of base's, so the slot cannot be visited for an earlier block first.
void TimerWheel::place(Timer& timer, std::uint64_t base) {
  assert(timer.tick_ >= base);
  std::uint64_t delta = timer.tick_ - base;
  std::uint64_t tick = timer.tick_;
  if (delta >= kRangeTicks) {
    // Beyond the wheel's reach: park it in the furthest slot; it is placed again,
    // by its real deadline, when that slot cascades.
    delta = kRangeTicks - 1;
    tick = base + delta;
  }
  unsigned level = 0;
  while (level + 1 < kLevels && delta >= (std::uint64_t{1} << shift_of(level + 1)))
    ++level;
  const auto slot = static_cast<std::uint16_t>((tick >> shift_of(level)) & kSlotMask);
  link(timer, static_cast<std::uint16_t>(level * kSlots + slot));
}

void TimerWheel::link(Timer& timer, std::uint16_t list) {
  List& l = lists_[list];
  timer.list_ = list;
  timer.prev_ = l.tail;
  timer.next_ = nullptr;
  if (l.tail != nullptr) {
    l.tail->next_ = &timer;
  } else {
    l.head = &timer;
  }
  l.tail = &timer;
  if (list != kDueList)
    busy_[list / kSlots][(list % kSlots) / 64] |= std::uint64_t{1} << (list % 64);
}

void TimerWheel::unlink(Timer& timer) {
  assert(timer.wheel_ == this);
  List& l = lists_[timer.list_];
  if (timer.prev_ != nullptr) {
    timer.prev_->next_ = timer.next_;
  } else {
    l.head = timer.next_;
  }
  if (timer.next_ != nullptr) {
    timer.next_->prev_ = timer.prev_;
  } else {
    l.tail = timer.prev_;
  }
  if (l.head == nullptr && timer.list_ != kDueList) {
    busy_[timer.list_ / kSlots][(timer.list_ % kSlots) / 64] &=
        ~(std::uint64_t{1} << (timer.list_ % 64));
  }
  timer.prev_ = timer.next_ = nullptr;
  timer.wheel_ = nullptr;
  --size_;
}

// The first non-empty slot of `level` at or after `from`, going round once.
std::optional<unsigned> TimerWheel::first_busy_slot(unsigned level, unsigned from) const {
  const auto& words = busy_[level];
  constexpr unsigned kWords = kSlots / 64;
  const unsigned first_word = from / 64;
  for (unsigned i = 0; i <= kWords; ++i) {
    const unsigned w = (first_word + i) % kWords;
    std::uint64_t bits = words[w];
    if (i == 0) bits &= ~std::uint64_t{0} << (from % 64);
    // The last round revisits the first word for the slots before `from`.
    if (i == kWords) bits &= (from % 64 == 0) ? 0 : ~(~std::uint64_t{0} << (from % 64));
    if (bits != 0) return w * 64 + static_cast<unsigned>(std::countr_zero(bits));
  }
  return std::nullopt;
}

// The next tick after current_ at which something happens: a level-0 slot comes
// due or a busy higher slot cascades. Nothing happens on the ticks in between, so
// advance() may jump straight there.
std::optional<std::uint64_t> TimerWheel::next_event_tick() const {
  std::optional<std::uint64_t> best;
  for (unsigned level = 0; level < kLevels; ++level) {
    const std::uint64_t block = current_ >> shift_of(level);
    const auto from = static_cast<unsigned>((block + 1) & kSlotMask);
    const auto slot = first_busy_slot(level, from);
    if (!slot) continue;
    const std::uint64_t event = (block + 1 + ((*slot - from) & kSlotMask)) << shift_of(level);
    if (!best || event < *best) best = event;
  }
  return best;
}

// Runs one tick: the coarse slots whose block starts here cascade (coarsest
// first, so that what they hand down is itself cascaded in this tick), then the
// level-0 slot's timers become due.
void TimerWheel::run_tick(std::uint64_t tick) {
  for (unsigned level = kLevels - 1; level >= 1; --level) {
    if ((tick & ((std::uint64_t{1} << shift_of(level)) - 1)) != 0) continue;
    const auto list = static_cast<std::uint16_t>(std::uint64_t{level} * kSlots +
                                                 ((tick >> shift_of(level)) & kSlotMask));
    while (Timer* t = lists_[list].head) {
      unlink(*t);
      t->wheel_ = this;
      ++size_;
      place(*t, tick);
    }
  }
  const auto list = static_cast<std::uint16_t>(tick & kSlotMask);
  while (Timer* t = lists_[list].head) {
    unlink(*t);
    t->wheel_ = this;
    ++size_;
    link(*t, kDueList);
  }
}

Timer* TimerWheel::pop_expired(std::uint64_t target) {
  for (;;) {
    if (Timer* t = lists_[kDueList].head) {
      unlink(*t);
      return t;
    }
    if (current_ >= target) return nullptr;
    const auto event = next_event_tick();
    if (!event || *event > target) {
      current_ = target;
      return nullptr;
    }
    current_ = *event;
    run_tick(*event);
  }
}

std::optional<Instant> TimerWheel::next_expiry() const {
  if (lists_[kDueList].head != nullptr) return instant_of(current_);
  std::optional<std::uint64_t> best;
  auto consider = [&best](const List& l) {
    for (const Timer* t = l.head; t != nullptr; t = t->next_) {
      if (!best || t->tick_ < *best) best = t->tick_;
    }
  };
  for (unsigned level = 0; level < kLevels; ++level) {
    const auto from = static_cast<unsigned>(((current_ >> shift_of(level)) + 1) & kSlotMask);
    if (level + 1 < kLevels) {
      // Below the top, slot order from the current block is deadline order, so
      // the first busy slot holds the level's earliest timer.
      if (const auto slot = first_busy_slot(level, from)) consider(lists_[level * kSlots + *slot]);
    } else {
      // The top level also parks out-of-range timers in its furthest slot, which
      // breaks that order; it holds only timers hours away, so scan it all.
      for (unsigned slot = 0; slot < kSlots; ++slot)
        consider(lists_[level * kSlots + slot]);
    }
  }
  if (!best) return std::nullopt;
  return instant_of(*best);
}

}  // namespace tandem
