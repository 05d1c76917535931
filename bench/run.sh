#!/usr/bin/env bash
# PEON Orchestrator benchmark: builds the jar if missing and a local fake-game image, runs
# bench/bench.py against the real dockerd, removes the image again. See docs/benchmarks.md.
# Extra JVM options for the daemon: BENCH_JAVA_OPTS="..." bench/run.sh (default: none).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
if [ -z "${JAVA_HOME:-}" ]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64; do
    if [ -x "$candidate/bin/java" ]; then export JAVA_HOME="$candidate"; break; fi
  done
fi
# BENCH_JAR: a copy of the jar elsewhere, so that a build meanwhile cannot change it under the daemon
jar="${BENCH_JAR:-$here/target/peon-orchestrator.jar}"
if [ ! -f "$jar" ]; then
  echo "[run.sh] building $jar" >&2
  ./mvnw -q -B -DskipTests -Dspotless.check.skip=true package
fi

# The fake game image (busybox + src/test/resources/fakegame), built locally: nothing is pulled.
# The legacy builder works with a 28.x client against a 20.10 engine (BuildKit is not needed).
run_id="$(date +%s)-$$"
image="peon-bench/fakegame:${run_id}"
ctx="$(mktemp -d /tmp/peon-bench-image.XXXXXX)"
cleanup() {
  docker rmi "$image" >/dev/null 2>&1 || true
  rm -rf "$ctx"
}
trap cleanup EXIT
cp /usr/bin/busybox src/test/resources/fakegame/Dockerfile src/test/resources/fakegame/entrypoint.sh "$ctx/"
echo "[run.sh] building image $image" >&2
DOCKER_BUILDKIT=0 docker build -q --pull=false -t "$image" "$ctx" >/dev/null 2>"$ctx/build.log" \
  || { cat "$ctx/build.log" >&2; exit 1; }

# bench/run.sh --scale [N_RUNNING N_CREATED]: the scale benchmark (bench/scale.py) instead.
if [ "${1:-}" = "--scale" ]; then
  shift
  python3 "$here/bench/scale.py" --jar "$jar" --image "$image" "$@"
else
  python3 "$here/bench/bench.py" --jar "$jar" --image "$image" "$@"
fi
