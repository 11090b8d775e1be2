#!/usr/bin/env bash
# Sets up everything authflow needs, builds it and runs every test.
#   scripts/test.sh [preset] [ctest arguments...]     preset: dev (default), asan, tsan, release, minimal
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-dev}
shift || true

scripts/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" "$@"
