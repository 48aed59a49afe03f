// SPDX-License-Identifier: Apache-2.0
// One core's share of a multi-queue NIC, ready for the socket API
// (docs/multicore.md): the Stack on the core's queue, the RealTimeDriver that
// polls only what the core owns, and the Runtime the core's thread makes
// current.
//
// Each core's thread builds its own CoreRuntime over the device's per-queue
// view (sim::SoftDevice::queue_port(q), dev::DpdkDevice::queue_port(q)) and the
// device's RSS configuration; nothing of one CoreRuntime is touched by another
// thread, so neither the Stack nor the API takes a lock:
//
//   api::CoreRuntime core(nic.queue_port(q), q, nic.rss(), base);
//   core.runtime().make_current();   // on core q's thread
//   ... tdm_socket, SO_REUSEPORT, tdm_bind, tdm_listen, tdm_epoll_* ...
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "host/api/driver.hpp"
#include "host/api/runtime.hpp"
#include "host/dev/device.hpp"
#include "host/stack/stack.hpp"
#include "host/wire/toeplitz.hpp"

namespace tandem::api {

// One Stack of a core: the port it runs on (the device's view of queue q), the
// steering the device applies, and what the Stack shares with the other cores'
// (address, MAC, secret, TCP settings).
struct CoreStackSpec {
  dev::Device* port = nullptr;
  // Required when the device has more than one queue: without it connect()
  // would pick ports whose replies the NIC steers to another core.
  std::optional<wire::RssConfig> rss;
  stack::StackConfig base;
};

// `base` with what makes it core `queue`'s: net.queue, one RX queue drained,
// and the device's RSS for RSS-aware source ports. Throws
// std::invalid_argument when `queue` is not one of the device's `queues`, when
// a multi-queue device comes without `rss`, or when `rss` names a queue the
// device lacks or never names `queue` (no flow could reach the core).
stack::StackConfig core_stack_config(const stack::StackConfig& base, std::uint16_t queue,
                                     std::uint16_t queues,
                                     const std::optional<wire::RssConfig>& rss);

class CoreRuntime {
 public:
  // The Stacks on `stacks[i].port`, all on queue `queue`, with one
  // RealTimeDriver over those ports and Stacks, and one Runtime over it. The
  // stacks may be on different devices (a host and its peer on `soft`). Throws
  // as core_stack_config does, and std::invalid_argument for no stacks or a
  // null port.
  CoreRuntime(std::uint16_t queue, const std::vector<CoreStackSpec>& stacks,
              const RuntimeConfig& runtime = {});
  // The common case: one Stack on one device's queue `queue`.
  CoreRuntime(dev::Device& port, std::uint16_t queue, const std::optional<wire::RssConfig>& rss,
              const stack::StackConfig& base, const RuntimeConfig& runtime = {});
  ~CoreRuntime();
  CoreRuntime(const CoreRuntime&) = delete;
  CoreRuntime& operator=(const CoreRuntime&) = delete;

  std::uint16_t queue() const { return queue_; }
  // The Stack on stacks[index] (0: the first, the only one in the common case).
  stack::Stack& stack(std::size_t index = 0) { return *stacks_.at(index); }
  const stack::Stack& stack(std::size_t index = 0) const { return *stacks_.at(index); }
  std::size_t stack_count() const { return stacks_.size(); }
  RealTimeDriver& driver() { return *driver_; }
  Runtime& runtime() { return *runtime_; }

 private:
  std::uint16_t queue_;
  std::vector<std::unique_ptr<stack::Stack>> stacks_;
  std::unique_ptr<RealTimeDriver> driver_;
  std::unique_ptr<Runtime> runtime_;
};

}  // namespace tandem::api
