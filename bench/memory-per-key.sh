#!/usr/bin/env bash
# bench/memory-per-key.sh - memory per key of HyperCache vs redis-server: N keys (key:0000001 ...) with
# VALUE_SIZE-byte values, process RSS growth per key and INFO used_memory growth per key, and the ratio
# HyperCache/Redis. The bar: RSS ratio <= 1.3.
#
# Usage: bench/memory-per-key.sh [--no-build] [--small]
#   --no-build  use the existing Release build of HyperCache
#   --small     smoke-test size: N=50000 (still overridable)
#
# What it does, for each server in turn (HyperCache, then redis-server; never both running at once):
#   1. starts it fresh on a free loopback port with its own temp data dir (AOF on, appendfsync everysec,
#      no RDB snapshots: the setup of bench/redis-benchmark.sh) and waits at most 30 s for PING;
#   2. waits for the RSS to settle, then reads VmRSS from /proc/<pid>/status and INFO memory used_memory;
#   3. writes N SETs with redis-cli --pipe (one pre-generated RESP file, the same bytes for both servers);
#   4. checks DBSIZE == N, waits for the RSS to settle again, reads both numbers again;
#   5. per key = (after - before) / N.
# Then prints both servers' bytes per key, the ratios, PASS/FAIL against the bar, and keeps the table,
# the raw numbers and server logs in bench/out/<UTC timestamp>-memory/.
#
# "Settled" = two consecutive VmRSS readings SETTLE_INTERVAL apart differ by < 1 %, for at most SETTLE_MAX s.
# The bar is on RSS, what the machine pays; used_memory is printed for reference only, because HyperCache's
# used_memory is its own accounting and need not be computed the way Redis's allocator-based number is.
#
# Only 127.0.0.1 is ever targeted. Servers are killed by pid and temp dirs removed on exit, whatever happens.
# Every loop and wait is bounded.
#
# Environment (all optional):
#   N=1000000  VALUE_SIZE=64  BAR=1.3
#   SETTLE_INTERVAL=1 (s)  SETTLE_MAX=30 (s)  FILL_TIMEOUT=600 (s)
#   HC_PORT=16680  REDIS_PORT=16679          first ports tried (next free one used)
#   HC_EXTRA_ARGS          extra flags for `hypercache serve` (e.g. "--snapshot-after-mb 0")
#   HYPERCACHE_CMD         command starting the HyperCache side instead of the built dll; placeholders
#                          {port}, {hport} and {dir}. Example (fake HyperCache, to test this script):
#     HYPERCACHE_CMD='redis-server --port {port} --bind 127.0.0.1 --save "" --appendonly yes --dir {dir}' \
#       bench/memory-per-key.sh --small --no-build
set -euo pipefail

HOST=127.0.0.1 # the only address this script ever talks to
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BUILD=1
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    --small) N=${N:-50000} ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

N=${N:-1000000}
VALUE_SIZE=${VALUE_SIZE:-64}
BAR=${BAR:-1.3}
SETTLE_INTERVAL=${SETTLE_INTERVAL:-1}
SETTLE_MAX=${SETTLE_MAX:-30}
FILL_TIMEOUT=${FILL_TIMEOUT:-600}
for v in N VALUE_SIZE SETTLE_INTERVAL SETTLE_MAX FILL_TIMEOUT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "$v must be a positive integer" >&2; exit 2; }
done
[[ $BAR =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "BAR must be a number" >&2; exit 2; }
(( N <= 9999999 )) || { echo "N must be <= 9999999 (key names have 7 digits)" >&2; exit 2; }

log() { printf '[memory %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- tools and build -------------------------------------------------------------------
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  log "installing redis-server redis-tools"
  SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server redis-tools >/dev/null
fi
DLL=src/Frontends/bin/Release/net10.0/hypercache.dll
if [[ $BUILD == 1 && -z ${HYPERCACHE_CMD:-} ]]; then
  log "building HyperCache (Release)"
  dotnet build -c Release -v q src/Frontends/HyperCache.Frontends.csproj
fi
[[ -n ${HYPERCACHE_CMD:-} || -f $DLL ]] || { echo "missing $DLL: build it or drop --no-build" >&2; exit 1; }

# --- output dir, temp dir, cleanup --------------------------------------------------------
OUT="bench/out/$(date -u +%Y%m%dT%H%M%SZ)-memory"
mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hc-memory.XXXXXX")
SERVER_PID=
stop_server() {
  local i
  [[ -n $SERVER_PID ]] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  rm -rf "$TMP/server"
}
cleanup() { stop_server; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
pick_port() { # pick_port VAR START [AVOID]: VAR = first free port from START on (100 tries)
  local p
  for ((p = $2; p < $2 + 100; p++)); do
    [[ $p == "${3:-}" ]] && continue
    if ! port_busy "$p"; then printf -v "$1" '%s' "$p"; return 0; fi
  done
  echo "no free port in $2..$(($2 + 99))" >&2; exit 1
}
cli() { timeout 10 redis-cli -h "$HOST" -p "$PORT" "$@" 2>&1 </dev/null | tr -d '\r' || true; }

HC_TEMPLATE=${HYPERCACHE_CMD:-"dotnet $DLL serve --bind $HOST --resp-port {port} --http-port {hport} --data-dir {dir} --log-dir {dir}/logs --appendfsync everysec --node-id memory ${HC_EXTRA_ARGS:-}"}

# start_server KIND: sets SERVER_PID (the server process itself: the command is exec'd) and PORT.
start_server() {
  local kind=$1 cmd hport i
  mkdir -p "$TMP/server"
  if [[ $kind == hypercache ]]; then
    pick_port PORT "${HC_PORT:-16680}"; pick_port hport "$((PORT + 1))" "$PORT"
    cmd=${HC_TEMPLATE//\{port\}/$PORT}; cmd=${cmd//\{hport\}/$hport}; cmd=${cmd//\{dir\}/$TMP/server}
  else
    pick_port PORT "${REDIS_PORT:-16679}"
    cmd="redis-server --port $PORT --bind $HOST --save '' --appendonly yes --appendfsync everysec --dir $TMP/server"
  fi
  log "starting $kind on $HOST:$PORT: $cmd"
  echo "$kind: $cmd" >>"$OUT/meta.txt"
  bash -c "exec $cmd" >"$OUT/$kind.log" 2>&1 </dev/null &
  SERVER_PID=$!
  for ((i = 0; i < 60; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || { log "$kind exited during startup:"; tail -n 20 "$OUT/$kind.log" >&2; exit 1; }
    [[ $(cli PING) == PONG ]] && return 0
    sleep 0.5
  done
  log "$kind did not answer PING on $HOST:$PORT within 30 s"; exit 1
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0; }
used_memory() { cli INFO memory | sed -n 's/^used_memory://p'; }

# settle: waits until two readings SETTLE_INTERVAL apart differ by < 1 % (at most SETTLE_MAX s); prints the RSS.
settle() {
  local prev cur i
  prev=$(rss_kb)
  for ((i = 0; i < SETTLE_MAX; i += SETTLE_INTERVAL)); do
    sleep "$SETTLE_INTERVAL"
    cur=$(rss_kb)
    if (( cur * 100 >= prev * 99 && cur * 100 <= prev * 101 )); then echo "$cur"; return 0; fi
    prev=$cur
  done
  log "RSS still moving after $SETTLE_MAX s; using the last reading"
  echo "$prev"
}

# --- the fill file: N SETs in RESP, the same bytes for both servers ---------------------------
log "generating $N SETs of $VALUE_SIZE-byte values"
FILL="$TMP/fill.resp"
awk -v n="$N" -v size="$VALUE_SIZE" 'BEGIN {
  v = sprintf("%*s", size, ""); gsub(/ /, "v", v)
  for (i = 1; i <= n; i++) {
    k = sprintf("key:%07d", i)
    printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, size, v
  }
}' >"$FILL"

{
  echo "date_utc: $(date -u +%FT%TZ)"
  echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (dirty)')"
  echo "host: $(uname -srm), cores: $(nproc 2>/dev/null || echo '?')"
  echo "N=$N VALUE_SIZE=$VALUE_SIZE BAR=$BAR SETTLE_INTERVAL=$SETTLE_INTERVAL SETTLE_MAX=$SETTLE_MAX"
  echo "redis: $(redis-server --version | head -n 1)"
} >"$OUT/meta.txt"

# measure KIND: start, settle, read, fill, check, settle, read, stop; appends a line to raw.tsv
declare -A RSS0 RSS1 USED0 USED1
measure() {
  local kind=$1 keys
  start_server "$kind"
  RSS0[$kind]=$(settle); USED0[$kind]=$(used_memory)
  log "$kind: RSS ${RSS0[$kind]} kB, used_memory ${USED0[$kind]} before; filling"
  if ! timeout "$FILL_TIMEOUT" redis-cli -h "$HOST" -p "$PORT" --pipe <"$FILL" >"$OUT/$kind.fill.txt" 2>&1; then
    log "$kind: redis-cli --pipe failed:"; tail -n 5 "$OUT/$kind.fill.txt" >&2; exit 1
  fi
  keys=$(cli DBSIZE)
  [[ $keys == "$N" ]] || { log "$kind: DBSIZE is '$keys' after the fill, expected $N"; exit 1; }
  RSS1[$kind]=$(settle); USED1[$kind]=$(used_memory)
  log "$kind: RSS ${RSS1[$kind]} kB, used_memory ${USED1[$kind]} after $N keys"
  printf '%s\t%s\t%s\t%s\t%s\n' "$kind" "${RSS0[$kind]}" "${RSS1[$kind]}" "${USED0[$kind]}" "${USED1[$kind]}" >>"$OUT/raw.tsv"
  stop_server
}

printf 'server\trss_before_kb\trss_after_kb\tused_memory_before\tused_memory_after\n' >"$OUT/raw.tsv"
measure hypercache
measure redis

# --- table ---------------------------------------------------------------------------------------
awk -F'\t' -v n="$N" -v bar="$BAR" -v size="$VALUE_SIZE" '
  NR == 1 { next }
  { rss[$1] = ($3 - $2) * 1024 / n; used[$1] = ($5 - $4) / n; ok[$1] = ($4 ~ /^[0-9]+$/ && $5 ~ /^[0-9]+$/) }
  END {
    printf "%-24s %14s %14s %10s\n", "bytes per key", "HyperCache", "Redis", "HC/Redis"
    r = rss["redis"] > 0 ? rss["hypercache"] / rss["redis"] : -1
    printf "%-24s %14.1f %14.1f %10s\n", "RSS growth / key", rss["hypercache"], rss["redis"], r < 0 ? "n/a" : sprintf("%.2f", r)
    if (ok["hypercache"] && ok["redis"] && used["redis"] > 0)
      printf "%-24s %14.1f %14.1f %10.2f\n", "used_memory growth / key", used["hypercache"], used["redis"], used["hypercache"] / used["redis"]
    else
      printf "%-24s %14s %14s %10s\n", "used_memory growth / key", "n/a", "n/a", "n/a"
    printf "(%d keys key:0000001.., %d-byte values; RSS from /proc/<pid>/status VmRSS after settling)\n", n, size
    if (r < 0) print "bar: RSS ratio <= " bar ": n/a"
    else printf "bar: RSS ratio <= %s: %s (%.2f)\n", bar, (r <= bar + 0 ? "PASS" : "FAIL"), r
  }' "$OUT/raw.tsv" | tee "$OUT/table.txt"
log "table, raw numbers and server logs in $OUT"
