// SPDX-License-Identifier: Apache-2.0
#include "host/api/virtual_world.hpp"

#include <algorithm>

namespace tandem::api {

namespace {

stack::StackConfig host_config(wire::Ipv4Address addr, std::uint8_t mac_last, std::uint64_t seed) {
  stack::StackConfig c;
  c.net.address = addr;
  c.net.prefix_len = 24;
  c.net.mac = wire::MacAddress{{0x02, 0x00, 0x00, 0x00, 0x00, mac_last}};
  c.secret = tcp::SipKey{seed * 0x9e3779b97f4a7c15ULL + mac_last, ~seed};
  return c;
}

}  // namespace

VirtualWorldConfig VirtualWorldConfig::two_hosts(std::uint64_t seed) {
  VirtualWorldConfig c;
  c.link.seed = seed;
  c.a = host_config(VirtualWorld::kAddrA, 1, seed);
  c.b = host_config(VirtualWorld::kAddrB, 2, seed);
  return c;
}

VirtualWorld::VirtualWorld(const VirtualWorldConfig& config)
    : link_(config.link),
      dev_a_(link_, sim::LinkEnd::a, config.device),
      dev_b_(link_, sim::LinkEnd::b, config.device),
      a_(dev_a_, config.a, now_),
      b_(dev_b_, config.b, now_),
      stacks_{&a_, &b_} {}

std::optional<Instant> VirtualWorld::next_event() const {
  std::optional<Instant> next;
  auto consider = [&next](std::optional<Instant> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  consider(link_.next_delivery());
  consider(dev_a_.next_event());
  consider(dev_b_.next_event());
  consider(a_.poll_at());
  consider(b_.poll_at());
  for (const WorldActor* actor : actors_)
    consider(actor->next_at());
  return next;
}

void VirtualWorld::step() {
  for (WorldActor* actor : actors_) {
    if (const auto at = actor->next_at(); at && *at <= now_) actor->act(now_);
  }
  dev_a_.advance(now_);
  dev_b_.advance(now_);
  a_.poll(now_);
  b_.poll(now_);
}

bool VirtualWorld::wait(std::optional<Instant> deadline) {
  std::optional<Instant> next = next_event();
  if (deadline && (!next || *deadline < *next)) next = deadline;
  // Nothing scheduled and nothing to wait for: only an endless wait is left.
  if (!next) return false;
  now_ = std::max(now_, *next);
  step();
  return true;
}

bool VirtualWorld::run_until(const std::function<bool()>& done, Duration limit) {
  const Instant end = now_ + limit;
  step();
  while (!done()) {
    if (now_ >= end) return false;
    if (!wait(end)) return done();
  }
  return true;
}

void VirtualWorld::run_for(Duration d) {
  const Instant end = now_ + d;
  (void)run_until([this, end] { return now_ >= end; }, d);
}

}  // namespace tandem::api
