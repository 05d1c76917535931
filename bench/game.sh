#!/usr/bin/env bash
# Game-awareness benchmark, loopback only: probe cost of N servers (the fake game of the ITs run as
# N processes, probed with A2S + challenges by the orchestrator's probe code), and the cost of
# watching N sleeping servers' ports. Prints Markdown tables.
#   bench/game.sh [servers] [probe seconds] [probe interval seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${JAVA_HOME:-}" ]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64; do
    if [ -x "$candidate/bin/java" ]; then export JAVA_HOME="$candidate"; break; fi
  done
fi
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath \
  -Dmdep.includeScope=test
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" -Xmx512m \
  -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  dev.peon.orc.game.GameBench "${1:-250}" "${2:-60}" "${3:-10}"
