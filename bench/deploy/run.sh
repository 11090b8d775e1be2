#!/usr/bin/env bash
# Deploy-mode benchmark (docs/BENCHMARKS.md, "Deploy mode"): wrk against `authflow serve` on
# 127.0.0.1, signed in through the development OpenID Provider (demo/op.mjs) in headless Chromium.
#
#   bench/deploy/run.sh [--build-dir DIR] [--store memory|sqlite|redis]... [--rounds N]
#                       [--duration SECONDS] [--connections N] [--threads N]
#                       [--login-duration SECONDS]
#
# For each session store (default: memory, then redis when `authflow serve` offers it):
#   ratio   GET /auth/status with the session cookie (cookie -> session -> user, JSON) against
#           GET /healthz (no session), same wrk threads and connections and the same Cookie
#           header, one after the other, alternating which goes first, --rounds times; the
#           median of the per-round ratios (goal >= 0.9 with the memory store); beside it the
#           server's CPU time per request (user + system from /proc/PID/stat over the run) and
#           the ratio of those (/healthz's over /auth/status's), which a busy machine disturbs
#           far less than requests per second
#   login   GET /auth/login per second (state, nonce, PKCE, a pending login, a 302): each
#           request from another client address (X-Forwarded-For, 127.0.0.1 a trusted proxy) so
#           that the per-client rate limit does not answer instead; only 302s are counted, over
#           --login-duration (default 1 s: the pending-login store holds 50 000 records)
# and, once, the RSS delta of 100 000 sessions in MemorySessionStore and the time of one get()
# and one lookup() without metadata (bench_deploy_sessions), and the routes' own time per
# GET /auth/status without sockets (bench_deploy_status, when built).
#
# Needs: the release build (DIR, default build/release, with authflow_cli and
# bench_deploy_sessions built), wrk, node with tests/support/node/node_modules, chromium,
# redis-server for the redis store. Not run in CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
root=$(pwd)

build_dir=build/release
stores=()
rounds=7
duration=4
connections=8
threads=2
login_duration=1
while [ $# -gt 0 ]; do
    case "$1" in
    --build-dir) build_dir=${2:?}; shift ;;
    --store) stores+=("${2:?}"); shift ;;
    --rounds) rounds=${2:?}; shift ;;
    --duration) duration=${2:?}; shift ;;
    --connections) connections=${2:?}; shift ;;
    --threads) threads=${2:?}; shift ;;
    --login-duration) login_duration=${2:?}; shift ;;
    -h | --help) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; exit 0 ;;
    *) echo "bench: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done
[ ${#stores[@]} -gt 0 ] || stores=(memory redis)

bin=${AUTHFLOW_BIN:-$build_dir/tools/authflow/authflow}
sessions_bench=$build_dir/bench/deploy/bench_deploy_sessions
for f in "$bin" "$sessions_bench"; do
    [ -x "$f" ] || { echo "bench: $f is missing (cmake --build $build_dir --target authflow_cli bench_deploy_sessions)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "bench: wrk is missing (scripts/install-deps.sh)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/authflow-bench.XXXXXX")
op_pid=""
serve_pid=""
redis_pid=""
cleanup() {
    for pid in $serve_pid $redis_pid $op_pid; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in $serve_pid $redis_pid $op_pid; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.4f\n", (v[NR/2]+v[NR/2+1])/2}'; }
# CPU time (user + system, clock ticks) used so far by process PID.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
clock_ticks=$(getconf CLK_TCK)

read -r app_port op_port redis_port < <(free_ports 3)
app="http://127.0.0.1:$app_port"
op="http://127.0.0.1:$op_port"
node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))' >"$work/secret"
node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64"))' >"$work/store.key"
chmod 600 "$work/secret" "$work/store.key"
: >"$work/config.toml"
AUTHFLOW_DEMO_CLIENT_SECRET=$(cat "$work/secret") \
    node demo/op.mjs --port "$op_port" --redirect-uri "$app/auth/callback" >"$work/op.log" 2>&1 &
op_pid=$!
wait_for "$op/.well-known/openid-configuration" "$op_pid" || { cat "$work/op.log" >&2; exit 1; }

cat >"$work/login.lua" <<'EOF'
-- GET /auth/login from a new client address each time; counts the answers by status.
local threads = {}
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
function init(args)
  redirects, limited, unavailable, others = 0, 0, 0, 0
  n = 0
end
function request()
  n = n + 1
  local address = string.format("%d.%d.%d.%d", 11 + id, math.floor(n / 65536) % 256,
    math.floor(n / 256) % 256, n % 256)
  return wrk.format("GET", "/auth/login", { ["X-Forwarded-For"] = address })
end
function response(status, headers, body)
  if status == 302 then redirects = redirects + 1
  elseif status == 429 then limited = limited + 1
  elseif status == 503 then unavailable = unavailable + 1
  else others = others + 1 end
end
function done(summary, latency, requests)
  local r, l, u, o = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    r = r + t:get("redirects")
    l = l + t:get("limited")
    u = u + t:get("unavailable")
    o = o + t:get("others")
  end
  io.write(string.format("login_redirects %d\nlogin_429 %d\nlogin_503 %d\nlogin_others %d\n", r, l, u, o))
end
EOF

results=()
for store in "${stores[@]}"; do
    echo "== session store: $store" >&2
    store_args=(--session-store "$store")
    if [ "$store" = redis ]; then
        if ! command -v redis-server >/dev/null; then
            results+=("$store|redis-server missing||||")
            continue
        fi
        redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
            >"$work/redis.log" 2>&1 &
        redis_pid=$!
        store_args+=(--redis-url "redis://127.0.0.1:$redis_port/0")
    elif [ "$store" = sqlite ]; then
        store_args+=(--session-db "$work/deploy.db")
    fi
    AUTHFLOW_DEPLOY__STORE_KEY_FILE=$work/store.key AUTHFLOW_DEPLOY__TRUSTED_PROXIES=127.0.0.1 \
        "$bin" --config "$work/config.toml" --provider oidc --issuer "$op" \
        --client-id authflow-demo --client-secret-file "$work/secret" \
        --scopes "openid profile email" serve --listen "127.0.0.1:$app_port" \
        --public-url "$app" "${store_args[@]}" >"$work/serve-$store.log" 2>&1 &
    serve_pid=$!
    if ! wait_for "$app/healthz" "$serve_pid"; then
        reason=$(tail -n 1 "$work/serve-$store.log")
        echo "bench: authflow serve --session-store $store did not start: $reason" >&2
        results+=("$store|not available: $reason||||")
        serve_pid=""
        [ -z "$redis_pid" ] || { kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; redis_pid=""; }
        continue
    fi
    cookie=$(node demo/check.mjs "$app" --keep-session 2>"$work/check-$store.log") || {
        cat "$work/check-$store.log" >&2
        exit 1
    }
    header="Cookie: authflow_session=$cookie"
    curl -fsS -H "$header" "$app/auth/status" | grep -q '"authenticated":true' || {
        echo "bench: the session cookie does not authenticate /auth/status" >&2
        exit 1
    }

    ratios=()
    cpu_ratios=()
    auth_all=()
    health_all=()
    auth_cpu_all=()
    health_cpu_all=()
    for round in $(seq 1 "$rounds"); do
        order=(healthz auth)
        [ $((round % 2)) -eq 0 ] && order=(auth healthz)
        for what in "${order[@]}"; do
            path=/healthz
            [ "$what" = auth ] && path=/auth/status
            ticks_before=$(cpu_ticks "$serve_pid")
            out=$(wrk -t "$threads" -c "$connections" -d "${duration}s" -H "$header" "$app$path")
            ticks_after=$(cpu_ticks "$serve_pid")
            if grep -q "Non-2xx" <<<"$out"; then
                echo "bench: $path answered errors: $(grep Non-2xx <<<"$out")" >&2
                exit 1
            fi
            value=$(rps <<<"$out")
            requests=$(awk '/ requests in / {print $1}' <<<"$out")
            cpu=$(awk -v t=$((ticks_after - ticks_before)) -v hz="$clock_ticks" -v n="$requests" \
                'BEGIN {printf "%.2f", t * 1e6 / hz / n}')
            if [ "$what" = auth ]; then
                auth=$value auth_cpu=$cpu
            else
                health=$value health_cpu=$cpu
            fi
        done
        ratio=$(awk -v a="$auth" -v h="$health" 'BEGIN {printf "%.4f", a / h}')
        cpu_ratio=$(awk -v a="$auth_cpu" -v h="$health_cpu" 'BEGIN {printf "%.4f", h / a}')
        echo "   round $round: /auth/status $auth req/s ($auth_cpu us CPU/req), /healthz $health req/s" \
            "($health_cpu us CPU/req); ratio $ratio, CPU ratio $cpu_ratio" >&2
        ratios+=("$ratio")
        cpu_ratios+=("$cpu_ratio")
        auth_all+=("$auth")
        health_all+=("$health")
        auth_cpu_all+=("$auth_cpu")
        health_cpu_all+=("$health_cpu")
    done
    curl -fsS -H "$header" "$app/auth/status" | grep -q '"authenticated":true' || {
        echo "bench: the session ended during the run" >&2
        exit 1
    }
    ratio_median=$(printf '%s\n' "${ratios[@]}" | median)
    cpu_ratio_median=$(printf '%s\n' "${cpu_ratios[@]}" | median)
    auth_median=$(printf '%s\n' "${auth_all[@]}" | median)
    health_median=$(printf '%s\n' "${health_all[@]}" | median)
    auth_cpu_median=$(printf '%s\n' "${auth_cpu_all[@]}" | median)
    health_cpu_median=$(printf '%s\n' "${health_cpu_all[@]}" | median)

    # Short: the pending-login store holds 50 000 records (10 min each); past that it answers 503.
    login_out=$(wrk -t "$threads" -c "$connections" -d "${login_duration}s" -s "$work/login.lua" "$app/auth/login")
    count() { awk -v k="$1" '$1 == k {print $2}' <<<"$login_out"; }
    login_redirects=$(count login_redirects)
    login_rps=$(awk -v r="$login_redirects" -v d="$login_duration" 'BEGIN {printf "%.0f", r / d}')
    login_note="429: $(count login_429), 503: $(count login_503), other: $(count login_others)"
    echo "   /auth/login: $login_redirects redirects in ${login_duration}s ($login_note)" >&2
    results+=("$store|$ratio_median|$cpu_ratio_median|$auth_median ($auth_cpu_median us)|$health_median ($health_cpu_median us)|$login_rps ($login_note)")

    kill -TERM "$serve_pid"
    wait "$serve_pid" 2>/dev/null || true
    serve_pid=""
    if [ -n "$redis_pid" ]; then
        kill -TERM "$redis_pid"
        wait "$redis_pid" 2>/dev/null || true
        redis_pid=""
    fi
done

sessions_out=$("$sessions_bench" 100000)
per_100k=$(awk '/^mib_per_100k/ {print $2}' <<<"$sessions_out")
per_session=$(awk '/^bytes_per_session/ {print $2}' <<<"$sessions_out")
get_ns=$(awk '/^get_ns_per_call/ {print $2}' <<<"$sessions_out")
lookup_ns=$(awk '/^lookup_ns_per_call/ {print $2}' <<<"$sessions_out")
status_bench=$build_dir/bench/deploy/bench_deploy_status
status_ns=""
[ ! -x "$status_bench" ] || status_ns=$("$status_bench" 1000000 2>/dev/null | awk '/^status_ns_per_call/ {print $2}')

echo
echo "wrk -t $threads -c $connections -d ${duration}s, $rounds rounds, on $(nproc) CPUs; $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
echo
printf '| %-8s | %-12s | %-12s | %-26s | %-26s | %-24s |\n' store "ratio (rps)" "ratio (CPU)" \
    "/auth/status req/s (CPU)" "/healthz req/s (CPU)" "/auth/login req/s"
printf '|%s|%s|%s|%s|%s|%s|\n' ---------- -------------- -------------- ---------------------------- \
    ---------------------------- --------------------------
for row in "${results[@]}"; do
    IFS='|' read -r s r c a h l <<<"$row"
    printf '| %-8s | %-12s | %-12s | %-26s | %-26s | %-24s |\n' "$s" "$r" "$c" "$a" "$h" "$l"
done
echo
echo "MemorySessionStore: $per_100k MiB RSS per 100 000 sessions ($per_session bytes per session);"
echo "get() $get_ns ns per call, lookup() without metadata $lookup_ns ns (one thread, 100 000 sessions held)"
[ -z "$status_ns" ] || echo "GET /auth/status in the routes and the cpp-httplib adapter, no sockets: $status_ns ns (bench_deploy_status)"
