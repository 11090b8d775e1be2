#!/usr/bin/env bash
# install_check.sh <python> <build dir>: `cmake --install` of the lib and python components
# into a fresh virtual environment, then the package imported from there (not from the
# source or build tree) and used once.
set -euo pipefail
python=$1
build=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/authflow-install-XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$python" -m venv --system-site-packages "$dir/venv"
cmake --install "$build" --prefix "$dir/venv" --component lib >/dev/null
cmake --install "$build" --prefix "$dir/venv" --component python >/dev/null
cd "$dir"
env -u PYTHONPATH "$dir/venv/bin/python" - "$dir/venv" <<'PY'
import sys
import authflow
assert authflow.__file__.startswith(sys.argv[1]), authflow.__file__
assert authflow.PKCEChallenge.generate().method == "S256"
assert authflow.get_token_store("memory").backend == "memory"
print("installed:", authflow.__file__)
PY
