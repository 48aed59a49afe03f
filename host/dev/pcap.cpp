// SPDX-License-Identifier: Apache-2.0
#include "host/dev/pcap.hpp"

#include <pcap/pcap.h>

#include <algorithm>
#include <stdexcept>

namespace tandem::dev {

namespace {

constexpr int kSnapLength = 65535;
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

struct PcapCloser {
  void operator()(pcap_t* p) const { pcap_close(p); }
};
struct DumperCloser {
  void operator()(pcap_dumper_t* d) const { pcap_dump_close(d); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;
using DumperHandle = std::unique_ptr<pcap_dumper_t, DumperCloser>;

[[noreturn]] void fail(const std::string& what, const std::string& path, const std::string& why) {
  throw std::runtime_error(what + " " + path + ": " + why);
}

}  // namespace

// The dumper is declared after the pcap_t it was opened from, so it is closed
// (and its last buffer written) before that pcap_t goes away.
struct PcapWriter::Handles {
  PcapHandle dead;
  DumperHandle dumper;
  std::string path;
};

PcapWriter::PcapWriter(const std::string& path) : handles_(std::make_unique<Handles>()) {
  handles_->path = path;
  handles_->dead.reset(
      pcap_open_dead_with_tstamp_precision(DLT_EN10MB, kSnapLength, PCAP_TSTAMP_PRECISION_NANO));
  if (!handles_->dead) fail("cannot write pcap", path, "pcap_open_dead failed");
  handles_->dumper.reset(pcap_dump_open(handles_->dead.get(), path.c_str()));
  if (!handles_->dumper) fail("cannot write pcap", path, pcap_geterr(handles_->dead.get()));
}

PcapWriter::~PcapWriter() = default;

void PcapWriter::write(wire::ByteSpan frame, Instant now) {
  // Floor division keeps the nanosecond field in [0, 1e9) for times before the epoch.
  const std::int64_t ns = to_ns(now);
  std::int64_t seconds = ns / kNanosPerSecond;
  std::int64_t nanos = ns % kNanosPerSecond;
  if (nanos < 0) {
    --seconds;
    nanos += kNanosPerSecond;
  }

  pcap_pkthdr header{};
  header.ts.tv_sec = static_cast<decltype(header.ts.tv_sec)>(seconds);
  // A nanosecond-precision dump stores nanoseconds in the field named for microseconds.
  header.ts.tv_usec = static_cast<decltype(header.ts.tv_usec)>(nanos);
  header.len = static_cast<bpf_u_int32>(frame.size());
  header.caplen = static_cast<bpf_u_int32>(std::min<std::size_t>(frame.size(), kSnapLength));
  pcap_dump(reinterpret_cast<u_char*>(handles_->dumper.get()), &header,
            reinterpret_cast<const u_char*>(frame.data()));
  ++frames_;
}

void PcapWriter::flush() {
  if (pcap_dump_flush(handles_->dumper.get()) != 0) {
    fail("cannot flush pcap", handles_->path, pcap_geterr(handles_->dead.get()));
  }
}

std::vector<CapturedFrame> read_pcap(const std::string& path) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  PcapHandle pcap(
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf));
  if (!pcap) fail("cannot read pcap", path, errbuf);

  const int link_type = pcap_datalink(pcap.get());
  if (link_type != DLT_EN10MB) {
    const char* name = pcap_datalink_val_to_name(link_type);
    fail("cannot read pcap", path,
         "link type " + std::string(name != nullptr ? name : std::to_string(link_type)) +
             " is not Ethernet (EN10MB)");
  }

  std::vector<CapturedFrame> frames;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  for (;;) {
    const int status = pcap_next_ex(pcap.get(), &header, &data);
    if (status == PCAP_ERROR_BREAK) break;  // end of file
    if (status != 1) fail("cannot read pcap", path, pcap_geterr(pcap.get()));
    const auto* first = reinterpret_cast<const std::byte*>(data);
    const std::int64_t ns = static_cast<std::int64_t>(header->ts.tv_sec) * kNanosPerSecond +
                            static_cast<std::int64_t>(header->ts.tv_usec);
    frames.push_back({instant_from_ns(ns), std::vector<std::byte>(first, first + header->caplen)});
  }
  return frames;
}

}  // namespace tandem::dev
