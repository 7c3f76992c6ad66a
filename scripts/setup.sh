#!/usr/bin/env bash
# Installs everything AirClass needs to build, run and test, from Debian's packages and npm only.
# Idempotent: installs only what is missing. Usage: scripts/setup.sh [--bench]
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  build-essential cmake pkg-config git ca-certificates
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-nice gstreamer1.0-tools gstreamer1.0-x
  libwebsockets-dev libboost-dev libssl-dev libgtest-dev libgmock-dev googletest
  nlohmann-json3-dev libtomlplusplus-dev libsqlite3-dev libsrtp2-dev libsrt-openssl-dev
  clang libclang-rt-14-dev
  ffmpeg chromium fonts-dejavu-core procps iproute2 curl
  python3-prometheus-client
)
# Node.js and npm: Debian's, unless the machine already has them (e.g. a newer Node.js).
command -v node >/dev/null 2>&1 || PKGS+=(nodejs)
command -v npm >/dev/null 2>&1 || PKGS+=(npm)
if [ "${1:-}" = "--bench" ]; then
  PKGS+=(nginx libnginx-mod-rtmp wrk gnuplot-nox linux-perf valgrind hyperfine janus bc python3 time)
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -f web/package-lock.json ] && [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
