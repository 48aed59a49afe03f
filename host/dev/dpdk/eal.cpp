// SPDX-License-Identifier: Apache-2.0
#include "host/dev/dpdk/eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace tandem::dev {

namespace {

std::mutex& eal_mutex() {
  static std::mutex m;
  return m;
}

// Destroyed at exit, after main() and so after every device: that is when the
// EAL is cleaned up.
std::unique_ptr<DpdkEal>& eal_instance() {
  static std::unique_ptr<DpdkEal> eal;
  return eal;
}

bool& eal_shut_down() {
  static bool shut_down = false;
  return shut_down;
}

struct EalFailure {
  int error = 0;
  std::string what;
};

std::optional<EalFailure>& eal_failure() {
  static std::optional<EalFailure> failure;
  return failure;
}

}  // namespace

std::vector<std::string> split_eal_args(std::string_view args) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const char c = args[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '\\' && i + 1 < args.size()) {
      word += args[++i];
    } else {
      word += c;
    }
  }
  if (quote != 0) throw std::invalid_argument("EAL arguments: unterminated quote");
  if (in_word) words.push_back(std::move(word));
  return words;
}

DpdkEal::DpdkEal(std::string_view args) : args_(args) {
  argv_storage_.emplace_back("tandem");
  for (auto& w : split_eal_args(args))
    argv_storage_.push_back(std::move(w));
  std::vector<char*> argv;
  for (auto& w : argv_storage_)
    argv.push_back(w.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(argv_storage_.size()), argv.data()) < 0) {
    const int error = rte_errno;
    throw std::system_error(error, std::generic_category(),
                            "DPDK EAL initialization failed with arguments \"" + args_ + "\"");
  }
  runtime_dir_ = rte_eal_get_runtime_dir();
  primary_ = rte_eal_process_type() == RTE_PROC_PRIMARY;
}

DpdkEal::~DpdkEal() {
  rte_eal_cleanup();
  // A secondary process shares the primary's directory; the primary owns it,
  // and holds its lock, so no other primary can be using it.
  if (primary_ && !runtime_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(runtime_dir_, ignored);
  }
}

DpdkEal& DpdkEal::init(std::string_view args) {
  const std::lock_guard lock(eal_mutex());
  if (const auto& failure = eal_failure()) {
    throw std::system_error(failure->error, std::generic_category(), failure->what);
  }
  if (eal_shut_down()) {
    throw std::logic_error("DPDK EAL was shut down; it cannot start again in this process");
  }
  auto& eal = eal_instance();
  if (eal) {
    if (!args.empty() && args != eal->args()) {
      throw std::logic_error("DPDK EAL already initialized with \"" + eal->args() +
                             "\"; it cannot be initialized again with \"" + std::string(args) +
                             "\"");
    }
    return *eal;
  }
  try {
    eal.reset(new DpdkEal(args));
  } catch (const std::system_error& e) {
    eal_failure() = EalFailure{e.code().value(),
                               "DPDK EAL initialization failed earlier in this process with "
                               "arguments \"" +
                                   std::string(args) + "\""};
    throw;
  }
  return *eal;
}

void DpdkEal::shutdown() {
  const std::lock_guard lock(eal_mutex());
  if (!eal_instance()) return;
  eal_instance().reset();
  eal_shut_down() = true;
}

bool DpdkEal::initialized() {
  const std::lock_guard lock(eal_mutex());
  return eal_instance() != nullptr;
}

}  // namespace tandem::dev
