#!/usr/bin/env bash
# keyring_session.sh <command...>
# Runs <command> in a private D-Bus session with an unlocked gnome-keyring Secret Service and a
# fresh keyring directory (never the user's own), then removes that directory. The command's exit
# code is passed through. Recipe: ../shared/testing/HARNESS.md §4.
# Without dbus-run-session or gnome-keyring-daemon it runs <command> with
# AUTHFLOW_KEYRING_UNAVAILABLE set to the reason, so the test skips (or fails under CI=true).
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 <command...>" >&2
    exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        export AUTHFLOW_KEYRING_UNAVAILABLE="$tool not found (install dbus and gnome-keyring)"
        exec "$@"
    fi
done

KR_HOME=$(mktemp -d "${TMPDIR:-/tmp}/authflow-keyring-XXXXXX")
trap 'rm -rf "$KR_HOME"' EXIT
mkdir -m 700 "$KR_HOME/run" "$KR_HOME/share"
export XDG_DATA_HOME="$KR_HOME/share" XDG_RUNTIME_DIR="$KR_HOME/run"
unset GNOME_KEYRING_CONTROL

status=0
dbus-run-session -- bash -c '
    # --unlock creates and unlocks the "login" keyring; --start registers org.freedesktop.secrets
    # on this bus (without it the daemon can outlive the bus when the command never uses it).
    eval "$(printf %s "authflow-test-keyring" | gnome-keyring-daemon --unlock --components=secrets)"
    eval "$(gnome-keyring-daemon --start --components=secrets)"
    export GNOME_KEYRING_CONTROL
    "$@"' _ "$@" || status=$?
exit "$status"
