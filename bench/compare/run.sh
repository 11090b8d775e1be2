#!/usr/bin/env bash
# authflow against its peers on one machine in one run (docs/BENCHMARKS.md, "Against the peers").
#
#   bench/compare/run.sh [--build-dir DIR] [--rounds N] [--verify-seconds S] [--duration S]
#                        [--threads N] [--connections N] [--only verify|deploy|token]...
#                        (--only gateway: bench/compare/gateway.sh alone)
#                        [--no-install] [--no-build] [--out FILE] [--svg FILE]
#
# 1. ID-token verification (RS256, ES256, EdDSA): make_tokens.mjs signs one token per algorithm
#    with node jose; authflow (IdTokenValidator with a warm JwksCache) and raw OpenSSL
#    (bench_compare_verify), PyJWT (Debian python3-jwt, /usr/bin/python3, verify_pyjwt.py) and
#    node jose (jwtVerify, verify_jose.mjs) verify the same tokens with the same keys and claim
#    checks. --rounds rounds (default 5), each running every verifier for --verify-seconds per
#    algorithm (default 1); CPU time per token, medians of the rounds, ratios to OpenSSL.
# 2. Deploy mode, wrk with the session cookie, the same -t/-c/-d for every server (defaults
#    -t 2 -c 8 -d 4s), --rounds rounds each:
#      authflow serve: bench/deploy/run.sh --store memory (GET /auth/status: cookie -> session ->
#                      user, a JSON answer), its median
#      Apache 2.4 + mod_auth_openidc: a temporary ServerRoot on a free port, mpm_event, sessions in
#                      the shm cache, GET /protected/index.txt (a 3-byte static file)
#      FastAPI on uvicorn (fastapi_app.py): GET /protected, the cookie looked up in a dict
#    Apache and FastAPI sign in through the development OpenID Provider (demo/op.mjs, one per
#    server, as bench/deploy/run.sh starts its own) in headless Chromium (signin.mjs).
# 3. `authflow token` (SQLite token store, signed in once with `authflow login` and headless
#    Chromium) against `oidc-token` (oidc-agent on a private socket, the account made by oidc-gen
#    from a refresh token), both at tests/support/node/op.mjs: wall time per run,
#    beside /bin/echo (starting a process); 50 runs per round, --rounds rounds alternating, the
#    median (token_bench.py).
# Writes the markdown (--out, default bench-compare.md) and the chart (--svg, default
# docs/img/compare.svg; relative paths are from the repository's root), and prints the markdown.
# AUTHFLOW_COMPARE_KEEP=1 keeps the run's directory (raw figures, logs) for a look afterwards.
#
# Installs its peers itself (apt-get: python3-jwt, python3-fastapi, python3-uvicorn, apache2,
# libapache2-mod-auth-openidc, oidc-agent, wrk; npm ci in tests/support/node when node_modules is
# missing) unless --no-install; builds authflow_cli, bench_deploy_sessions and
# bench_compare_verify in DIR (default build/release, configured with the release preset when
# missing). Not run in CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
. bench/compare/apache_oidc.sh
root=$(pwd)

build_dir=build/release
rounds=5
verify_seconds=1
duration=4
threads=2
connections=8
only=()
install=1
build=1
out=bench-compare.md
svg=docs/img/compare.svg
while [ $# -gt 0 ]; do
    case "$1" in
    --build-dir) build_dir=${2:?}; shift ;;
    --rounds) rounds=${2:?}; shift ;;
    --verify-seconds) verify_seconds=${2:?}; shift ;;
    --duration) duration=${2:?}; shift ;;
    --threads) threads=${2:?}; shift ;;
    --connections) connections=${2:?}; shift ;;
    --only) only+=("${2:?}"); shift ;;
    --no-install) install=0 ;;
    --no-build) build=0 ;;
    --out) out=${2:?}; shift ;;
    --svg) svg=${2:?}; shift ;;
    -h | --help) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; exit 0 ;;
    *) echo "compare: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done
[ ${#only[@]} -gt 0 ] || only=(verify deploy token)
if [ "${only[*]}" = gateway ]; then
    # The gateway against nginx, Apache + mod_auth_openidc and express-openid-connect: its own
    # script, one run (bench/compare/gateway.sh).
    gateway_args=(--build-dir "$build_dir" --duration "$duration" --threads "$threads"
        --connections "$connections")
    [ "$build" = 1 ] || gateway_args+=(--no-build)
    exec bench/compare/gateway.sh "${gateway_args[@]}"
fi
wants() { printf '%s\n' "${only[@]}" | grep -qx "$1"; }
py=/usr/bin/python3

# --- peers and builds --------------------------------------------------------------------
if [ "$install" = 1 ]; then
    missing=()
    for p in python3-jwt python3-fastapi python3-uvicorn apache2 libapache2-mod-auth-openidc \
        oidc-agent wrk; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "compare: installing ${missing[*]}" >&2
        as_root=()
        [ "$(id -u)" = 0 ] || as_root=(sudo)
        # policy-rc.d usually keeps the apache2 service from starting; this script never uses it.
        "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y \
            --no-install-recommends "${missing[@]}" >&2
    fi
    [ -d tests/support/node/node_modules/jose ] || (cd tests/support/node && npm ci >&2)
fi
if [ "$build" = 1 ]; then
    [ -f "$build_dir/CMakeCache.txt" ] || nice cmake --preset release -B "$build_dir" >&2
    nice cmake --build "$build_dir" -j2 --target authflow_cli bench_deploy_sessions \
        bench_compare_verify >&2
fi
verify_bin=$build_dir/bench/compare/bench_compare_verify
bin=$build_dir/tools/authflow/authflow

work=$(mktemp -d "${TMPDIR:-/tmp}/authflow-compare.XXXXXX")
pids=()
trap "cleanup_work compare" EXIT
trap 'exit 130' INT TERM
stop() { # PID: stops one process this script started
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
random_b64() { node -e "process.stdout.write(require('crypto').randomBytes($1).toString('base64url'))"; }

{
    echo "Machine: $(nproc) vCPUs \"$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)\"," \
        "$(awk '/^MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo);" \
        "$(. /etc/os-release && echo "$PRETTY_NAME"); load average at the start:" \
        "$(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Versions: authflow $("$bin" --version 2>/dev/null | awk 'NR == 1 {print $NF}')" \
        "($(awk -F= '/^CMAKE_BUILD_TYPE:/ {print $2}' "$build_dir/CMakeCache.txt"), g++" \
        "$(g++ -dumpfullversion)), OpenSSL $(openssl version | awk '{print $2}')," \
        "PyJWT $($py -c 'import jwt; print(jwt.__version__)') (Python $($py -c 'import platform; print(platform.python_version())')," \
        "cryptography $($py -c 'import cryptography; print(cryptography.__version__)'))," \
        "node jose $(node -p "require('./tests/support/node/node_modules/jose/package.json').version")" \
        "(Node.js $(node --version | tr -d v)), Apache $(apache2 -v | awk -F/ '/^Server version/ {print $2}' | cut -d' ' -f1)" \
        "with mod_auth_openidc $(dpkg-query -W -f '${Version}' libapache2-mod-auth-openidc 2>/dev/null)," \
        "FastAPI $($py -c 'import fastapi; print(fastapi.__version__)' 2>/dev/null)" \
        "on uvicorn $($py -c 'import uvicorn; print(uvicorn.__version__)' 2>/dev/null)," \
        "oidc-agent $(dpkg-query -W -f '${Version}' oidc-agent 2>/dev/null), $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)."
    echo "Rounds: $rounds"
    echo "Command: \`bench/compare/run.sh --rounds $rounds --verify-seconds $verify_seconds" \
        "--duration $duration --threads $threads --connections $connections\`" \
        "(wrk -t $threads -c $connections -d ${duration}s)."
} >"$work/meta.txt"
: >"$work/verify.txt"
: >"$work/deploy.txt"
: >"$work/deploy-notes.txt"

# --- 1. ID-token verification -----------------------------------------------------------
if wants verify; then
    mkdir "$work/tokens"
    node bench/compare/make_tokens.mjs "$work/tokens"
    for round in $(seq 1 "$rounds"); do
        echo "== verify, round $round of $rounds" >&2
        # A different order each round, so that no verifier always runs first.
        order=(cpp pyjwt jose)
        case $((round % 3)) in 0) order=(jose cpp pyjwt) ;; 2) order=(pyjwt jose cpp) ;; esac
        for what in "${order[@]}"; do
            case $what in
            cpp) lines=$("$verify_bin" "$work/tokens" "$verify_seconds") ;;
            pyjwt) lines=$($py bench/compare/verify_pyjwt.py "$work/tokens" "$verify_seconds") ;;
            jose) lines=$(node bench/compare/verify_jose.mjs "$work/tokens" "$verify_seconds") ;;
            esac
            sed "s/^/$round /" <<<"$lines" | tee -a "$work/verify.txt" >&2
        done
    done
fi

# --- 2. Deploy mode ----------------------------------------------------------------------
start_op() { # REDIRECT_URI PORT SECRET_FILE -> pid in op_pid
    AUTHFLOW_DEMO_CLIENT_SECRET=$(cat "$3") \
        node demo/op.mjs --port "$2" --redirect-uri "$1" >"$work/op-$2.log" 2>&1 &
    op_pid=$!
    pids+=("$op_pid")
    wait_for "http://127.0.0.1:$2/.well-known/openid-configuration" "$op_pid" ||
        { cat "$work/op-$2.log" >&2; return 1; }
}
sign_in() { # PROTECTED_URL COOKIE_NAME LOG: prints the Cookie header; a second try if need be
    node bench/compare/signin.mjs "$1" ok --cookie "$2" 2>"$3" ||
        node bench/compare/signin.mjs "$1" ok --cookie "$2" 2>>"$3"
}
check_page() { # NAME URL COOKIE: the signed-in cookie must get the page itself (a 200, not a
    # redirect to the provider, which wrk would count as a success)
    local status
    status=$(curl -sS -o "$work/check-$1.txt" -w '%{http_code}' -H "Cookie: $3" "$2")
    if [ "$status" != 200 ] || [ "$(cat "$work/check-$1.txt")" != ok ]; then
        echo "compare: $1 does not answer the page to the signed-in cookie (HTTP $status)" >&2
        echo "$1 the session cookie did not authenticate (HTTP $status)" >>"$work/deploy-notes.txt"
        return 1
    fi
}
wrk_rounds() { # NAME URL COOKIE: --rounds wrk runs, the session checked before and after
    check_page "$@" || return 1
    for round in $(seq 1 "$rounds"); do
        local result
        result=$(wrk -t "$threads" -c "$connections" -d "${duration}s" -H "Cookie: $3" "$2")
        if grep -q "Non-2xx" <<<"$result"; then
            echo "compare: $1 answered errors: $(grep Non-2xx <<<"$result")" >&2
            echo "$1 answered errors under wrk" >>"$work/deploy-notes.txt"
            return 1
        fi
        echo "$round $1 $(rps <<<"$result")" >>"$work/deploy-$1.txt"
        echo "$round $1 $(rps <<<"$result")" >&2
    done
    if check_page "$@"; then
        cat "$work/deploy-$1.txt" >>"$work/deploy.txt"
    else
        echo "compare: $1's session ended during the run; its figures are left out" >&2
    fi
}
if wants deploy; then
    echo "== deploy: authflow serve (bench/deploy/run.sh --store memory)" >&2
    deploy_out=$(bench/deploy/run.sh --build-dir "$build_dir" --store memory --rounds "$rounds" \
        --duration "$duration" --threads "$threads" --connections "$connections") || deploy_out=""
    # Its table: | store | ratio | ratio | /auth/status req/s (CPU) | ...; the median of its rounds.
    authflow_rps=$(awk -F'|' '$2 ~ /memory/ {split($5, a, " "); print a[1]}' <<<"$deploy_out")
    if [ -n "$authflow_rps" ]; then
        echo "0 authflow $authflow_rps" | tee -a "$work/deploy.txt" >&2
    else
        echo "authflow bench/deploy/run.sh gave no figure" >>"$work/deploy-notes.txt"
    fi

    read -r apache_port apache_op_port fastapi_port fastapi_op_port < <(free_ports 4)
    random_b64 24 >"$work/secret"
    chmod 600 "$work/secret"
    printf 'ok\n' >"$work/page.txt"

    echo "== deploy: Apache + mod_auth_openidc" >&2
    apache="http://127.0.0.1:$apache_port"
    if start_op "$apache/protected/redirect_uri" "$apache_op_port" "$work/secret"; then
        sr=$work/apache
        write_apache_oidc "$sr" "$apache_port" "$work/page.txt" \
            "http://127.0.0.1:$apache_op_port/.well-known/openid-configuration" authflow-demo \
            "$(cat "$work/secret")" "$(random_b64 32)"
        chmod -R a+rX "$work"
        apache2 -f "$sr/apache2.conf" -DFOREGROUND >"$sr/logs/stdout.log" 2>&1 &
        apache_pid=$!
        pids+=("$apache_pid")
        if wait_for "$apache/" "$apache_pid" &&
            cookie=$(sign_in "$apache/protected/index.txt" mod_auth_openidc_session "$work/signin-apache.log"); then
            wrk_rounds apache "$apache/protected/index.txt" "$cookie" || true
        else
            reason=$(tail -n 1 "$work/signin-apache.log" 2>/dev/null || true)
            [ -n "$reason" ] || reason=$(cat "$sr/logs/stdout.log" "$sr/logs/error.log" 2>/dev/null | tail -n 1)
            echo "apache $reason" >>"$work/deploy-notes.txt"
            echo "compare: Apache: $reason" >&2
            tail -n 20 "$sr/logs/error.log" >&2 2>/dev/null || true
        fi
        stop "$apache_pid"
        stop "$op_pid"
    else
        echo "apache the OpenID Provider did not start" >>"$work/deploy-notes.txt"
    fi

    echo "== deploy: FastAPI + uvicorn" >&2
    fastapi="http://127.0.0.1:$fastapi_port"
    if start_op "$fastapi/callback" "$fastapi_op_port" "$work/secret"; then
        AUTHFLOW_COMPARE_CLIENT_SECRET=$(cat "$work/secret") $py bench/compare/fastapi_app.py \
            --port "$fastapi_port" --issuer "http://127.0.0.1:$fastapi_op_port" \
            --client-id authflow-demo --page "$work/page.txt" >"$work/fastapi.log" 2>&1 &
        fastapi_pid=$!
        pids+=("$fastapi_pid")
        if wait_for "$fastapi/" "$fastapi_pid" &&
            cookie=$(sign_in "$fastapi/protected" fastapi_session "$work/signin-fastapi.log"); then
            wrk_rounds fastapi "$fastapi/protected" "$cookie" || true
        else
            reason=$(tail -n 1 "$work/signin-fastapi.log" 2>/dev/null || tail -n 1 "$work/fastapi.log")
            echo "fastapi $reason" >>"$work/deploy-notes.txt"
            echo "compare: FastAPI: $reason" >&2
            tail -n 20 "$work/fastapi.log" >&2
        fi
        stop "$fastapi_pid"
        stop "$op_pid"
    fi
fi

# --- 3. authflow token against oidc-token --------------------------------------------------
if wants token; then
    echo "== token: authflow token against oidc-token" >&2
    : >"$work/token.txt"
    read -r token_op_port < <(free_ports 1)
    token_op="http://127.0.0.1:$token_op_port"
    node tests/support/node/op.mjs --port "$token_op_port" \
        --options '{"rotate_refresh_token": false, "access_token_ttl": 3600}' >"$work/token-op.log" 2>&1 &
    op_pid=$!
    pids+=("$op_pid")
    wait_for "$token_op/.well-known/openid-configuration" "$op_pid" || { cat "$work/token-op.log" >&2; exit 1; }
    # authflow: signed in once with `authflow login` (public-client, headless Chromium as the
    # browser), tokens in an encrypted SQLite store; `authflow token` then reads them.
    mkdir -p "$work/af/config" "$work/af/state" "$work/af/data" "$work/af/cache" "$work/af/browser"
    af_env=(env HOME="$work/af" XDG_CONFIG_HOME="$work/af/config" XDG_STATE_HOME="$work/af/state"
        XDG_DATA_HOME="$work/af/data" XDG_CACHE_HOME="$work/af/cache"
        AUTHFLOW_OAUTH2__TOKEN_STORE_BACKEND=sqlite
        AUTHFLOW_OAUTH2__TOKEN_STORE_PATH="$work/af/state/tokens.db")
    af_flags=(--provider oidc --issuer "$token_op" --client-id public-client)
    if ! "${af_env[@]}" AUTHFLOW_TEST_BROWSER_DIR="$work/af/browser" \
        BROWSER="$root/tests/support/node/chromium_login.mjs" \
        "$bin" "${af_flags[@]}" login --timeout 90 >"$work/af-login.log" 2>&1; then
        echo "compare: authflow login failed: $(tail -n 3 "$work/af-login.log")" >&2
        echo "authflow_token n/a (authflow login failed)" >>"$work/token.txt"
    fi
    # oidc-agent: its own agent on a private socket, an account made by oidc-gen from a refresh
    # token of conf-client (refresh_token.mjs signs in without a browser).
    mkdir -p "$work/oa/home" "$work/oa/config"
    printf 'bench-password\n' >"$work/oa/pw"
    oa_env=(env HOME="$work/oa/home" OIDC_CONFIG_DIR="$work/oa/config" OIDC_SOCK="$work/oa/agent.sock")
    "${oa_env[@]}" oidc-agent -d -a "$work/oa/agent.sock" --no-autoload >"$work/oa/agent.log" 2>&1 &
    agent_pid=$!
    pids+=("$agent_pid")
    for _ in $(seq 1 50); do [ -S "$work/oa/agent.sock" ] && break; sleep 0.1; done
    oidc_ok=0
    if refresh=$(node bench/compare/refresh_token.mjs "$token_op" http://127.0.0.1:8765/callback 2>"$work/oa/rt.log") &&
        "${oa_env[@]}" OIDC_REFRESH_TOKEN="$refresh" oidc-gen bench -m --issuer "$token_op" \
            --client-id conf-client --client-secret conf-client-secret \
            --scope "openid offline_access email profile" --rt-env --pw-file "$work/oa/pw" \
            --confirm-default --redirect-uri http://localhost:8765/callback </dev/null \
            >"$work/oa/gen.log" 2>&1 &&
        "${oa_env[@]}" oidc-token bench >/dev/null 2>&1; then
        oidc_ok=1
    else
        echo "compare: oidc-agent setup failed: $(cat "$work/oa/rt.log" "$work/oa/gen.log" 2>/dev/null | tail -n 3)" >&2
        echo "oidc-token n/a (oidc-gen failed: $(tail -n 1 "$work/oa/gen.log" 2>/dev/null))" >>"$work/token.txt"
    fi
    commands=()
    "${af_env[@]}" "$bin" "${af_flags[@]}" token >/dev/null 2>&1 &&
        commands+=("authflow_token=${af_env[*]} $bin ${af_flags[*]} token")
    [ "$oidc_ok" = 0 ] || commands+=("oidc-token=${oa_env[*]} oidc-token bench")
    commands+=("/bin/echo=/bin/echo token")
    $py bench/compare/token_bench.py "$rounds" 50 "${commands[@]}" | tee -a "$work/token.txt" >&2
    stop "$agent_pid"
    stop "$op_pid"
fi

mkdir -p "$(dirname "$svg")"
$py bench/compare/report.py "$work" "$out" "$svg"
cat "$out"
echo >&2
echo "compare: wrote $out and $svg" >&2
