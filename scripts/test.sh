#!/usr/bin/env bash
# Sets up everything authflow needs, builds it and runs every test.
#   scripts/test.sh                       every test: the C++ suite built with AddressSanitizer and
#                                         UndefinedBehaviorSanitizer (preset asan), then the Python
#                                         package's tests, with the benchmarks and examples built
#                                         (preset python)
#   scripts/test.sh PRESET [ctest args]   one preset: dev (every test, no sanitizer), asan, tsan,
#                                         python, release, minimal
set -euo pipefail
cd "$(dirname "$0")/.."

build_and_test() {
    local preset=$1
    shift
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset"
    ctest --preset "$preset" "$@"
}

if [[ $# -gt 0 ]] && ! cmake --list-presets 2>/dev/null | grep -qF "  \"$1\""; then
    echo "scripts/test.sh: there is no preset \"$1\"." >&2
    cmake --list-presets >&2
    exit 2
fi

scripts/install-deps.sh
if [[ $# -eq 0 ]]; then
    build_and_test asan
    build_and_test python
else
    build_and_test "$@"
fi
