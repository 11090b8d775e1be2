#!/usr/bin/env bash
# install_check.sh <python> cmake <build dir>: `cmake --install` of the lib and python components
#   into a fresh virtual environment;
# install_check.sh <python> pip <source dir>: `pip install --no-build-isolation <source dir>` into
#   one, as docs/python.md tells users (setup.py builds the library in Release under
#   <source dir>/build/, so a second run is incremental);
# then the package is imported from the venv (not from the source or build tree) and used once.
set -euo pipefail
python=$1
how=$2
from=$3
dir=$(mktemp -d "${TMPDIR:-/tmp}/authflow-install-XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$python" -m venv --system-site-packages "$dir/venv"
case "$how" in
cmake)
    cmake --install "$from" --prefix "$dir/venv" --component lib >/dev/null
    cmake --install "$from" --prefix "$dir/venv" --component python >/dev/null
    ;;
pip)
    # Offline: nothing may come from the package registry.
    if ! PIP_NO_INDEX=1 "$dir/venv/bin/pip" install --no-build-isolation "$from" >"$dir/pip.log" 2>&1; then
        tail -n 40 "$dir/pip.log"
        echo "install_check: pip install failed (the last 40 lines of its output are above)" >&2
        exit 1
    fi
    ;;
*)
    echo "install_check: unknown way '$how' (cmake or pip)" >&2
    exit 2
    ;;
esac
cd "$dir"
env -u PYTHONPATH "$dir/venv/bin/python" - "$dir/venv" <<'PY'
import asyncio
import sys
import authflow
assert authflow.__file__.startswith(sys.argv[1]), authflow.__file__
assert authflow.PKCEChallenge.generate().method == "S256"
store = authflow.get_token_store("memory")
assert store.backend == "memory"
asyncio.run(store.save("k", authflow.OAuthTokenSet(access_token="a", token_type="Bearer")))
assert asyncio.run(store.load("k")).access_token == "a"
print("installed:", authflow.__file__)
PY
