// SPDX-License-Identifier: Apache-2.0
// What the network layer counted, readable from outside like `netstat -s`. Every
// frame the network hands us that we drop, and everything we retry, lands in one
// of these; the names follow the SNMP MIB-II counters (RFC 1213, RFC 4293) that
// Linux's /proc/net/snmp reports, where there is one.
#pragma once

#include <cstdint>

namespace tandem::net {

struct LinkCounters {
  std::uint64_t rx_frames = 0;
  std::uint64_t rx_truncated = 0;          // shorter than an Ethernet header
  std::uint64_t rx_not_for_us = 0;         // destination MAC neither ours nor broadcast
  std::uint64_t rx_unknown_ethertype = 0;  // neither IPv4 nor ARP
  std::uint64_t tx_frames = 0;
  std::uint64_t tx_queue_full = 0;  // dropped: the interface's TX queue was at its limit
  std::uint64_t tx_ring_full = 0;   // the device's ring was full; the frame stays queued
  std::uint64_t tx_refused = 0;     // the device refused the descriptor (a bug of ours)
};

struct ArpCounters {
  std::uint64_t rx_packets = 0;
  std::uint64_t rx_requests = 0;
  std::uint64_t rx_replies = 0;
  std::uint64_t rx_malformed = 0;          // truncated, or lengths that do not fit
  std::uint64_t rx_unsupported = 0;        // not Ethernet/IPv4, or an unknown operation
  std::uint64_t rx_bad_sender = 0;         // sender MAC multicast or zero
  std::uint64_t rx_address_conflicts = 0;  // someone else claims our address
  std::uint64_t tx_requests = 0;
  std::uint64_t tx_replies = 0;
  std::uint64_t entries_learned = 0;      // new entries from packets addressed to us
  std::uint64_t entries_updated = 0;      // RFC 826 merge: sender already known
  std::uint64_t entries_expired = 0;      // aged out with no answer to the refresh
  std::uint64_t refreshes = 0;            // re-requests of an entry in use before it expires
  std::uint64_t cache_full = 0;           // an entry was needed but the cache was at its limit
  std::uint64_t resolution_failures = 0;  // every request unanswered: the entry is dropped
  std::uint64_t queue_overflow = 0;       // oldest frame waiting on resolution dropped
  std::uint64_t host_unreachable = 0;     // frames dropped with a failed resolution
};

struct Ipv4Counters {
  std::uint64_t in_receives = 0;
  std::uint64_t in_truncated = 0;          // shorter than its header or total length
  std::uint64_t in_hdr_errors = 0;         // version != 4, IHL < 5, total length < IHL
  std::uint64_t in_csum_errors = 0;        // header checksum
  std::uint64_t in_fragments_dropped = 0;  // Tandem sends none and does not reassemble
  std::uint64_t in_bad_source = 0;         // broadcast, multicast or our own address as source
  std::uint64_t in_addr_errors = 0;        // not for our address nor a broadcast
  std::uint64_t in_unknown_protos = 0;
  std::uint64_t in_delivers = 0;
  std::uint64_t out_requests = 0;
  std::uint64_t out_no_routes = 0;
};

struct IcmpCounters {
  std::uint64_t in_msgs = 0;
  std::uint64_t in_errors = 0;  // truncated or bad checksum (the latter also below)
  std::uint64_t in_csum_errors = 0;
  std::uint64_t in_echos = 0;
  std::uint64_t in_echo_replies = 0;
  std::uint64_t in_dest_unreachs = 0;
  std::uint64_t in_other = 0;
  std::uint64_t in_broadcast_echos_ignored = 0;  // RFC 1122 §3.2.2.6 allows; Linux's default
  std::uint64_t out_echos = 0;
  std::uint64_t out_echo_replies = 0;
  std::uint64_t out_dest_unreachs = 0;
  std::uint64_t out_rate_limited = 0;  // error messages the token bucket held back
};

struct UdpCounters {
  std::uint64_t in_datagrams = 0;  // delivered to a handler
  std::uint64_t no_ports = 0;
  std::uint64_t in_errors = 0;  // bad length or bad checksum (the latter also below)
  std::uint64_t in_csum_errors = 0;
  std::uint64_t out_datagrams = 0;
};

struct NetCounters {
  LinkCounters link;
  ArpCounters arp;
  Ipv4Counters ip;
  IcmpCounters icmp;
  UdpCounters udp;
};

}  // namespace tandem::net
