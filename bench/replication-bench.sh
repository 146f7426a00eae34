#!/usr/bin/env bash
# bench/replication-bench.sh - SET throughput on a primary under each replication mode, side by side in one
# run, and the replication lag (bytes of committed log not yet acknowledged) p99 while the load runs.
#
# Usage: bench/replication-bench.sh [--no-build]
#
# For each mode in none, async, sync (min_acks 1): start a primary and (except for none) one replica on free
# loopback ports with fresh temp data dirs, wait for the link, run
#   redis-benchmark -c 50 -P 16 -t set -n N -r 100000 -d 64 --csv
# against the primary while sampling INFO replication every 100 ms (master_repl_offset - slave0 offset), then
# stop both. Prints one table: mode, SET rps, lag p99 in bytes, lag samples. Raw output in bench/out/repl-<UTC>/.
#
# Environment (optional): N=200000 requests, BENCH_TIMEOUT=600 seconds per redis-benchmark run.
# Only 127.0.0.1 is targeted; every process started here is killed on exit; every wait is bounded.
set -euo pipefail

HOST=127.0.0.1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
N=${N:-200000}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
BUILD=1
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done
for tool in redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "$tool missing: apt-get install redis-tools" >&2; exit 1; }
done
[ "$BUILD" = 1 ] && dotnet build src/Frontends -c Release -v q >/dev/null
DLL="$ROOT/src/Frontends/bin/Release/net10.0/hypercache.dll"
OUT="$ROOT/bench/out/repl-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
# start_node runs in a process substitution (a subshell), so it records what it started in files, not arrays.
STARTED="$OUT/.started"
cleanup() {
  [ -f "$STARTED" ] || return 0
  while read -r kind value; do
    case "$kind" in
      pid) kill "$value" 2>/dev/null || true ;;
      dir) rm -rf "$value" ;;
    esac
  done <"$STARTED"
  rm -f "$STARTED"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# start_node NAME EXTRA...: prints "pid port"
start_node() {
  local name=$1; shift
  local port http repl dir
  port=$(free_port); http=$(free_port); repl=$(free_port)
  dir=$(mktemp -d); echo "dir $dir" >>"$STARTED"
  dotnet "$DLL" serve --bind $HOST --resp-port "$port" --http-port "$http" --replication-port "$repl" \
    --data-dir "$dir" --log-dir "$dir/logs" --node-id "$name" "$@" >"$OUT/$name.log" 2>&1 &
  local pid=$!
  echo "pid $pid" >>"$STARTED"
  for _ in $(seq 1 300); do
    redis-cli -h $HOST -p "$port" ping 2>/dev/null | grep -q PONG && { echo "$pid $port"; return; }
    sleep 0.1
  done
  echo "node $name did not answer PING within 30 s" >&2; exit 1
}

field() { redis-cli -h $HOST -p "$1" info replication | tr -d '\r' | sed -n "s/^$2:\(.*\)/\1/p"; }

printf '%-6s %12s %16s %8s\n' mode set_rps lag_p99_bytes samples | tee "$OUT/table.txt"
for mode in none async sync; do
  read -r ppid pport < <(start_node "primary-$mode" --replication-mode "$mode" --min-acks 1)
  rpid=""
  if [ "$mode" != none ]; then
    read -r rpid rport < <(start_node "replica-$mode" --replicaof "$HOST $pport")
    for _ in $(seq 1 300); do [ "$(field "$pport" connected_slaves)" = 1 ] && break; sleep 0.1; done
  fi
  lagfile="$OUT/lag-$mode.txt"; : >"$lagfile"
  ( while true; do
      m=$(field "$pport" master_repl_offset); s=$(field "$pport" slave0 | sed -n 's/.*offset=\([0-9]*\).*/\1/p')
      [ -n "$m" ] && [ -n "$s" ] && echo $((m - s)) >>"$lagfile"
      sleep 0.1
    done ) &
  sampler=$!
  timeout "$BENCH_TIMEOUT" redis-benchmark -h $HOST -p "$pport" -c 50 -P 16 -t set -n "$N" -r 100000 -d 64 --csv >"$OUT/bench-$mode.csv"
  kill "$sampler" 2>/dev/null || true
  rps=$(awk -F'","' '/"SET"/ {print $2}' "$OUT/bench-$mode.csv" | tr -d '"')
  samples=$(wc -l <"$lagfile")
  p99=$( [ "$samples" -gt 0 ] && sort -n "$lagfile" | awk -v n="$samples" 'NR==int(n*0.99+0.999){print; exit}' || echo -)
  printf '%-6s %12s %16s %8s\n' "$mode" "${rps:-?}" "${p99:--}" "$samples" | tee -a "$OUT/table.txt"
  kill "$ppid" ${rpid:+"$rpid"} 2>/dev/null || true
  wait "$ppid" ${rpid:+"$rpid"} 2>/dev/null || true
done
echo "raw output: $OUT"
