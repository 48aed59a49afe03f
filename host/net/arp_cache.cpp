// SPDX-License-Identifier: Apache-2.0
#include "host/net/arp_cache.hpp"

#include <cassert>
#include <stdexcept>
#include <utility>

namespace tandem::net {

ArpCache::ArpCache(const ArpConfig& config, TimerWheel& wheel, ArpOutput& output,
                   ArpCounters& counters)
    : config_(config), wheel_(wheel), output_(output), counters_(counters) {
  if (config_.max_requests == 0 || config_.queue_limit == 0 ||
      config_.retry_interval.count() <= 0 ||
      config_.reachable_time <= config_.retry_interval * config_.max_requests) {
    throw std::invalid_argument(
        "ArpConfig: need max_requests, queue_limit > 0 and reachable_time > "
        "max_requests * retry_interval > 0");
  }
}

ArpCache::~ArpCache() = default;

Instant ArpCache::refresh_point(const Entry& e) const {
  return e.confirmed + config_.reachable_time - config_.retry_interval * config_.max_requests;
}

std::optional<wire::MacAddress> ArpCache::lookup(wire::Ipv4Address ip, Instant now) {
  const auto it = entries_.find(ip.value);
  if (it == entries_.end() || it->second.state == State::incomplete) return std::nullopt;
  Entry& e = it->second;
  e.used = true;
  // An entry already past its refresh point (it was idle then) is refreshed as
  // soon as it is used again, rather than left to die under its user.
  if (e.state == State::reachable && now >= refresh_point(e)) start_refresh(e, now);
  return e.mac;
}

void ArpCache::enqueue(wire::Ipv4Address ip, OutgoingFrame&& frame, Instant now) {
  auto it = entries_.find(ip.value);
  if (it == entries_.end()) {
    if (entries_.size() >= config_.max_entries) {
      ++counters_.cache_full;
      ++counters_.host_unreachable;
      return;
    }
    it = entries_.try_emplace(ip.value).first;
    Entry& e = it->second;
    e.ip = ip;
    e.timer.tag = ip.value;
    request(e, wire::MacAddress::broadcast(), now);
  }
  Entry& e = it->second;
  assert(e.state == State::incomplete);
  if (e.waiting.size() >= config_.queue_limit) {
    e.waiting.pop_front();
    ++counters_.queue_overflow;
  }
  e.waiting.push_back(std::move(frame));
}

bool ArpCache::update(wire::Ipv4Address ip, const wire::MacAddress& mac, Instant now) {
  const auto it = entries_.find(ip.value);
  if (it == entries_.end()) return false;
  ++counters_.entries_updated;
  confirm(it->second, mac, now);
  return true;
}

void ArpCache::learn(wire::Ipv4Address ip, const wire::MacAddress& mac, Instant now) {
  if (update(ip, mac, now)) return;
  if (entries_.size() >= config_.max_entries) {
    ++counters_.cache_full;
    return;
  }
  Entry& e = entries_.try_emplace(ip.value).first->second;
  e.ip = ip;
  e.timer.tag = ip.value;
  ++counters_.entries_learned;
  confirm(e, mac, now);
}

void ArpCache::confirm(Entry& e, const wire::MacAddress& mac, Instant now) {
  e.state = State::reachable;
  e.mac = mac;
  e.confirmed = now;
  e.requests = 0;
  e.used = false;
  wheel_.arm(e.timer, refresh_point(e));
  // Send in arrival order; take the queue first, since sending may re-enter.
  std::deque<OutgoingFrame> waiting = std::move(e.waiting);
  e.waiting.clear();
  for (auto& frame : waiting)
    output_.send_resolved(std::move(frame), mac);
}

void ArpCache::request(Entry& e, const wire::MacAddress& eth_dst, Instant now) {
  ++e.requests;
  ++counters_.tx_requests;
  wheel_.arm(e.timer, now + config_.retry_interval);
  output_.send_arp_request(e.ip, eth_dst);
}

void ArpCache::start_refresh(Entry& e, Instant now) {
  e.state = State::refreshing;
  e.requests = 0;
  ++counters_.refreshes;
  request(e, e.mac, now);
}

void ArpCache::on_timer(Timer& timer, Instant now) {
  const auto it = entries_.find(static_cast<std::uint32_t>(timer.tag));
  assert(it != entries_.end() && &it->second.timer == &timer);
  Entry& e = it->second;
  switch (e.state) {
    case State::incomplete:
      if (e.requests < config_.max_requests) {
        request(e, wire::MacAddress::broadcast(), now);
        return;
      }
      ++counters_.resolution_failures;
      counters_.host_unreachable += e.waiting.size();
      break;
    case State::reachable:
      if (now < e.confirmed + config_.reachable_time) {
        if (e.used) {
          start_refresh(e, now);
        } else {
          wheel_.arm(e.timer, e.confirmed + config_.reachable_time);
        }
        return;
      }
      ++counters_.entries_expired;
      break;
    case State::refreshing:
      if (e.requests < config_.max_requests) {
        request(e, e.mac, now);
        return;
      }
      ++counters_.entries_expired;
      break;
  }
  entries_.erase(it);
}

std::size_t ArpCache::waiting_frames() const {
  std::size_t n = 0;
  for (const auto& [ip, e] : entries_)
    n += e.waiting.size();
  return n;
}

std::optional<ArpCache::State> ArpCache::state(wire::Ipv4Address ip) const {
  const auto it = entries_.find(ip.value);
  if (it == entries_.end()) return std::nullopt;
  return it->second.state;
}

}  // namespace tandem::net
