#!/usr/bin/env bash
# Quick start 1: install what is missing, build, and run the server in demo mode.
# A synthetic lesson is live in room "demo": open http://localhost:8080
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target airclass
exec ./build/airclass serve --demo "$@"
