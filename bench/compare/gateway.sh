#!/usr/bin/env bash
# The gateway against its peers on one machine in one run (docs/BENCHMARKS.md, "Gateway").
#
#   bench/compare/gateway.sh [--build-dir DIR] [--duration S] [--rounds N] [--threads N] [--connections N]
#                            [--no-build] [--no-install] [--out FILE]
#   (also: bench/compare/run.sh --only gateway)
#
# One OpenID Provider (tests/support/node/op.mjs) for every server, each signed in once by
# headless Chromium (signin.mjs); then one wrk run per server with that session cookie (defaults
# -t 2 -c 8 -d 5s):
#   (a) a protected page (a 3-byte static file, "ok"):
#       nginx_authflow  nginx auth_request to `authflow serve`'s /auth/check (keep-alive upstream)
#       nginx_open      the same page through the same nginx, unprotected
#       apache_oidc     Apache 2.4 (mpm_event) + mod_auth_openidc, sessions in its shm cache
#       express_oidc    express-openid-connect (Express 5, its default encrypted cookie session)
#   (b) check           GET /auth/check on `authflow serve` itself (202 + identity headers)
#       bare_202        bench_gateway_bare: a cpp-httplib handler answering 202, nothing else
#   (c) authflow_proxy  `authflow serve --upstream` in front of tests/support/node/echo_upstream.mjs
#                       (GET /page, 123 bytes of HTML)
#       nginx_proxy     nginx proxy_pass to the same app, no authentication (keep-alive upstream)
# With --rounds N (default 1) the eight runs are repeated N times, and each figure is the median
# of its rounds (the pairs compared always run one after the other).
# Prints a markdown table (and writes it to --out, default bench-gateway.md) with the ratios of
# the goals. Builds authflow_cli and bench_gateway_bare in DIR (default build/release, configured
# with the release preset when missing). Installs its peers itself (apt-get: nginx, apache2,
# libapache2-mod-auth-openidc, wrk; npm ci in tests/support/node for express-openid-connect)
# unless --no-install; chromium comes from scripts/install-deps.sh. Not run in CI.
# AUTHFLOW_COMPARE_KEEP=1 keeps the run's directory (configs, logs).
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
. bench/compare/apache_oidc.sh
root=$(pwd)

build_dir=build/release
duration=5
rounds=1
threads=2
connections=8
build=1
install=1
out=bench-gateway.md
while [ $# -gt 0 ]; do
    case "$1" in
    --build-dir) build_dir=${2:?}; shift ;;
    --duration) duration=${2:?}; shift ;;
    --rounds) rounds=${2:?}; shift ;;
    --threads) threads=${2:?}; shift ;;
    --connections) connections=${2:?}; shift ;;
    --no-build) build=0 ;;
    --no-install) install=0 ;;
    --out) out=${2:?}; shift ;;
    -h | --help) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; exit 0 ;;
    *) echo "gateway: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done
if [ "$install" = 1 ]; then
    missing=()
    for p in nginx apache2 libapache2-mod-auth-openidc wrk; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "gateway: installing ${missing[*]}" >&2
        as_root=()
        [ "$(id -u)" = 0 ] || as_root=(sudo)
        "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y \
            --no-install-recommends "${missing[@]}" >&2
    fi
    [ -d tests/support/node/node_modules/express-openid-connect ] ||
        (cd tests/support/node && npm ci --no-audit --no-fund >&2)
fi
for program in nginx apache2 wrk node curl; do
    command -v "$program" >/dev/null || { echo "gateway: $program is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
[ -f /usr/lib/apache2/modules/mod_auth_openidc.so ] ||
    { echo "gateway: libapache2-mod-auth-openidc is missing" >&2; exit 1; }
[ -d tests/support/node/node_modules/express-openid-connect ] ||
    { echo "gateway: run npm ci in tests/support/node" >&2; exit 1; }
if [ "$build" = 1 ]; then
    [ -f "$build_dir/CMakeCache.txt" ] || nice cmake --preset release -B "$build_dir" >&2
    nice cmake --build "$build_dir" -j2 --target authflow_cli bench_gateway_bare >&2
fi
bin=$build_dir/tools/authflow/authflow
bare_bin=$build_dir/bench/compare/bench_gateway_bare

work=$(mktemp -d "${TMPDIR:-/tmp}/authflow-gateway.XXXXXX")
pids=()
trap "cleanup_work gateway" EXIT
trap 'exit 130' INT TERM
start() { # NAME COMMAND...: runs it in the background, logging to $work/NAME.log
    local name=$1
    shift
    "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
    last_pid=$!
}

read -r op_port ng_port np_port af_port px_port up_port bare_port apache_port express_port \
    < <(free_ports 9)
ng=http://127.0.0.1:$ng_port
np=http://127.0.0.1:$np_port
af=http://127.0.0.1:$af_port
px=http://127.0.0.1:$px_port
apache=http://127.0.0.1:$apache_port
express=http://127.0.0.1:$express_port
op=http://127.0.0.1:$op_port
secret=conf-client-secret # tests/support/node/op.mjs's conf-client
printf '%s' "$secret" >"$work/secret"
chmod 600 "$work/secret"
mkdir -p "$work/www/protected" "$work/www/open"
printf 'ok\n' | tee "$work/www/protected/index.txt" "$work/www/open/index.txt" >"$work/page.txt"
chmod -R a+rX "$work"

# --- the provider, the app, the servers ----------------------------------------------------
redirects=$(printf '"%s",' "$ng/auth/callback" "$px/auth/callback" \
    "$apache/protected/redirect_uri" "$express/callback")
start op node tests/support/node/op.mjs --port "$op_port" \
    --options "{\"redirect_uris\": [${redirects%,}], \"access_token_ttl\": 3600}"
wait_for "$op/.well-known/openid-configuration" "$last_pid" || { cat "$work/op.log" >&2; exit 1; }
start app node tests/support/node/echo_upstream.mjs "$up_port"
wait_for "http://127.0.0.1:$up_port/page" "$last_pid" || { cat "$work/app.log" >&2; exit 1; }

: >"$work/config.toml"
af_flags=(--config "$work/config.toml" --provider oidc --issuer "$op" --client-id conf-client
    --client-secret-file "$work/secret" --scopes "openid profile email")
start authflow_check "$bin" "${af_flags[@]}" serve --listen "127.0.0.1:$af_port" --public-url "$ng"
wait_for "$af/auth/check" "$last_pid" || { cat "$work/authflow_check.log" >&2; exit 1; }
start authflow_proxy "$bin" "${af_flags[@]}" serve --listen "127.0.0.1:$px_port" \
    --upstream "http://127.0.0.1:$up_port"
wait_for "$px/auth/status" "$last_pid" || { cat "$work/authflow_proxy.log" >&2; exit 1; }
start bare "$bare_bin" "$bare_port"
wait_for "http://127.0.0.1:$bare_port/auth/check" "$last_pid" || { cat "$work/bare.log" >&2; exit 1; }

mkdir -p "$work/nginx/tmp"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    default_type text/plain;
    keepalive_requests 100000;
    upstream authflow { server 127.0.0.1:$af_port; keepalive 16; }
    upstream app { server 127.0.0.1:$up_port; keepalive 16; }
    server {
        listen 127.0.0.1:$ng_port;
        root $work/www;
        location = /auth/check {
            internal;
            proxy_pass http://authflow;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$host;
            proxy_set_header X-Forwarded-Uri \$request_uri;
        }
        location /auth/ {
            proxy_pass http://authflow;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
        location /protected/ {
            auth_request /auth/check;
            auth_request_set \$auth_user \$upstream_http_x_auth_request_user;
            error_page 401 = @sign_in;
        }
        location @sign_in { return 302 /auth/login?next=\$request_uri; }
        location /open/ { }
    }
    server {
        listen 127.0.0.1:$np_port;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
start nginx nginx -c "$work/nginx/nginx.conf" -p "$work/nginx"
wait_for "$ng/open/index.txt" "$last_pid" || { cat "$work/nginx.log" "$work/nginx/error.log" >&2; exit 1; }

sr=$work/apache
write_apache_oidc "$sr" "$apache_port" "$work/page.txt" "$op/.well-known/openid-configuration" \
    conf-client "$secret" \
    "$(node -e "process.stdout.write(require('crypto').randomBytes(32).toString('base64url'))")"
start apache apache2 -f "$sr/apache2.conf" -DFOREGROUND
wait_for "$apache/" "$last_pid" || { cat "$work/apache.log" "$sr/logs/error.log" >&2; exit 1; }

AUTHFLOW_COMPARE_CLIENT_SECRET=$secret start express node bench/compare/express_app.mjs \
    --port "$express_port" --issuer "$op" --client-id conf-client --page "$work/page.txt"
for _ in $(seq 1 100); do grep -q listening "$work/express.log" && break; sleep 0.1; done

# --- sign in once per server ----------------------------------------------------------------
sign_in() { # NAME URL TEXT COOKIE_NAME: the Cookie header in $work/cookie-NAME
    node bench/compare/signin.mjs "$2" "$3" --cookie "$4" >"$work/cookie-$1" 2>"$work/signin-$1.log" ||
        node bench/compare/signin.mjs "$2" "$3" --cookie "$4" >"$work/cookie-$1" 2>>"$work/signin-$1.log" ||
        { echo "gateway: $1: sign-in failed: $(tail -n 1 "$work/signin-$1.log")" >&2; return 1; }
}
sign_in nginx_authflow "$ng/protected/index.txt" ok authflow_session || true
sign_in apache_oidc "$apache/protected/index.txt" ok mod_auth_openidc_session || true
sign_in express_oidc "$express/protected" ok appSession || true
sign_in authflow_proxy "$px/page" "protected page" authflow_session || true
cp "$work/cookie-nginx_authflow" "$work/cookie-check" 2>/dev/null || true
for name in nginx_open bare_202 nginx_proxy; do printf 'x=1\n' >"$work/cookie-$name"; done

# --- one wrk run each -------------------------------------------------------------------------
: >"$work/results.txt"
run() { # NAME URL EXPECTED_STATUS
    local cookie status result rps
    cookie=$(cat "$work/cookie-$1" 2>/dev/null || true)
    if [ -z "$cookie" ]; then echo "$1 0 no-session" >>"$work/results.txt"; return; fi
    status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$2")
    if [ "$status" != "$3" ]; then
        echo "gateway: $1 answered $status to the signed-in cookie, not $3" >&2
        echo "$1 0 HTTP-$status" >>"$work/results.txt"
        return
    fi
    result=$(wrk -t "$threads" -c "$connections" -d "${duration}s" -H "Cookie: $cookie" "$2")
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$result")
    if grep -q "Non-2xx\|Socket errors" <<<"$result"; then
        echo "gateway: $1: $(grep 'Non-2xx\|Socket errors' <<<"$result" | tr -s ' ')" >&2
        echo "$1 $rps errors" >>"$work/results.txt"
    else
        echo "$1 $rps ok" >>"$work/results.txt"
    fi
    echo "$1 $rps req/s" >&2
}
for round in $(seq 1 "$rounds"); do
    echo "== round $round of $rounds" >&2
    run nginx_authflow "$ng/protected/index.txt" 200
    run nginx_open "$ng/open/index.txt" 200
    run apache_oidc "$apache/protected/index.txt" 200
    run express_oidc "$express/protected" 200
    run check "$af/auth/check" 202
    run bare_202 "http://127.0.0.1:$bare_port/auth/check" 202
    run authflow_proxy "$px/page" 200
    run nginx_proxy "$np/page" 200
done

# --- the table ----------------------------------------------------------------------------------
awk -v meta="$(nproc) vCPUs, load $(cut -d' ' -f1-3 /proc/loadavg) at the end; wrk -t $threads -c $connections -d ${duration}s; median of $rounds round(s)" '
    { n[$1]++; v[$1, n[$1]] = $2 + 0; if ($3 != "ok") note[$1] = $3; else if (!($1 in note)) note[$1] = "ok" }
    function median(name,    i, j, t, k, a) {
        k = n[name]
        for (i = 1; i <= k; i++) a[i] = v[name, i]
        for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return k == 0 ? 0 : (k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2)
    }
    function ratio(a, b) { return (rps[a] + 0 > 0 && rps[b] + 0 > 0) ? sprintf("%.2f×", rps[a] / rps[b]) : "n/a" }
    function row(name, what, against) {
        printf "| %s | %s | %s | %s |\n", name, what, (rps[name] + 0 == 0 ? "n/a" : rps[name]) (note[name] == "ok" || note[name] == "" ? "" : " (" note[name] ")"), against
    }
    END {
        for (name in n) rps[name] = sprintf("%.0f", median(name))
        print "| server | what | req/s | ratio |"
        print "|---|---|---:|---|"
        row("nginx_authflow", "(a) nginx + authflow /auth/check (auth_request)", "")
        row("nginx_open", "(a) the same page through nginx, unprotected", "authflow/open " ratio("nginx_authflow", "nginx_open"))
        row("apache_oidc", "(a) Apache + mod_auth_openidc", "authflow/this " ratio("nginx_authflow", "apache_oidc") " (goal ≥ 3×)")
        row("express_oidc", "(a) express-openid-connect", "authflow/this " ratio("nginx_authflow", "express_oidc") " (goal > 1×)")
        row("check", "(b) authflow serve /auth/check alone", "check/bare " ratio("check", "bare_202") " (goal ≥ 0.9×)")
        row("bare_202", "(b) bare cpp-httplib handler answering 202", "")
        row("authflow_proxy", "(c) authflow serve --upstream", "proxy/nginx " ratio("authflow_proxy", "nginx_proxy"))
        row("nginx_proxy", "(c) nginx proxy_pass, no authentication", "")
        print ""
        print "Machine: " meta "."
    }' "$work/results.txt" | tee "$out"
