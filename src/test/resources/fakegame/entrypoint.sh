#!/bin/sh
# Fake PEON game image for integration tests. Follows the steamcmd image conventions:
# config at /home/steam/config, game data at /home/steam/steamcmd/data, actions at /actions.
CONFIG=/home/steam/config
ACTIONS=/actions
PIDS=""

offline() {
  echo OFFLINE > "$CONFIG/state"
  for pid in $PIDS; do kill "$pid" 2>/dev/null; done
  exit 0
}
trap offline TERM INT

mkdir -p "$CONFIG" "$ACTIONS" /home/steam/steamcmd/data
echo INITIALIZING > "$CONFIG/state"
(hostname -i 2>/dev/null || echo 127.0.0.1) | cut -d' ' -f1 > "$CONFIG/ip"
[ -f "$ACTIONS/.update" ] || touch "$ACTIONS/.update"
echo "${PORT:-}" > "$CONFIG/port"
echo "${SERVER_NAME:-}" > "$CONFIG/server_name"
if [ -n "${SERVER_PASSWORD:-}" ]; then echo "$SERVER_PASSWORD" > "$CONFIG/password"; fi

# Background jobs get /dev/null as stdin unless handed another descriptor.
exec 3<&0
(while IFS= read -r line <&3; do echo "echo: $line"; done) &
PIDS="$PIDS $!"

echo STARTED > "$CONFIG/state"
echo "fakegame ${VERSION:-} started: port=${PORT:-none} name=${SERVER_NAME:-}"
if [ -f "$ACTIONS/server_start" ]; then
  sh "$ACTIONS/server_start" &
  PIDS="$PIDS $!"
  wait $!
else
  if [ -n "${PORT:-}" ]; then
    mkdir -p /tmp/www
    echo "fakegame" > /tmp/www/index.html
    httpd -f -p "$PORT" -h /tmp/www &
    PIDS="$PIDS $!"
  fi
  # Idle until a signal; sleep runs in the background so the trap fires at once.
  while true; do
    sleep 3600 &
    wait $!
  done
fi
echo OFFLINE > "$CONFIG/state"
