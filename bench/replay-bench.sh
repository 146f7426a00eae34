#!/usr/bin/env bash
# bench/replay-bench.sh - recovery speed: replaying a long AOF offline, and restarting a node from
# snapshot + log, compared with redis-server restarting from its RDB + AOF tail.
#
# Usage: bench/replay-bench.sh [--no-build]
#
#   1. Replay speed: a node logs WRITES (default 10 M) SETs (redis-benchmark -t set -r KEYS -P 64), is
#      stopped, and `hypercache replay --data-dir DIR --json` is timed (entries/s from its output).
#   2. Restart time: a fresh node gets KEYS (default 1 M) distinct keys, SAVE, then TAIL (default 100 k) more
#      SETs, SIGKILL, and the time from start to the first PONG is measured. redis-server (appendonly yes,
#      aof-use-rdb-preamble yes) gets the same workload with BGREWRITEAOF in place of SAVE, then SIGKILL and
#      the same measurement.
#
# Only 127.0.0.1 is targeted; servers are killed (by pid) and temp dirs removed on exit; every wait is bounded.
# Environment: WRITES=10000000 KEYS=1000000 TAIL=100000 HC_PORT=16480 REDIS_PORT=16479 VALUE=64
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WRITES="${WRITES:-10000000}"; KEYS="${KEYS:-1000000}"; TAIL="${TAIL:-100000}"; VALUE="${VALUE:-64}"
HC_PORT="${HC_PORT:-16480}"; REDIS_PORT="${REDIS_PORT:-16479}"
WORK="$(mktemp -d /tmp/hc-replay-bench.XXXXXX)"
DLL="$ROOT/src/Frontends/bin/Release/net10.0/hypercache.dll"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install redis-server redis-tools)"; exit 1; }
done
[ "${1:-}" = "--no-build" ] || dotnet build "$ROOT/src/Frontends" -c Release -v q >/dev/null

wait_pong() { # port, deadline seconds; prints elapsed ms
  local port=$1 deadline=$2 start; start=$(date +%s%N)
  while [ $(( ($(date +%s%N) - start) / 1000000000 )) -lt "$deadline" ]; do
    if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = "PONG" ]; then echo $(( ($(date +%s%N) - start) / 1000000 )); return 0; fi
    sleep 0.05
  done
  echo "no PONG on $port within ${deadline}s" >&2; return 1
}

start_hc() { # data dir; sets HC_PID
  dotnet "$DLL" serve --data-dir "$1" --resp-port "$HC_PORT" --http-port $((HC_PORT + 1)) --appendfsync everysec \
    --snapshot-after-mb 0 --snapshot-interval 0 >>"$WORK/hc.log" 2>&1 &
  HC_PID=$!; PIDS+=("$HC_PID")
}

echo "== 1. replay speed: $WRITES logged SETs"
start_hc "$WORK/replay"
wait_pong "$HC_PORT" 60 >/dev/null
redis-benchmark -p "$HC_PORT" -t set -n "$WRITES" -r "$KEYS" -d "$VALUE" -P 64 -c 20 -q
kill "$HC_PID"; wait "$HC_PID" || true
start=$(date +%s%N)
dotnet "$DLL" replay --data-dir "$WORK/replay" --json >"$WORK/replay.json"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
entries=$(grep -o '"entries_applied": [0-9]*' "$WORK/replay.json" | grep -o '[0-9]*$')
echo "replayed $entries entries in $ms ms: $(( entries * 1000 / (ms > 0 ? ms : 1) )) entries/s (process start included)"

echo "== 2. restart: $KEYS keys in a snapshot + $TAIL log entries"
start_hc "$WORK/restart"
wait_pong "$HC_PORT" 60 >/dev/null
redis-benchmark -p "$HC_PORT" -t set -n "$KEYS" -r "$KEYS" -d "$VALUE" -P 64 -c 20 -q >/dev/null
redis-cli -p "$HC_PORT" save >/dev/null
redis-benchmark -p "$HC_PORT" -t set -n "$TAIL" -r "$KEYS" -d "$VALUE" -P 64 -c 20 -q >/dev/null
keys=$(redis-cli -p "$HC_PORT" dbsize)
sleep 0.5 # everysec: let the last commit land (it commits every 100 ms)
kill -9 "$HC_PID"; wait "$HC_PID" 2>/dev/null || true
start_hc "$WORK/restart"
hc_ms=$(wait_pong "$HC_PORT" 300)
echo "HyperCache: $keys keys back after SIGKILL in $hc_ms ms; keys now $(redis-cli -p "$HC_PORT" dbsize)"
kill "$HC_PID"; wait "$HC_PID" || true

mkdir -p "$WORK/redis"
redis_start() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK/redis" --appendonly yes --appendfsync everysec \
    --aof-use-rdb-preamble yes --save "" --daemonize no >>"$WORK/redis.log" 2>&1 &
  REDIS_PID=$!; PIDS+=("$REDIS_PID")
}
redis_start
wait_pong "$REDIS_PORT" 60 >/dev/null
redis-benchmark -p "$REDIS_PORT" -t set -n "$KEYS" -r "$KEYS" -d "$VALUE" -P 64 -c 20 -q >/dev/null
redis-cli -p "$REDIS_PORT" bgrewriteaof >/dev/null
for _ in $(seq 600); do [ "$(redis-cli -p "$REDIS_PORT" info persistence | grep -c 'aof_rewrite_in_progress:0')" = 1 ] && break; sleep 0.1; done
redis-benchmark -p "$REDIS_PORT" -t set -n "$TAIL" -r "$KEYS" -d "$VALUE" -P 64 -c 20 -q >/dev/null
sleep 1.5
kill -9 "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true
redis_start
redis_ms=$(wait_pong "$REDIS_PORT" 300)
echo "redis-server: back after SIGKILL in $redis_ms ms; keys now $(redis-cli -p "$REDIS_PORT" dbsize)"
kill "$REDIS_PID"; wait "$REDIS_PID" || true
