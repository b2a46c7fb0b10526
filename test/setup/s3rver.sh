#!/usr/bin/env bash
# s3rver (the s3rver dev dependency: an S3 protocol server keeping its buckets on the local disk)
# for the server-mode test pass, where every test instance stores its media in a bucket of its own.
#
#   test/setup/s3rver.sh start    starts it unless it already runs, and prints its endpoint
#                                 (http://127.0.0.1:<port>) on stdout (nothing else)
#   test/setup/s3rver.sh stop     stops it and removes its directory (buckets included)
#   test/setup/s3rver.sh status   prints the endpoint if it runs, exits 1 otherwise
#
# It listens on 127.0.0.1 (the first free port from S3RVER_PORT, default 4568), takes the keys
# S3RVER/S3RVER and unsigned requests, path-style. Tests find it through SUBSPACE_TEST_S3_ENDPOINT
# (test/helpers/s3.ts). Runtime files (data, log, pid, port) live in S3RVER_DIR (/tmp/subspace-s3rver).
# Progress goes to stderr.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIR=${S3RVER_DIR:-/tmp/subspace-s3rver}
FIRST_PORT=${S3RVER_PORT:-4568}
NODE="$ROOT/node_modules/.bin/node"
BIN="$ROOT/node_modules/s3rver/bin/s3rver.js"
# s3rver's command line, with concurrent deletes in one directory fixed (see the file)
PATCHED="$ROOT/test/setup/s3rver-patched.cjs"

say() { echo "s3rver.sh: $*" >&2; }

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The endpoint of our running s3rver, if it runs and answers.
running_endpoint() {
  [ -f "$DIR/s3rver.pid" ] && [ -f "$DIR/port" ] || return 1
  local pid port
  pid=$(cat "$DIR/s3rver.pid" 2>/dev/null) || return 1
  port=$(cat "$DIR/port" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  if command -v curl >/dev/null; then
    curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/" 2>/dev/null || return 1
  else
    port_in_use "$port" || return 1
  fi
  echo "http://127.0.0.1:$port"
}

start() {
  local endpoint
  if endpoint=$(running_endpoint); then
    say "already running at $endpoint"
    echo "$endpoint"
    return 0
  fi
  [ -x "$NODE" ] && [ -f "$BIN" ] || { say "$NODE or $BIN is missing: run npm ci first"; exit 1; }

  local port=$FIRST_PORT
  while port_in_use "$port"; do
    port=$((port + 1))
    [ "$port" -lt $((FIRST_PORT + 100)) ] || { say "no free port from $FIRST_PORT"; exit 1; }
  done

  rm -rf "$DIR"
  mkdir -p "$DIR/data"
  echo "$port" >"$DIR/port"
  say "starting s3rver on 127.0.0.1:$port (data in $DIR/data)"
  # its own session, so it outlives this script and stop can end it by its pid alone
  setsid "$NODE" "$PATCHED" --directory "$DIR/data" --address 127.0.0.1 --port "$port" --silent \
    </dev/null >"$DIR/s3rver.log" 2>&1 &
  echo $! >"$DIR/s3rver.pid"

  local tries=0
  until endpoint=$(running_endpoint); do
    tries=$((tries + 1))
    if [ "$tries" -gt 150 ] || ! kill -0 "$(cat "$DIR/s3rver.pid")" 2>/dev/null; then
      say "s3rver did not come up; its log:"
      cat "$DIR/s3rver.log" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
  say "running at $endpoint"
  echo "$endpoint"
}

stop() {
  if [ -f "$DIR/s3rver.pid" ]; then
    local pid
    pid=$(cat "$DIR/s3rver.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      say "stopping s3rver (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -rf "$DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) running_endpoint || { say "not running"; exit 1; } ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
