#!/usr/bin/env bash
# Builds the test FHIR server jar (target/prescreen-fhir-server.jar) with Maven.
# Extra arguments go to mvn (e.g. ./build.sh -o for an offline build).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR="$HERE/target/prescreen-fhir-server.jar"

command -v mvn >/dev/null 2>&1 || { echo "build.sh: mvn not found (Maven 3.8+ and Java 17 are needed)" >&2; exit 1; }
command -v java >/dev/null 2>&1 || { echo "build.sh: java not found (Java 17 or newer is needed)" >&2; exit 1; }
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
if [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; then
  echo "build.sh: Java 17 or newer is needed (found: ${java_major:-unknown}); set JAVA_HOME or PATH" >&2
  exit 1
fi
# Nothing in fhir_server/ changed since the jar was built: keep it (make test runs this every time).
if [ -f "$JAR" ] && [ $# -eq 0 ] && \
   [ -z "$(find "$HERE/pom.xml" "$HERE/src" -newer "$JAR" -print -quit 2>/dev/null)" ]; then
  echo "Up to date: $JAR"
  exit 0
fi
start=$(date +%s)
mvn -B -q -f "$HERE/pom.xml" package -DskipTests "$@" 2>&1 | sed -e "s/\x1b\[[0-9;]*m//g"
# Maven may leave an up-to-date jar untouched; start.sh compares times, so mark it fresh.
touch "$JAR"
echo "Built $JAR in $(( $(date +%s) - start )) s ($(du -m "$JAR" | cut -f1) MB)"
