#!/usr/bin/env bash
# run.sh <build dir> <consumer source dir>: install, then build and run the consumer two ways.
# run.sh --prefix <prefix> <consumer source dir>: the same against an authflow already installed
#   there, e.g. --prefix /usr after installing the Debian packages (scripts/package.sh).
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "$1" = --prefix ]; then
    prefix=$2
    consumer=$3
    installed=1
else
    prefix=$work/prefix
    consumer=$2
    installed=0
    cmake --install "$1" --prefix "$prefix" >/dev/null
fi

# lib, lib64 or lib/<multiarch> (a Debian system's /usr)
libdir=$(find "$prefix"/lib* -maxdepth 2 \( -name 'libauthflow.so*' -o -name 'libauthflow.a' \) \
    2>/dev/null | head -1 | xargs -r dirname || true)
[ -n "$libdir" ] || { echo "no libauthflow under $prefix"; exit 1; }
[ "$installed" -eq 1 ] || export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
test -x "$prefix/bin/authflow" || { echo "the authflow CLI was not installed"; exit 1; }
"$prefix/bin/authflow" --version | grep -q '^authflow '

flags=${CONSUMER_FLAGS:-}
cmake -S "$consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
"$work/cmake-build/consumer"
# The consumer runs with the library it was built against, not another one (compared by real
# path: on a merged-/usr system the loader finds /usr/lib's through /lib).
if [ -e "$libdir/libauthflow.so" ]; then
    loaded=$(ldd "$work/cmake-build/consumer" |
        sed -n 's/^\s*libauthflow\.so\S* => \(\S*\) .*/\1/p')
    expected=$(readlink -f "$libdir/libauthflow.so")
    if [ -z "$loaded" ] || [ "$(readlink -f "$loaded")" != "$expected" ]; then
        echo "the consumer does not load $libdir/libauthflow.so but '${loaded}'"
        exit 1
    fi
fi

export PKG_CONFIG_PATH="$libdir/pkgconfig"
# A static library needs its own dependencies on the link line (Requires.private).
static=()
[ ! -e "$libdir/libauthflow.a" ] || static=(--static)
# shellcheck disable=SC2046,SC2086
c++ $flags "$consumer/consumer.cpp" -o "$work/pc-consumer" \
    $(pkg-config "${static[@]}" --cflags --libs authflow)
"$work/pc-consumer"
echo "packaging: ok"
