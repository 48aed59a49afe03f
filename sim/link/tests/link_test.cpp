// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE link
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/dev/pcap.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/checksum.hpp"
#include "sim/link/link.hpp"

namespace {

using namespace std::chrono_literals;
using tandem::Duration;
using tandem::Instant;
using tandem::instant_from_ns;
using tandem::sim::Impairment;
using tandem::sim::Link;
using tandem::sim::LinkConfig;
using tandem::sim::LinkCounters;
using tandem::sim::LinkEnd;
using tandem::sim::WireReceiver;
using tandem::wire::ByteSpan;

constexpr Instant kStart = instant_from_ns(0);

struct Delivery {
  Instant at;
  std::vector<std::byte> bytes;
  bool operator==(const Delivery&) const = default;
};

// Appends what it receives to a log, which two recorders may share to see the
// order of deliveries across both ends.
class Recorder final : public WireReceiver {
 public:
  Recorder() : log_(&own_) {}
  explicit Recorder(std::vector<Delivery>& shared) : log_(&shared) {}
  Recorder(const Recorder&) = delete;  // log_ may point into this object
  Recorder& operator=(const Recorder&) = delete;

  void on_wire_frame(ByteSpan frame, Instant now) override {
    log_->push_back({now, {frame.begin(), frame.end()}});
  }
  const std::vector<Delivery>& got() const { return *log_; }

 private:
  std::vector<Delivery> own_;
  std::vector<Delivery>* log_;
};

// A frame that carries its sequence number in its first four bytes.
std::vector<std::byte> make_frame(std::uint32_t seq, std::size_t size = 64) {
  std::vector<std::byte> frame(size);
  for (std::size_t i = 0; i < size; ++i)
    frame[i] = static_cast<std::byte>((i * 13 + seq) & 0xff);
  tandem::wire::store_be32(frame, 0, seq);
  return frame;
}

std::uint32_t seq_of(const Delivery& d) {
  return tandem::wire::load_be32(d.bytes, 0);
}

LinkConfig one_way(const Impairment& a_to_b, std::uint64_t seed = 1) {
  LinkConfig config;
  config.a_to_b = a_to_b;
  config.seed = seed;
  return config;
}

// What a simulation driver does: jump from one delivery to the next.
void drain(Link& link) {
  while (const auto next = link.next_delivery())
    link.advance(*next);
}

// Sends `count` 64-byte frames from a to b, `spacing` apart, and drains the link.
void send_train(Link& link, std::uint32_t count, Duration spacing) {
  for (std::uint32_t i = 0; i < count; ++i)
    link.transmit(LinkEnd::a, make_frame(i), kStart + i * spacing);
  drain(link);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(impairments)

BOOST_AUTO_TEST_CASE(loss_drops_its_share_and_delays_nothing) {
  Impairment lossy;
  lossy.loss = 0.1;
  Link link(one_way(lossy));
  Recorder b;
  link.attach(LinkEnd::b, &b);

  constexpr std::uint32_t kFrames = 100'000;
  send_train(link, kFrames, 1us);

  const auto& c = link.counters(LinkEnd::a);
  BOOST_TEST(c.sent == kFrames);
  BOOST_TEST(c.lost + c.delivered == c.sent);
  BOOST_TEST(b.got().size() == c.delivered);
  BOOST_TEST(c.bytes_delivered == c.delivered * 64);
  const double delivered = static_cast<double>(c.delivered) / kFrames;
  BOOST_TEST(std::abs(delivered - 0.9) <= 0.01, "delivered fraction " << delivered);
  for (const auto& d : b.got()) {
    BOOST_TEST_REQUIRE((d.at == kStart + seq_of(d) * 1us));
  }
  BOOST_TEST(c.duplicated + c.reordered + c.corrupted == 0U);
  BOOST_TEST(link.in_flight() == 0U);
}

BOOST_AUTO_TEST_CASE(duplication_delivers_a_second_identical_copy) {
  Impairment dup;
  dup.duplicate = 0.05;
  Link link(one_way(dup));
  Recorder b;
  link.attach(LinkEnd::b, &b);

  constexpr std::uint32_t kFrames = 100'000;
  send_train(link, kFrames, 1us);

  const auto& c = link.counters(LinkEnd::a);
  BOOST_TEST(c.delivered == c.sent + c.duplicated);
  BOOST_TEST(b.got().size() == c.delivered);
  const double extra = static_cast<double>(c.delivered - c.sent) / kFrames;
  BOOST_TEST(std::abs(extra - 0.05) <= 0.01, "extra fraction " << extra);

  // Every frame arrives, in order, and a duplicate right behind its original.
  std::vector<std::uint32_t> copies(kFrames, 0);
  std::uint64_t twice = 0;
  for (std::size_t i = 0; i < b.got().size(); ++i) {
    const auto& d = b.got()[i];
    if (++copies[seq_of(d)] == 2) {
      ++twice;
      BOOST_TEST_REQUIRE((d == b.got()[i - 1]));
    }
  }
  BOOST_TEST(twice == c.duplicated);
  BOOST_TEST(std::ranges::all_of(copies, [](std::uint32_t n) { return n == 1 || n == 2; }));
  BOOST_TEST(link.in_flight() == 0U);
}

BOOST_AUTO_TEST_CASE(corruption_flips_exactly_one_bit_and_breaks_the_checksum) {
  Impairment noisy;
  noisy.corrupt = 0.25;
  Link link(one_way(noisy, 3));
  Recorder b;
  link.attach(LinkEnd::b, &b);

  // Each frame carries an Internet checksum over all of its bytes at offset 10,
  // the place IPv4 keeps its header checksum.
  constexpr std::uint32_t kFrames = 4000;
  std::vector<std::vector<std::byte>> sent;
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    auto frame = make_frame(i, 40 + i % 20);
    tandem::wire::store_be16(frame, 10, 0);
    tandem::wire::store_be16(frame, 10, tandem::wire::internet_checksum(frame));
    BOOST_TEST_REQUIRE(tandem::wire::internet_checksum(frame) == 0);
    link.transmit(LinkEnd::a, frame, kStart + i * 1us);
    sent.push_back(std::move(frame));
  }
  drain(link);

  // Nothing is lost or reordered, so the i-th delivery is the i-th frame sent.
  BOOST_TEST_REQUIRE(b.got().size() == sent.size());
  std::uint64_t flipped = 0;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const auto& got = b.got()[i].bytes;
    BOOST_TEST_REQUIRE(got.size() == sent[i].size());
    int bits = 0;
    for (std::size_t k = 0; k < got.size(); ++k) {
      bits += std::popcount(std::to_integer<unsigned>(got[k] ^ sent[i][k]));
    }
    BOOST_TEST_REQUIRE(bits <= 1, "frame " << i << " differs in " << bits << " bits");
    const bool verifies = tandem::wire::internet_checksum(got) == 0;
    BOOST_TEST_REQUIRE(verifies == (bits == 0), "frame " << i);
    flipped += static_cast<std::uint64_t>(bits);
  }
  const auto& c = link.counters(LinkEnd::a);
  BOOST_TEST(flipped == c.corrupted);
  const double fraction = static_cast<double>(c.corrupted) / kFrames;
  BOOST_TEST(std::abs(fraction - 0.25) <= 0.03, "corrupted fraction " << fraction);
  BOOST_TEST(link.in_flight() == 0U);
}

BOOST_AUTO_TEST_CASE(reordering_lets_later_frames_pass_and_loses_nothing) {
  // Held back by 100 us with 10 us between frames, a reordered frame is passed
  // by the nine behind it.
  Impairment shuffled;
  shuffled.reorder = 0.1;
  shuffled.reorder_delay = 100us;
  Link link(one_way(shuffled, 5));
  Recorder b;
  link.attach(LinkEnd::b, &b);

  // A tail sent without reordering makes sure the last held frames are passed too.
  constexpr std::uint32_t kHeldFrames = 20'000;
  constexpr std::uint32_t kFrames = kHeldFrames + 10;
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    if (i == kHeldFrames) link.set_impairment(LinkEnd::a, Impairment{});
    link.transmit(LinkEnd::a, make_frame(i), kStart + i * 10us);
  }
  drain(link);

  std::uint64_t late = 0;
  std::uint32_t highest = 0;
  std::vector<std::uint32_t> seqs;
  for (const auto& d : b.got()) {
    const std::uint32_t seq = seq_of(d);
    if (!seqs.empty() && seq < highest) ++late;
    highest = std::max(highest, seq);
    seqs.push_back(seq);
  }
  const auto& c = link.counters(LinkEnd::a);
  BOOST_TEST(late == c.reordered);
  const double fraction = static_cast<double>(late) / kHeldFrames;
  BOOST_TEST(std::abs(fraction - 0.1) <= 0.01, "out-of-order fraction " << fraction);

  std::ranges::sort(seqs);
  std::vector<std::uint32_t> all(kFrames);
  for (std::uint32_t i = 0; i < kFrames; ++i)
    all[i] = i;
  BOOST_TEST((seqs == all));
  BOOST_TEST(c.lost == 0U);
  BOOST_TEST(link.in_flight() == 0U);
}

BOOST_AUTO_TEST_CASE(fixed_delay_is_exact) {
  Impairment slow;
  slow.delay = 250us;
  Link link(one_way(slow));
  Recorder b;
  link.attach(LinkEnd::b, &b);

  const Instant sent_at = kStart + 1ms + 7ns;
  link.transmit(LinkEnd::a, make_frame(1), sent_at);
  BOOST_TEST_REQUIRE(link.next_delivery().has_value());
  BOOST_TEST((*link.next_delivery() == sent_at + 250us));

  link.advance(sent_at + 250us - 1ns);
  BOOST_TEST(b.got().empty());
  link.advance(sent_at + 250us);
  BOOST_TEST_REQUIRE(b.got().size() == 1U);
  BOOST_TEST((b.got()[0].at == sent_at + 250us));
  BOOST_TEST((b.got()[0].bytes == make_frame(1)));
  BOOST_TEST(!link.next_delivery().has_value());
  BOOST_TEST(link.in_flight() == 0U);
}

BOOST_AUTO_TEST_CASE(jitter_stays_in_range_and_never_reorders) {
  // Frames 1 us apart with 20 us of jitter: unclamped, they would overtake each other.
  Impairment shaky;
  shaky.delay = 50us;
  shaky.jitter = 20us;
  Link link(one_way(shaky, 11));
  Recorder b;
  link.attach(LinkEnd::b, &b);

  constexpr std::uint32_t kFrames = 10'000;
  send_train(link, kFrames, 1us);

  BOOST_TEST_REQUIRE(b.got().size() == kFrames);
  Duration shortest = Duration::max();
  Duration longest = Duration::min();
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    const auto& d = b.got()[i];
    BOOST_TEST_REQUIRE(seq_of(d) == i);
    const Duration latency = d.at - (kStart + i * 1us);
    BOOST_TEST_REQUIRE((latency >= 50us && latency <= 70us), "latency " << latency.count());
    shortest = std::min(shortest, latency);
    longest = std::max(longest, latency);
  }
  // The jitter is really applied, across most of its range. Frames behind a
  // late one are held to its arrival, so short latencies are rarer than uniform.
  BOOST_TEST((shortest < 60us), "shortest " << shortest.count());
  BOOST_TEST((longest > 68us), "longest " << longest.count());
  BOOST_TEST(link.in_flight() == 0U);
}

BOOST_AUTO_TEST_CASE(rate_limit_serializes_back_to_back_frames) {
  Impairment gigabit;
  gigabit.rate_bits_per_second = 1'000'000'000;
  Link link(one_way(gigabit));
  Recorder b;
  link.attach(LinkEnd::b, &b);

  // 1250 bytes are 10,000 bits: 10 us each at 1 Gbit/s, 10 ms for the thousand.
  constexpr std::uint32_t kFrames = 1000;
  for (std::uint32_t i = 0; i < kFrames; ++i)
    link.transmit(LinkEnd::a, make_frame(i, 1250), kStart);
  link.advance(kStart + 10ms - 1ns);
  BOOST_TEST(link.in_flight() == 1U);
  link.advance(kStart + 10ms);
  BOOST_TEST_REQUIRE(b.got().size() == kFrames);
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    BOOST_TEST_REQUIRE((b.got()[i].at == kStart + (i + 1) * 10us), "frame " << i);
  }

  // Once the wire has gone idle, a new frame starts when it is sent.
  link.transmit(LinkEnd::a, make_frame(kFrames, 1250), kStart + 20ms);
  drain(link);
  BOOST_TEST_REQUIRE(b.got().size() == kFrames + 1);
  BOOST_TEST((b.got().back().at == kStart + 20ms + 10us));
  BOOST_TEST(link.in_flight() == 0U);
}

BOOST_AUTO_TEST_CASE(certain_loss_drops_everything) {
  Impairment cut;
  cut.loss = 1.0;
  Link link(one_way(cut));
  Recorder b;
  link.attach(LinkEnd::b, &b);
  send_train(link, 1000, 1us);
  BOOST_TEST(b.got().empty());
  BOOST_TEST(link.counters(LinkEnd::a).lost == 1000U);
  BOOST_TEST(link.in_flight() == 0U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reproducibility)

struct Outcome {
  std::vector<Delivery> deliveries;
  LinkCounters a_to_b;
  LinkCounters b_to_a;
  std::size_t in_flight = 0;
};

// Every impairment at once, both ways, so that every draw matters.
Outcome run_everything(std::uint64_t seed) {
  Impairment rough;
  rough.loss = 0.1;
  rough.duplicate = 0.05;
  rough.reorder = 0.1;
  rough.corrupt = 0.1;
  rough.delay = 10us;
  rough.jitter = 5us;
  rough.reorder_delay = 30us;
  rough.rate_bits_per_second = 10'000'000'000;
  LinkConfig config;
  config.a_to_b = rough;
  config.b_to_a = rough;
  config.seed = seed;

  Link link(config);
  Outcome out;
  Recorder a(out.deliveries);
  Recorder b(out.deliveries);
  link.attach(LinkEnd::a, &a);
  link.attach(LinkEnd::b, &b);
  for (std::uint32_t i = 0; i < 5000; ++i) {
    link.transmit(i % 3 == 0 ? LinkEnd::b : LinkEnd::a, make_frame(i, 60 + i % 1000),
                  kStart + i * 700ns);
  }
  drain(link);
  out.a_to_b = link.counters(LinkEnd::a);
  out.b_to_a = link.counters(LinkEnd::b);
  out.in_flight = link.in_flight();
  return out;
}

BOOST_AUTO_TEST_CASE(same_seed_same_deliveries) {
  const Outcome first = run_everything(42);
  const Outcome second = run_everything(42);
  BOOST_TEST_REQUIRE(first.deliveries.size() == second.deliveries.size());
  BOOST_TEST((first.deliveries == second.deliveries));
  BOOST_TEST(first.in_flight == 0U);
  BOOST_TEST(second.in_flight == 0U);
}

BOOST_AUTO_TEST_CASE(different_seed_different_deliveries) {
  const Outcome first = run_everything(42);
  const Outcome other = run_everything(43);
  BOOST_TEST((first.deliveries != other.deliveries));
  BOOST_TEST(first.in_flight == 0U);
  BOOST_TEST(other.in_flight == 0U);
}

// The draws are spelled out in link.cpp rather than left to <random>'s
// distributions, so these numbers hold on any toolchain; a change here means the
// seeded simulations built on the link have changed too.
BOOST_AUTO_TEST_CASE(seed_42_is_pinned) {
  const Outcome out = run_everything(42);
  const auto& ab = out.a_to_b;
  BOOST_TEST(ab.sent == 3333U);
  BOOST_TEST(ab.lost == 344U);
  BOOST_TEST(ab.duplicated == 133U);
  BOOST_TEST(ab.reordered == 314U);
  BOOST_TEST(ab.corrupted == 282U);
  BOOST_TEST(ab.delivered == 3122U);
  BOOST_TEST(ab.bytes_delivered == 1750835U);
  const auto& ba = out.b_to_a;
  BOOST_TEST(ba.sent == 1667U);
  BOOST_TEST(ba.lost == 170U);
  BOOST_TEST(ba.duplicated == 82U);
  BOOST_TEST(ba.reordered == 152U);
  BOOST_TEST(ba.corrupted == 154U);
  BOOST_TEST(ba.delivered == 1579U);
  BOOST_TEST(ba.bytes_delivered == 881059U);
  BOOST_TEST(out.deliveries.size() == ab.delivered + ba.delivered);
  BOOST_TEST(out.in_flight == 0U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ends)

BOOST_AUTO_TEST_CASE(directions_are_independent) {
  Impairment far;
  far.delay = 10us;
  far.loss = 0.5;
  Impairment near;
  near.delay = 3us;
  LinkConfig config;
  config.a_to_b = far;
  config.b_to_a = near;
  Link link(config);
  Recorder a;
  Recorder b;
  link.attach(LinkEnd::a, &a);
  link.attach(LinkEnd::b, &b);

  // Byte 4 names the sender, so each end can check it only hears the other.
  constexpr std::uint32_t kFrames = 2000;
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    auto from_a = make_frame(i);
    from_a[4] = std::byte{0xaa};
    auto from_b = make_frame(i);
    from_b[4] = std::byte{0xbb};
    link.transmit(LinkEnd::a, from_a, kStart + i * 1us);
    link.transmit(LinkEnd::b, from_b, kStart + i * 1us);
  }
  drain(link);

  for (const auto& d : b.got()) {
    BOOST_TEST_REQUIRE((d.bytes[4] == std::byte{0xaa}));
    BOOST_TEST_REQUIRE((d.at == kStart + seq_of(d) * 1us + 10us));
  }
  for (const auto& d : a.got()) {
    BOOST_TEST_REQUIRE((d.bytes[4] == std::byte{0xbb}));
    BOOST_TEST_REQUIRE((d.at == kStart + seq_of(d) * 1us + 3us));
  }
  const auto& ab = link.counters(LinkEnd::a);
  const auto& ba = link.counters(LinkEnd::b);
  BOOST_TEST(ab.sent == kFrames);
  BOOST_TEST(ba.sent == kFrames);
  BOOST_TEST(b.got().size() == ab.delivered);
  BOOST_TEST(a.got().size() == ba.delivered);
  BOOST_TEST(ab.lost > kFrames / 3);
  BOOST_TEST(ab.lost < kFrames * 2 / 3);
  BOOST_TEST(ba.lost == 0U);
  BOOST_TEST(ba.delivered == kFrames);
  BOOST_TEST(link.in_flight() == 0U);
}

BOOST_AUTO_TEST_CASE(impairments_can_change_per_direction) {
  Link link(LinkConfig{});
  Recorder b;
  link.attach(LinkEnd::b, &b);
  Impairment cut;
  cut.loss = 1.0;
  link.set_impairment(LinkEnd::b, cut);  // the other direction
  link.transmit(LinkEnd::a, make_frame(0), kStart);
  link.set_impairment(LinkEnd::a, cut);
  link.transmit(LinkEnd::a, make_frame(1), kStart);
  drain(link);
  BOOST_TEST_REQUIRE(b.got().size() == 1U);
  BOOST_TEST(seq_of(b.got()[0]) == 0U);
  BOOST_TEST(link.counters(LinkEnd::a).lost == 1U);
  BOOST_TEST(link.in_flight() == 0U);
}

BOOST_AUTO_TEST_CASE(an_end_without_receiver_still_counts_deliveries) {
  Link link(LinkConfig{});
  link.transmit(LinkEnd::a, make_frame(0, 100), kStart);
  drain(link);
  BOOST_TEST(link.counters(LinkEnd::a).delivered == 1U);
  BOOST_TEST(link.counters(LinkEnd::a).bytes_delivered == 100U);
  BOOST_TEST(link.in_flight() == 0U);
}

// Each end sends the frame straight back from inside on_wire_frame, which is
// where a device model answers; the link must accept a transmit mid-delivery.
class Bouncer final : public WireReceiver {
 public:
  Bouncer(Link& link, LinkEnd self, std::uint32_t stop_after)
      : link_(link), self_(self), stop_after_(stop_after) {}

  void on_wire_frame(ByteSpan frame, Instant now) override {
    ++received_;
    last_ = now;
    if (received_ < stop_after_) link_.transmit(self_, frame, now);
  }
  std::uint32_t received() const { return received_; }
  Instant last() const { return last_; }

 private:
  Link& link_;
  LinkEnd self_;
  std::uint32_t stop_after_;
  std::uint32_t received_ = 0;
  Instant last_{};
};

BOOST_AUTO_TEST_CASE(transmit_from_inside_a_receiver_ping_pong) {
  Impairment there;
  there.delay = 3us;
  Impairment back;
  back.delay = 2us;
  LinkConfig config;
  config.a_to_b = there;
  config.b_to_a = back;
  Link link(config);

  constexpr std::uint32_t kRoundTrips = 1000;
  Bouncer a(link, LinkEnd::a, kRoundTrips);
  Bouncer b(link, LinkEnd::b, std::numeric_limits<std::uint32_t>::max());
  link.attach(LinkEnd::a, &a);
  link.attach(LinkEnd::b, &b);

  const auto ball = make_frame(7, 1500);
  link.transmit(LinkEnd::a, ball, kStart);
  drain(link);

  BOOST_TEST(a.received() == kRoundTrips);
  BOOST_TEST(b.received() == kRoundTrips);
  BOOST_TEST((a.last() == kStart + kRoundTrips * 5us));
  BOOST_TEST(link.counters(LinkEnd::a).delivered == kRoundTrips);
  BOOST_TEST(link.counters(LinkEnd::b).delivered == kRoundTrips);
  BOOST_TEST(link.in_flight() == 0U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(capture)

BOOST_AUTO_TEST_CASE(capture_holds_exactly_the_delivered_frames) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() /
      ("tandem_link_capture_" + std::to_string(::getpid()) + ".pcap");
  Impairment rough;
  rough.loss = 0.2;
  rough.duplicate = 0.1;
  rough.reorder = 0.1;
  rough.delay = 4us;
  rough.jitter = 1us;
  LinkConfig config;
  config.a_to_b = rough;
  config.b_to_a = rough;
  config.seed = 9;

  std::vector<Delivery> log;
  std::size_t in_flight = 0;
  {
    tandem::dev::PcapWriter writer(file.string());
    Link link(config);
    link.set_capture(&writer);
    Recorder a(log);
    Recorder b(log);
    link.attach(LinkEnd::a, &a);
    link.attach(LinkEnd::b, &b);
    for (std::uint32_t i = 0; i < 1000; ++i) {
      link.transmit(i % 2 == 0 ? LinkEnd::a : LinkEnd::b, make_frame(i, 60 + i), kStart + i * 1us);
    }
    drain(link);
    BOOST_TEST(log.size() ==
               link.counters(LinkEnd::a).delivered + link.counters(LinkEnd::b).delivered);
    BOOST_TEST(writer.frames_written() == log.size());
    in_flight = link.in_flight();
  }

  const auto captured = tandem::dev::read_pcap(file.string());
  std::filesystem::remove(file);
  BOOST_TEST_REQUIRE(captured.size() == log.size());
  for (std::size_t i = 0; i < captured.size(); ++i) {
    BOOST_TEST_REQUIRE((captured[i].timestamp == log[i].at), "frame " << i);
    BOOST_TEST_REQUIRE((captured[i].bytes == log[i].bytes), "frame " << i);
  }
  BOOST_TEST(in_flight == 0U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(validation)

BOOST_AUTO_TEST_CASE(probabilities_outside_zero_to_one_are_refused) {
  const auto refused = [](double Impairment::*field, double value) {
    Impairment bad;
    bad.*field = value;
    bool constructor_threw = false;
    try {
      Link link(one_way(bad));
    } catch (const std::invalid_argument&) {
      constructor_threw = true;
    }
    Link link(LinkConfig{});
    bool setter_threw = false;
    try {
      link.set_impairment(LinkEnd::b, bad);
    } catch (const std::invalid_argument&) {
      setter_threw = true;
    }
    return constructor_threw && setter_threw;
  };
  for (auto field :
       {&Impairment::loss, &Impairment::duplicate, &Impairment::reorder, &Impairment::corrupt}) {
    BOOST_TEST(refused(field, -0.01));
    BOOST_TEST(refused(field, 1.01));
    BOOST_TEST(refused(field, std::numeric_limits<double>::quiet_NaN()));
    BOOST_TEST(!refused(field, 0.0));
    BOOST_TEST(!refused(field, 1.0));
  }
}

BOOST_AUTO_TEST_CASE(the_message_names_the_impairment) {
  Impairment bad;
  bad.duplicate = 1.5;
  try {
    Link link(one_way(bad));
    BOOST_FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    BOOST_TEST(message.find("duplicate") != std::string::npos, message);
  }
}

BOOST_AUTO_TEST_CASE(negative_durations_are_refused) {
  Impairment bad;
  bad.delay = -1ns;
  BOOST_CHECK_THROW(Link(one_way(bad)), std::invalid_argument);
  Impairment bad_jitter;
  bad_jitter.jitter = -1ns;
  Link link(LinkConfig{});
  BOOST_CHECK_THROW(link.set_impairment(LinkEnd::a, bad_jitter), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
