#!/usr/bin/env bash
# Verilator lint with -Wall on every SystemVerilog file under rtl/. Packages are
# passed first so that modules importing them resolve; every module is linted
# as a top of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t packages < <(git ls-files 'rtl/*_pkg.sv' 'rtl/**/*_pkg.sv' | sort -u)
mapfile -t modules < <(git ls-files 'rtl/*.sv' 'rtl/**/*.sv' | grep -v '_pkg\.sv$' | sort -u)

if ((${#modules[@]} == 0)); then
  echo "no RTL modules yet"
  exit 0
fi

incdirs=()
for d in $(git ls-files 'rtl/*.sv' 'rtl/**/*.sv' | xargs -n1 dirname | sort -u); do
  incdirs+=("-I$d")
done

status=0
for m in "${modules[@]}"; do
  top=$(basename "$m" .sv)
  if ! verilator --lint-only -Wall "${incdirs[@]}" --top-module "$top" "${packages[@]}" "$m"; then
    echo "lint failed: $m"
    status=1
  fi
done
((status == 0)) && echo "verilator lint clean on ${#modules[@]} modules"
exit $status
