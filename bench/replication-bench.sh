#!/usr/bin/env bash
# bench/replication-bench.sh - SET throughput on a primary under each replication mode, side by side in one
# run, with redis-server's own primary/replica pair measured the same way as the reference, and the replication
# lag p99 while the load runs.
#
# Usage: bench/replication-bench.sh [--no-build]
#
# Setups (each on free loopback ports with fresh temp data dirs, AOF/log everysec on every process):
#   hc-none    HyperCache primary alone (replication.mode none)
#   hc-async   HyperCache primary + one replica, mode async
#   hc-sync    HyperCache primary + one replica, mode sync, min_acks 1
#   redis-none redis-server alone
#   redis-repl redis-server primary + one redis-server replica (Redis replication is asynchronous)
# For each round (ROUNDS, default 3) every setup runs once, in that order, so drift hits all alike: start it, wait
# for the link, run
#   redis-benchmark -c 50 -P 16 -t set -n N -r 100000 -d 64 --csv
# against the primary while sampling INFO replication every 37 ms (master_repl_offset - slave0 offset: bytes of
# the primary's stream the replica has not acknowledged), then stop it. Prints the median SET rps per setup, the
# cost of replication relative to the same server alone (1 - repl/none), and the lag p99 over all samples of all
# rounds. Raw output in bench/out/repl-<UTC>/.
#
# The replica runs on the same machine as the primary and the load generator, so on a small machine its CPU use
# is part of what the primary loses; redis-repl shows what that costs Redis under the same conditions. What
# replication costs the primary itself, wherever its replicas run, is its CPU per request (primary_us/op), which
# the table gives next to the replica's (counted until the replica has acknowledged everything the run wrote).
# loop_wait is how long the primary's request threads sat runnable without a CPU (schedstat), as a share of the
# run: on two cores a busy replica pushes redis-benchmark's wake-ups onto the request thread's core (measured at
# the ninth stop: the loop was preempted by redis-benchmark ~4,100 times a second with a replica, ~230 without).
#
# Each setup is warmed up first (WARMUP_N SETs, not recorded; then the replica is let catch up). Every setup starts
# fresh processes, and .NET's tiered JIT re-compiles methods once they have been called 30 times: the per-request
# paths within the first thousands of requests, but the per-batch, per-ack, per-commit (a few a second) and
# per-snapshot ones only after seconds of load. After 1.5 M SETs a replica still compiled ~490 methods during the
# measured run (`DOTNET_JitDisasmSummary`), after 4 M about 50: the default warm-up is 4 M, so the run measures the
# steady state a long-running node is in, for Redis as for HyperCache.
# Environment (optional): N=1000000 requests per run, WARMUP_N=4000000, ROUNDS=3, SETUPS="hc-none hc-async hc-sync redis-none
# redis-repl", BENCH_TIMEOUT=600 seconds per redis-benchmark run.
# Only 127.0.0.1 is targeted; every process started here is killed on exit; every wait is bounded.
set -euo pipefail

HOST=127.0.0.1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
N=${N:-1000000}
WARMUP_N=${WARMUP_N:-4000000}
ROUNDS=${ROUNDS:-3}
SETUPS=${SETUPS:-hc-none hc-async hc-sync redis-none redis-repl}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
source bench/lib.sh
bench_args "$@"
for v in N WARMUP_N ROUNDS BENCH_TIMEOUT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "$v must be a positive integer" >&2; exit 2; }
done
for tool in redis-benchmark redis-cli redis-server; do
  command -v "$tool" >/dev/null || { echo "$tool missing: apt-get install redis-server redis-tools" >&2; exit 1; }
done
# HyperCache runs as deployed (published ReadyToRun, bench/lib.sh), as in the other benchmarks.
bench_build_hypercache "$BUILD"
DLL="$ROOT/$DLL"
OUT="$ROOT/bench/out/repl-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
# start_* run in process substitutions (subshells), so they record what they started in a file, not an array.
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

wait_ping() { # wait_ping PORT NAME PID
  for _ in $(seq 1 300); do
    redis-cli -h $HOST -p "$1" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.1
  done
  echo "$2 did not answer PING within 30 s" >&2; exit 1
}

# start_hc NAME LOGNAME EXTRA...: prints "pid port"
start_hc() {
  local name=$1 logname=$2; shift 2
  local port http repl dir
  port=$(free_port); http=$(free_port); repl=$(free_port)
  dir=$(mktemp -d); echo "dir $dir" >>"$STARTED"
  dotnet "$DLL" serve --bind $HOST --resp-port "$port" --http-port "$http" --replication-port "$repl" \
    --data-dir "$dir" --log-dir "$dir/logs" --node-id "$name" "$@" >"$OUT/$logname.log" 2>&1 &
  local pid=$!
  echo "pid $pid" >>"$STARTED"
  wait_ping "$port" "$name" "$pid"
  echo "$pid $port"
}

# start_redis NAME LOGNAME EXTRA...: prints "pid port"
start_redis() {
  local name=$1 logname=$2; shift 2
  local port dir
  port=$(free_port)
  dir=$(mktemp -d); echo "dir $dir" >>"$STARTED"
  redis-server --bind $HOST --port "$port" --dir "$dir" --save '' --appendonly yes --appendfsync everysec \
    --logfile "$OUT/$logname.log" "$@" >/dev/null 2>&1 &
  local pid=$!
  echo "pid $pid" >>"$STARTED"
  wait_ping "$port" "$name" "$pid"
  echo "$pid $port"
}

TICKS=$(getconf CLK_TCK)
# cpu_ticks PID: user + system CPU of a process so far, in clock ticks (0 for no pid).
cpu_ticks() { if [ -n "$1" ] && [ -r "/proc/$1/stat" ]; then awk '{ print $14 + $15 }' "/proc/$1/stat"; else echo 0; fi; }

# request_wait_ns PID: nanoseconds the server's request threads (HyperCache's resp-epoll loops, redis-server's main
# thread) have spent runnable but waiting for a CPU (/proc/PID/task/TID/schedstat, second field); 0 without one.
request_wait_ns() {
  [ -n "$1" ] && [ -d "/proc/$1/task" ] || { echo 0; return; }
  local t total=0 comm
  for t in /proc/"$1"/task/*; do
    comm=$(cat "$t/comm" 2>/dev/null) || continue
    [[ $comm == resp-epoll-* || ${t##*/} == "$1" && $comm == redis-server ]] || continue
    total=$(( total + $(awk '{ print $2 }' "$t/schedstat" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}

field() { redis-cli -h $HOST -p "$1" info replication | tr -d '\r' | sed -n "s/^$2:\(.*\)/\1/p"; }

run_setup() { # run_setup SETUP ROUND: appends "rps" to $OUT/rps-SETUP.txt, lag samples to $OUT/lag-SETUP.txt
  local setup=$1 round=$2 ppid pport rpid="" rport
  case "$setup" in
    hc-none)  read -r ppid pport < <(start_hc primary "$setup-$round-primary" --replication-mode none) ;;
    hc-async) read -r ppid pport < <(start_hc primary "$setup-$round-primary" --replication-mode async)
              read -r rpid rport < <(start_hc replica "$setup-$round-replica" --replicaof "$HOST $pport") ;;
    hc-sync)  read -r ppid pport < <(start_hc primary "$setup-$round-primary" --replication-mode sync --min-acks 1)
              read -r rpid rport < <(start_hc replica "$setup-$round-replica" --replicaof "$HOST $pport") ;;
    redis-none) read -r ppid pport < <(start_redis primary "$setup-$round-primary") ;;
    redis-repl) read -r ppid pport < <(start_redis primary "$setup-$round-primary")
                read -r rpid rport < <(start_redis replica "$setup-$round-replica" --replicaof $HOST "$pport") ;;
    *) echo "unknown setup $setup" >&2; exit 2 ;;
  esac
  if [ -n "$rpid" ]; then
    local linked=0
    for _ in $(seq 1 300); do
      [ "$(field "$pport" connected_slaves)" = 1 ] && [ -n "$(field "$pport" slave0 | grep -o 'online\|offset=')" ] && { linked=1; break; }
      sleep 0.1
    done
    [ $linked = 1 ] || { echo "$setup: replica did not link within 30 s" >&2; exit 1; }
  fi
  # Warm-up (not recorded): .NET's tiered JIT compiles the hot paths (RESP, and the log shipping on both sides)
  # only after some use; measured without it, JIT work landed inside the run. Then wait until the replica has
  # caught up, so every setup starts the measured run from the same steady state.
  timeout "$BENCH_TIMEOUT" redis-benchmark -h $HOST -p "$pport" -c 50 -P 16 -t set -n "$WARMUP_N" -r 100000 -d 64 -q >/dev/null
  if [ -n "$rpid" ]; then
    for _ in $(seq 1 300); do
      [ "$(field "$pport" master_repl_offset)" = "$(field "$pport" slave0 | sed -n 's/.*offset=\([0-9]*\).*/\1/p')" ] && break
      sleep 0.1
    done
  fi
  local lagfile="$OUT/lag-$setup.txt"; touch "$lagfile"
  local sampler="" infofile="$OUT/.info-$setup-$round"
  if [ -n "$rpid" ]; then
    # One redis-cli for the whole run, asking every 37 ms (-r/-i): a redis-cli and sed started per sample cost
    # ~13 ms of CPU each, 13 % of a core taken from the replicated setups only, on the cores they are measured on.
    # Not every 100 ms: that is HyperCache's commit cadence, and samples in step with it all fell just after the
    # replica's acknowledgement (lag 0 in every one of them).
    redis-cli -h $HOST -p "$pport" -r $((BENCH_TIMEOUT * 27)) -i 0.037 info replication >"$infofile" 2>/dev/null &
    sampler=$!
    echo "pid $sampler" >>"$STARTED"
  fi
  local pc0 rc0 pc1 rc1 w0 w1 t0 t1
  pc0=$(cpu_ticks "$ppid"); rc0=$(cpu_ticks "$rpid"); w0=$(request_wait_ns "$ppid"); t0=$(date +%s%N)
  timeout "$BENCH_TIMEOUT" redis-benchmark -h $HOST -p "$pport" -c 50 -P 16 -t set -n "$N" -r 100000 -d 64 --csv \
    >"$OUT/bench-$setup-$round.csv"
  pc1=$(cpu_ticks "$ppid"); w1=$(request_wait_ns "$ppid"); t1=$(date +%s%N)
  awk -v w=$((w1 - w0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.1f\n", w / t * 100 }' >>"$OUT/wait-primary-$setup.txt"
  if [ -n "$sampler" ]; then
    kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
    # Each INFO lists slave0 (with the replica's acknowledged offset) before master_repl_offset.
    awk '{ sub(/\r$/, "") } /^# Replication/ { s = "" }
         /^slave0:/ && match($0, /offset=[0-9]+/) { s = substr($0, RSTART + 7, RLENGTH - 7) }
         /^master_repl_offset:/ && s != "" { print substr($0, 20) - s }' "$infofile" >>"$lagfile"
    rm -f "$infofile"
  fi
  if [ -n "$rpid" ]; then
    # The replica's share of the run includes applying what was still on its way when the load stopped (up to the
    # lag): its CPU is read once it has acknowledged everything, or after 30 s.
    for _ in $(seq 1 300); do
      [ "$(field "$pport" master_repl_offset)" = "$(field "$pport" slave0 | sed -n 's/.*offset=\([0-9]*\).*/\1/p')" ] && break
      sleep 0.1
    done
  fi
  rc1=$(cpu_ticks "$rpid")
  awk -v t="$TICKS" -v n="$N" -v p=$((pc1 - pc0)) 'BEGIN { printf "%.3f\n", p / t * 1e6 / n }' >>"$OUT/cpu-primary-$setup.txt"
  [ -n "$rpid" ] && awk -v t="$TICKS" -v n="$N" -v r=$((rc1 - rc0)) 'BEGIN { printf "%.3f\n", r / t * 1e6 / n }' >>"$OUT/cpu-replica-$setup.txt"
  awk -F'","' '/"SET"/ {print $2}' "$OUT/bench-$setup-$round.csv" | tr -d '"' >>"$OUT/rps-$setup.txt"
  kill "$ppid" ${rpid:+"$rpid"} 2>/dev/null || true
  wait "$ppid" ${rpid:+"$rpid"} 2>/dev/null || true
}

for round in $(seq 1 "$ROUNDS"); do
  for setup in $SETUPS; do
    echo "[repl $(date +%H:%M:%S)] round $round: $setup" >&2
    run_setup "$setup" "$round"
  done
done

# median_lines FILE: median of a file of one number per line ("-" when empty); not lib.sh's median, which reads its TSV.
# (An even count averages the middle two, printed in fixed point: awk's default format turns 1,025,730 into 1.02573e+06.)
median_lines() { sort -n "$1" | awk '{v[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'; }
p99() { local n; n=$(wc -l <"$1"); [ "$n" -gt 0 ] && sort -n "$1" | awk -v n="$n" 'NR==int(n*0.99+0.999){print; exit}' || echo -; }

{
  printf '%-11s %12s %10s %16s %8s %14s %14s %12s\n' setup set_rps cost lag_p99_bytes samples primary_us/op replica_us/op loop_wait
  for setup in $SETUPS; do
    rps=$(median_lines "$OUT/rps-$setup.txt")
    case "$setup" in hc-*) base=hc-none ;; *) base=redis-none ;; esac
    cost=-
    if [ "$setup" != "$base" ] && [ -s "$OUT/rps-$base.txt" ]; then
      cost=$(awk -v r="$rps" -v b="$(median_lines "$OUT/rps-$base.txt")" 'BEGIN { printf "%.1f%%", (1 - r / b) * 100 }')
    fi
    samples=$(wc -l <"$OUT/lag-$setup.txt" 2>/dev/null || echo 0)
    lag=-; [ "$samples" -gt 0 ] && lag=$(p99 "$OUT/lag-$setup.txt")
    pcpu=$(median_lines "$OUT/cpu-primary-$setup.txt"); rcpu=-
    [ -s "$OUT/cpu-replica-$setup.txt" ] && rcpu=$(median_lines "$OUT/cpu-replica-$setup.txt")
    printf '%-11s %12s %10s %16s %8s %14s %14s %11s%%\n' "$setup" "$rps" "$cost" "$lag" "$samples" "$pcpu" "$rcpu" \
      "$(median_lines "$OUT/wait-primary-$setup.txt")"
  done
  echo "(us/op: CPU time (user + system, /proc/PID/stat) of each process during the measured run, per request; the replica's until it caught up)"
  echo "(loop_wait: time the primary's request threads were runnable but waiting for a CPU, % of the run: schedstat)"
  echo "($ROUNDS rounds, median rps; cost = 1 - rps / same server alone; redis-benchmark -c 50 -P 16 -t set -n $N -r 100000 -d 64)"
} | tee "$OUT/table.txt"
echo "raw output: $OUT"
