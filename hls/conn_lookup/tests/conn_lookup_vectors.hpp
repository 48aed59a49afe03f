// SPDX-License-Identifier: Apache-2.0
// The keys and flow-table commands conn_lookup is tested with, shared by its
// HLS test (hls/conn_lookup/tests) and the RTL equivalence test that runs the
// same kind of vectors through rtl/conn_lookup (rtl/conn_lookup/tests), and
// the reference both are held to: a hash map from key to connection id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <unordered_map>
#include <vector>

#include "contract/nic_contract.hpp"

namespace tandem::hls_test {

// The reference's own hash, unrelated to the kernel's.
struct KeyHash {
  std::size_t operator()(const contract::FlowKey4& k) const {
    std::size_t h = std::hash<std::uint64_t>{}((std::uint64_t{k.remote_ip} << 32) | k.local_ip);
    h ^= std::hash<std::uint32_t>{}((std::uint32_t{k.remote_port} << 16) | k.local_port) +
         0x9e3779b9 + (h << 6) + (h >> 2);
    return h;
  }
};
using Reference = std::unordered_map<contract::FlowKey4, contract::ConnectionId, KeyHash>;

inline contract::FlowKey4 random_key(std::mt19937_64& rng) {
  const std::uint64_t a = rng();
  const std::uint64_t b = rng();
  return contract::FlowKey4{static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(a >> 32),
                            static_cast<std::uint16_t>(b), static_cast<std::uint16_t>(b >> 16)};
}

inline contract::FlowCommand insert_cmd(const contract::FlowKey4& key, contract::ConnectionId id,
                                        std::uint32_t tag = 0) {
  contract::FlowCommand c;
  c.op = contract::FlowOp::insert;
  c.key = key;
  c.conn_id = id;
  c.tag = tag;
  return c;
}

inline contract::FlowCommand remove_cmd(const contract::FlowKey4& key, std::uint32_t tag = 0) {
  contract::FlowCommand c;
  c.op = contract::FlowOp::remove;
  c.key = key;
  c.tag = tag;
  return c;
}

// Keys some of which are live: commands pick from them so that `exists` and
// `not_found` come up often, a share of them malformed (an id that is the miss
// marker, an IPv6 family, an unknown op: all `rejected`); lookups mix pool
// keys with keys never inserted.
struct KeyPool {
  std::vector<contract::FlowKey4> keys;
  contract::ConnectionId next_id = 1;
  double insert_share = 0.5;
  double malformed_share = 0.0;

  contract::FlowCommand next_cmd(std::mt19937_64& rng) {
    std::uniform_real_distribution<double> u(0, 1);
    const contract::FlowKey4& k = keys[rng() % keys.size()];
    contract::FlowCommand c = u(rng) < insert_share ? insert_cmd(k, next_id++) : remove_cmd(k);
    if (malformed_share > 0 && u(rng) < malformed_share) {
      switch (rng() % 3) {
        case 0:
          c = insert_cmd(k, contract::kLookupMiss);
          break;
        case 1:
          c.family = static_cast<contract::AddressFamily>(6);
          break;
        default:
          c.op = static_cast<contract::FlowOp>(2 + rng() % 250);
          break;
      }
    }
    return c;
  }

  contract::FlowKey4 next_key(std::mt19937_64& rng) {
    if (rng() % 4 == 0) return random_key(rng);
    return keys[rng() % keys.size()];
  }
};

// A pool of `n` distinct random keys.
inline KeyPool make_pool(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  KeyPool p;
  Reference seen;
  while (p.keys.size() < n) {
    const contract::FlowKey4 k = random_key(rng);
    if (seen.emplace(k, 0).second) p.keys.push_back(k);
  }
  return p;
}

}  // namespace tandem::hls_test
