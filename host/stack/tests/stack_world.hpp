// SPDX-License-Identifier: Apache-2.0
// Two Stacks on NICs joined by the link model, on virtual time: the
// deterministic world host tests run in. Stack A is 10.0.0.1, B 10.0.0.2.
// The NICs are `soft` devices (World), or any device that attaches to a link
// end the same way — the `sim` backend's RTL runs the same cases
// (sim/verilator/tests/sim_stack_test.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "host/stack/stack.hpp"
#include "sim/link/link.hpp"
#include "sim/soft/soft_device.hpp"

namespace tandem::stack::test {

inline const wire::Ipv4Address kAddrA{0x0a000001};
inline const wire::Ipv4Address kAddrB{0x0a000002};

inline StackConfig world_config(wire::Ipv4Address addr, std::uint8_t mac_last, std::uint64_t seed) {
  StackConfig c;
  c.net.address = addr;
  c.net.prefix_len = 24;
  c.net.mac = wire::MacAddress{{0x02, 0x00, 0x00, 0x00, 0x00, mac_last}};
  c.tcp.msl = std::chrono::seconds(1);  // short TIME-WAIT: tests wait it out
  c.secret = tcp::SipKey{seed * 0x9e3779b97f4a7c15ULL + mac_last, ~seed};
  return c;
}

template <typename Nic>
class BasicWorld {
 public:
  explicit BasicWorld(const sim::LinkConfig& link = {}, std::uint64_t seed = 1)
      : BasicWorld(link, world_config(kAddrA, 1, seed), world_config(kAddrB, 2, seed)) {}
  BasicWorld(const sim::LinkConfig& link, const StackConfig& a, const StackConfig& b)
      : link_(link),
        dev_a_(link_, sim::LinkEnd::a),
        dev_b_(link_, sim::LinkEnd::b),
        a_(dev_a_, a, now_),
        b_(dev_b_, b, now_) {}

  Stack& a() { return a_; }
  Stack& b() { return b_; }
  sim::Link& link() { return link_; }
  Nic& dev_a() { return dev_a_; }
  Nic& dev_b() { return dev_b_; }
  Instant now() const { return now_; }

  // Runs the world event by event until `done()` holds or `limit` of virtual
  // time passes; returns whether `done()` held.
  bool run_until(const std::function<bool()>& done, Duration limit = std::chrono::seconds(60)) {
    const Instant end = now_ + limit;
    while (!done()) {
      std::optional<Instant> next;
      auto consider = [&next](std::optional<Instant> t) {
        if (t && (!next || *t < *next)) next = t;
      };
      consider(link_.next_delivery());
      consider(dev_a_.next_event());  // a device with work of its own in flight
      consider(dev_b_.next_event());
      consider(a_.poll_at());
      consider(b_.poll_at());
      if (!next || *next > end) {
        now_ = end;
        step();
        return done();
      }
      now_ = std::max(now_, *next);
      step();
    }
    return true;
  }
  // Lets `d` of virtual time pass.
  void run_for(Duration d) {
    const Instant end = now_ + d;
    run_until([&] { return now_ >= end; }, d);
  }

 private:
  void step() {
    dev_a_.advance(now_);
    dev_b_.advance(now_);
    a_.poll(now_);
    b_.poll(now_);
  }

  Instant now_{};
  sim::Link link_;
  Nic dev_a_;
  Nic dev_b_;
  Stack a_;
  Stack b_;
};

using World = BasicWorld<sim::SoftDevice>;

}  // namespace tandem::stack::test
