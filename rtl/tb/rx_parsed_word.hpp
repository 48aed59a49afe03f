// SPDX-License-Identifier: Apache-2.0
// The RxParsed side word of the RTL RX engines (rtl/common/tandem_pkg.sv):
// 256 bits, one per frame, the contract's 160-bit RxMeta word (rx_meta_bits,
// packed by contract::pack_rx_meta) followed by the FlowKey4 in member order.
// The harnesses pack the HLS kernels' RxParsed with it to compare against the
// RTL word bit for bit, and unpack the RTL word to name the field that differs.
#pragma once

#include <cstdint>

#include "contract/nic_contract.hpp"
#include "hls/common/hls_compat.hpp"
#include "hls/common/rx_types.hpp"

namespace tandem::rtl_tb {

constexpr int kRxParsedBits = 256;
using RxParsedWord = ap_uint<kRxParsedBits>;

// Where the key sits, after the 160 bits of RxMeta; each field at its numeric
// value (host byte order), least significant bit first.
namespace rx_parsed_bits {
constexpr contract::BitField meta{0, contract::rx_meta_bits::kWidth};
constexpr contract::BitField remote_ip{160, 32};
constexpr contract::BitField local_ip{192, 32};
constexpr contract::BitField remote_port{224, 16};
constexpr contract::BitField local_port{240, 16};
}  // namespace rx_parsed_bits

static_assert(rx_parsed_bits::remote_ip.offset == contract::rx_meta_bits::kWidth);
static_assert(rx_parsed_bits::local_port.offset + rx_parsed_bits::local_port.width ==
              kRxParsedBits);

namespace detail {
inline void put_field(RxParsedWord& w, contract::BitField f, std::uint32_t v) {
  w.range(static_cast<int>(f.offset + f.width - 1), static_cast<int>(f.offset)) = v;
}
inline std::uint32_t get_field(const RxParsedWord& w, contract::BitField f) {
  return static_cast<std::uint32_t>(
      w.range(static_cast<int>(f.offset + f.width - 1), static_cast<int>(f.offset)).to_uint64());
}
}  // namespace detail

inline RxParsedWord pack_rx_parsed(const hls_kernels::RxParsed& p) {
  RxParsedWord w = 0;
  const contract::RxMetaWord meta = contract::pack_rx_meta(p.meta);
  for (unsigned lane = 0; lane < 5; ++lane) {
    detail::put_field(w, {32 * lane, 32}, meta.lane[lane]);
  }
  detail::put_field(w, rx_parsed_bits::remote_ip, p.key.remote_ip);
  detail::put_field(w, rx_parsed_bits::local_ip, p.key.local_ip);
  detail::put_field(w, rx_parsed_bits::remote_port, p.key.remote_port);
  detail::put_field(w, rx_parsed_bits::local_port, p.key.local_port);
  return w;
}

inline hls_kernels::RxParsed unpack_rx_parsed(const RxParsedWord& w) {
  contract::RxMetaWord meta;
  for (unsigned lane = 0; lane < 5; ++lane) {
    meta.lane[lane] = detail::get_field(w, {32 * lane, 32});
  }
  hls_kernels::RxParsed p;
  p.meta = contract::unpack_rx_meta(meta);
  p.key.remote_ip = detail::get_field(w, rx_parsed_bits::remote_ip);
  p.key.local_ip = detail::get_field(w, rx_parsed_bits::local_ip);
  p.key.remote_port = static_cast<std::uint16_t>(detail::get_field(w, rx_parsed_bits::remote_port));
  p.key.local_port = static_cast<std::uint16_t>(detail::get_field(w, rx_parsed_bits::local_port));
  return p;
}

}  // namespace tandem::rtl_tb
