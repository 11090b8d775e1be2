#!/usr/bin/env bash
# run.sh <build dir> <consumer source dir>: install, then build and run the consumer two ways.
set -euo pipefail
build=$1
consumer=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
libdir=$(find "$work/prefix" -name 'libauthflow.so*' -o -name 'libauthflow.a' | head -1 | xargs dirname)
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
test -x "$work/prefix/bin/authflow" || { echo "the authflow CLI was not installed"; exit 1; }
"$work/prefix/bin/authflow" --version | grep -q '^authflow '

flags=${CONSUMER_FLAGS:-}
cmake -S "$consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$work/prefix" \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
"$work/cmake-build/consumer"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
# A static library needs its own dependencies on the link line (Requires.private).
static=()
[ ! -e "$libdir/libauthflow.a" ] || static=(--static)
# shellcheck disable=SC2046,SC2086
c++ $flags "$consumer/consumer.cpp" -o "$work/pc-consumer" \
    $(pkg-config "${static[@]}" --cflags --libs authflow)
"$work/pc-consumer"
echo "packaging: ok"
