// SPDX-License-Identifier: Apache-2.0
// The interop harness itself: the judge must be able to fail, time limits must
// hold, and namespaces must go away.
#define BOOST_TEST_MODULE interop_harness
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "tests/interop/interop_test.hpp"

namespace {

using namespace std::chrono_literals;
using tandem::interop::ChildProcess;
using tandem::interop::NetworkNamespace;

const std::string kDataDir = TANDEM_TEST_DATA_DIR;

bool namespace_exists(const std::string& name) {
  ChildProcess list({"ip", "netns", "list"}, 5s);
  return list.wait().out.find(name) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(harness, *boost::unit_test::precondition(tandem::interop::available))

BOOST_AUTO_TEST_CASE(capture_check_passes_linux_frames_and_flags_malformed_ones) {
  const auto clean = tandem::interop::check_capture(kDataDir + "/linux_frames.pcap");
  BOOST_TEST(clean.ok(), clean.report());
  BOOST_TEST(clean.frames > 0u);

  // scapy_malformed.pcap is a catalogue of broken frames (make_scapy_frames.py).
  const auto broken = tandem::interop::check_capture(kDataDir + "/scapy_malformed.pcap");
  BOOST_TEST(!broken.ok());
  BOOST_TEST(broken.problems.size() >= 10u, broken.report());
  BOOST_TEST(broken.report().find("Malformed Packet") != std::string::npos, broken.report());
  BOOST_TEST(broken.report().find("CHECKSUM INCORRECT") != std::string::npos, broken.report());

  const auto missing = tandem::interop::check_capture(kDataDir + "/no_such_capture.pcap");
  BOOST_TEST(!missing.ok());
  BOOST_TEST(!missing.error.empty());
}

BOOST_AUTO_TEST_CASE(a_child_over_its_time_limit_is_killed) {
  const auto start = std::chrono::steady_clock::now();
  ChildProcess sleeper({"sleep", "30"}, 200ms);
  const auto& result = sleeper.wait();
  BOOST_TEST(result.timed_out);
  BOOST_TEST(!result.ok());
  BOOST_TEST((std::chrono::steady_clock::now() - start < 5s));
}

BOOST_AUTO_TEST_CASE(a_child_gets_its_input_and_gives_its_output) {
  ChildProcess cat({"cat"}, 5s, std::string("line\0with a nul\n", 16));
  const auto& result = cat.wait();
  BOOST_TEST(result.ok(), result.describe());
  BOOST_TEST((result.out == std::string("line\0with a nul\n", 16)));
}

BOOST_AUTO_TEST_CASE(a_namespace_is_isolated_and_deleted_even_when_the_test_throws) {
  std::string name;
  try {
    NetworkNamespace ns("harness");
    name = ns.name();
    BOOST_TEST(namespace_exists(name));
    // Only its own loopback is in it.
    const auto links = ns.run_checked({"ip", "-o", "link", "show"});
    BOOST_TEST(links.find("lo:") != std::string::npos, links);
    BOOST_TEST(links.find("\n2:") == std::string::npos, links);
    throw std::runtime_error("a failing test");
  } catch (const std::runtime_error&) {
  }
  BOOST_TEST(!name.empty());
  BOOST_TEST(!namespace_exists(name));
}

BOOST_AUTO_TEST_SUITE_END()
