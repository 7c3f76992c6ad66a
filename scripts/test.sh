#!/usr/bin/env bash
# Quick start 2: install what is missing, build, and run every test:
#   1. the release build with warnings as errors: unit, integration and browser (Chromium) tests;
#   2. the same tests under AddressSanitizer + UndefinedBehaviorSanitizer (browser tests excluded: the
#      browser is not our code; they run against the release build);
#   3. every libFuzzer target built with clang, run for a short time each on its seed corpus.
# Usage: scripts/test.sh [--quick]   (--quick: release build and tests only)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc)
bash scripts/setup.sh

step() { printf '\n== %s ==\n' "$*"; }

step "release build (warnings are errors)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAIRCLASS_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
step "tests (release)"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 300)

[ "${1:-}" = "--quick" ] && exit 0

step "sanitizer build (ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DAIRCLASS_WERROR=ON -DAIRCLASS_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
step "tests (ASan + UBSan)"
# (sanitizer options and leak suppressions are compiled in: cmake/sanitizer_defaults.cpp)
(cd build-asan && ctest --output-on-failure -j"$jobs" --timeout 600 -LE e2e)

step "fuzz targets (libFuzzer, clang)"
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DAIRCLASS_FUZZ=ON -DAIRCLASS_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$jobs" --target all
fuzz_seconds=${AIRCLASS_FUZZ_SECONDS:-10}
fuzz() {  # $1: a fuzz target; runs it on a copy of its seed corpus
  local name work corpus
  name=$(basename "$1")
  corpus="$root/tests/fuzz/corpus/${name#fuzz_}"
  work=$(mktemp -d)
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
  echo "fuzz: $name for ${fuzz_seconds}s"
  if ! "$1" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -print_final_stats=0 "$work" >"$work.log" 2>&1; then
    cat "$work.log"
    echo "fuzz: $name FAILED"
    return 1
  fi
  rm -rf "$work" "$work.log"
}
# One target per core at a time.
passed=0 failed=0 running=0
for f in build-fuzz/tests/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  fuzz "$f" &
  running=$((running + 1)) passed=$((passed + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=$((failed + 1))
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=$((failed + 1))
  running=$((running - 1))
done
[ "$failed" -eq 0 ] || { echo "fuzz: $failed of $passed targets FAILED"; exit 1; }
echo "fuzz: $passed targets ran clean"
