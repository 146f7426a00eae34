#!/usr/bin/env bash
# bench/ab-transport.sh - the RESP transports A/B: one published build started twice, side by side, one node with
# `--resp-transport sockets` and one with `--resp-transport epoll`, measured in interleaved rounds. Per run:
# server CPU ms per 100k requests (user+sys from /proc/PID/stat) and, with PERF=1, `perf stat -e
# raw_syscalls:sys_enter,context-switches,task-clock -p PID` around the run: syscalls and context switches per
# request, task-clock ms per 100k. Requests/s are reported too, but on a shared machine they are noise.
#
#   bench/ab-transport.sh [--no-build]          # 3 rounds of GET and SET at -P 1
#   PERF=1 ROUNDS=5 TESTS=get,set bench/ab-transport.sh --no-build
#   P=16 N=400000 TESTS=get,set,lpush bench/ab-transport.sh --no-build
#   A_ARGS="--resp-transport epoll --io-threads 2" B_ARGS="--resp-transport epoll --io-threads 1" bench/ab-transport.sh
#
# Env: ROUNDS (3), TESTS (get,set), P (pipeline, 1), N (requests per run, 100000), PERF (0|1), A_ARGS / B_ARGS (the
# two nodes' extra serve flags). Results: $OUT/results.tsv and the lines printed. Only 127.0.0.1 is used.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_args "$@"
bench_tools
bench_pinning
bench_build_hypercache "$BUILD"
OUT_SUFFIX=-transport bench_workdirs a b

ROUNDS=${ROUNDS:-3}; TESTS=${TESTS:-get,set}; P=${P:-1}; N=${N:-100000}; PERF=${PERF:-0}
A_ARGS=${A_ARGS:---resp-transport sockets}; B_ARGS=${B_ARGS:---resp-transport epoll}
pick_port A_PORT 17650; pick_port A_HTTP 17651; pick_port B_PORT 17660; pick_port B_HTTP 17661
start_server a "$A_PORT" "$(hypercache_cmd "$A_PORT" "$A_HTTP" "$TMP/a") --replication-port $((A_PORT + 2)) --log-dir $TMP/a $A_ARGS"
A_PID=${PIDS[-1]}
start_server b "$B_PORT" "$(hypercache_cmd "$B_PORT" "$B_HTTP" "$TMP/b") --replication-port $((B_PORT + 2)) --log-dir $TMP/b $B_ARGS"
B_PID=${PIDS[-1]}
printf 'rounds=%s tests=%s P=%s N=%s perf=%s\nA: %s\nB: %s\n' "$ROUNDS" "$TESTS" "$P" "$N" "$PERF" "$A_ARGS" "$B_ARGS" > "$OUT/meta.txt"

for port in "$A_PORT" "$B_PORT"; do # warm-up: the JIT's tiers and the pools settle first
  redis-benchmark -h "$HOST" -p "$port" -c 50 -n 300000 -r 100000 -d 64 -t "$TESTS" -P "$P" -q >/dev/null
done

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TCK=$(getconf CLK_TCK)
printf 'node\ttest\tP\trps\tcpu_ms_per_100k\tsyscalls_per_req\tctxsw_per_req\ttask_clock_ms_per_100k\n' > "$OUT/results.tsv"
for ((r = 1; r <= ROUNDS; r++)); do
  for t in ${TESTS//,/ }; do
    for node in a b; do
      if [[ $node == a ]]; then port=$A_PORT pid=$A_PID; else port=$B_PORT pid=$B_PID; fi
      raw="$OUT/raw/$node-$t-$r"
      bench=(redis-benchmark -h "$HOST" -p "$port" -c 50 -n "$N" -r 100000 -d 64 -t "$t" -P "$P" --csv)
      c0=$(cpu "$pid")
      if [[ $PERF == 1 ]]; then
        perf stat -x, -e raw_syscalls:sys_enter,context-switches,task-clock -p "$pid" -o "$raw.perf" -- "${bench[@]}" > "$raw.csv"
      else
        "${bench[@]}" > "$raw.csv"
      fi
      c1=$(cpu "$pid")
      rps=$(tail -1 "$raw.csv" | cut -d, -f2 | tr -d '"')
      cpu_ms=$(( (c1 - c0) * 1000 / TCK * 100000 / N ))
      sc=; cs=; tc=
      if [[ $PERF == 1 ]]; then
        sc=$(awk -F, -v n="$N" '/raw_syscalls/ { printf "%.2f", $1 / n }' "$raw.perf")
        cs=$(awk -F, -v n="$N" '/context-switches/ { printf "%.3f", $1 / n }' "$raw.perf")
        tc=$(awk -F, -v n="$N" '/task-clock/ { printf "%.0f", $1 * 100000 / n }' "$raw.perf")
      fi
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$node" "$t" "$P" "$rps" "$cpu_ms" "$sc" "$cs" "$tc" >> "$OUT/results.tsv"
      echo "round $r $t P=$P $node($( [[ $node == a ]] && echo "$A_ARGS" || echo "$B_ARGS")) rps=$rps cpu_ms_per_100k=$cpu_ms${sc:+ syscalls_per_req=$sc ctxsw_per_req=$cs task_clock_ms_per_100k=$tc}"
    done
  done
done
log "results: $OUT/results.tsv"
