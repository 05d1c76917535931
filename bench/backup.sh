#!/usr/bin/env bash
# Backup benchmark: builds a mixed fixture (default 1 GiB: random world-like files + a
# compressible install), measures the archive format alone at a few zstd settings, then backup
# (live, stop, pause) and restore through the HTTP API of a real orchestrator on the local
# dockerd, with the time the server is unavailable. Prints Markdown tables.
#   bench/backup.sh [fixture MiB]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${JAVA_HOME:-}" ]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64; do
    if [ -x "$candidate/bin/java" ]; then export JAVA_HOME="$candidate"; break; fi
  done
fi
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath \
  -Dmdep.includeScope=test
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  dev.peon.orc.backup.BackupBench "${1:-1024}"
