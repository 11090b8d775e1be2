#!/usr/bin/env bash
# Builds authflow's Debian packages (CPack, cmake/AuthflowPackaging.cmake) and prints their paths.
# Idempotent: builds what changed and makes the packages again. Run as root, or as a user with sudo
# (for the build dependencies and --install-check).
#   scripts/package.sh                          build/package/packages/*.deb
#   scripts/package.sh --install-check [--keep] also install them with apt-get, check the command,
#                                               its man page and a program built against /usr, then
#                                               purge them again (--keep leaves them installed)
set -euo pipefail
cd "$(dirname "$0")/.."

install_check=0
keep=0
for arg in "$@"; do
    case "$arg" in
    --install-check) install_check=1 ;;
    --keep) keep=1 ;;
    *) echo "package: unknown option '$arg'" >&2; exit 2 ;;
    esac
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "package: run as root or install sudo" >&2; exit 1; }
    sudo_cmd=(sudo)
fi

scripts/install-deps.sh --no-npm
# The `package` preset: Release, prefix /usr, no tests, benchmarks or examples (build/package).
cmake --preset package >/dev/null
cmake --build --preset package
out=build/package/packages
rm -f "$out"/*.deb # a package of an older version must not be installed by the glob below
cpack --preset package >/dev/null
debs=("$out"/*.deb)
[ -e "${debs[0]}" ] || { echo "package: cpack made no .deb in $out" >&2; exit 1; }
printf '%s\n' "${debs[@]}"
[ "$install_check" -eq 1 ] || exit 0

# --- install, use, remove ---
names=()
for deb in "${debs[@]}"; do
    names+=("$(dpkg-deb -f "$deb" Package)")
done
before=$(dpkg-query -W -f='${Package}\n' | sort)
for name in "${names[@]}"; do
    if dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q 'ok installed'; then
        echo "package: $name is already installed; --install-check would replace and remove it" >&2
        exit 1
    fi
done
remove() {
    [ "$keep" -eq 0 ] || { echo "package: left installed: ${names[*]}"; return; }
    # Ours, and whatever apt-get installed for them that was not there before. Purged: the
    # library package's postrm (ldconfig) would otherwise leave it in state "config-files".
    local added
    added=$(comm -13 <(echo "$before") <(dpkg-query -W -f='${Package}\n' | sort) |
        grep -vxF -f <(printf '%s\n' "${names[@]}") | tr '\n' ' ' || true)
    # shellcheck disable=SC2086
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${names[@]}" $added \
        >/dev/null
    echo "package: purged ${names[*]}${added:+ and $added}"
}
trap remove EXIT

debs_abs=()
for deb in "${debs[@]}"; do debs_abs+=("$PWD/$deb"); done
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${debs_abs[@]}" >/dev/null
echo "package: installed ${names[*]}"

fail() { echo "package: $*" >&2; exit 1; }
version=$(sed -n 's/^project(authflow VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ "$(command -v authflow)" = /usr/bin/authflow ] || fail "authflow is not /usr/bin/authflow"
/usr/bin/authflow --version | grep -q "^authflow $version" ||
    fail "authflow --version does not say $version: $(/usr/bin/authflow --version | head -1)"
[ "$(man -w authflow)" = /usr/share/man/man1/authflow.1.gz ] ||
    fail "man -w authflow: $(man -w authflow 2>&1)"
man -P cat authflow 2>/dev/null | grep -q . || fail "man authflow shows nothing"
# Each file in the package it belongs to.
owner() { dpkg-query -S "$1" | cut -d: -f1; }
libdir=$(dirname "$(dpkg-query -L "${names[@]}" | grep -m1 '/libauthflow\.so\.')")
[ "$(owner /usr/bin/authflow)" = authflow ] || fail "/usr/bin/authflow is not in authflow"
[ "$(owner /usr/include/authflow/authflow.hpp)" = libauthflow-dev ] ||
    fail "the headers are not in libauthflow-dev"
[ "$(owner "$libdir/libauthflow.so")" = libauthflow-dev ] || fail "libauthflow.so is not in -dev"
[ "$(owner "$libdir/cmake/authflow/authflowConfig.cmake")" = libauthflow-dev ] ||
    fail "the CMake package is not in libauthflow-dev"
[ "$(owner "$libdir/pkgconfig/authflow.pc")" = libauthflow-dev ] ||
    fail "authflow.pc is not in libauthflow-dev"

# A program built against the installed files, with find_package(authflow) and with pkg-config.
tests/packaging/run.sh --prefix /usr tests/packaging/consumer
echo "package: install check ok"
