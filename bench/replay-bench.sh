#!/usr/bin/env bash
# bench/replay-bench.sh - recovery speed: replaying a long AOF offline, and restarting a node from
# snapshot + log, compared with redis-server restarting from its RDB + AOF tail.
#
# Usage: bench/replay-bench.sh [--no-build]
#
#   1. Replay speed: a node logs WRITES (default 10 M) SETs over KEYS keys (redis-benchmark -t set -r KEYS
#      -P 64), is stopped, and `hypercache replay --data-dir DIR --json` is run: its own timing (open the log,
#      replay, no process start) gives entries/s; the wall time with process start is printed too.
#   2. Restart time: a fresh node gets exactly KEYS (default 1 M) distinct keys (key:0000001.., VALUE-byte
#      values, loaded with redis-cli --pipe), SAVE, then TAIL (default 100 k) overwrites of random keys,
#      SIGKILL, and the time from start to the first PONG is measured. redis-server (appendonly yes,
#      aof-use-rdb-preamble yes, everysec) gets the same commands with BGREWRITEAOF in place of SAVE, then
#      SIGKILL and the same measurement. Both are run ROUNDS times (default 3) and the median is printed.
#
# HyperCache runs as it is deployed: `dotnet publish -r linux-x64 -p:PublishReadyToRun=true` (as
# deploy/Dockerfile does), so start-up does not pay for JIT-compiling the host; --no-build reuses that publish.
# Only 127.0.0.1 is targeted; ports are checked free first; servers are killed (by pid) and temp dirs removed on
# exit; every wait is bounded.
# Environment: WRITES=10000000 KEYS=1000000 TAIL=100000 VALUE=64 ROUNDS=3 HC_PORT=16480 REDIS_PORT=16479
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WRITES="${WRITES:-10000000}"; KEYS="${KEYS:-1000000}"; TAIL="${TAIL:-100000}"; VALUE="${VALUE:-64}"; ROUNDS="${ROUNDS:-3}"
WORK="$(mktemp -d /tmp/hc-replay-bench.XXXXXX)"
PUBLISH="$ROOT/bench/out/publish"
HC="$PUBLISH/hypercache"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install redis-server redis-tools)"; exit 1; }
done
if [ "${1:-}" != "--no-build" ] || [ ! -x "$HC" ]; then
  dotnet publish "$ROOT/src/Frontends/HyperCache.Frontends.csproj" -c Release -r linux-x64 --self-contained false \
    -p:PublishReadyToRun=true -o "$PUBLISH" -v q >/dev/null
fi

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p=$1; for _ in $(seq 100); do port_busy "$p" || port_busy "$((p + 1))" || { echo "$p"; return; }; p=$((p + 2)); done; echo "no free port near $1" >&2; exit 1; }
HC_PORT=$(free_port "${HC_PORT:-16480}")
REDIS_PORT=$(free_port "${REDIS_PORT:-16479}")
[ "$REDIS_PORT" != "$HC_PORT" ] && [ "$REDIS_PORT" != "$((HC_PORT + 1))" ] || REDIS_PORT=$(free_port $((HC_PORT + 2)))

# RESP for "SET key:<n> <value>" over n = 1..KEYS, and TAIL overwrites of pseudo-random keys (same for both).
awk -v n="$KEYS" -v v="$VALUE" 'BEGIN { val = sprintf("%*s", v, ""); gsub(/ /, "x", val)
  for (i = 1; i <= n; i++) { k = sprintf("key:%07d", i); printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, v, val } }' >"$WORK/fill.resp"
awk -v n="$TAIL" -v keys="$KEYS" -v v="$VALUE" 'BEGIN { srand(1); val = sprintf("%*s", v, ""); gsub(/ /, "y", val)
  for (i = 1; i <= n; i++) { k = sprintf("key:%07d", 1 + int(rand() * keys)); printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, v, val } }' >"$WORK/tail.resp"

wait_pong() { # port, deadline seconds; prints elapsed ms
  local port=$1 deadline=$2 start; start=$(date +%s%N)
  while [ $(( ($(date +%s%N) - start) / 1000000000 )) -lt "$deadline" ]; do
    if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = "PONG" ]; then echo $(( ($(date +%s%N) - start) / 1000000 )); return 0; fi
    sleep 0.05
  done
  echo "no PONG on $port within ${deadline}s" >&2; return 1
}

start_hc() { # data dir; sets HC_PID
  "$HC" serve --data-dir "$1" --resp-port "$HC_PORT" --http-port $((HC_PORT + 1)) --appendfsync everysec \
    --snapshot-after-mb 0 --snapshot-interval 0 >>"$WORK/hc.log" 2>&1 &
  HC_PID=$!; PIDS+=("$HC_PID")
}

echo "== 1. replay speed: $WRITES logged SETs"
start_hc "$WORK/replay"
wait_pong "$HC_PORT" 60 >/dev/null
redis-benchmark -p "$HC_PORT" -t set -n "$WRITES" -r "$KEYS" -d "$VALUE" -P 64 -c 20 -q
kill "$HC_PID"; wait "$HC_PID" || true
start=$(date +%s%N)
"$HC" replay --data-dir "$WORK/replay" --json >"$WORK/replay.json"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
entries=$(grep -o '"entries_applied": [0-9]*' "$WORK/replay.json" | grep -o '[0-9]*$')
rate=$(grep -o '"entries_per_second": [0-9]*' "$WORK/replay.json" | grep -o '[0-9]*$')
seconds=$(grep -o '"seconds": [0-9.]*' "$WORK/replay.json" | grep -o '[0-9.]*$')
echo "replayed $entries entries in ${seconds}s: $rate entries/s (wall time with process start and digest: $ms ms)"

echo "== 2. restart: $KEYS keys in a snapshot + $TAIL log entries, $ROUNDS restarts each, interleaved"
mkdir -p "$WORK/redis"
redis_start() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK/redis" --appendonly yes --appendfsync everysec \
    --aof-use-rdb-preamble yes --save "" --daemonize no >>"$WORK/redis.log" 2>&1 &
  REDIS_PID=$!; PIDS+=("$REDIS_PID")
}
load() { # port file
  redis-cli -p "$1" --pipe <"$2" | tail -n 1
}

start_hc "$WORK/restart"
wait_pong "$HC_PORT" 60 >/dev/null
load "$HC_PORT" "$WORK/fill.resp"
redis-cli -p "$HC_PORT" save >/dev/null
load "$HC_PORT" "$WORK/tail.resp"
hc_keys=$(redis-cli -p "$HC_PORT" dbsize)
sleep 0.5 # everysec: let the last commit land (it commits every 100 ms)
kill -9 "$HC_PID"; wait "$HC_PID" 2>/dev/null || true

redis_start
wait_pong "$REDIS_PORT" 60 >/dev/null
load "$REDIS_PORT" "$WORK/fill.resp"
redis-cli -p "$REDIS_PORT" bgrewriteaof >/dev/null
for _ in $(seq 600); do [ "$(redis-cli -p "$REDIS_PORT" info persistence | grep -c 'aof_rewrite_in_progress:0')" = 1 ] && break; sleep 0.1; done
load "$REDIS_PORT" "$WORK/tail.resp"
redis_keys=$(redis-cli -p "$REDIS_PORT" dbsize)
sleep 1.5 # everysec
kill -9 "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true

hc_times=(); redis_times=()
for r in $(seq "$ROUNDS"); do
  start_hc "$WORK/restart"
  ms=$(wait_pong "$HC_PORT" 300); hc_times+=("$ms")
  after=$(redis-cli -p "$HC_PORT" dbsize)
  [ "$after" = "$hc_keys" ] || { echo "HyperCache restart $r: $after keys, expected $hc_keys" >&2; exit 1; }
  kill -9 "$HC_PID"; wait "$HC_PID" 2>/dev/null || true
  redis_start
  ms=$(wait_pong "$REDIS_PORT" 300); redis_times+=("$ms")
  after=$(redis-cli -p "$REDIS_PORT" dbsize)
  [ "$after" = "$redis_keys" ] || { echo "redis restart $r: $after keys, expected $redis_keys" >&2; exit 1; }
  kill -9 "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true
  echo "round $r: HyperCache ${hc_times[-1]} ms, redis-server ${redis_times[-1]} ms"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
hc_med=$(median "${hc_times[@]}"); redis_med=$(median "${redis_times[@]}")
echo "restart to first PONG, median of $ROUNDS: HyperCache $hc_med ms ($hc_keys keys), redis-server $redis_med ms ($redis_keys keys)," \
  "ratio HyperCache/Redis $(awk -v a="$hc_med" -v b="$redis_med" 'BEGIN { printf "%.2f", a / b }')"
