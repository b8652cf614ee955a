#!/usr/bin/env bash
# Builds the test FHIR server jar (target/prescreen-fhir-server.jar) with Maven.
# Extra arguments go to mvn (e.g. ./build.sh -o for an offline build).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR="$HERE/target/prescreen-fhir-server.jar"

command -v mvn >/dev/null 2>&1 || { echo "build.sh: mvn not found (Maven 3.8+ and Java 17 are needed)" >&2; exit 1; }
start=$(date +%s)
mvn -B -q -f "$HERE/pom.xml" package -DskipTests "$@" 2>&1 | sed -e "s/\x1b\[[0-9;]*m//g"
# Maven may leave an up-to-date jar untouched; start.sh compares times, so mark it fresh.
touch "$JAR"
echo "Built $JAR in $(( $(date +%s) - start )) s ($(du -m "$JAR" | cut -f1) MB)"
