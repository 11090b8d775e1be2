#!/usr/bin/env bash
# Sets up everything, builds authflow and shows what it does.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --no-npm
cmake --preset release >/dev/null
cmake --build --preset release --target authflow_cli
cli=build/release/tools/authflow/authflow
echo "\$ authflow --version"
"$cli" --version
echo
echo "\$ authflow pkce"
"$cli" pkce
