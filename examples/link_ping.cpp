// SPDX-License-Identifier: Apache-2.0
// tandem-link-ping: two hosts on Tandem's link model, one pinging the other.
//
// Host A resolves B with ARP (RFC 826), then sends ICMP echo requests (RFC 792)
// on virtual time; B answers both. Every frame is built and parsed with
// host/wire, crosses the impaired link, and can be captured to a pcap file that
// tshark and Wireshark open. It shows the foundation layers working together
// before the TCP stack exists.
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/base/time.hpp"
#include "host/dev/pcap.hpp"
#include "host/wire/arp.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/icmp.hpp"
#include "host/wire/ipv4.hpp"
#include "sim/link/link.hpp"

namespace {

using namespace tandem;
using namespace tandem::wire;

struct Options {
  unsigned count = 10;
  double loss = 0.0;
  double corrupt = 0.0;
  long delay_us = 500;
  long interval_ms = 100;
  std::uint64_t seed = 1;
  std::string pcap;
};

void usage(std::FILE* out) {
  std::fputs(
      "usage: tandem-link-ping [options]\n"
      "  --count N        echo requests to send (default 10)\n"
      "  --loss P         loss probability per frame, each way (default 0)\n"
      "  --corrupt P      bit-flip probability per frame, each way (default 0)\n"
      "  --delay-us N     one-way delay in microseconds (default 500)\n"
      "  --interval-ms N  time between requests (default 100)\n"
      "  --seed N         seed of the link model (default 1)\n"
      "  --pcap FILE      capture every delivered frame\n"
      "  --help           this text\n",
      out);
}

template <typename T>
bool parse_number(std::string_view text, T& out) {
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

std::optional<Options> parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help") {
      usage(stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "tandem-link-ping: %s needs a value\n", argv[i]);
      return std::nullopt;
    }
    const std::string_view value = argv[++i];
    bool ok = true;
    if (arg == "--count") {
      ok = parse_number(value, o.count);
    } else if (arg == "--loss") {
      ok = parse_number(value, o.loss) && o.loss >= 0 && o.loss <= 1;
    } else if (arg == "--corrupt") {
      ok = parse_number(value, o.corrupt) && o.corrupt >= 0 && o.corrupt <= 1;
    } else if (arg == "--delay-us") {
      ok = parse_number(value, o.delay_us) && o.delay_us >= 0;
    } else if (arg == "--interval-ms") {
      ok = parse_number(value, o.interval_ms) && o.interval_ms > 0;
    } else if (arg == "--seed") {
      ok = parse_number(value, o.seed);
    } else if (arg == "--pcap") {
      o.pcap = value;
    } else {
      std::fprintf(stderr, "tandem-link-ping: unknown option %s\n", argv[i - 1]);
      usage(stderr);
      return std::nullopt;
    }
    if (!ok) {
      std::fprintf(stderr, "tandem-link-ping: bad value '%.*s' for %.*s\n",
                   static_cast<int>(value.size()), value.data(), static_cast<int>(arg.size()),
                   arg.data());
      return std::nullopt;
    }
  }
  return o;
}

// One end of the link: an Ethernet/IPv4 host that speaks ARP and ICMP echo.
class Host final : public sim::WireReceiver {
 public:
  Host(const char* name, MacAddress mac, Ipv4Address ip, sim::Link& link, sim::LinkEnd end)
      : name_(name), mac_(mac), ip_(ip), link_(link), end_(end) {
    link_.attach(end_, this);
  }

  void send_arp_request(Ipv4Address target, Instant now) {
    const ArpRepr arp{ArpOperation::request, mac_, ip_, MacAddress{}, target};
    std::vector<std::byte> frame(kEthernetHeaderLen + ArpRepr::len());
    EthernetRepr{MacAddress::broadcast(), mac_, static_cast<std::uint16_t>(EtherType::arp)}.emit(
        frame);
    arp.emit(std::span(frame).subspan(kEthernetHeaderLen));
    transmit(frame, now);
  }

  // Returns false while the peer's MAC is unknown.
  bool send_echo_request(Ipv4Address dst, std::uint16_t seq, Instant now) {
    const auto mac = arp_cache_.find(dst.value);
    if (mac == arp_cache_.end()) return false;
    std::vector<std::byte> payload(56);
    for (std::size_t i = 0; i < payload.size(); ++i)
      payload[i] = std::byte(i);
    send_icmp(mac->second, dst, IcmpRepr::echo(IcmpType::echo_request, kIdent, seq, payload.size()),
              payload, now);
    sent_at_[seq] = now;
    return true;
  }

  void on_wire_frame(ByteSpan bytes, Instant now) override {
    const auto frame = EthernetFrame::new_checked(bytes);
    if (!frame) return ++dropped_, void();
    const auto eth = EthernetRepr::parse(*frame);
    if (eth.dst != mac_ && !eth.dst.is_broadcast()) return;
    if (eth.ethertype == static_cast<std::uint16_t>(EtherType::arp)) {
      on_arp(frame->payload(), now);
    } else if (eth.ethertype == static_cast<std::uint16_t>(EtherType::ipv4)) {
      on_ipv4(eth.src, frame->payload(), now);
    }
  }

  unsigned replies() const { return replies_; }
  unsigned dropped() const { return dropped_; }
  const std::vector<double>& rtts_ms() const { return rtts_ms_; }
  bool knows(Ipv4Address ip) const { return arp_cache_.contains(ip.value); }

 private:
  static constexpr std::uint16_t kIdent = 0x7464;  // "td"

  void transmit(ByteSpan frame, Instant now) { link_.transmit(end_, frame, now); }

  void on_arp(ByteSpan bytes, Instant now) {
    const auto packet = ArpPacket::new_checked(bytes);
    if (!packet) return ++dropped_, void();
    const auto arp = ArpRepr::parse(*packet);
    if (!arp) return ++dropped_, void();
    // RFC 826: learn the sender when the packet is for us, then answer requests.
    if (arp->target_ip != ip_) return;
    arp_cache_[arp->sender_ip.value] = arp->sender_mac;
    if (arp->operation != ArpOperation::request) return;
    const ArpRepr reply{ArpOperation::reply, mac_, ip_, arp->sender_mac, arp->sender_ip};
    std::vector<std::byte> frame(kEthernetHeaderLen + ArpRepr::len());
    EthernetRepr{arp->sender_mac, mac_, static_cast<std::uint16_t>(EtherType::arp)}.emit(frame);
    reply.emit(std::span(frame).subspan(kEthernetHeaderLen));
    transmit(frame, now);
  }

  void on_ipv4(MacAddress from, ByteSpan bytes, Instant now) {
    const auto packet = Ipv4Packet::new_checked(bytes);
    if (!packet) return ++dropped_, void();
    const auto ip = Ipv4Repr::parse(*packet, ChecksumMode::software);
    if (!ip || ip->dst != ip_ || ip->protocol != static_cast<std::uint8_t>(IpProtocol::icmp)) {
      return ++dropped_, void();
    }
    const auto message = IcmpPacket::new_checked(packet->payload());
    if (!message) return ++dropped_, void();
    const auto icmp = IcmpRepr::parse(*message, ChecksumMode::software);
    if (!icmp) return ++dropped_, void();
    if (icmp->type == static_cast<std::uint8_t>(IcmpType::echo_request)) {
      const auto reply = IcmpRepr::echo(IcmpType::echo_reply, icmp->echo_ident(), icmp->echo_seq(),
                                        icmp->payload_len);
      send_icmp(from, ip->src, reply, message->payload(), now);
    } else if (icmp->type == static_cast<std::uint8_t>(IcmpType::echo_reply) &&
               icmp->echo_ident() == kIdent) {
      const auto sent = sent_at_.find(icmp->echo_seq());
      if (sent == sent_at_.end()) return;
      const double rtt = std::chrono::duration<double, std::milli>(now - sent->second).count();
      std::printf("%zu bytes from %s: icmp_seq=%u time=%.3f ms\n", icmp->payload_len + 8,
                  ip->src.to_string().c_str(), icmp->echo_seq(), rtt);
      rtts_ms_.push_back(rtt);
      sent_at_.erase(sent);
      ++replies_;
    }
  }

  void send_icmp(MacAddress dst_mac, Ipv4Address dst, const IcmpRepr& icmp, ByteSpan payload,
                 Instant now) {
    const Ipv4Repr ip{.src = ip_,
                      .dst = dst,
                      .protocol = static_cast<std::uint8_t>(IpProtocol::icmp),
                      .payload_len = static_cast<std::uint16_t>(icmp.header_len() + payload.size()),
                      .ident = next_ident_++};
    std::vector<std::byte> frame(kEthernetHeaderLen + ip.total_len());
    const auto l3 = std::span(frame).subspan(kEthernetHeaderLen);
    const auto l4 = l3.subspan(ip.header_len());
    std::copy(payload.begin(), payload.end(), l4.begin() + IcmpRepr::header_len());
    EthernetRepr{dst_mac, mac_, static_cast<std::uint16_t>(EtherType::ipv4)}.emit(frame);
    ip.emit(l3, ChecksumMode::software);
    icmp.emit(l4, ChecksumMode::software);
    transmit(frame, now);
  }

  const char* name_;
  MacAddress mac_;
  Ipv4Address ip_;
  sim::Link& link_;
  sim::LinkEnd end_;
  std::map<std::uint32_t, MacAddress> arp_cache_;
  std::map<std::uint16_t, Instant> sent_at_;
  std::vector<double> rtts_ms_;
  std::uint16_t next_ident_ = 1;
  unsigned replies_ = 0;
  unsigned dropped_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse_args(argc, argv);
  if (!options) return 2;

  sim::Impairment impairment;
  impairment.loss = options->loss;
  impairment.corrupt = options->corrupt;
  impairment.delay = std::chrono::microseconds(options->delay_us);
  impairment.rate_bits_per_second = 100'000'000'000;  // 100 GbE
  sim::Link link(sim::LinkConfig{impairment, impairment, options->seed});

  std::optional<dev::PcapWriter> capture;
  if (!options->pcap.empty()) {
    try {
      capture.emplace(options->pcap);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tandem-link-ping: %s\n", e.what());
      return 1;
    }
    link.set_capture(&*capture);
  }

  const auto a_ip = Ipv4Address::from_octets(10, 0, 0, 1);
  const auto b_ip = Ipv4Address::from_octets(10, 0, 0, 2);
  Host a("A", {{0x02, 0, 0, 0, 0, 0x01}}, a_ip, link, sim::LinkEnd::a);
  Host b("B", {{0x02, 0, 0, 0, 0, 0x02}}, b_ip, link, sim::LinkEnd::b);

  std::printf(
      "PING %s from %s over the link model: %u requests, loss %.3g, corrupt %.3g, "
      "delay %ld us, seed %llu\n",
      b_ip.to_string().c_str(), a_ip.to_string().c_str(), options->count, options->loss,
      options->corrupt, options->delay_us, static_cast<unsigned long long>(options->seed));

  const Duration interval = std::chrono::milliseconds(options->interval_ms);
  Instant now{};
  unsigned sent = 0;
  Instant next_send = now;
  // Each tick either sends (retrying ARP until B answers) or runs the link to
  // its next delivery, so virtual time jumps straight to where something happens.
  while (sent < options->count || link.in_flight() > 0) {
    if (sent < options->count && (!link.next_delivery() || *link.next_delivery() >= next_send)) {
      now = next_send;
      link.advance(now);
      if (!a.knows(b_ip)) {
        a.send_arp_request(b_ip, now);
      } else {
        a.send_echo_request(b_ip, static_cast<std::uint16_t>(++sent), now);
      }
      next_send = now + interval;
    } else {
      now = *link.next_delivery();
      link.advance(now);
    }
  }

  const unsigned replies = a.replies();
  std::printf("--- %s ping statistics ---\n", b_ip.to_string().c_str());
  std::printf("%u packets transmitted, %u received, %.1f%% packet loss\n", sent, replies,
              sent ? 100.0 * (sent - replies) / sent : 0.0);
  if (!a.rtts_ms().empty()) {
    double lo = a.rtts_ms().front(), hi = lo, sum = 0;
    for (double r : a.rtts_ms())
      lo = std::min(lo, r), hi = std::max(hi, r), sum += r;
    std::printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n", lo, sum / a.rtts_ms().size(), hi);
  }
  std::printf("frames refused by the parsers (corrupted or not ours): A %u, B %u\n", a.dropped(),
              b.dropped());
  if (capture) {
    capture->flush();
    std::printf("capture: %s (%llu frames)\n", options->pcap.c_str(),
                static_cast<unsigned long long>(capture->frames_written()));
  }
  return replies > 0 ? 0 : 1;
}
