#!/usr/bin/env bash
# bench/hitratio.sh - cache hit ratio of HyperCache's eviction policies vs redis-server's, under one memory
# limit, on seeded key-access traces replayed by a cache-aside client (bench/HitRatio, StackExchange.Redis).
#
# Usage: bench/hitratio.sh [--no-build] [--small]
#   --no-build  use the existing Release builds of HyperCache and bench/HitRatio
#   --small     smoke-test sizes: KEYS=50000 REQUESTS=200000 SCAN_EVERY=20000 (any of them still overridable)
#
# What it does:
#   1. builds HyperCache and bench/HitRatio (Release); installs redis-server/redis-tools with apt-get if missing;
#   2. calibrates: for each server, a fresh instance gets the first CAPACITY trace keys (VALUE_SIZE-byte values)
#      and its INFO used_memory is read before and after: bytes per key, and the used_memory at which it holds
#      CAPACITY keys. EQUALISE=keys (default) gives each server that used_memory as its maxmemory, so every
#      server holds ~CAPACITY keys and the hit ratios compare policies; EQUALISE=bytes gives both servers
#      Redis's number, so the comparison also charges HyperCache for its bytes per key;
#   3. for every workload and every server/policy, starts a FRESH server on a free loopback port, sends
#      CONFIG SET maxmemory-policy P and CONFIG SET maxmemory LIMIT, replays the trace (GET; on a miss SET),
#      and appends one row to results.tsv. A policy the server refuses is recorded as "unsupported" and
#      skipped; a refused maxmemory as "limit-rejected"; a run where the server kept far more than CAPACITY
#      keys and evicted none as "limit-not-enforced" (the harness reports it, it does not fail);
#   4. adds an exact-LRU simulation of each trace (capacity in keys) as a yardstick;
#   5. prints the tables (workload x server/policy -> hit ratio, HyperCache's best policy vs Redis allkeys-lru
#      in percentage points, keys resident at the end) and keeps everything in bench/out/<UTC timestamp>/.
#
# Workloads (deterministic from SEED): zipf:A = Zipf(alpha A) over KEYS keys, REQUESTS requests; scan:A = the
# same plus, after every SCAN_EVERY requests, a one-shot sequential scan of SCAN_LENGTH never-seen keys.
#
# Only 127.0.0.1 is ever targeted. Every server is killed by pid and its temp dir removed when its run ends
# and on exit, whatever happens. Every loop and wait is bounded; each replay is killed after RUN_TIMEOUT s.
#
# Environment (all optional):
#   KEYS=1000000  REQUESTS=10000000  SEED=42   trace shape (10 requests per key: at 3 per key most misses
#                          are first sightings, and even a perfect LFU is under 3 points above LRU; docs/decisions.md)
#   CAPACITY_PCT=10        cache size as % of KEYS (CAPACITY = KEYS * CAPACITY_PCT / 100 keys)
#   SCAN_EVERY=250000      Zipf requests between scans      SCAN_LENGTH=CAPACITY  keys per scan
#   VALUE_SIZE=100         bytes per value                   BATCH=100  requests pipelined per batch
#   WORKLOADS="zipf:0.8 zipf:1.0 zipf:1.2 scan:1.0"
#   HC_POLICIES="allkeys-lru allkeys-lfu allkeys-random session allkeys-sieve allkeys-s3fifo"
#   REDIS_POLICIES="allkeys-lru allkeys-lfu"
#   EQUALISE=keys|bytes    see step 2       HC_MAXMEMORY / REDIS_MAXMEMORY  fixed limits in bytes (skip step 2)
#   RUN_TIMEOUT=1800       seconds after which one replay is killed
#   HC_PORT=16580 REDIS_PORT=16579           first ports tried (next free one used)
#   PIN=0|1                servers on core 0, client on core 1 (default when taskset and >= 2 cores)
#   HYPERCACHE_CMD         command starting the HyperCache side instead of the built dll; placeholders
#                          {port}, {hport} and {dir}. Example (fake HyperCache, to test this script):
#     HYPERCACHE_CMD='redis-server --port {port} --bind 127.0.0.1 --save "" --appendonly yes --dir {dir}' \
#       bench/hitratio.sh --small --no-build
set -euo pipefail

HOST=127.0.0.1 # the only address this script ever talks to
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BUILD=1
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    --small) KEYS=${KEYS:-50000}; REQUESTS=${REQUESTS:-200000}; SCAN_EVERY=${SCAN_EVERY:-20000} ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

KEYS=${KEYS:-1000000}
REQUESTS=${REQUESTS:-10000000}
SEED=${SEED:-42}
CAPACITY_PCT=${CAPACITY_PCT:-10}
VALUE_SIZE=${VALUE_SIZE:-100}
BATCH=${BATCH:-100}
SCAN_EVERY=${SCAN_EVERY:-250000}
RUN_TIMEOUT=${RUN_TIMEOUT:-1800}
EQUALISE=${EQUALISE:-keys}
WORKLOADS=${WORKLOADS:-"zipf:0.8 zipf:1.0 zipf:1.2 scan:1.0"}
HC_POLICIES=${HC_POLICIES:-"allkeys-lru allkeys-lfu allkeys-random session allkeys-sieve allkeys-s3fifo"}
REDIS_POLICIES=${REDIS_POLICIES:-"allkeys-lru allkeys-lfu"}
for v in KEYS REQUESTS CAPACITY_PCT VALUE_SIZE BATCH RUN_TIMEOUT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "$v must be a positive integer" >&2; exit 2; }
done
[[ $SEED =~ ^[0-9]+$ && $SCAN_EVERY =~ ^[0-9]+$ ]] || { echo "SEED and SCAN_EVERY must be integers >= 0" >&2; exit 2; }
[[ $EQUALISE == keys || $EQUALISE == bytes ]] || { echo "EQUALISE must be keys or bytes" >&2; exit 2; }
CAPACITY=$(( KEYS * CAPACITY_PCT / 100 ))
(( CAPACITY >= 1 )) || { echo "KEYS * CAPACITY_PCT / 100 must be >= 1" >&2; exit 2; }
SCAN_LENGTH=${SCAN_LENGTH:-$CAPACITY}
[[ $SCAN_LENGTH =~ ^[0-9]+$ ]] || { echo "SCAN_LENGTH must be an integer >= 0" >&2; exit 2; }
for v in HC_MAXMEMORY REDIS_MAXMEMORY; do
  [[ -z ${!v:-} || ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "$v must be a byte count" >&2; exit 2; }
done

log() { printf '[hitratio %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- 1. tools and build ----------------------------------------------------------
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  log "installing redis-server redis-tools"
  SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server redis-tools >/dev/null
fi

DLL=src/Frontends/bin/Release/net10.0/hypercache.dll
TOOL=bench/HitRatio/bin/Release/net10.0/hitratio.dll
if [[ $BUILD == 1 ]]; then
  log "building HyperCache and bench/HitRatio (Release)"
  [[ -n ${HYPERCACHE_CMD:-} ]] || dotnet build -c Release -v q src/Frontends/HyperCache.Frontends.csproj
  dotnet build -c Release -v q bench/HitRatio/HitRatio.csproj
fi
[[ -n ${HYPERCACHE_CMD:-} || -f $DLL ]] || { echo "missing $DLL: build it or drop --no-build" >&2; exit 1; }
[[ -f $TOOL ]] || { echo "missing $TOOL: build it or drop --no-build" >&2; exit 1; }

CORES=$(nproc 2>/dev/null || echo 1)
if [[ -z ${PIN:-} ]]; then
  if command -v taskset >/dev/null && (( CORES >= 2 )); then PIN=1; else PIN=0; fi
fi
SERVER_PIN=(); CLIENT_PIN=()
if [[ $PIN == 1 ]]; then SERVER_PIN=(taskset -c 0); CLIENT_PIN=(taskset -c 1); fi

# --- output dir, temp dir, cleanup --------------------------------------------------
OUT="bench/out/$(date -u +%Y%m%dT%H%M%SZ)-hitratio"
mkdir -p "$OUT/logs"
RESULTS="$OUT/results.tsv"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hc-hitratio.XXXXXX")
SERVER_PID=   # the one server running, if any
CLIENT_PID=   # the running hitratio client, if any

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
cleanup() {
  if [[ -n $CLIENT_PID ]]; then kill -TERM "$CLIENT_PID" 2>/dev/null || true; wait "$CLIENT_PID" 2>/dev/null || true; fi
  stop_server
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- ports and servers ----------------------------------------------------------------
port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
pick_port() { # pick_port VAR START [AVOID]: VAR = first free port from START on (100 tries)
  local p
  for ((p = $2; p < $2 + 100; p++)); do
    [[ $p == "${3:-}" ]] && continue
    if ! port_busy "$p"; then printf -v "$1" '%s' "$p"; return 0; fi
  done
  echo "no free port in $2..$(($2 + 99))" >&2; exit 1
}

HC_TEMPLATE=${HYPERCACHE_CMD:-"dotnet $DLL serve --bind $HOST --resp-port {port} --http-port {hport} --data-dir {dir} --log-dir {dir}/logs --appendfsync everysec --node-id hitratio"}

# start_server KIND LOGNAME: KIND is hypercache or redis; sets SERVER_PID and PORT. Returns 1 (after logging)
# if the server exits or does not answer PING within 30 s, so the caller can record the failure and go on.
start_server() {
  local kind=$1 name=$2 cmd hport i
  stop_server
  mkdir -p "$TMP/server"
  if [[ $kind == hypercache ]]; then
    pick_port PORT "${HC_PORT:-16580}"; pick_port hport "$((PORT + 1))" "$PORT"
    cmd=${HC_TEMPLATE//\{port\}/$PORT}; cmd=${cmd//\{hport\}/$hport}; cmd=${cmd//\{dir\}/$TMP/server}
  else
    pick_port PORT "${REDIS_PORT:-16579}"
    cmd="redis-server --port $PORT --bind $HOST --save '' --appendonly yes --appendfsync everysec --dir $TMP/server"
  fi
  echo "$name: $cmd" >>"$OUT/commands.txt"
  "${SERVER_PIN[@]}" bash -c "exec $cmd" >"$OUT/logs/$name.log" 2>&1 </dev/null &
  SERVER_PID=$!
  for ((i = 0; i < 60; i++)); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      log "$name exited during startup; last log lines:"; tail -n 20 "$OUT/logs/$name.log" >&2
      wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=; return 1
    fi
    [[ $(cli PING) == PONG ]] && return 0
    sleep 0.5
  done
  log "$name did not answer PING on $HOST:$PORT within 30 s"; stop_server; return 1
}

cli() { timeout 10 redis-cli -h "$HOST" -p "$PORT" "$@" 2>&1 </dev/null || true; }

# client ARGS...: runs the hitratio tool in the background (so INT/TERM reach the trap) and waits for it.
client() {
  local rc=0
  timeout "$RUN_TIMEOUT" "${CLIENT_PIN[@]}" dotnet "$TOOL" "$@" </dev/null &
  CLIENT_PID=$!
  wait "$CLIENT_PID" || rc=$?
  CLIENT_PID=
  return "$rc"
}

SHAPE=(--keys "$KEYS" --requests "$REQUESTS" --seed "$SEED" --scan-every "$SCAN_EVERY" --scan-length "$SCAN_LENGTH")

{
  echo "date_utc: $(date -u +%FT%TZ)"
  echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (dirty)')"
  echo "host: $(uname -srm), cores: $CORES, pin: $PIN"
  echo "KEYS=$KEYS REQUESTS=$REQUESTS SEED=$SEED CAPACITY=$CAPACITY ($CAPACITY_PCT%) SCAN_EVERY=$SCAN_EVERY SCAN_LENGTH=$SCAN_LENGTH"
  echo "VALUE_SIZE=$VALUE_SIZE BATCH=$BATCH EQUALISE=$EQUALISE"
  echo "WORKLOADS=$WORKLOADS"
  echo "HC_POLICIES=$HC_POLICIES"
  echo "REDIS_POLICIES=$REDIS_POLICIES"
  echo "redis: $(redis-server --version | head -n 1)"
} >"$OUT/meta.txt"

# --- 2. calibration -----------------------------------------------------------------------
# calibrate KIND: fills CAPACITY keys into a fresh server; sets CAL_BPK (bytes per key) and CAL_AT (used_memory
# holding CAPACITY keys). Returns 1 if the server fails or its used_memory does not grow.
calibrate() {
  local kind=$1 f="$OUT/calibration-$1.txt" before after keys
  CAL_BPK=; CAL_AT=
  start_server "$kind" "calibrate-$kind" || return 1
  client fill --port "$PORT" --keys "$CAPACITY" --value-size "$VALUE_SIZE" >"$f" 2>&1 || { stop_server; return 1; }
  stop_server
  before=$(sed -n 's/^used_memory_before=//p' "$f"); after=$(sed -n 's/^used_memory_after=//p' "$f")
  keys=$(sed -n 's/^keys_after=//p' "$f")
  [[ $before =~ ^[0-9]+$ && $after =~ ^[0-9]+$ && $keys == "$CAPACITY" ]] || return 1
  (( after > before )) || return 1
  CAL_BPK=$(( (after - before) / CAPACITY )); CAL_AT=$after
}

if [[ -n ${HC_MAXMEMORY:-} && -n ${REDIS_MAXMEMORY:-} ]]; then
  log "limits given: HyperCache $HC_MAXMEMORY B, Redis $REDIS_MAXMEMORY B (no calibration)"
else
  log "calibrating: $CAPACITY keys of $VALUE_SIZE B into each server"
  calibrate redis || { log "calibration of redis-server failed (see $OUT/calibration-redis.txt)"; exit 1; }
  REDIS_BPK=$CAL_BPK; REDIS_AT_CAP=$CAL_AT
  if calibrate hypercache; then
    HC_BPK=$CAL_BPK; HC_AT_CAP=$CAL_AT
  else
    log "calibration of HyperCache failed or its used_memory did not grow: it gets Redis's limit"
    HC_BPK="?"; HC_AT_CAP=$REDIS_AT_CAP
  fi
  log "bytes per key (INFO used_memory): HyperCache $HC_BPK, Redis $REDIS_BPK"
  REDIS_MAXMEMORY=${REDIS_MAXMEMORY:-$REDIS_AT_CAP}
  if [[ $EQUALISE == keys ]]; then HC_MAXMEMORY=${HC_MAXMEMORY:-$HC_AT_CAP}; else HC_MAXMEMORY=${HC_MAXMEMORY:-$REDIS_AT_CAP}; fi
  echo "calibration: bytes/key (used_memory) HyperCache=$HC_BPK Redis=$REDIS_BPK;" \
       "used_memory holding $CAPACITY keys HyperCache=$HC_AT_CAP Redis=$REDIS_AT_CAP" >>"$OUT/meta.txt"
fi
echo "maxmemory: HyperCache=$HC_MAXMEMORY Redis=$REDIS_MAXMEMORY (EQUALISE=$EQUALISE)" >>"$OUT/meta.txt"

# --- 3. runs ------------------------------------------------------------------------------------
declare -A SKIP=() # "server/policy" -> status, once the server refused the policy or the limit
FAILED=0

# one_run KIND POLICY WORKLOAD LIMIT: one fresh server, one replay, one row in results.tsv. A replay whose client
# fails (e.g. cannot connect) is retried once on another fresh server before it is recorded as FAIL.
one_run() {
  local kind=$1 policy=$2 workload=$3 limit=$4 name reply attempt
  name="${kind}_${policy}_${workload/:/-}"
  if [[ -n ${SKIP[$kind/$policy]:-} ]]; then
    client record --workload "$workload" --server "$kind" --policy "$policy" --status "${SKIP[$kind/$policy]}" --out "$RESULTS"
    return 0
  fi
  for attempt in 1 2; do
    log "$workload on $kind/$policy (maxmemory $limit, attempt $attempt)"
    if ! start_server "$kind" "$name"; then
      [[ $attempt == 1 ]] && continue
      client record --workload "$workload" --server "$kind" --policy "$policy" --status server-failed \
        --note "see logs/$name.log" --out "$RESULTS"
      FAILED=1; return 0
    fi
    reply=$(cli CONFIG SET maxmemory-policy "$policy")
    if [[ $reply != OK ]]; then
      log "$kind refused policy $policy: $reply -> unsupported"
      SKIP[$kind/$policy]=unsupported
      client record --workload "$workload" --server "$kind" --policy "$policy" --status unsupported --note "$reply" --out "$RESULTS"
      stop_server; return 0
    fi
    reply=$(cli CONFIG SET maxmemory "$limit")
    if [[ $reply != OK ]]; then
      log "$kind refused maxmemory $limit: $reply -> limit-rejected"
      SKIP[$kind/$policy]=limit-rejected
      client record --workload "$workload" --server "$kind" --policy "$policy" --status limit-rejected --note "$reply" --out "$RESULTS"
      stop_server; return 0
    fi
    reply=$(cli CONFIG GET maxmemory | tail -n 1)
    [[ $reply == "$limit" ]] || log "$kind: CONFIG GET maxmemory answers '$reply' after setting $limit"
    echo "before replay (attempt $attempt): $(cli INFO memory | grep -E '^(used_memory|maxmemory|maxmemory_policy):' | tr -d '\r' | tr '\n' ' ')" \
      >>"$OUT/logs/$name.client.log"
    if client run --port "$PORT" --workload "$workload" --server "$kind" --policy "$policy" --capacity "$CAPACITY" \
        --batch "$BATCH" --value-size "$VALUE_SIZE" --timeout "$RUN_TIMEOUT" --out "$RESULTS" "${SHAPE[@]}" \
        2> >(tee -a "$OUT/logs/$name.client.log" >&2); then
      stop_server; return 0
    fi
    log "replay of $workload on $kind/$policy failed (attempt $attempt; see logs/$name.client.log)"
    stop_server
  done
  client record --workload "$workload" --server "$kind" --policy "$policy" --status FAIL \
    --note "client failed twice; see logs/$name.client.log" --out "$RESULTS"
  FAILED=1
}

for workload in $WORKLOADS; do
  client trace --workload "$workload" "${SHAPE[@]}" | tee -a "$OUT/traces.txt"
  client simulate --workload "$workload" --capacity "$CAPACITY" --out "$RESULTS" "${SHAPE[@]}"
  for policy in $HC_POLICIES; do one_run hypercache "$policy" "$workload" "$HC_MAXMEMORY"; done
  for policy in $REDIS_POLICIES; do one_run redis "$policy" "$workload" "$REDIS_MAXMEMORY"; done
done

# --- 4. table ------------------------------------------------------------------------------------
{
  client report --in "$RESULTS" --baseline redis/allkeys-lru
  echo "(KEYS=$KEYS REQUESTS=$REQUESTS SEED=$SEED capacity ~$CAPACITY keys; maxmemory HyperCache=$HC_MAXMEMORY" \
       "Redis=$REDIS_MAXMEMORY B, EQUALISE=$EQUALISE; value $VALUE_SIZE B, batch $BATCH)"
} | tee "$OUT/table.txt"
log "results, logs and table in $OUT"
[[ $FAILED == 0 ]] || { log "some runs failed (see $OUT/logs)"; exit 3; }
