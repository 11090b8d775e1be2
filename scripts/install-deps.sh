#!/usr/bin/env bash
# Installs everything authflow needs to build and test, from the Debian archive and the npm registry.
# Idempotent and quick when everything is present. Run as root, or as a user with sudo.
#   scripts/install-deps.sh            build + test dependencies
#   scripts/install-deps.sh --no-npm   Debian packages only
set -euo pipefail
cd "$(dirname "$0")/.."

with_npm=1
for arg in "$@"; do
    case "$arg" in
    --no-npm) with_npm=0 ;;
    *) echo "install-deps: unknown option '$arg'" >&2; exit 2 ;;
    esac
done

packages=(
    build-essential cmake ninja-build pkg-config ccache clang-format clang-14 libclang-rt-14-dev
    libcurl4-openssl-dev libssl-dev nlohmann-json3-dev libsimdjson-dev libcpp-httplib-dev
    libhiredis-dev libsecret-1-dev libsqlite3-dev libcli11-dev libtomlplusplus-dev
    libgtest-dev libgmock-dev libbenchmark-dev libqrencode-dev
    redis-server gnome-keyring dbus libsecret-tools tinyproxy openssl curl wrk zbar-tools
    chromium groff-base man-db dpkg-dev nginx caddy
    python3-dev python3-venv python3-setuptools python3-wheel pybind11-dev python3-pybind11 python3-pytest
    python3-httpx python3-mypy python3-authlib python3-jwt python3-fastapi python3-starlette
    python3-uvicorn
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
    sudo_cmd=(sudo)
fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

if [ "$with_npm" -eq 1 ]; then
    if ! command -v node >/dev/null; then
        echo "install-deps: Node.js 20 or newer is required (it comes with the machine image; do not apt-install nodejs)" >&2
        exit 1
    fi
    node_major=$(node -p 'process.versions.node.split(".")[0]')
    if [ "$node_major" -lt 20 ]; then
        echo "install-deps: Node.js $(node -v) is too old: 20 or newer is required" >&2
        exit 1
    fi
    if [ ! -d tests/support/node/node_modules ] ||
        [ tests/support/node/package-lock.json -nt tests/support/node/node_modules ]; then
        (cd tests/support/node && npm ci --no-audit --no-fund --loglevel=error)
    fi
fi
echo "install-deps: ok"
