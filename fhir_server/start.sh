#!/usr/bin/env bash
# Starts the local HAPI FHIR R4 test server in the background and waits until
# GET /fhir/metadata answers. Builds the jar first when it is missing or older
# than pom.xml / src. Idempotent: a live server from the PID file is reused.
#
# Environment (all optional):
#   PRESCREEN_FHIR_PORT           port (default 8090); the server binds 127.0.0.1 only
#   PRESCREEN_FHIR_RUN_DIR        PID and log files (default fhir_server/target/run)
#   PRESCREEN_FHIR_START_TIMEOUT  seconds to wait for /fhir/metadata (default 300)
#   PRESCREEN_FHIR_JAVA_OPTS      JVM options (default: see JAVA_OPTS below)
#   PRESCREEN_FHIR_DB_DIR, PRESCREEN_FHIR_TOKEN, PRESCREEN_FHIR_SMART_JWKS,
#   PRESCREEN_FHIR_SMART_CLIENT_ID, ...: read by the server itself (README.md)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PORT="${PRESCREEN_FHIR_PORT:-8090}"
RUN_DIR="${PRESCREEN_FHIR_RUN_DIR:-$HERE/target/run}"
TIMEOUT="${PRESCREEN_FHIR_START_TIMEOUT:-300}"
JAR="$HERE/target/prescreen-fhir-server.jar"
PID_FILE="$RUN_DIR/fhir-server.pid"
LOG_FILE="$RUN_DIR/fhir-server.log"
BASE="http://127.0.0.1:$PORT/fhir"
# 2 cores / 24 GB machine shared with the rest of the tests: a 1 GB heap is
# plenty for test data sets of thousands of resources (H2 in memory included).
JAVA_OPTS="${PRESCREEN_FHIR_JAVA_OPTS:--Xms256m -Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Djava.awt.headless=true -Dfile.encoding=UTF-8}"

answers() { curl -s -o /dev/null --max-time 5 -f "$BASE/metadata"; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
fail() {
    echo "start.sh: $1" >&2
    if [ -f "$LOG_FILE" ]; then
        echo "---- last 40 lines of $LOG_FILE ----" >&2
        tail -n 40 "$LOG_FILE" >&2
    fi
    exit 1
}
wait_ready() {  # $1 = pid, $2 = start time (s)
    local pid="$1" t0="$2"
    while true; do
        if answers; then
            echo "HAPI FHIR ready at $BASE (started in $(( $(date +%s) - t0 )) s, pid $pid)"
            return 0
        fi
        if ! alive "$pid"; then
            rm -f "$PID_FILE"
            fail "server process $pid exited before $BASE/metadata answered"
        fi
        if [ $(( $(date +%s) - t0 )) -ge "$TIMEOUT" ]; then
            # Do not leave a half-started JVM behind.
            PRESCREEN_FHIR_RUN_DIR="$RUN_DIR" "$HERE/stop.sh" >/dev/null 2>&1 || true
            fail "no answer from $BASE/metadata after $TIMEOUT s; server stopped"
        fi
        sleep 1
    done
}

command -v java >/dev/null 2>&1 || fail "java not found (Java 17 is needed)"
command -v curl >/dev/null 2>&1 || fail "curl not found"
mkdir -p "$RUN_DIR" "$HERE/target"
# One start.sh at a time per run dir (a second caller waits, then finds the server running).
exec 8>"$RUN_DIR/.start.lock"
flock -w "$TIMEOUT" 8 || fail "another start.sh holds $RUN_DIR/.start.lock"

# Already running?
if [ -f "$PID_FILE" ]; then
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    if alive "$pid"; then
        if answers; then
            echo "HAPI FHIR already running at $BASE (pid $pid)"
            exit 0
        fi
        # Alive but not answering yet: most likely still starting (e.g. a parallel start.sh).
        echo "Server pid $pid is running but $BASE/metadata does not answer yet; waiting"
        wait_ready "$pid" "$(date +%s)"
        exit 0
    fi
    rm -f "$PID_FILE"
fi
if answers; then
    fail "something else already answers at $BASE (not started from $PID_FILE); stop it or set PRESCREEN_FHIR_PORT"
fi

# Build when needed (one build at a time, whatever the run dir).
exec 9>"$HERE/target/.build.lock"
flock 9
if [ ! -f "$JAR" ] || [ -n "$(find "$HERE/pom.xml" "$HERE/src" -newer "$JAR" -print -quit)" ]; then
    echo "Building the FHIR server jar ..."
    "$HERE/build.sh" || fail "build failed"
fi

# Servers run a copy of the jar named after the build time (target/runjars/), so a rebuild
# never changes a jar under a running server. Copies no running process uses are removed.
RUN_JAR="$HERE/target/runjars/prescreen-fhir-server-$(stat -c %Y "$JAR").jar"
if [ ! -f "$RUN_JAR" ]; then
    mkdir -p "$HERE/target/runjars"
    cp "$JAR" "$RUN_JAR.tmp.$$"
    mv -f "$RUN_JAR.tmp.$$" "$RUN_JAR"
fi
for old in "$HERE"/target/runjars/*.jar; do
    [ "$old" = "$RUN_JAR" ] && continue
    grep -qsF "$old" /proc/[0-9]*/cmdline || rm -f "$old"
done
exec 9>&-

if [ -f "$LOG_FILE" ]; then mv -f "$LOG_FILE" "$LOG_FILE.prev"; fi
t0=$(date +%s)
cd "$RUN_DIR"
# setsid: the server survives the calling shell's process group (e.g. Ctrl-C in a test run).
# shellcheck disable=SC2086
setsid java $JAVA_OPTS -jar "$RUN_JAR" </dev/null >"$LOG_FILE" 2>&1 8>&- &
pid=$!
echo "$pid" > "$PID_FILE"
wait_ready "$pid" "$t0"
