// SPDX-License-Identifier: Apache-2.0
// A Driver on virtual time: two Stacks on `soft` devices (the NIC kernels as
// C++) joined by the link model, 10.0.0.1 and 10.0.0.2 on one /24. A blocking
// call made through a Runtime over it jumps the world's clock to its next event
// instead of sleeping, so tests of the socket API run fast and end the same way
// every time; the examples use it as their `soft` backend when there is no TAP.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "host/api/driver.hpp"
#include "host/stack/stack.hpp"
#include "sim/link/link.hpp"
#include "sim/soft/soft_device.hpp"

namespace tandem::api {

// Something that acts on the world at times of its own: a traffic injector in a
// test, say. The world asks it when it next wants to act and lets it act then,
// before the devices and stacks of that instant run.
class WorldActor {
 public:
  virtual std::optional<Instant> next_at() const = 0;
  virtual void act(Instant now) = 0;

 protected:
  ~WorldActor() = default;
};

struct VirtualWorldConfig {
  sim::LinkConfig link;
  stack::StackConfig a;
  stack::StackConfig b;
  sim::SoftDeviceConfig device;

  // Stack A 10.0.0.1/24, stack B 10.0.0.2/24, an unimpaired link, ISN and
  // cookie secrets drawn from `seed`.
  static VirtualWorldConfig two_hosts(std::uint64_t seed = 1);
};

class VirtualWorld final : public Driver {
 public:
  static constexpr wire::Ipv4Address kAddrA{0x0a000001};
  static constexpr wire::Ipv4Address kAddrB{0x0a000002};

  explicit VirtualWorld(const VirtualWorldConfig& config = VirtualWorldConfig::two_hosts());

  std::span<stack::Stack* const> stacks() const override { return stacks_; }
  Instant now() const override { return now_; }
  void poll() override { step(); }
  bool wait(std::optional<Instant> deadline) override;

  stack::Stack& a() { return a_; }
  stack::Stack& b() { return b_; }
  sim::Link& link() { return link_; }
  sim::SoftDevice& dev_a() { return dev_a_; }
  sim::SoftDevice& dev_b() { return dev_b_; }

  void add_actor(WorldActor& actor) { actors_.push_back(&actor); }
  void remove_actor(WorldActor& actor) { std::erase(actors_, &actor); }

  // Runs event by event until `done()` or `limit` of virtual time has passed;
  // returns whether `done()` held.
  bool run_until(const std::function<bool()>& done, Duration limit = std::chrono::seconds(60));
  void run_for(Duration d);

 private:
  std::optional<Instant> next_event() const;
  void step();

  Instant now_{};
  sim::Link link_;
  sim::SoftDevice dev_a_;
  sim::SoftDevice dev_b_;
  stack::Stack a_;
  stack::Stack b_;
  std::array<stack::Stack*, 2> stacks_;
  std::vector<WorldActor*> actors_;
};

}  // namespace tandem::api
