#!/usr/bin/env bash
# The main demo: tandem-http on the co-simulated NIC (`sim`: the RTL under
# Verilator; `tap`, the HLS kernels as C++, when this build has no Verilator
# model) behind a TAP device in a network namespace of its own. Linux's curl and
# wrk fetch from it; the demo then prints what happened — requests, bytes,
# throughput, retransmissions, the NIC's counters — and where the capture is,
# with tshark's verdict on it.
#
# Without root (no namespaces, no TAP) it runs two Tandem stacks over the link
# model instead, and says so.
#
#   TANDEM_DEMO_DIR   where the capture and logs go (default build/demo)
#   TANDEM_DEMO_SECS  how long wrk runs (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."

out=${TANDEM_DEMO_DIR:-build/demo}
secs=${TANDEM_DEMO_SECS:-5}
mkdir -p "$out"

# The sim backend needs the Verilated NIC (on by default; said here so that a
# build directory configured without it gets it back).
cmake --preset release -DTANDEM_WITH_VERILATOR=ON >/dev/null
cmake --build --preset release --target tandem-http -j "$(nproc)"
http=build/release/examples/tandem-http

if [[ $(id -u) -ne 0 || ! -c /dev/net/tun ]]; then
  echo
  echo "demo: not root or no /dev/net/tun: running two Tandem stacks over the link model"
  echo "demo: (soft backend, virtual time) instead of Linux against Tandem on a TAP."
  "$http" --backend soft --requests 2000 --clients 8 --body-bytes 4096 --pcap "$out/soft.pcap"
  echo "demo: capture: $out/soft.pcap"
  exit 0
fi

backend=sim
# Listed first: grep -q would end the pipe early and pipefail take ninja's SIGPIPE for a miss.
targets=$(ninja -C build/release -t targets all 2>/dev/null || true)
if ! grep -q 'libtandem_sim_device\.a:' <<<"$targets"; then
  backend=tap
  echo "demo: this build has no Verilator model of the NIC; using the tap backend"
fi

ns="tdm-demo-$$"
pcap="$out/http-$backend.pcap"
log="$out/tandem-http.log"
server=""
cleanup() {
  if [[ -n $server ]]; then kill -TERM "$server" 2>/dev/null || true; fi
  ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
rm -f "$pcap"
ip netns exec "$ns" "$http" --backend "$backend" --iface tdm0 --ip 10.99.0.2/24 --port 8080 \
  --body-bytes 4096 --pcap "$pcap" >"$log" 2>&1 &
server=$!
# The TAP appears when tandem-http opens it; then Linux gets its address.
for _ in $(seq 100); do
  ip netns exec "$ns" ip link show tdm0 >/dev/null 2>&1 && break
  sleep 0.1
done
ip netns exec "$ns" ip addr add 10.99.0.1/24 dev tdm0
ip netns exec "$ns" ip link set tdm0 up
# It says "serving" once its listener exists.
for _ in $(seq 100); do
  grep -q serving "$log" && break
  sleep 0.1
done

echo
echo "demo: Linux (10.99.0.1) -> tandem-http on the $backend backend (10.99.0.2), namespace $ns"
echo "demo: curl http://10.99.0.2:8080/"
ip netns exec "$ns" curl -sS -m 10 -o /dev/null \
  -w 'demo: curl: HTTP %{http_code}, %{size_download} bytes in %{time_total} s\n' \
  http://10.99.0.2:8080/
echo "demo: wrk -t2 -c16 -d${secs}s http://10.99.0.2:8080/"
ip netns exec "$ns" wrk -t2 -c16 -d"${secs}s" http://10.99.0.2:8080/

kill -TERM "$server"
wait "$server" || true
server=""
echo
echo "demo: what tandem-http saw:"
cat "$log"
echo
frames=$(capinfos -c -M -T -r "$pcap" 2>/dev/null | cut -f2)
bad=$(tshark -r "$pcap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
  -Y '_ws.malformed || _ws.expert.severity >= error || (tcp.checksum.status == "Bad" && tcp.checksum != 0xffff)' 2>/dev/null |
  wc -l)
echo "demo: capture: $pcap ($frames frames; tshark flags $bad of them)"
