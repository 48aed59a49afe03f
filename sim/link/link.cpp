// SPDX-License-Identifier: Apache-2.0
#include "sim/link/link.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace tandem::sim {

namespace {

// Random draws are spelled out rather than taken from <random>'s distributions,
// whose algorithms differ between standard libraries: a result pinned to a seed
// must not change with the toolchain.

// Uniform in [0, 1), from the top 53 bits of one draw.
double draw_unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

bool draw_chance(std::mt19937_64& rng, double probability) {
  return draw_unit(rng) < probability;
}

// Uniform in [0, n) for n >= 1, exact for n up to 2^53 (104 days in nanoseconds).
std::uint64_t draw_below(std::mt19937_64& rng, std::uint64_t n) {
  const auto pick = static_cast<std::uint64_t>(draw_unit(rng) * static_cast<double>(n));
  return std::min(pick, n - 1);
}

void check_probability(const char* name, double p) {
  // Written so that NaN fails too.
  if (!(p >= 0.0 && p <= 1.0)) {
    throw std::invalid_argument(std::string("link impairment: ") + name + " probability " +
                                std::to_string(p) + " is outside [0, 1]");
  }
}

void check_duration(const char* name, Duration d) {
  if (d < Duration::zero()) {
    throw std::invalid_argument(std::string("link impairment: ") + name + " " +
                                std::to_string(d.count()) + " ns is negative");
  }
}

void validate(const Impairment& impairment) {
  check_probability("loss", impairment.loss);
  check_probability("duplicate", impairment.duplicate);
  check_probability("reorder", impairment.reorder);
  check_probability("corrupt", impairment.corrupt);
  check_duration("delay", impairment.delay);
  check_duration("jitter", impairment.jitter);
  check_duration("reorder_delay", impairment.reorder_delay);
}

// Rounded up, so that a train of frames never leaves faster than the rate.
Duration serialization_time(std::size_t bytes, std::uint64_t bits_per_second) {
  const std::uint64_t bits = std::uint64_t{bytes} * 8;
  const std::uint64_t ns = (bits * 1'000'000'000 + bits_per_second - 1) / bits_per_second;
  return Duration(static_cast<Duration::rep>(ns));
}

}  // namespace

Link::Link(const LinkConfig& config)
    : impairment_{config.a_to_b, config.b_to_a}, rng_(config.seed) {
  validate(impairment_[0]);
  validate(impairment_[1]);
  // The caller's epoch is its own, so the first frame must not be measured
  // against time zero.
  wire_free_at_.fill(Instant::min());
  last_arrival_.fill(Instant::min());
}

void Link::attach(LinkEnd end, WireReceiver* receiver) {
  receivers_[index(end)] = receiver;
}

void Link::set_impairment(LinkEnd from, const Impairment& impairment) {
  validate(impairment);
  impairment_[index(from)] = impairment;
}

void Link::transmit(LinkEnd from, wire::ByteSpan frame, Instant now) {
  const std::size_t dir = index(from);
  const Impairment& imp = impairment_[dir];
  LinkCounters& counters = counters_[dir];
  ++counters.sent;

  // Every frame takes the same six draws in the same order, whatever the
  // outcome, so one frame's fate never shifts the draws of the frames after it.
  const bool lose = draw_chance(rng_, imp.loss);
  const auto jitter = Duration(static_cast<Duration::rep>(
      draw_below(rng_, static_cast<std::uint64_t>(imp.jitter.count()) + 1)));
  const bool reorder = draw_chance(rng_, imp.reorder);
  const bool corrupt = draw_chance(rng_, imp.corrupt);
  const std::uint64_t bit = draw_below(rng_, std::max<std::uint64_t>(frame.size() * 8, 1));
  const bool duplicate = draw_chance(rng_, imp.duplicate);

  // A lost frame still occupied the sender's wire: it is lost on the way, not
  // refused at the start, so loss does not raise the rate the sender gets out.
  Instant sent_out = now;
  if (imp.rate_bits_per_second > 0) {
    const Instant start = std::max(now, wire_free_at_[dir]);
    sent_out = start + serialization_time(frame.size(), imp.rate_bits_per_second);
    wire_free_at_[dir] = sent_out;
  }

  if (lose) {
    ++counters.lost;
    return;
  }

  Instant arrival = std::max(sent_out + imp.delay + jitter, last_arrival_[dir]);
  last_arrival_[dir] = arrival;
  if (reorder) {
    // Not recorded in last_arrival_: the frames behind this one must be free to pass it.
    arrival += imp.reorder_delay;
    ++counters.reordered;
  }

  std::vector<std::byte> bytes(frame.begin(), frame.end());
  if (corrupt && !bytes.empty()) {
    bytes[bit / 8] ^= std::byte{static_cast<std::uint8_t>(1U << (bit % 8))};
    ++counters.corrupted;
  }

  const LinkEnd to = peer_of(from);
  if (duplicate) {
    ++counters.duplicated;
    enqueue(to, bytes, arrival);
  }
  enqueue(to, std::move(bytes), arrival);
}

void Link::enqueue(LinkEnd to, std::vector<std::byte> bytes, Instant arrival) {
  pending_.push(InFlight{arrival, next_order_++, to, std::move(bytes)});
  publish_earliest_arrival();
}

void Link::publish_earliest_arrival() {
  earliest_arrival_ns_.store(pending_.empty() ? INT64_MAX : to_ns(pending_.top().arrival),
                             std::memory_order_release);
}

void Link::advance(Instant now) {
  while (!pending_.empty() && pending_.top().arrival <= now) {
    // Taken out of the queue before the receiver runs, because the receiver may
    // transmit and so push into the queue. Moving from top() is sound: the
    // element is not const, and the ordering pop() needs reads only arrival and
    // order, which a move leaves intact.
    InFlight frame = std::move(const_cast<InFlight&>(pending_.top()));
    pending_.pop();
    publish_earliest_arrival();

    LinkCounters& counters = counters_[index(peer_of(frame.to))];
    ++counters.delivered;
    counters.bytes_delivered += frame.bytes.size();
    if (capture_ != nullptr) capture_->write(frame.bytes, frame.arrival);

    // A frame reaching an end with no receiver has still crossed the wire, so it
    // counts as delivered: the counters describe the link, not who listened.
    // The receiver is told the frame's arrival, not `now`: a reply it sends then
    // leaves at the time a real device would send it.
    if (WireReceiver* receiver = receivers_[index(frame.to)]; receiver != nullptr) {
      receiver->take_wire_frame(std::move(frame.bytes), frame.arrival);
    }
  }
}

std::optional<Instant> Link::next_delivery() const {
  if (pending_.empty()) return std::nullopt;
  return pending_.top().arrival;
}

}  // namespace tandem::sim
