// SPDX-License-Identifier: Apache-2.0
#include "examples/common/cli.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace tandem::examples {

std::string_view to_string(BackendKind kind) {
  switch (kind) {
    case BackendKind::soft:
      return "soft";
    case BackendKind::sim:
      return "sim";
    case BackendKind::tap:
      return "tap";
    case BackendKind::dpdk:
      return "dpdk";
  }
  return "?";
}

bool parse_u64(std::string_view text, std::uint64_t& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return !text.empty() && ec == std::errc{} && ptr == end;
}

std::optional<HostPort> parse_host_port(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto address = wire::Ipv4Address::parse(text.substr(0, colon));
  std::uint64_t port = 0;
  if (!address || !parse_u64(text.substr(colon + 1), port) || port == 0 || port > 65535) {
    return std::nullopt;
  }
  return HostPort{*address, static_cast<std::uint16_t>(port)};
}

CommandLine::CommandLine(std::string program, std::string summary, std::uint16_t default_port)
    : program_(std::move(program)), summary_(std::move(summary)), default_port_(default_port) {}

void CommandLine::flag(std::string name, std::string help, bool& out) {
  specs_.push_back(Spec{std::move(name), "", std::move(help), [&out](std::string_view) {
                          out = true;
                          return true;
                        }});
}

void CommandLine::option(std::string name, std::string metavar, std::string help,
                         std::function<bool(std::string_view)> parse) {
  specs_.push_back(Spec{std::move(name), std::move(metavar), std::move(help), std::move(parse)});
}

void CommandLine::print_usage(std::FILE* out) const {
  std::fprintf(out, "usage: %s [options]\n%s\n\noptions:\n", program_.c_str(), summary_.c_str());
  std::fprintf(out,
               "  --backend soft|sim|tap|dpdk  the NIC (default tap)\n"
               "  --iface NAME                 TAP device (tap, sim) or DPDK port; a TAP is\n"
               "                               created if absent\n"
               "  --ip ADDR/PREFIX             this stack's address (default 10.99.0.2/24)\n"
               "  --gateway ADDR               next hop for addresses off the subnet\n"
               "  --port N                     TCP port to serve on (default %u)\n"
               "  --connect ADDR:PORT          client mode: connect there\n"
               "  --pcap FILE                  capture all traffic (flushed on exit)\n"
               "  --eal \"ARGS\"                 DPDK EAL arguments (dpdk)\n",
               static_cast<unsigned>(default_port_));
  if (cores_allowed_) {
    std::fprintf(out,
                 "  --cores N                    threads, one per NIC queue, each with its own\n"
                 "                               stack, runtime, epoll set and SO_REUSEPORT\n"
                 "                               listener (default 1; N > 1: soft, dpdk; 1..%u)\n",
                 static_cast<unsigned>(kMaxCores));
  }
  for (const Spec& s : specs_) {
    std::string left = s.name + (s.metavar.empty() ? "" : " " + s.metavar);
    std::fprintf(out, "  %-28s %s\n", left.c_str(), s.help.c_str());
  }
  std::fputs("  --help                       this text\n", out);
}

void CommandLine::fail(const std::string& what) const {
  std::fprintf(stderr, "%s: %s (see --help)\n", program_.c_str(), what.c_str());
  std::exit(2);
}

void CommandLine::parse(int argc, char** argv, CommonOptions& common) {
  common.port = default_port_;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      print_usage(stdout);
      std::exit(0);
    }
    // Every option but a flag takes the next argument as its value.
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) fail(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "--backend") {
      const auto v = value();
      if (v == "soft") {
        common.backend = BackendKind::soft;
      } else if (v == "sim") {
        common.backend = BackendKind::sim;
      } else if (v == "tap") {
        common.backend = BackendKind::tap;
      } else if (v == "dpdk") {
        common.backend = BackendKind::dpdk;
      } else {
        fail("unknown backend '" + std::string(v) + "' (soft, sim, tap or dpdk)");
      }
    } else if (arg == "--iface") {
      common.iface = value();
    } else if (arg == "--ip") {
      const auto v = value();
      const auto slash = v.find('/');
      const auto address = wire::Ipv4Address::parse(v.substr(0, slash));
      std::uint64_t prefix = 24;
      if (!address || (slash != std::string_view::npos &&
                       (!parse_u64(v.substr(slash + 1), prefix) || prefix > 32))) {
        fail("bad --ip '" + std::string(v) + "' (want ADDR/PREFIX, e.g. 10.99.0.2/24)");
      }
      common.ip = *address;
      common.prefix_len = static_cast<std::uint8_t>(prefix);
    } else if (arg == "--gateway") {
      const auto v = value();
      common.gateway = wire::Ipv4Address::parse(v);
      if (!common.gateway) fail("bad --gateway '" + std::string(v) + "'");
    } else if (arg == "--port") {
      const auto v = value();
      std::uint64_t port = 0;
      if (!parse_u64(v, port) || port == 0 || port > 65535) {
        fail("bad --port '" + std::string(v) + "' (1..65535)");
      }
      common.port = static_cast<std::uint16_t>(port);
    } else if (arg == "--connect") {
      const auto v = value();
      common.connect = parse_host_port(v);
      if (!common.connect) fail("bad --connect '" + std::string(v) + "' (want ADDR:PORT)");
    } else if (arg == "--pcap") {
      common.pcap = value();
    } else if (arg == "--eal") {
      common.eal = value();
    } else if (arg == "--cores" && cores_allowed_) {
      const auto v = value();
      std::uint64_t cores = 0;
      if (!parse_u64(v, cores) || cores == 0 || cores > kMaxCores) {
        fail("bad --cores '" + std::string(v) + "' (1.." + std::to_string(kMaxCores) + ")");
      }
      common.cores = static_cast<std::uint16_t>(cores);
    } else {
      bool known = false;
      for (const Spec& s : specs_) {
        if (arg != s.name) continue;
        known = true;
        const std::string_view v = s.metavar.empty() ? std::string_view{} : value();
        if (!s.parse(v)) fail("bad " + s.name + " '" + std::string(v) + "'");
      }
      if (!known) fail("unknown option '" + std::string(arg) + "'");
    }
  }
}

}  // namespace tandem::examples
