#!/usr/bin/env bash
# bench/redis-benchmark.sh - throughput of HyperCache vs a local redis-server,
# measured with redis-benchmark under the same conditions.
#
# Usage: bench/redis-benchmark.sh [--no-build]
#
# What it does:
#   1. installs redis-server/redis-tools with apt-get if redis-server,
#      redis-benchmark or redis-cli is missing;
#   2. builds HyperCache in Release (skipped with --no-build);
#   3. starts HyperCache and redis-server (AOF on, appendfsync everysec, no RDB
#      snapshots) on free loopback ports, each with its own temp data dir, and
#      waits at most 30 s for each to answer PING (exit 1 if one does not);
#   4. runs `redis-benchmark -c 50 -n N -r 100000 -d 64 -t set,get,incr,mset
#      -P X --csv` for X in 1 and 16, interleaving the servers (HyperCache then
#      Redis for each pipeline setting) and repeating the whole round R times,
#      so slow drift of the machine hits both servers alike;
#   5. prints the median rps per (test, pipeline, server) and the ratio
#      HyperCache/Redis, and keeps raw CSVs, server logs and the table in
#      bench/out/<UTC timestamp>/.
#
# Only 127.0.0.1 is ever targeted. Both servers are killed and the temp dirs
# removed on exit, whatever happens. Every loop and wait is bounded.
#
# CPU pinning: off by default (PIN=0): servers and redis-benchmark share the
# machine's cores, as servers run in production. PIN=1 runs both servers on
# core 0 and redis-benchmark on core 1. Pinned, a .NET server's own background
# threads (GC, the log's page flushes and commits, snapshots) share the one core
# with the request loop, and on this 2-core machine one round in three or so
# then dropped 2-3x at -P 16 (GC and flush work landing inside the run), while
# Redis does that work inside its single thread or a forked child. Unpinned,
# rounds are steady. Both layouts are worth reading; say which one a table is.
#
# Environment (all optional):
#   N=200000            requests per test per run
#   R=3                 rounds (median taken over them)
#   HC_PORT=16380       first RESP port tried for HyperCache (next free one used)
#   HC_HTTP_PORT=16381  first HTTP port tried for HyperCache
#   REDIS_PORT=16379    first port tried for redis-server
#   PIN=0|1             CPU pinning, see above
#   WARMUP=1            one unrecorded run per server and pipeline setting first (WARMUP_N requests of each
#                       test: the .NET tiered JIT reaches its optimized code only after some use); 0 = off
#   WARMUP_N=200000     requests per test in the warm-up run
#   BENCH_TIMEOUT=900   seconds after which one redis-benchmark invocation is killed
#   HYPERCACHE_CMD      full command starting the HyperCache side instead of the
#                       built dll; placeholders {port}, {hport} and {dir} are
#                       substituted. Example (fake HyperCache, to test this script):
#     HYPERCACHE_CMD='redis-server --port {port} --bind 127.0.0.1 --save "" --appendonly yes --dir {dir}' \
#       N=20000 R=1 bench/redis-benchmark.sh --no-build
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. bench/lib.sh

bench_args "$@"

N=${N:-200000}
R=${R:-3}
WARMUP=${WARMUP:-1}
WARMUP_N=${WARMUP_N:-200000}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}
PIPELINES=(1 16)
TESTS=("SET" "GET" "INCR" "MSET (10 keys)")
for v in N R BENCH_TIMEOUT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "$v must be a positive integer" >&2; exit 2; }
done

# --- 1. tools, pinning (see the header) --------------------------------------------
bench_tools
bench_pinning

# --- 2. build, output dir, temp dirs, cleanup ------------------------------------
bench_build_hypercache "$BUILD"
bench_workdirs hypercache redis

# --- port selection --------------------------------------------------------------
pick_port HC_PORT "${HC_PORT:-16380}"
pick_port HC_HTTP_PORT "${HC_HTTP_PORT:-16381}"
pick_port REDIS_PORT "${REDIS_PORT:-16379}"

# --- 3. start servers --------------------------------------------------------------
HC_CMD=$(hypercache_cmd "$HC_PORT" "$HC_HTTP_PORT" "$TMP/hypercache")
REDIS_CMD="redis-server --port $REDIS_PORT --bind $HOST --save '' --appendonly yes --appendfsync everysec --dir $TMP/redis"

start_server hypercache "$HC_PORT" "$HC_CMD"
start_server redis "$REDIS_PORT" "$REDIS_CMD"

{
  echo "date_utc: $(date -u +%FT%TZ)"
  echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (dirty)')"
  echo "host: $(uname -srm), cores: $CORES, pin: $PIN"
  echo "N=$N R=$R WARMUP=$WARMUP pipelines=${PIPELINES[*]}"
  echo "hypercache: $HC_CMD"
  echo "redis: $REDIS_CMD ($(redis-server --version | head -n 1))"
  echo "benchmark: $(redis-benchmark --version 2>&1 | head -n 1)"
} >"$OUT/meta.txt"

# --- 4. benchmark ---------------------------------------------------------------------
declare -A PORT=([hypercache]=$HC_PORT [redis]=$REDIS_PORT)
SERVERS=(hypercache redis)
FAILED=0

# bench SERVER PIPELINE REQUESTS -> CSV on stdout. Run in the background and
# waited for, so that INT/TERM reach the trap at once instead of after the run.
bench() {
  local rc=0
  timeout "$BENCH_TIMEOUT" "${CLIENT_PIN[@]}" redis-benchmark -h "$HOST" -p "${PORT[$1]}" \
    -c 50 -n "$3" -r 100000 -d 64 -t set,get,incr,mset -P "$2" --csv </dev/null &
  BENCH_PID=$!
  wait "$BENCH_PID" || rc=$?
  BENCH_PID=
  return "$rc"
}

if [[ $WARMUP == 1 ]]; then
  for s in "${SERVERS[@]}"; do
    log "warm-up $s"
    for p in "${PIPELINES[@]}"; do
      bench "$s" "$p" "$WARMUP_N" >/dev/null 2>&1 || log "warm-up of $s (-P $p) failed"
    done
  done
fi

for ((r = 1; r <= R; r++)); do
  for p in "${PIPELINES[@]}"; do
    for s in "${SERVERS[@]}"; do
      f="$OUT/raw/${s}_P${p}_run${r}.csv"
      log "round $r/$R, -P $p, $s"
      if ! bench "$s" "$p" "$N" >"$f" 2>"$f.err"; then
        log "redis-benchmark failed against $s (-P $p, round $r): see $f.err"
        FAILED=1
      fi
      [[ -s $f.err ]] || rm -f "$f.err"
    done
  done
done

# --- 5. medians and table ------------------------------------------------------------
# Long form: server <TAB> pipeline <TAB> test <TAB> rps, one line per CSV row.
RESULTS="$OUT/results.tsv"
for f in "$OUT"/raw/*.csv; do
  b=$(basename "$f" .csv) # <server>_P<pipeline>_run<r>
  s=${b%%_*}; p=${b#*_P}; p=${p%%_*}
  awk -F'"' -v s="$s" -v p="$p" \
    '$2 != "" && $2 != "test" && $4 ~ /^[0-9.]+$/ {print s "\t" p "\t" $2 "\t" $4}' "$f"
done >"$RESULTS"

TABLE="$OUT/table.txt"
{
  printf '%-16s %8s %16s %16s %10s\n' test pipeline "HyperCache rps" "Redis rps" "HC/Redis"
  for p in "${PIPELINES[@]}"; do
    for t in "${TESTS[@]}"; do
      hc=$(median "$RESULTS" hypercache "$p" "$t"); rd=$(median "$RESULTS" redis "$p" "$t")
      ratio=$(ratio "$hc" "$rd")
      printf '%-16s %8s %16s %16s %10s\n' "$t" "$p" "${hc:-n/a}" "${rd:-n/a}" "$ratio"
    done
  done
  echo "(median of $R round(s), N=$N, -c 50 -d 64 -r 100000, pin=$PIN)"
} | tee "$TABLE"

log "raw CSVs, logs and table in $OUT"
if [[ $FAILED == 1 ]]; then
  log "some benchmark runs failed (see *.err in $OUT/raw)"
  exit 3
fi
