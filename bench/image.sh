#!/usr/bin/env bash
# Figures for the orchestrator's container image (README "Run it as a service"): build time,
# image size, time from `docker run` to /readyz, and the container's memory when idle.
# Usage: bench/image.sh   (needs dockerd; builds the jar when missing; removes what it made)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
tag="peon-orchestrator:bench-$$"
name="peon-image-bench-$$"
data="$(mktemp -d "${TMPDIR:-/tmp}/peon-image-bench.XXXXXX")"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker rmi "$tag" >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT
mkdir -p "$data/plans"
echo '[]' > "$data/plans/plans.json"

t0=$(date +%s.%N)
packaging/build-image --tag "$tag" 2>/dev/null
t1=$(date +%s.%N)
size=$(docker image inspect "$tag" --format '{{.Size}}')
printf 'image build            %.1f s\n' "$(python3 -c "print($t1 - $t0)")"
printf 'image size             %d MB\n' "$((size / 1000000))"

t0=$(date +%s.%N)
docker run -d --name "$name" --network host -v /var/run/docker.sock:/var/run/docker.sock \
  -v "$data:$data" -e PEON_DATA_DIR="$data/data" -e PEON_PLANS_SOURCE="$data/plans" \
  -e PEON_LISTEN_PORT="$port" "$tag" >/dev/null
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.05; done
t1=$(date +%s.%N)
printf 'docker run to /readyz  %.2f s\n' "$(python3 -c "print($t1 - $t0)")"
sleep 10
docker stats --no-stream --format 'memory idle (10 s)     {{.MemUsage}}' "$name"
t0=$(date +%s.%N)
docker stop -t 60 "$name" >/dev/null
t1=$(date +%s.%N)
printf 'docker stop            %.2f s\n' "$(python3 -c "print($t1 - $t0)")"
