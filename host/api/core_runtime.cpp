// SPDX-License-Identifier: Apache-2.0
#include "host/api/core_runtime.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tandem::api {

stack::StackConfig core_stack_config(const stack::StackConfig& base, std::uint16_t queue,
                                     std::uint16_t queues,
                                     const std::optional<wire::RssConfig>& rss) {
  const std::string core = "core " + std::to_string(queue) + ": ";
  if (queue >= queues) {
    throw std::invalid_argument(core + "the device has " + std::to_string(queues) +
                                " queue(s), so no queue " + std::to_string(queue));
  }
  if (queues > 1 && !rss) {
    throw std::invalid_argument(core + "a device with " + std::to_string(queues) +
                                " queues needs its RSS configuration, or connect() would pick "
                                "ports whose replies reach another core");
  }
  if (rss) {
    if (rss->reta.empty()) throw std::invalid_argument(core + "the RSS table is empty");
    const auto widest = *std::max_element(rss->reta.begin(), rss->reta.end());
    if (widest >= queues) {
      throw std::invalid_argument(core + "the RSS table names queue " + std::to_string(widest) +
                                  " of a device with " + std::to_string(queues));
    }
    if (std::find(rss->reta.begin(), rss->reta.end(), queue) == rss->reta.end()) {
      throw std::invalid_argument(core +
                                  "the RSS table never names this queue: no flow "
                                  "would reach it");
    }
  }
  stack::StackConfig c = base;
  c.net.queue = queue;
  // The core drains its own queue only; the NIC steers every flow to one.
  c.net.rx_queues = 1;
  c.rss = rss;
  return c;
}

CoreRuntime::CoreRuntime(std::uint16_t queue, const std::vector<CoreStackSpec>& stacks,
                         const RuntimeConfig& runtime)
    : queue_(queue) {
  if (stacks.empty()) throw std::invalid_argument("CoreRuntime: no stacks");
  std::vector<dev::Device*> ports;
  std::vector<stack::Stack*> raw;
  const Instant start = RealTimeDriver::clock();
  for (const CoreStackSpec& spec : stacks) {
    if (spec.port == nullptr) throw std::invalid_argument("CoreRuntime: a stack without a port");
    const stack::StackConfig config =
        core_stack_config(spec.base, queue, spec.port->capabilities().queues, spec.rss);
    stacks_.push_back(std::make_unique<stack::Stack>(*spec.port, config, start));
    raw.push_back(stacks_.back().get());
    // Two stacks on one port share its advance(); list it once.
    if (std::find(ports.begin(), ports.end(), spec.port) == ports.end()) ports.push_back(spec.port);
  }
  driver_ = std::make_unique<RealTimeDriver>(std::move(ports), std::move(raw));
  runtime_ = std::make_unique<Runtime>(*driver_, runtime);
}

CoreRuntime::CoreRuntime(dev::Device& port, std::uint16_t queue,
                         const std::optional<wire::RssConfig>& rss, const stack::StackConfig& base,
                         const RuntimeConfig& runtime)
    : CoreRuntime(queue, {CoreStackSpec{&port, rss, base}}, runtime) {}

// The Runtime first: it closes its descriptors through the Stacks.
CoreRuntime::~CoreRuntime() {
  runtime_.reset();
  driver_.reset();
  stacks_.clear();
}

}  // namespace tandem::api
