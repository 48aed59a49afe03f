#!/usr/bin/env bash
# The main demo. Until the TCP stack and its examples land, it runs the most
# complete thing that works end to end: two hosts built from Tandem's wire
# formats pinging each other over the impaired link model, captured to pcap and
# decoded by tshark — Linux's own dissectors checking Tandem's frames.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "demo: this is the foundation demo (wire formats + link model + pcap);"
echo "demo: the TCP echo/HTTP demo replaces it when the host stack lands."

cmake --preset release >/dev/null
cmake --build --preset release --target tandem-link-ping -j "$(nproc)"

out=${TANDEM_DEMO_DIR:-build/demo}
mkdir -p "$out"
pcap="$out/link-ping.pcap"

echo
build/release/examples/tandem-link-ping --count 20 --loss 0.05 --corrupt 0.02 --delay-us 250 \
  --seed 7 --pcap "$pcap"

echo
echo "demo: tshark's view of the capture ($pcap):"
tshark -r "$pcap" -c 12 -o ip.check_checksum:TRUE 2>/dev/null
echo "..."
echo "demo: frames whose checksum tshark rejects (the link model's bit flips):"
tshark -r "$pcap" -o ip.check_checksum:TRUE -Y "ip.checksum.status == 0 || icmp.checksum.status == 0" \
  2>/dev/null
