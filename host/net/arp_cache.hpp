// SPDX-License-Identifier: Apache-2.0
// The ARP cache (RFC 826, with the ageing RFC 1122 §2.3.2.1 asks for): IPv4 next
// hop -> MAC, with the frames that wait on a resolution.
//
// An entry is in one of three states:
//   incomplete  a request is out; frames wait (at most queue_limit, the oldest is
//               dropped). Requests go out retry_interval apart, max_requests in
//               all; then the entry and its frames are dropped, "host unreachable".
//   reachable   the mapping was confirmed `confirmed` ago. At reachable_time minus
//               max_requests * retry_interval, an entry that has been used since
//               starts refreshing; an unused one simply dies at reachable_time.
//   refreshing  still used as it is, while unicast requests (RFC 1122 §2.3.2.1's
//               "unicast poll") go out retry_interval apart; the last one's timer
//               falls due exactly at reachable_time, when an unanswered entry dies.
// Any ARP packet from a known sender confirms its entry (RFC 826's merge step).
//
// The cache decides; its owner sends, through ArpOutput.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "host/base/time.hpp"
#include "host/base/timer_wheel.hpp"
#include "host/net/counters.hpp"
#include "host/wire/address.hpp"

namespace tandem::net {

struct ArpConfig {
  Duration reachable_time = std::chrono::seconds(60);
  Duration retry_interval = std::chrono::seconds(1);
  unsigned max_requests = 3;
  std::size_t queue_limit = 8;  // frames waiting per unresolved next hop
  std::size_t max_entries = 1024;
};

// A complete Ethernet frame but for its destination MAC, and its TX flags.
struct OutgoingFrame {
  std::vector<std::byte> bytes;
  std::uint8_t flags = 0;
  // A TSO job rather than a frame: `bytes` is the header template (the first
  // `tso_header_len` bytes) followed by the payload the NIC cuts into `tso_mss`
  // pieces (contract::TsoJob).
  std::uint16_t tso_mss = 0;
  std::uint16_t tso_header_len = 0;
};

class ArpOutput {
 public:
  // A request for `target`'s MAC, to `eth_dst` (broadcast, or the known MAC when
  // refreshing).
  virtual void send_arp_request(wire::Ipv4Address target, const wire::MacAddress& eth_dst) = 0;
  // A frame that waited on resolution, now addressed to `dst`.
  virtual void send_resolved(OutgoingFrame&& frame, const wire::MacAddress& dst) = 0;

 protected:
  ~ArpOutput() = default;
};

class ArpCache {
 public:
  enum class State : std::uint8_t { incomplete, reachable, refreshing };

  ArpCache(const ArpConfig& config, TimerWheel& wheel, ArpOutput& output, ArpCounters& counters);
  ~ArpCache();
  ArpCache(const ArpCache&) = delete;
  ArpCache& operator=(const ArpCache&) = delete;

  // The MAC to send to, marking the entry used; nullopt if not (yet) known.
  std::optional<wire::MacAddress> lookup(wire::Ipv4Address ip, Instant now);
  // Holds `frame` until `ip` resolves, asking for it if nobody has yet.
  void enqueue(wire::Ipv4Address ip, OutgoingFrame&& frame, Instant now);
  // RFC 826 merge step: if `ip` is known, its MAC is updated and the entry is
  // confirmed (waiting frames leave). Returns whether it was known.
  bool update(wire::Ipv4Address ip, const wire::MacAddress& mac, Instant now);
  // Adds or confirms `ip` (RFC 826: the packet was addressed to us).
  void learn(wire::Ipv4Address ip, const wire::MacAddress& mac, Instant now);
  // A timer of this cache fell due.
  void on_timer(Timer& timer, Instant now);

  std::size_t size() const { return entries_.size(); }
  std::size_t waiting_frames() const;
  std::optional<State> state(wire::Ipv4Address ip) const;

 private:
  struct Entry {
    wire::Ipv4Address ip;
    State state = State::incomplete;
    wire::MacAddress mac;
    Instant confirmed{};
    unsigned requests = 0;  // sent in this resolution or refresh
    bool used = false;      // since it was last confirmed
    std::deque<OutgoingFrame> waiting;
    Timer timer;
  };

  Instant refresh_point(const Entry& e) const;
  void confirm(Entry& e, const wire::MacAddress& mac, Instant now);
  void request(Entry& e, const wire::MacAddress& eth_dst, Instant now);
  void start_refresh(Entry& e, Instant now);

  ArpConfig config_;
  TimerWheel& wheel_;
  ArpOutput& output_;
  ArpCounters& counters_;
  std::unordered_map<std::uint32_t, Entry> entries_;  // nodes stay put: timers live in them
};

}  // namespace tandem::net
