#!/usr/bin/env bash
# bench/compare.sh - HyperCache vs redis-server vs Garnet, same redis-benchmark matrix, interleaved.
#
# Usage: bench/compare.sh [--no-build]
#
# What it does:
#   1. installs redis-server/redis-tools with apt-get if missing, and Garnet (the `garnet-server` dotnet tool,
#      GARNET_VERSION) into bench/out/tools/garnet, a folder this script owns;
#   2. publishes HyperCache ReadyToRun (skipped with --no-build), as deployed;
#   3. starts the three servers on free 127.0.0.1 ports, each with its own temp data dir and comparable
#      persistence (an append-only log, flushed to disk about once a second, no snapshots):
#        HyperCache  serve --appendfsync everysec            (every write is a log entry; its default snapshots on)
#        Redis       --appendonly yes --appendfsync everysec --save ''
#        Garnet      --aof --aof-commit-freq 1000 --device-type $GARNET_DEVICE --checkpointdir DIR
#      Garnet's default device on Linux is its native libaio device, which does not load on this machine
#      (libaio.so.1 missing; Debian ships libaio.so.1t64), so `--aof` alone fails to start. The managed
#      RandomAccess device (or FileStream) works. If Garnet still fails to start with AOF, it is restarted
#      without AOF and every table says so (`garnet persistence: none`);
#   4. warms each server up (one unrecorded run of every test at each pipeline depth: the .NET tiered JIT
#      reaches its optimized code only after some use, and keeps re-jitting rarely called methods for minutes:
#      300 k requests per test and depth, see docs/performance.md), then runs ROUNDS rounds; round r runs, for each
#      pipeline depth and each test, `redis-benchmark -c 50 -n N -r 100000 -d 64 -t TEST -P X --csv` against
#      HyperCache, then Redis, then Garnet, followed by the 1-client latency runs (`-c 1 -P 1 -n LAT_N`), so
#      slow drift of the machine (other load, thermal) hits every server alike;
#   4b. then, in each round, the big-value runs: for each size in VALUE_SIZES, `redis-benchmark -c 4 -P 1 -d SIZE
#      -r 100 -t set` and `-t get` (BIG_BYTES / SIZE requests each: the same bytes moved at every size);
#   5. prints the median rps of each (test, -P, server), the ratios HyperCache/Redis and HyperCache/Garnet,
#      the median p50/p99 of the 1-client runs, and whether each row meets issue 8's bar; writes table.md,
#      results.tsv (every run), raw CSVs, server logs and meta.txt into bench/out/<UTC>-compare/.
#
# Medians of interleaved rounds: on a shared 2-core machine one run can drop 2x because of a neighbour or a GC;
# the median ignores one such outlier per three rounds, and interleaving makes the servers share the slow moments.
# Before every recorded run the script waits (at most QUIET_MAX_S) until the CPUs are nearly idle, so that the
# previous server's background work (an AOF rewrite child, a commit, a snapshot) does not run into the next one's.
#
# CPU pinning: PIN=0 (default) leaves everything unpinned, as servers run in production. PIN=1 runs the servers on
# core 0 and redis-benchmark on core 1. Pinned, a .NET server's background threads (GC, log flushes and commits,
# snapshots) share the single core with its request loop, and on this 2-core machine about one round in three then
# dropped 2-3x at -P 16, while Redis does that work in its own thread or a forked child (see redis-benchmark.sh).
# The table's last line says which layout produced it.
#
# Only 127.0.0.1 is ever targeted; servers are killed by pid and temp dirs removed on exit, whatever happens.
#
# Environment (all optional):
#   N=300000          requests per throughput run          ROUNDS=3       rounds (median over them)
#   TESTS=set,get,incr,lpush,lpop,hset,sadd,zadd,mset     redis-benchmark -t names, in run order
#   PIPELINES="1 16"  pipeline depths                       SERVERS="hypercache redis garnet" (any subset, in order)
#   LAT_TESTS=set,get 1-client latency tests ("" = none)    LAT_N=50000    requests per latency run
#   VALUE_SIZES="100000 1000000"  big-value sizes, bytes ("" = none)      BIG_BYTES=1000000000 bytes per big run
#   WARMUP=1          0 = no warm-up                        WARMUP_N=300000 requests per test in the warm-up
#   PIN=0|1           see above                             BENCH_TIMEOUT=600 s per redis-benchmark invocation
#   QUIET_BUSY=15     % CPU busy below which a run starts     QUIET_MAX_S=20 longest wait for that (then runs anyway)
#   GARNET_VERSION=2.2.8  GARNET_DEVICE=RandomAccess (or FileStream)  GARNET_AOF=1 (0 = no AOF)
#   GARNET_EXTRA_ARGS, HC_EXTRA_ARGS  appended to the server command lines
#   HC_ENV            environment for HyperCache only (Garnet is .NET too, so do not export runtime knobs), e.g.
#                     HC_ENV="DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT=1 DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0"
#   HC_PORT=17380 HC_HTTP_PORT=17381 REDIS_PORT=17379 GARNET_PORT=17382  first ports tried (next free one used)
#   HYPERCACHE_CMD    command replacing the built HyperCache ({port} {hport} {dir}), e.g. to test this script:
#     HYPERCACHE_CMD='redis-server --port {port} --bind 127.0.0.1 --save "" --appendonly yes --dir {dir}' \
#       N=20000 ROUNDS=1 TESTS=set,get bench/compare.sh --no-build
# Smoke run: N=20000 ROUNDS=1 TESTS=set,get LAT_N=5000 WARMUP_N=20000 bench/compare.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. bench/lib.sh

bench_args "$@"

N=${N:-300000}
ROUNDS=${ROUNDS:-3}
LAT_N=${LAT_N:-50000}
WARMUP=${WARMUP:-1}
WARMUP_N=${WARMUP_N:-300000}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
GARNET_VERSION=${GARNET_VERSION:-2.2.8}
GARNET_DEVICE=${GARNET_DEVICE:-RandomAccess}
GARNET_AOF=${GARNET_AOF:-1}
IFS=', ' read -r -a TESTS <<<"${TESTS-set,get,incr,lpush,lpop,hset,sadd,zadd,mset}"
IFS=', ' read -r -a LAT_TESTS <<<"${LAT_TESTS-set,get}"
IFS=', ' read -r -a PIPELINES <<<"${PIPELINES:-1 16}"
IFS=', ' read -r -a SERVERS <<<"${SERVERS:-hypercache redis garnet}"
IFS=', ' read -r -a VALUE_SIZES <<<"${VALUE_SIZES-100000 1000000}"
BIG_BYTES=${BIG_BYTES:-1000000000}
for size in "${VALUE_SIZES[@]}"; do
  [[ $size =~ ^[1-9][0-9]*$ ]] || { echo "VALUE_SIZES must be positive integers" >&2; exit 2; }
done
for v in N ROUNDS LAT_N WARMUP_N BENCH_TIMEOUT BIG_BYTES; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "$v must be a positive integer" >&2; exit 2; }
done
for s in "${SERVERS[@]}"; do
  [[ $s =~ ^(hypercache|redis|garnet)$ ]] || { echo "unknown server '$s' in SERVERS" >&2; exit 2; }
done
for t in "${TESTS[@]}" "${LAT_TESTS[@]}"; do
  [[ $t =~ ^[a-z_0-9]+$ ]] || { echo "bad test name '$t'" >&2; exit 2; }
done
has() { [[ " ${SERVERS[*]} " == *" $1 "* ]]; }

# --- 1. tools --------------------------------------------------------------------------------------------------
bench_tools
bench_pinning
GARNET_DIR=bench/out/tools/garnet
GARNET=$GARNET_DIR/garnet-server
if has garnet; then
  installed=$(dotnet tool list --tool-path "$GARNET_DIR" 2>/dev/null | awk '$1 == "garnet-server" { print $2 }' || true)
  if [[ $installed != "$GARNET_VERSION" ]]; then
    log "installing garnet-server $GARNET_VERSION into $GARNET_DIR (had: ${installed:-none})"
    [[ -z $installed ]] || dotnet tool uninstall --tool-path "$GARNET_DIR" garnet-server >/dev/null
    dotnet tool install --tool-path "$GARNET_DIR" garnet-server --version "$GARNET_VERSION" >/dev/null
  fi
fi

# --- 2. build, dirs, cleanup trap --------------------------------------------------------------------------------
if has hypercache; then bench_build_hypercache "$BUILD"; fi
OUT_SUFFIX=-compare
bench_workdirs "${SERVERS[@]}"

# --- 3. servers --------------------------------------------------------------------------------------------------
declare -A PORT CMD
pick_port "PORT[hypercache]" "${HC_PORT:-17380}"
pick_port HC_HTTP_PORT "${HC_HTTP_PORT:-17381}"
pick_port "PORT[redis]" "${REDIS_PORT:-17379}"
pick_port "PORT[garnet]" "${GARNET_PORT:-17382}"

CMD[hypercache]="$(hypercache_cmd "${PORT[hypercache]}" "$HC_HTTP_PORT" "$TMP/hypercache") ${HC_EXTRA_ARGS:-}"
[[ -z ${HC_ENV:-} ]] || CMD[hypercache]="env ${HC_ENV} ${CMD[hypercache]}" # env execs the server: the pid stays
CMD[redis]="redis-server --port ${PORT[redis]} --bind $HOST --save '' --appendonly yes --appendfsync everysec --dir $TMP/redis"
GARNET_BASE="$GARNET --port ${PORT[garnet]} --bind $HOST --checkpointdir $TMP/garnet/checkpoints ${GARNET_EXTRA_ARGS:-}"
GARNET_PERSISTENCE="AOF, commit every 1000 ms, device $GARNET_DEVICE"
CMD[garnet]="$GARNET_BASE --aof --aof-commit-freq 1000 --device-type $GARNET_DEVICE"
[[ $GARNET_AOF == 1 ]] || { CMD[garnet]=$GARNET_BASE; GARNET_PERSISTENCE="none (GARNET_AOF=0)"; }

for s in "${SERVERS[@]}"; do
  if [[ $s == garnet && $GARNET_AOF == 1 ]]; then
    if ! try_start_server garnet "${PORT[garnet]}" "${CMD[garnet]}"; then
      log "Garnet did not start with AOF (log kept in $OUT/garnet-aof-failed.log); running it WITHOUT persistence"
      mv "$OUT/garnet.log" "$OUT/garnet-aof-failed.log"
      CMD[garnet]=$GARNET_BASE; GARNET_PERSISTENCE="NONE: --aof failed to start (see garnet-aof-failed.log)"
      start_server garnet "${PORT[garnet]}" "${CMD[garnet]}"
    fi
  else
    start_server "$s" "${PORT[$s]}" "${CMD[$s]}"
  fi
done

{
  echo "date_utc: $(date -u +%FT%TZ)"
  echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (dirty)')"
  echo "host: $(uname -srm), cores: $CORES, pin: $PIN"
  echo "N=$N ROUNDS=$ROUNDS LAT_N=$LAT_N WARMUP=$WARMUP WARMUP_N=$WARMUP_N pipelines=${PIPELINES[*]}"
  echo "value sizes: ${VALUE_SIZES[*]:-none}, BIG_BYTES=$BIG_BYTES"
  echo "tests: ${TESTS[*]}; latency tests: ${LAT_TESTS[*]:-none}"
  for s in "${SERVERS[@]}"; do echo "$s: ${CMD[$s]}"; done
  echo "redis version: $(redis-server --version | head -n 1)"
  has garnet && echo "garnet version: $GARNET_VERSION, persistence: $GARNET_PERSISTENCE"
  echo "benchmark: $(redis-benchmark --version 2>&1 | head -n 1)"
} >"$OUT/meta.txt"

# --- 4. benchmark ------------------------------------------------------------------------------------------------
FAILED=0
# bench SERVER CLIENTS PIPELINE REQUESTS TESTS [SIZE KEYS] -> CSV on stdout (values of SIZE bytes, default 64, over
# KEYS keys, default 100000). Run in the background and waited for, so that
# INT/TERM reach the trap at once instead of after the run.
bench() {
  local rc=0
  timeout "$BENCH_TIMEOUT" "${CLIENT_PIN[@]}" redis-benchmark -h "$HOST" -p "${PORT[$1]}" \
    -c "$2" -P "$3" -n "$4" -r "${7:-100000}" -d "${6:-64}" -t "$5" --csv </dev/null &
  BENCH_PID=$!
  wait "$BENCH_PID" || rc=$?
  BENCH_PID=
  return "$rc"
}
# run ROUND SERVER CLIENTS PIPELINE REQUESTS TEST LABEL [SIZE KEYS]: one recorded run, CSV in raw/
run() {
  local f="$OUT/raw/$2_$7_$6_run$1.csv"
  wait_quiet
  log "round $1/$ROUNDS, $7, $6, $2"
  if ! bench "$2" "$3" "$4" "$5" "$6" "${8:-64}" "${9:-100000}" >"$f" 2>"$f.err"; then
    log "redis-benchmark failed against $2 ($7 $6, round $1): see $f.err"; FAILED=1
  fi
  [[ -s $f.err ]] || rm -f "$f.err"
}

if [[ $WARMUP == 1 ]]; then
  all=$(IFS=,; echo "${TESTS[*]}")
  for s in "${SERVERS[@]}"; do
    log "warm-up $s"
    for p in "${PIPELINES[@]}"; do
      bench "$s" 50 "$p" "$WARMUP_N" "$all" >/dev/null 2>&1 || log "warm-up of $s (-P $p) failed"
    done
  done
fi

for ((r = 1; r <= ROUNDS; r++)); do
  for p in "${PIPELINES[@]}"; do
    for t in "${TESTS[@]}"; do
      for s in "${SERVERS[@]}"; do run "$r" "$s" 50 "$p" "$N" "$t" "P$p"; done
    done
  done
  for t in "${LAT_TESTS[@]}"; do
    for s in "${SERVERS[@]}"; do run "$r" "$s" 1 1 "$LAT_N" "$t" c1; done
  done
  for size in "${VALUE_SIZES[@]}"; do
    for t in set get; do
      for s in "${SERVERS[@]}"; do run "$r" "$s" 4 1 $((BIG_BYTES / size)) "$t" "D$size" "$size" 100; done
    done
  done
done

# --- 5. medians and table ----------------------------------------------------------------------------------------
# Long form: server, label (P1, P16, c1), test (redis-benchmark's name), rps, p50 ms, p99 ms; one row per run.
RESULTS="$OUT/results.tsv"
for f in "$OUT"/raw/*.csv; do
  [[ -e $f ]] || continue
  b=$(basename "$f" .csv) # <server>_<label>_<test>_run<r>
  IFS=_ read -r s label _ <<<"$b"
  awk -F'"' -v s="$s" -v l="$label" \
    '$2 != "" && $2 != "test" && $4 ~ /^[0-9.]+$/ { print s "\t" l "\t" $2 "\t" $4 "\t" $10 "\t" $14 }' "$f"
done >"$RESULTS"

# Test names as redis-benchmark prints them, in run order.
names() { # names TEST...: redis-benchmark's row names for -t names
  local t
  for t in "$@"; do case $t in mset) echo "MSET (10 keys)" ;; *) echo "${t^^}" ;; esac; done
}
mapfile -t TEST_NAMES < <(names "${TESTS[@]}")
mapfile -t LAT_NAMES < <(names "${LAT_TESTS[@]}")
med() { if has "$1"; then median "$RESULTS" "$1" "$2" "$3" "${4:-4}" "${5:-%.2f}"; fi; }
# bar LABEL HC/REDIS HC/GARNET: issue 8's bar (-P 16: >= 1.2 x Redis and >= 0.8 x Garnet; -P 1: >= 0.9 x Redis)
bar() {
  awk -v l="$1" -v r="$2" -v g="$3" 'BEGIN {
    ok = 1; known = 0
    if (r != "n/a") { known = 1; if (r + 0 < (l == "P16" ? 1.2 : 0.9)) ok = 0 }
    if (l == "P16" && g != "n/a") { known = 1; if (g + 0 < 0.8) ok = 0 }
    print known ? (ok ? "yes" : "NO") : "n/a" }'
}

TABLE="$OUT/table.md"
{
  echo "### Throughput (requests/s, median of $ROUNDS round(s); -c 50 -n $N -r 100000 -d 64)"
  echo
  echo "| test | -P | HyperCache | Redis | Garnet | HC/Redis | HC/Garnet | bar |"
  echo "|---|---:|---:|---:|---:|---:|---:|:---:|"
  for p in "${PIPELINES[@]}"; do
    for t in "${TEST_NAMES[@]}"; do
      hc=$(med hypercache "P$p" "$t"); rd=$(med redis "P$p" "$t"); ga=$(med garnet "P$p" "$t")
      rr=$(ratio "$hc" "$rd"); rg=$(ratio "$hc" "$ga")
      echo "| $t | $p | ${hc:-n/a} | ${rd:-n/a} | ${ga:-n/a} | $rr | $rg | $(bar "P$p" "$rr" "$rg") |"
    done
  done
  if (( ${#LAT_NAMES[@]} > 0 )); then
    echo
    echo "### Latency, 1 client (-c 1 -P 1 -n $LAT_N), ms, median of $ROUNDS round(s)"
    echo
    echo "| test | HC p50 | HC p99 | Redis p50 | Redis p99 | Garnet p50 | Garnet p99 | HC/Redis p99 | bar (<= 1.2) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|:---:|"
    for t in "${LAT_NAMES[@]}"; do
      hp50=$(med hypercache c1 "$t" 5 %.3f); hp99=$(med hypercache c1 "$t" 6 %.3f)
      rp50=$(med redis c1 "$t" 5 %.3f); rp99=$(med redis c1 "$t" 6 %.3f)
      gp50=$(med garnet c1 "$t" 5 %.3f); gp99=$(med garnet c1 "$t" 6 %.3f)
      q=$(ratio "$hp99" "$rp99")
      ok=$(awk -v q="$q" 'BEGIN { print q == "n/a" ? "n/a" : (q + 0 <= 1.2 ? "yes" : "NO") }')
      echo "| $t | ${hp50:-n/a} | ${hp99:-n/a} | ${rp50:-n/a} | ${rp99:-n/a} | ${gp50:-n/a} | ${gp99:-n/a} | $q | $ok |"
    done
  fi
  if (( ${#VALUE_SIZES[@]} > 0 )); then
    echo
    echo "### Big values (requests/s, median of $ROUNDS round(s); -c 4 -P 1 -r 100, $BIG_BYTES bytes per run)"
    echo
    echo "| test | value bytes | HyperCache | Redis | Garnet | HC/Redis | HC/Garnet | HC p50 ms | Redis p50 ms |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for size in "${VALUE_SIZES[@]}"; do
      for t in SET GET; do
        hc=$(med hypercache "D$size" "$t"); rd=$(med redis "D$size" "$t"); ga=$(med garnet "D$size" "$t")
        echo "| $t | $size | ${hc:-n/a} | ${rd:-n/a} | ${ga:-n/a} | $(ratio "$hc" "$rd") | $(ratio "$hc" "$ga") |" \
             "$(med hypercache "D$size" "$t" 5 %.3f) | $(med redis "D$size" "$t" 5 %.3f) |"
      done
    done
  fi
  echo
  echo "pin=$PIN, cores=$CORES, servers: ${SERVERS[*]}; redis: appendonly yes, appendfsync everysec;" \
       "hypercache: --appendfsync everysec$(has garnet && echo "; garnet $GARNET_VERSION persistence: $GARNET_PERSISTENCE")"
} | tee "$TABLE"

log "raw CSVs, logs and table in $OUT"
if [[ $FAILED == 1 ]]; then
  log "some benchmark runs failed (see *.err in $OUT/raw)"
  exit 3
fi
