// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE pcap
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <ios>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/dev/pcap.hpp"

// Lets per_element comparisons name the differing bytes.
template <>
struct boost::test_tools::tt_detail::print_log_value<std::byte> {
  void operator()(std::ostream& out, std::byte b) {
    out << "0x" << std::hex << std::to_integer<unsigned>(b) << std::dec;
  }
};

namespace {

using tandem::instant_from_ns;
using tandem::dev::CapturedFrame;
using tandem::dev::PcapWriter;
using tandem::dev::read_pcap;

// A file name no other test process uses, removed when the test ends even if it fails.
class TempPath {
 public:
  explicit TempPath(const std::string& stem)
      : path_(std::filesystem::temp_directory_path() /
              ("tandem_" + stem + "_" + std::to_string(::getpid()) + ".pcap")) {
    std::filesystem::remove(path_);
  }
  ~TempPath() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;

  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

std::vector<std::byte> pattern_frame(std::size_t size, std::uint8_t seed) {
  std::vector<std::byte> frame(size);
  for (std::size_t i = 0; i < size; ++i) {
    frame[i] = static_cast<std::byte>((i * 7 + seed) & 0xff);
  }
  return frame;
}

// Runs `action`, requires it to throw std::runtime_error, and returns its message.
template <typename Action>
std::string runtime_error_message(Action action) {
  try {
    action();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  BOOST_FAIL("expected std::runtime_error");
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(round_trip)

BOOST_AUTO_TEST_CASE(frames_and_nanosecond_timestamps_survive) {
  TempPath file("roundtrip");
  const std::vector<CapturedFrame> written = {
      {instant_from_ns(0), pattern_frame(60, 1)},
      {instant_from_ns(1), pattern_frame(64, 2)},  // 1 ns apart: only ns precision tells them apart
      {instant_from_ns(999'999'999), pattern_frame(1514, 3)},
      {instant_from_ns(1'000'000'000), pattern_frame(9000, 4)},
      {instant_from_ns(1'234'567'891'234), pattern_frame(14, 5)},
  };
  {
    PcapWriter writer(file.str());
    for (const auto& f : written)
      writer.write(f.bytes, f.timestamp);
    writer.flush();
    BOOST_TEST(writer.frames_written() == written.size());
  }

  const auto read = read_pcap(file.str());
  BOOST_TEST_REQUIRE(read.size() == written.size());
  for (std::size_t i = 0; i < read.size(); ++i) {
    BOOST_TEST_CONTEXT("frame " << i) {
      BOOST_TEST(tandem::to_ns(read[i].timestamp) == tandem::to_ns(written[i].timestamp));
      BOOST_TEST(read[i].bytes == written[i].bytes, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(flush_makes_frames_readable_while_the_writer_is_open) {
  TempPath file("flush");
  PcapWriter writer(file.str());
  writer.write(pattern_frame(100, 9), instant_from_ns(42));
  writer.flush();
  const auto read = read_pcap(file.str());
  BOOST_TEST_REQUIRE(read.size() == 1U);
  BOOST_TEST(tandem::to_ns(read[0].timestamp) == 42);
  BOOST_TEST(read[0].bytes == pattern_frame(100, 9), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_capture_reads_as_no_frames) {
  TempPath file("empty");
  { PcapWriter writer(file.str()); }
  BOOST_TEST(read_pcap(file.str()).empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(reading_a_missing_file_names_it) {
  TempPath file("missing");
  const auto message = runtime_error_message([&] { read_pcap(file.str()); });
  BOOST_TEST(contains(message, file.str()), message);
}

BOOST_AUTO_TEST_CASE(writing_into_a_missing_directory_names_the_file) {
  TempPath dir("no_such_dir");
  const std::string path = dir.str() + "/capture.pcap";
  const auto message = runtime_error_message([&] { PcapWriter writer(path); });
  BOOST_TEST(contains(message, path), message);
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_capture_is_rejected) {
  TempPath file("garbage");
  std::ofstream(file.str()) << "this is not a packet capture, just some text\n";
  const auto message = runtime_error_message([&] { read_pcap(file.str()); });
  BOOST_TEST(contains(message, file.str()), message);
}

BOOST_AUTO_TEST_CASE(a_capture_of_another_link_type_is_rejected) {
  // A pcap global header, big-endian, for LINKTYPE_RAW (101): raw IP, no Ethernet.
  const unsigned char header[] = {0xa1, 0xb2, 0xc3, 0xd4, 0x00, 0x02, 0x00, 0x04,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x65};
  TempPath file("raw_ip");
  {
    std::ofstream out(file.str(), std::ios::binary);
    out.write(reinterpret_cast<const char*>(header), sizeof header);
  }
  const auto message = runtime_error_message([&] { read_pcap(file.str()); });
  BOOST_TEST(contains(message, file.str()), message);
  BOOST_TEST(contains(message, "not Ethernet"), message);
}

BOOST_AUTO_TEST_SUITE_END()
