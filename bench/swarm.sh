#!/usr/bin/env bash
# Cluster benchmark (issue 14): an in-process orchestrator with runtime=swarm against a throwaway
# 3-node Docker Swarm (SwarmCluster: three dockerds in network namespaces on this machine; needs
# root, iproute2, util-linux, iptables, docker) and, for comparison, one with runtime=docker on the
# host's dockerd. Prints Markdown tables on stdout, progress on stderr; the orchestrators' log goes
# to target/swarm-bench.log.
#   bench/swarm.sh [servers=300] [started=servers] [create runs=5] [parallel creates=4]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${JAVA_HOME:-}" ]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64; do
    if [ -x "$candidate/bin/java" ]; then export JAVA_HOME="$candidate"; break; fi
  done
fi
./mvnw -q -B ${MAVEN_OFFLINE:+-o} test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" -Xmx1g ${BENCH_JAVA_OPTS:-} \
  -Dlogback.configurationFile=bench/swarm-logback.xml -Dbench.log=target/swarm-bench.log \
  -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  dev.peon.orc.node.SwarmBench "$@"
