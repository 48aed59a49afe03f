// SPDX-License-Identifier: Apache-2.0
// What travels beside the frame between the RX kernels: rx_parser fills the
// contract's RxMeta (all but the checksum verdicts and the lookup result) and the
// flow key; checksum adds the verdicts; conn_lookup adds the connection id.
#pragma once

#include "contract/nic_contract.hpp"

namespace tandem {
namespace hls_kernels {

struct RxParsed {
  contract::RxMeta meta;
  // The 4-tuple as the host names it (remote = IPv4 source); meaningful only when
  // meta.l4 is tcp and meta.parse is ok.
  contract::FlowKey4 key;
};

}  // namespace hls_kernels
}  // namespace tandem
