// SPDX-License-Identifier: Apache-2.0
// What the TCB tests share: an Environment that records what a TCB sends and how
// its state moves, and the endpoints the tests talk between.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "host/tcp/tcb.hpp"

namespace tandem::tcp {
// For Boost.Test's messages.
inline std::ostream& operator<<(std::ostream& os, State s) {
  return os << to_string(s);
}
}  // namespace tandem::tcp

namespace tandem::tcp::test {

// Seeded random payload for transfer tests.
inline std::vector<std::byte> random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::byte> v(n);
  for (auto& b : v)
    b = static_cast<std::byte>(rng());
  return v;
}

inline constexpr wire::Ipv4Address kLocalAddr = wire::Ipv4Address::from_octets(10, 0, 0, 1);
inline constexpr wire::Ipv4Address kRemoteAddr = wire::Ipv4Address::from_octets(10, 0, 0, 2);
inline constexpr std::uint16_t kLocalPort = 80;
inline constexpr std::uint16_t kRemotePort = 49500;
inline constexpr FourTuple kTuple{{kLocalAddr, kLocalPort}, {kRemoteAddr, kRemotePort}};

struct Sent {
  FourTuple tuple;
  wire::TcpRepr repr;
  std::vector<std::byte> payload;
};

struct Transition {
  State from;
  State to;
  friend bool operator==(const Transition&, const Transition&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Transition& t) {
    return os << t.from << "->" << t.to;
  }
};

// Base-from-member: the config and ISN generator outlive the Environment that
// refers to them.
struct EnvStorage {
  explicit EnvStorage(const TcpConfig& c) : config(c) {}
  TcpConfig config;
  IsnGenerator isn_gen{SipKey{0x1234, 0x5678}};
};

class RecordingEnv : private EnvStorage, public Environment {
 public:
  explicit RecordingEnv(const TcpConfig& c = TcpConfig{})
      : EnvStorage(c), Environment(EnvStorage::config, EnvStorage::isn_gen) {}

  void transmit(const FourTuple& tuple, const wire::TcpRepr& repr,
                std::span<const wire::ByteSpan> payload) override {
    Sent s{tuple, repr, {}};
    for (const auto& piece : payload)
      s.payload.insert(s.payload.end(), piece.begin(), piece.end());
    sent.push_back(std::move(s));
  }
  void on_state_change(const Tcb& /*tcb*/, State from, State to) override {
    transitions.push_back({from, to});
  }

  TcpConfig& mutable_config() { return EnvStorage::config; }

  std::vector<Sent> take_sent() { return std::exchange(sent, {}); }

  std::vector<Sent> sent;
  std::vector<Transition> transitions;
};

inline std::vector<std::byte> bytes_of(std::size_t n, std::size_t start = 0) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<std::byte>((start + i) * 7 % 253);
  return v;
}

}  // namespace tandem::tcp::test
