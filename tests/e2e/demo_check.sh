#!/usr/bin/env bash
# ctest e2e_demo_check: `scripts/demo.sh --check` against the authflow program already built
# (no install, no build): the development provider, `authflow serve`, a sign-in and sign-out in
# headless Chromium. Screenshots and report.json go to the directory given as $2.
#   demo_check.sh AUTHFLOW_BIN ARTIFACTS_DIR
# Without Chromium or the npm packages it is skipped (exit 77), except under CI=true where it fails.
set -uo pipefail
bin=$1
artifacts=$2
root="$(cd "$(dirname "$0")/../.." && pwd)"
missing=""
[ -x /usr/bin/chromium ] || missing="Debian's chromium (/usr/bin/chromium)"
[ -f "$root/tests/support/node/node_modules/playwright-core/package.json" ] ||
    missing="playwright-core in tests/support/node/node_modules"
[ -d "$root/tests/support/node/node_modules/oidc-provider" ] ||
    missing="oidc-provider in tests/support/node/node_modules"
command -v node >/dev/null || missing="Node.js"
if [ -n "$missing" ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "demo_check: missing $missing (required under CI)" >&2
        exit 1
    fi
    echo "demo_check: skipped: missing $missing" >&2
    exit 77
fi
rm -rf "$artifacts"
AUTHFLOW_BIN=$bin exec "$root/scripts/demo.sh" --check --no-build --artifacts "$artifacts"
