#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Resource estimate of one RTL module for an UltraScale+ part, from yosys:
#
#   rtl/synth/resources.sh [-uram] [-log FILE] [-set PARAM VALUE]... [-lib FILE.sv]...
#                          MODULE FILE.sv...
#
# runs  read_verilog -sv FILE...; chparam ...; synth_xilinx -family xcup -flatten
# -top MODULE; stat  and prints yosys's cell counts by kind, then one summary line
#
#   MODULE LUT FF BRAM36 URAM
#
# LUT counts LUT1..LUT6 (a LUTRAM or SRL cell counts as the LUTs it occupies:
# RAM32M/RAM64M/RAM32M16/RAM64M8 as 4/4/8/8, RAM32X1D/RAM64X1D as 2, the rest
# as 1); FF counts FDRE/FDSE/FDCE/FDPE; BRAM36 counts RAMB36E2 as 1 and
# RAMB18E2 as 0.5; URAM counts URAM288. The design is flattened so that the
# counts are the whole module's. yosys does no placement or timing: these are
# pre-implementation numbers, useful to compare designs, not to sign off.
#
# -uram lets yosys map large memories to UltraRAM (synth_xilinx -uram);
# without it they go to block RAM. -log FILE keeps yosys's full log.
# -lib FILE.sv reads FILE's modules as black boxes (their ports only), left
# out of the count: nic_top's table_mem_model, which stands for HBM/DDR on the
# card and is not logic of the NIC (and whose 16K-word initial block yosys
# would take half an hour to unroll).
set -euo pipefail

usage() {
  echo "usage: $0 [-uram] [-log FILE] [-set PARAM VALUE]... [-lib FILE.sv]... MODULE FILE.sv..." >&2
  exit 2
}

uram=""
log=""
chparams=()
libs=()
while (($# > 0)); do
  case "$1" in
    -uram)
      uram="-uram"
      shift
      ;;
    -log)
      (($# >= 2)) || usage
      log="$2"
      shift 2
      ;;
    -set)
      (($# >= 3)) || usage
      chparams+=("$2" "$3")
      shift 3
      ;;
    -lib)
      (($# >= 2)) || usage
      libs+=("$2")
      shift 2
      ;;
    -h | --help) usage ;;
    *) break ;;
  esac
done
(($# >= 2)) || usage
top="$1"
shift
files=("$@")
for f in "${files[@]}" "${libs[@]}"; do
  [[ -f "$f" ]] || {
    echo "$0: no such file: $f" >&2
    exit 2
  }
done
command -v yosys >/dev/null || {
  echo "$0: yosys not found" >&2
  exit 2
}

script="read_verilog -sv ${files[*]};"
if ((${#libs[@]} > 0)); then
  script+=" read_verilog -sv -lib ${libs[*]};"
fi
for ((i = 0; i < ${#chparams[@]}; i += 2)); do
  script+=" chparam -set ${chparams[i]} ${chparams[i + 1]} $top;"
done
script+=" synth_xilinx -family xcup -flatten $uram -top $top; stat"

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if ! yosys -p "$script" >"$tmp" 2>&1; then
  grep -E "ERROR|error" "$tmp" >&2 || tail -20 "$tmp" >&2
  exit 1
fi
[[ -n "$log" ]] && cp "$tmp" "$log"

# The last "Number of cells" block is the flattened top's.
stat_block=$(awk '/Printing statistics/ { from = NR } { line[NR] = $0 } END { for (i = from; i <= NR; i++) print line[i] }' "$tmp")
echo "$stat_block" | sed -n '/Number of cells/,/^$/p'

echo "$stat_block" | awk -v top="$top" '
  $1 ~ /^(LUT[1-6])$/ { lut += $2 }
  $1 ~ /^(RAM32M|RAM64M)$/ { lut += 4 * $2 }
  $1 ~ /^(RAM32M16|RAM64M8)$/ { lut += 8 * $2 }
  $1 ~ /^(RAM32X1D|RAM64X1D)$/ { lut += 2 * $2 }
  $1 ~ /^(RAM32X1S|RAM64X1S|RAM128X1S|SRL16E|SRLC32E)$/ { lut += $2 }
  $1 ~ /^(RAM128X1D)$/ { lut += 4 * $2 }
  $1 ~ /^(RAM256X1S)$/ { lut += 4 * $2 }
  $1 ~ /^(RAM256X1D|RAM512X1S)$/ { lut += 8 * $2 }
  $1 ~ /^(FDRE|FDSE|FDCE|FDPE)$/ { ff += $2 }
  $1 == "RAMB36E2" { bram += $2 }
  $1 == "RAMB18E2" { bram += 0.5 * $2 }
  $1 == "URAM288" { uram += $2 }
  END {
    printf "module LUT FF BRAM36 URAM\n"
    printf "%s %d %d %g %d\n", top, lut, ff, bram, uram
  }'
