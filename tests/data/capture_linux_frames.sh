#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Captures real frames from the Linux stack into tests/data/linux_frames.pcap, so
# that Tandem's parsers and emitters are checked against what Linux actually puts
# on the wire (option layout, checksums, padding), not against our reading of the
# RFCs.
#
# Two network namespaces joined by a veth pair; dumpcap listens on side A while
# A talks to B: ARP, ping, a TCP exchange with a FIN close, a TCP SYN to a closed
# port (RST), UDP to an open and to a closed port (ICMP port unreachable), and a
# bulk TCP transfer of full-sized segments.
#
# Needs root, iproute2, ethtool, iputils-ping, socat, dumpcap and tshark
# (apt-get install -y ethtool iputils-ping socat tshark). The pcap is committed; run
# this only to regenerate it. Safe to rerun: it removes what an earlier run left.
set -euo pipefail

readonly NS_A=tandem-cap-a
readonly NS_B=tandem-cap-b
readonly IF_A=tcap-a
readonly IF_B=tcap-b
readonly IP_A=10.99.0.1
readonly IP_B=10.99.0.2
# Fixed, locally administered MACs so a regenerated capture differs only where
# Linux itself is random (ISNs, timestamps, IP IDs).
readonly MAC_A=02:00:00:99:00:01
readonly MAC_B=02:00:00:99:00:02

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${here}/linux_frames.pcap"
work=""
dumpcap_pid=""
server_pids=()

for tool in ip ethtool ping socat dumpcap tshark; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { echo "run as root (creates network namespaces)" >&2; exit 1; }

cleanup() {
  local pid
  for pid in "${server_pids[@]}" $dumpcap_pid; do
    kill "$pid" 2>/dev/null || true
  done
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
  [[ -z $work ]] || rm -rf "$work"
}
trap cleanup EXIT
# A signal would otherwise end bash without running the EXIT trap.
trap 'exit 130' INT TERM HUP
# An earlier run that was killed hard may have left its namespaces behind.
ip netns del "$NS_A" 2>/dev/null || true
ip netns del "$NS_B" 2>/dev/null || true
work="$(mktemp -d)"

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add "$IF_A" address "$MAC_A" netns "$NS_A" type veth \
  peer name "$IF_B" address "$MAC_B" netns "$NS_B"

for ns in "$NS_A" "$NS_B"; do
  # IPv6 would add router solicitations and MLD reports: noise Tandem does not parse.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  # Linux's defaults, pinned so the SYN carries MSS, SACK-permitted, timestamps and
  # window scale whatever the host was tuned to.
  ip netns exec "$ns" sysctl -qw net.ipv4.tcp_sack=1 net.ipv4.tcp_timestamps=1 \
    net.ipv4.tcp_window_scaling=1 net.ipv4.tcp_ecn=0
done

# veth defaults to checksum offload, which leaves partial checksums in frames
# captured on the sending side; with it off the kernel fills them in, and without
# TSO/GSO/GRO every captured segment is one real on-the-wire frame.
for pair in "$NS_A:$IF_A" "$NS_B:$IF_B"; do
  ns="${pair%%:*}" dev="${pair##*:}"
  ip netns exec "$ns" ethtool -K "$dev" tx off rx off tso off gso off gro off >/dev/null
done

in_a ip addr add "$IP_A/24" dev "$IF_A"
in_b ip addr add "$IP_B/24" dev "$IF_B"
in_a ip link set "$IF_A" up
in_b ip link set "$IF_B" up
in_a ip link set lo up
in_b ip link set lo up

# Started without the in_a wrapper so that $! is dumpcap itself (ip netns exec
# execs its command), and stopped with TERM: background jobs of a script ignore INT.
ip netns exec "$NS_A" dumpcap -q -i "$IF_A" -w "$work/raw.pcapng" 2>"$work/dumpcap.log" &
dumpcap_pid=$!
for _ in $(seq 50); do
  grep -q "Capturing on" "$work/dumpcap.log" 2>/dev/null && break
  sleep 0.1
done
sleep 0.5

# ARP request and reply, then two echo requests and replies.
in_a ip neigh flush dev "$IF_A"
in_b ip neigh flush dev "$IF_B"
in_a ping -c 2 -i 0.2 -W 2 "$IP_B" >/dev/null

# TCP: the client sends a line and half-closes; the server answers and closes.
# shellcheck disable=SC2016 # $line is for the shell socat starts, not this one
ip netns exec "$NS_B" socat TCP-LISTEN:5001,reuseaddr SYSTEM:'read line; echo "tandem pong: $line"' &
server_pids+=($!)
sleep 0.3
reply="$(printf 'tandem ping 1\n' | in_a socat -t 2 - "TCP:$IP_B:5001")"
[[ $reply == "tandem pong: tandem ping 1" ]] || { echo "bad TCP reply: $reply" >&2; exit 1; }

# TCP to a closed port: SYN, then RST|ACK.
if in_a socat -u /dev/null "TCP:$IP_B:5002" 2>/dev/null; then
  echo "port 5002 unexpectedly open" >&2
  exit 1
fi

# UDP to a listening port (odd payload length), then to a closed one, which draws
# an ICMP port unreachable quoting the datagram.
ip netns exec "$NS_B" socat -u UDP4-RECVFROM:5003 OPEN:"$work/udp.out",creat &
server_pids+=($!)
sleep 0.3
printf 'tandem udp' | in_a socat -u - "UDP4-SENDTO:$IP_B:5003"
printf 'to nobody' | in_a socat -u - "UDP4-SENDTO:$IP_B:5004"
sleep 0.3

# Bulk TCP: enough data for a run of full-sized segments and cumulative ACKs.
ip netns exec "$NS_B" socat -u TCP-LISTEN:5005,reuseaddr OPEN:"$work/bulk.out",creat &
server_pids+=($!)
sleep 0.3
seq 1 4000 | head -c 12000 >"$work/bulk.in"
in_a socat -u "$work/bulk.in" "TCP:$IP_B:5005"
sleep 0.5
cmp -s "$work/bulk.in" "$work/bulk.out" || { echo "bulk transfer corrupted" >&2; exit 1; }

kill -TERM "$dumpcap_pid"
wait "$dumpcap_pid" || true
dumpcap_pid=""

# Keep only the protocols Tandem parses (drops anything else the kernel may send)
# and write classic libpcap, which every reader opens.
tshark -r "$work/raw.pcapng" -Y 'arp or icmp or tcp or udp' -F pcap -w "$work/frames.pcap" 2>/dev/null

# With offloads off every checksum must verify; a bad one means the capture is not
# what the tests assume, so refuse it rather than filter it away.
bad="$(tshark -r "$work/frames.pcap" \
  -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
  -Y 'ip.checksum.status == "Bad" or tcp.checksum.status == "Bad" or udp.checksum.status == "Bad" or icmp.checksum.status == "Bad"' \
  2>/dev/null | wc -l)"
[[ $bad -eq 0 ]] || { echo "$bad frames with bad checksums" >&2; exit 1; }

mv "$work/frames.pcap" "$out"
echo "wrote $out: $(tshark -r "$out" 2>/dev/null | wc -l) frames, $(stat -c %s "$out") bytes"
