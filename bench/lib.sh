# Sourced by the benchmark scripts: the helpers they share.

# free_ports N: prints N TCP ports of 127.0.0.1 that were free a moment ago.
free_ports() {
    node -e '
      const net = require("net"); const servers = [];
      for (let i = 0; i < Number(process.argv[1]); i++) servers.push(net.createServer());
      Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", ok))))
        .then(() => { console.log(servers.map((s) => s.address().port).join(" "));
                      servers.forEach((s) => s.close()); });' "$1"
}

# wait_for URL PID: waits up to 15 s for URL to answer; fails at once when PID has exited.
wait_for() {
    for _ in $(seq 1 150); do
        curl -sS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# rps: the requests per second of a wrk report on stdin.
rps() { awk '/^Requests\/sec:/ {print $2}'; }

# cleanup_work NAME: stops every process listed in $pids and removes $work (kept, and said,
# when AUTHFLOW_COMPARE_KEEP is set). For `trap ... EXIT`.
cleanup_work() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -n "${AUTHFLOW_COMPARE_KEEP:-}" ]; then echo "$1: kept $work" >&2; else rm -rf "$work"; fi
}
