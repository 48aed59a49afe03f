#!/usr/bin/env bash
# Installs the Debian 12 packages Tandem builds, tests and demos with. Idempotent
# and non-interactive: it installs only what is missing, and does nothing (not
# even `apt-get update`) when everything is there.
set -euo pipefail

packages=(
  # toolchain and build
  build-essential cmake ninja-build pkg-config clang-format clang-tidy
  # test framework and capture library
  libboost-test-dev libpcap-dev
  # NIC side: RTL simulation (zlib for Verilator's FST writer) and synthesis estimates
  verilator zlib1g-dev yosys
  # the dpdk backend and the reference functions the NIC kernels are checked against
  libdpdk-dev dpdk-dev
  # real peers and tools for interop tests
  tshark python3-scapy iproute2 iputils-ping socat curl iperf3 wrk apache2-utils netcat-openbsd ethtool
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if ((EUID != 0)); then
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
