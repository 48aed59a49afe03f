// SPDX-License-Identifier: Apache-2.0
// Two TCBs on virtual time joined by a seeded, impaired channel. Segments cross it
// as real bytes: emitted with their checksum, corrupted on the way if the dice say
// so, parsed and checksum-verified on arrival — so a corrupted segment is a dropped
// one, as on a real wire, and every segment also exercises the wire format.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "host/tcp/tcb.hpp"
#include "host/tcp/tests/tcp_test_util.hpp"
#include "host/wire/tcp.hpp"

namespace tandem::tcp::test {

struct Impairments {
  double loss = 0;       // probability a segment vanishes
  double duplicate = 0;  // probability it arrives twice
  double corrupt = 0;    // probability one byte is changed (then the checksum drops it)
  double reorder = 0;    // probability it is held back by up to `reorder_delay`
  Duration delay = std::chrono::milliseconds(5);
  Duration reorder_delay = std::chrono::milliseconds(8);
};

class SimNetwork;

class SimEnv : private EnvStorage, public Environment {
 public:
  SimEnv(const TcpConfig& c, SimNetwork& net, int side)
      : EnvStorage(c),
        Environment(EnvStorage::config, EnvStorage::isn_gen),
        net_(net),
        side_(side) {}
  void transmit(const FourTuple& tuple, const wire::TcpRepr& repr,
                std::span<const wire::ByteSpan> payload) override;
  void on_state_change(const Tcb& /*tcb*/, State from, State to) override {
    transitions.push_back({from, to});
  }
  std::vector<Transition> transitions;

 private:
  SimNetwork& net_;
  int side_;
};

class SimNetwork {
 public:
  SimNetwork(std::uint64_t seed, const Impairments& imp) : rng_(seed), imp_(imp) {}

  // Side 0 is kLocalAddr, side 1 kRemoteAddr.
  void attach(int side, Tcb* tcb) { tcbs_[side] = tcb; }

  void send(int from, const FourTuple& tuple, const wire::TcpRepr& repr,
            std::span<const wire::ByteSpan> payload) {
    ++sent_;
    std::vector<std::byte> bytes(repr.header_len());
    for (const auto& p : payload)
      bytes.insert(bytes.end(), p.begin(), p.end());
    repr.emit(bytes, tuple.local.addr, tuple.remote.addr, wire::ChecksumMode::software);
    if (chance(imp_.loss)) {
      ++lost_;
      return;
    }
    if (chance(imp_.corrupt)) {
      ++corrupted_;
      const std::size_t at = rng_() % bytes.size();
      bytes[at] ^= static_cast<std::byte>(1 + rng_() % 255);
    }
    Duration d = imp_.delay;
    if (chance(imp_.reorder)) {
      d += Duration(static_cast<std::int64_t>(
          rng_() % static_cast<std::uint64_t>(imp_.reorder_delay.count())));
    }
    const int to = 1 - from;
    if (chance(imp_.duplicate)) {
      ++duplicated_;
      enqueue(to, tuple, bytes, now_ + d + std::chrono::milliseconds(1));
    }
    enqueue(to, tuple, std::move(bytes), now_ + d);
  }

  std::optional<Instant> next_event() const {
    std::optional<Instant> t;
    if (!queue_.empty()) t = queue_.begin()->first.first;
    for (Tcb* tcb : tcbs_) {
      if (tcb == nullptr) continue;
      if (auto p = tcb->poll_at(); p && (!t || *p < *t)) t = p;
    }
    return t;
  }

  // Moves time to `t`, delivering what has arrived and running due timers.
  void advance_to(Instant t) {
    now_ = t;
    while (!queue_.empty() && queue_.begin()->first.first <= now_) {
      auto node = queue_.extract(queue_.begin());
      deliver(node.mapped());
    }
    for (Tcb* tcb : tcbs_) {
      if (tcb == nullptr) continue;
      if (auto p = tcb->poll_at(); p && *p <= now_) tcb->on_timer(now_);
    }
  }

  Instant now() const { return now_; }
  std::uint64_t sent() const { return sent_; }
  std::uint64_t lost() const { return lost_; }
  std::uint64_t corrupted() const { return corrupted_; }
  std::uint64_t duplicated() const { return duplicated_; }
  std::uint64_t checksum_drops() const { return checksum_drops_; }

 private:
  struct InFlight {
    int to;
    FourTuple tuple;  // as the sender saw it
    std::vector<std::byte> bytes;
  };

  bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  void enqueue(int to, const FourTuple& tuple, std::vector<std::byte> bytes, Instant at) {
    queue_.emplace(std::make_pair(at, order_++), InFlight{to, tuple, std::move(bytes)});
  }
  void deliver(const InFlight& f) {
    auto packet = wire::TcpPacket::new_checked(f.bytes);
    if (!packet) {
      ++checksum_drops_;
      return;
    }
    auto repr = wire::TcpRepr::parse(*packet, f.tuple.local.addr, f.tuple.remote.addr,
                                     wire::ChecksumMode::software);
    if (!repr) {
      ++checksum_drops_;
      return;
    }
    tcbs_[f.to]->on_segment(f.tuple.local.addr, f.tuple.remote.addr, *repr, packet->payload(),
                            now_);
  }

  std::mt19937_64 rng_;
  Impairments imp_;
  Instant now_{};
  std::uint64_t order_ = 0;
  std::map<std::pair<Instant, std::uint64_t>, InFlight> queue_;
  std::array<Tcb*, 2> tcbs_{};
  std::uint64_t sent_ = 0, lost_ = 0, corrupted_ = 0, duplicated_ = 0, checksum_drops_ = 0;
};

inline void SimEnv::transmit(const FourTuple& tuple, const wire::TcpRepr& repr,
                             std::span<const wire::ByteSpan> payload) {
  net_.send(side_, tuple, repr, payload);
}

}  // namespace tandem::tcp::test
