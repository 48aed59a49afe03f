#!/usr/bin/env bash
# The whole quality gate, as CI runs it: formatting, RTL lint, static analysis,
# then the test suite in the default build and again under ASan+UBSan.
#   scripts/check.sh            everything
#   scripts/check.sh --quick    default build and tests only
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
jobs=$(nproc)

step() { printf '\n==> %s\n' "$*"; }

sources() { git ls-files -- '*.cpp' '*.hpp' '*.h' '*.cc'; }

if ((!quick)); then
  step "clang-format"
  sources | xargs -r clang-format --dry-run -Werror
  echo "formatting clean"

  step "verilator lint"
  scripts/lint-rtl.sh
fi

step "configure + build (default)"
cmake --preset default >/dev/null
cmake --build --preset default -j "$jobs"

if ((!quick)); then
  step "clang-tidy"
  scripts/tidy.sh build/default
fi

step "tests (default)"
ctest --preset default

if ((!quick)); then
  step "configure + build (asan: AddressSanitizer + UndefinedBehaviorSanitizer)"
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
  step "tests (asan)"
  ctest --preset asan
fi
