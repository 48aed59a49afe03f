// SPDX-License-Identifier: Apache-2.0
// The link model: a seeded, reproducible in-process wire between two devices. It
// carries Ethernet frames from one end to the other with the impairments a test
// asks for (loss, delay, jitter, reordering, duplication, corruption, a rate
// limit) and can capture what it delivers to a pcap file. The same seed and the
// same sequence of calls always give the same deliveries.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <queue>
#include <random>
#include <vector>

#include "host/base/time.hpp"
#include "host/dev/pcap.hpp"
#include "host/wire/bytes.hpp"

namespace tandem::sim {

enum class LinkEnd : std::uint8_t { a = 0, b = 1 };

constexpr LinkEnd peer_of(LinkEnd end) {
  return end == LinkEnd::a ? LinkEnd::b : LinkEnd::a;
}

// Impairments of one direction. Probabilities are per frame, in [0, 1].
struct Impairment {
  double loss = 0.0;
  double duplicate = 0.0;  // the frame arrives twice
  double reorder = 0.0;    // the frame is held back by reorder_delay, letting later ones pass
  double corrupt = 0.0;    // one random bit of the frame is flipped
  Duration delay{0};       // fixed propagation delay
  Duration jitter{0};      // extra delay, uniform in [0, jitter]; never reorders by itself
  Duration reorder_delay{std::chrono::microseconds(100)};
  std::uint64_t rate_bits_per_second = 0;  // serialization rate; 0 is unlimited
};

struct LinkConfig {
  Impairment a_to_b;
  Impairment b_to_a;
  std::uint64_t seed = 1;
};

// What one direction did, for tests and for `netstat -s`-style reports.
struct LinkCounters {
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  std::uint64_t lost = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;
  std::uint64_t corrupted = 0;
  std::uint64_t bytes_delivered = 0;
};

// Where the link hands frames. The frame is valid only during the call.
class WireReceiver {
 public:
  virtual void on_wire_frame(wire::ByteSpan frame, Instant now) = 0;
  // The same, with the link's own copy of the frame handed over: a receiver
  // that keeps frames takes it instead of copying it again.
  virtual void take_wire_frame(std::vector<std::byte>&& frame, Instant now) {
    on_wire_frame(wire::ByteSpan(frame), now);
  }

 protected:
  ~WireReceiver() = default;
};

class Link {
 public:
  explicit Link(const LinkConfig& config);

  void attach(LinkEnd end, WireReceiver* receiver);
  void set_impairment(LinkEnd from, const Impairment& impairment);
  // Captures every frame as it is delivered, from either end, at its arrival time.
  void set_capture(dev::PcapWriter* capture) { capture_ = capture; }

  // A frame leaves `from` at `now`. Its copy is held until it arrives.
  void transmit(LinkEnd from, wire::ByteSpan frame, Instant now);
  // Delivers, in arrival order, every frame due at or before `now`.
  void advance(Instant now);
  std::optional<Instant> next_delivery() const;
  // Whether a frame may be due at `now`. The one call that needs no lock when
  // threads share the link (SoftDeviceConfig::link_lock): the earliest arrival
  // is published whenever it changes, so a thread that finds nothing due can
  // skip the lock, and a frame transmitted under the lock is seen by the
  // next call after the lock is released.
  bool may_have_due(Instant now) const {
    return earliest_arrival_ns_.load(std::memory_order_acquire) <= to_ns(now);
  }

  std::size_t in_flight() const { return pending_.size(); }
  const LinkCounters& counters(LinkEnd from) const { return counters_[index(from)]; }

 private:
  struct InFlight {
    Instant arrival;
    std::uint64_t order;  // ties in arrival keep transmit order
    LinkEnd to;
    std::vector<std::byte> bytes;
  };
  struct ArrivesLater {
    bool operator()(const InFlight& x, const InFlight& y) const {
      return x.arrival != y.arrival ? x.arrival > y.arrival : x.order > y.order;
    }
  };
  static constexpr std::size_t index(LinkEnd end) { return static_cast<std::size_t>(end); }
  void enqueue(LinkEnd to, std::vector<std::byte> bytes, Instant arrival);
  void publish_earliest_arrival();

  std::array<Impairment, 2> impairment_;
  std::array<WireReceiver*, 2> receivers_{};
  std::array<LinkCounters, 2> counters_{};
  std::array<Instant, 2> wire_free_at_{};  // when each direction's serializer is idle
  std::array<Instant, 2> last_arrival_{};  // jitter never makes a frame overtake
  std::priority_queue<InFlight, std::vector<InFlight>, ArrivesLater> pending_;
  std::uint64_t next_order_ = 0;
  std::atomic<std::int64_t> earliest_arrival_ns_{INT64_MAX};  // pending_.top(), for may_have_due
  std::mt19937_64 rng_;
  dev::PcapWriter* capture_ = nullptr;
};

}  // namespace tandem::sim
