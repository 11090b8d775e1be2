#!/usr/bin/env bash
# authflow's main job, on this machine: installs what is needed, builds the `authflow` program,
# starts a development OpenID Provider (node oidc-provider, demo/op.mjs) with one demo user, and
# `authflow serve` (a small web app with server-side sign-in) against it, both on 127.0.0.1.
# Prints the URL to open and the user to sign in with; runs until Ctrl-C, then stops both.
#
#   scripts/demo.sh [--check] [--no-build] [--port PORT] [--op-port PORT] [--artifacts DIR]
#
#   --check       instead of waiting for you: sign in through the provider's pages in headless
#                 Chromium (demo/check.mjs), read the user's name from the home page, sign out,
#                 check the sign-in page is back; exit 0 on success, 1 otherwise
#   --no-build    skip installing and building: use $AUTHFLOW_BIN (default
#                 build/release/tools/authflow/authflow)
#   --port PORT   the web app's port (default: a free one); --op-port likewise for the provider
#   --artifacts   with --check: keep Chromium's screenshots and report.json in DIR
#
# Environment: AUTHFLOW_BIN (the authflow program), AUTHFLOW_DEMO_USER / AUTHFLOW_DEMO_PASSWORD
# (default demo / demo-password), AUTHFLOW_CHROMIUM (default /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

check=0
build=1
app_port=0
op_port=0
artifacts=""
usage() { sed -n '7,16p' "$0" | sed 's/^# \{0,1\}//' >&2; }
while [ $# -gt 0 ]; do
    case "$1" in
    --check) check=1 ;;
    --no-build) build=0 ;;
    --port) app_port=${2:?--port needs a value}; shift ;;
    --op-port) op_port=${2:?--op-port needs a value}; shift ;;
    --artifacts) artifacts=${2:?--artifacts needs a value}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "demo: unknown option '$1'" >&2; usage; exit 2 ;;
    esac
    shift
done

if [ "$build" -eq 1 ]; then
    scripts/install-deps.sh
    cmake --preset release >/dev/null
    cmake --build --preset release --target authflow_cli
fi
bin=${AUTHFLOW_BIN:-$root/build/release/tools/authflow/authflow}
if [ ! -x "$bin" ]; then
    echo "demo: no authflow program at $bin (build it, or set AUTHFLOW_BIN)" >&2
    exit 1
fi
if ! command -v node >/dev/null || [ ! -d tests/support/node/node_modules/oidc-provider ]; then
    echo "demo: Node.js and tests/support/node/node_modules are needed (scripts/install-deps.sh)" >&2
    exit 1
fi

user=${AUTHFLOW_DEMO_USER:-demo}
password=${AUTHFLOW_DEMO_PASSWORD:-demo-password}

# Free ports on 127.0.0.1, all held open together so that they differ.
free_ports() {
    node -e '
      const net = require("net"); const servers = [];
      for (let i = 0; i < Number(process.argv[1]); i++) servers.push(net.createServer());
      Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", ok))))
        .then(() => { console.log(servers.map((s) => s.address().port).join(" "));
                      servers.forEach((s) => s.close()); });' "$1"
}
read -r free_a free_b < <(free_ports 2)
[ "$app_port" -ne 0 ] || app_port=$free_a
[ "$op_port" -ne 0 ] || op_port=$free_b
if [ "$app_port" -eq "$op_port" ]; then
    echo "demo: --port and --op-port must differ" >&2
    exit 2
fi
app_url="http://127.0.0.1:$app_port"
op_url="http://127.0.0.1:$op_port"

work=$(mktemp -d "${TMPDIR:-/tmp}/authflow-demo.XXXXXX")
op_pid=""
serve_pid=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in $serve_pid $op_pid; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $serve_pid $op_pid; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'echo; echo "demo: stopping"; exit 0' INT TERM

show_logs() {
    echo "--- provider log ($op_url)" >&2
    tail -n 20 "$work/op.log" >&2 || true
    echo "--- authflow serve log ($app_url)" >&2
    tail -n 20 "$work/serve.log" >&2 || true
}

# Waits until URL answers, while process PID lives.
wait_for() {
    local url=$1 pid=$2 name=$3
    for _ in $(seq 1 150); do
        if curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "demo: $name exited before it answered at $url" >&2
            show_logs
            exit 1
        fi
        sleep 0.1
    done
    echo "demo: $name did not answer at $url within 15 s" >&2
    show_logs
    exit 1
}

# The provider and the client registered in it (a new secret at every start).
client_id=authflow-demo
node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))' \
    >"$work/client-secret"
chmod 600 "$work/client-secret"
AUTHFLOW_DEMO_CLIENT_ID=$client_id AUTHFLOW_DEMO_CLIENT_SECRET=$(cat "$work/client-secret") \
    AUTHFLOW_DEMO_USER=$user AUTHFLOW_DEMO_PASSWORD=$password \
    node demo/op.mjs --port "$op_port" --redirect-uri "$app_url/auth/callback" >"$work/op.log" 2>&1 &
op_pid=$!
wait_for "$op_url/.well-known/openid-configuration" "$op_pid" "the OpenID Provider"

# authflow serve, its settings from flags (an empty config file: nothing from ~/.config).
: >"$work/config.toml"
"$bin" --config "$work/config.toml" --provider oidc --issuer "$op_url" --client-id "$client_id" \
    --client-secret-file "$work/client-secret" --scopes "openid profile email" \
    serve --listen "127.0.0.1:$app_port" --public-url "$app_url" --title "authflow demo" \
    >"$work/serve.log" 2>&1 &
serve_pid=$!
wait_for "$app_url/healthz" "$serve_pid" "authflow serve"

if [ "$check" -eq 1 ]; then
    echo "demo: checking a sign-in at $app_url as $user in headless Chromium"
    check_args=("$app_url" --user "$user" --password "$password" --expect-name "Demo User")
    [ -z "$artifacts" ] || check_args+=(--artifacts "$artifacts")
    if node demo/check.mjs "${check_args[@]}"; then
        echo "demo: ok: signed in as Demo User, saw the home page, signed out"
        exit 0
    fi
    echo "demo: FAILED: the sign-in check did not pass (see above)" >&2
    show_logs
    exit 1
fi

cat <<EOF

  authflow demo is running.

    Open        $app_url
    Sign in as  $user  (password: $password)

  The web app is \`authflow serve\` (sessions in memory); "Sign in with OpenID Connect" takes you
  to a development OpenID Provider at $op_url (node oidc-provider).

  The command line signs in against the same provider, as the same user (another terminal):

    $bin --profile demo --provider oidc --issuer $op_url --client-id authflow-cli --store sqlite login
    $bin --profile demo token
    $bin --profile demo status

  (add --device to login to sign in with a code instead of a browser on this machine)
  Press Ctrl-C to stop both.

EOF
# Runs until Ctrl-C (the INT trap), or until one of the two stops by itself.
set +e
wait -n "$op_pid" "$serve_pid"
echo "demo: a server stopped unexpectedly" >&2
show_logs
exit 1
