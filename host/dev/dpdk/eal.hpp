// SPDX-License-Identifier: Apache-2.0
// DPDK's Environment Abstraction Layer, once per process.
//
// rte_eal_init may run only once in a process, and rte_eal_cleanup ends DPDK for
// good, so neither belongs to a device: the first DpdkDevice initializes the EAL
// with its arguments, later devices share it, and it is cleaned up when the
// process exits (after every device has been destroyed). A primary process then
// also removes its runtime directory (/var/run/dpdk/<file-prefix>, or under
// $XDG_RUNTIME_DIR when not root), which DPDK itself leaves behind.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tandem::dev {

class DpdkEal {
 public:
  // Initializes the EAL with `args` (EAL command-line options as one string, e.g.
  // "--no-huge --no-pci -m 512 --vdev=net_tap0,iface=tdm0") the first time and
  // returns it afterwards. Throws std::system_error naming the arguments when
  // rte_eal_init fails, and again on every later call: DPDK cannot retry in the
  // same process. A later call with other non-empty arguments throws
  // std::logic_error, since they could not take effect.
  static DpdkEal& init(std::string_view args);
  static bool initialized();
  // Cleans the EAL up now rather than at exit (every device must be gone), and
  // removes the runtime directory. DPDK cannot start again in this process:
  // init() throws std::logic_error afterwards. Does nothing if never initialized.
  static void shutdown();

  const std::string& args() const { return args_; }
  // Where this process keeps its runtime files.
  const std::string& runtime_dir() const { return runtime_dir_; }

  DpdkEal(const DpdkEal&) = delete;
  DpdkEal& operator=(const DpdkEal&) = delete;
  ~DpdkEal();

 private:
  explicit DpdkEal(std::string_view args);

  std::string args_;
  std::vector<std::string> argv_storage_;  // rte_eal_init may keep pointers into argv
  std::string runtime_dir_;
  bool primary_ = false;
};

// Splits an EAL argument string into words: blanks separate, single or double
// quotes group ("--vdev='net_pcap0,iface=a b'"), a backslash escapes the next
// character. Throws std::invalid_argument for an unterminated quote.
std::vector<std::string> split_eal_args(std::string_view args);

}  // namespace tandem::dev
