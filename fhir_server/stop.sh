#!/usr/bin/env bash
# Stops the test FHIR server started by start.sh (TERM, up to 30 s, then KILL).
# Exit 0 also when nothing is running.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_DIR="${PRESCREEN_FHIR_RUN_DIR:-$HERE/target/run}"
PID_FILE="$RUN_DIR/fhir-server.pid"

if [ ! -f "$PID_FILE" ]; then
    echo "HAPI FHIR not running (no $PID_FILE)"
    exit 0
fi
pid="$(cat "$PID_FILE" 2>/dev/null || true)"
if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "HAPI FHIR not running (stale PID file removed)"
    rm -f "$PID_FILE"
    exit 0
fi
# Guard against a recycled PID: only stop our own server.
if [ -r "/proc/$pid/cmdline" ] && ! tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q 'prescreen-fhir-server'; then
    echo "PID $pid is not the FHIR server; stale PID file removed, nothing stopped"
    rm -f "$PID_FILE"
    exit 0
fi
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
done
if kill -0 "$pid" 2>/dev/null; then
    echo "HAPI FHIR pid $pid did not stop within 30 s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
fi
rm -f "$PID_FILE"
echo "HAPI FHIR stopped (pid $pid)"
