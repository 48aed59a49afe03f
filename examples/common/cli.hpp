// SPDX-License-Identifier: Apache-2.0
// The command line every Tandem example shares (--backend, --iface, --ip,
// --port, --connect, --pcap, --eal, --help; --cores for the programs that run
// one thread per core) plus each program's own flags, with
// one parser, one usage text and one way of reporting bad input.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/wire/address.hpp"

namespace tandem::examples {

enum class BackendKind { soft, sim, tap, dpdk };
// --cores at most: more threads than this is a typo on any machine we run on.
inline constexpr unsigned kMaxCores = 64;
std::string_view to_string(BackendKind kind);

struct HostPort {
  wire::Ipv4Address address;
  std::uint16_t port = 0;
};

struct CommonOptions {
  BackendKind backend = BackendKind::tap;
  std::string iface;  // TAP name (tap, sim) or DPDK port name; a TAP is created if absent
  wire::Ipv4Address ip = wire::Ipv4Address::from_octets(10, 99, 0, 2);
  std::uint8_t prefix_len = 24;
  std::optional<wire::Ipv4Address> gateway;
  std::uint16_t port = 0;
  std::optional<HostPort> connect;
  std::string pcap;  // capture of all traffic, flushed on exit
  std::string eal;   // DPDK EAL arguments, passed through
  // Threads, each with its own queue of the NIC, Stack, Runtime and epoll set
  // (docs/multicore.md); more than one needs a multi-queue backend (soft, dpdk).
  std::uint16_t cores = 1;
};

class CommandLine {
 public:
  // `summary` opens --help; `default_port` is --port's default.
  CommandLine(std::string program, std::string summary, std::uint16_t default_port);

  // A program's own flags. `parse` returns false for a value it refuses.
  void flag(std::string name, std::string help, bool& out);
  void option(std::string name, std::string metavar, std::string help,
              std::function<bool(std::string_view)> parse);
  // Accepts --cores N (into CommonOptions::cores): for programs that run
  // Backend::run_on_cores.
  void allow_cores() { cores_allowed_ = true; }

  // Parses argv into `common` and the program's flags. Prints usage and exits 0
  // for --help; prints what is wrong and exits 2 for bad input.
  void parse(int argc, char** argv, CommonOptions& common);
  void print_usage(std::FILE* out) const;

 private:
  struct Spec {
    std::string name;
    std::string metavar;  // empty: a flag without a value
    std::string help;
    std::function<bool(std::string_view)> parse;
  };
  [[noreturn]] void fail(const std::string& what) const;

  std::string program_;
  std::string summary_;
  std::uint16_t default_port_;
  bool cores_allowed_ = false;
  std::vector<Spec> specs_;
};

// Parsers shared by the programs' own options.
bool parse_u64(std::string_view text, std::uint64_t& out);
std::optional<HostPort> parse_host_port(std::string_view text);

}  // namespace tandem::examples
