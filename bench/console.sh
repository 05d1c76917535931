#!/bin/sh
# Console benchmark: sustained throughput from one server to one WebSocket viewer, and the memory
# of 200 servers keeping 1,000 lines of history each. Needs a running dockerd.
# Usage: bench/console.sh [seconds]   (from the repository root)
set -eu
SECONDS_TO_RUN="${1:-15}"
cd "$(dirname "$0")/.."
if [ -z "${JAVA_HOME:-}" ]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64; do
    if [ -x "$candidate/bin/java" ]; then export JAVA_HOME="$candidate"; break; fi
  done
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if [ ! -f target/peon-orchestrator.jar ]; then
  ./mvnw -q -B package -DskipTests
fi
IMAGE=peon-bench/console:1
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  # the fake game image of the tests (busybox, PEON conventions), built locally, nothing pulled
  ctx="$(mktemp -d)"
  cp src/test/resources/fakegame/Dockerfile src/test/resources/fakegame/entrypoint.sh "$ctx/"
  cp "$(command -v busybox)" "$ctx/busybox"
  docker build -q -t "$IMAGE" "$ctx" >/dev/null 2>&1
  rm -rf "$ctx"
fi
echo "== throughput (one server printing in a tight loop, one viewer, ${SECONDS_TO_RUN} s)"
"$JAVA" -cp target/peon-orchestrator.jar bench/ConsoleBench.java throughput "$IMAGE" "$SECONDS_TO_RUN" 2>/dev/null | grep '^throughput'
echo "== memory (200 servers x 1,000 lines of history)"
"$JAVA" -Xmx512m -cp target/peon-orchestrator.jar bench/ConsoleBench.java memory 200 1000 2>/dev/null | grep '^memory'
