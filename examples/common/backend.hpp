// SPDX-License-Identifier: Apache-2.0
// Opens what --backend names and hands back a Runtime the program's thread can
// call the tdm_* API on:
//
//   tap   TapDevice on --iface (the HLS kernels as C++ behind a Linux TAP)
//   sim   SimDevice — the NIC RTL under Verilator — with its wire on the TAP
//   dpdk  DpdkDevice on --iface (a DPDK port), EAL arguments from --eal
//   soft  two stacks on `soft` NICs over the link model, on virtual time:
//         this program's stack at 10.0.0.1, a peer stack at 10.0.0.2 for a
//         built-in client (there is no Linux on the other side)
//
// The stack's MAC is 02:00 followed by its IPv4 address, so it is stable
// across runs and readable in captures.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "examples/common/cli.hpp"
#include "host/api/driver.hpp"
#include "host/api/runtime.hpp"
#include "host/dev/device.hpp"
#include "host/stack/stack.hpp"

namespace tandem::examples {

class Backend {
 public:
  // Throws std::runtime_error (or std::system_error) naming what could not be
  // opened and why.
  explicit Backend(const CommonOptions& options);
  ~Backend();
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  api::Runtime& runtime() { return *runtime_; }
  stack::Stack& stack() { return *stacks_.front(); }
  // soft only: the stack a built-in client runs on, and its address.
  stack::Stack* peer() { return peer_; }
  wire::Ipv4Address address() const { return address_; }
  bool virtual_time() const { return virtual_time_; }

  // Counters of the stack and the NIC, netstat -s and ethtool -S style.
  void print_counters(std::FILE* out) const;
  // Writes out buffered capture records.
  void flush_capture();

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
  std::vector<stack::Stack*> stacks_;
  stack::Stack* peer_ = nullptr;
  std::unique_ptr<api::Runtime> runtime_;
  wire::Ipv4Address address_;
  bool virtual_time_ = false;
};

// SIGINT and SIGTERM set a flag the program's loop polls, so it can stop at a
// clean point, print what it did and flush its capture.
void install_stop_handlers();
bool stop_requested();

}  // namespace tandem::examples
