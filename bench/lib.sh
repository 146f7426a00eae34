# bench/lib.sh - helpers shared by compare.sh, redis-benchmark.sh and replication-bench.sh (sourced, not run).
#
# The sourcing script sets `set -euo pipefail`, cd's to the repo root and then calls, in this order:
#   bench_args "$@"           BUILD=1, or 0 with --no-build; --help prints the script's header comment (others: ARGS)
#   bench_tools               install redis-server/redis-tools with apt-get if missing
#   bench_pinning             PIN=0|1 -> SERVER_PIN / CLIENT_PIN command prefixes (taskset)
#   bench_build_hypercache B  publish HyperCache ReadyToRun into $PUBLISH when B=1
#   bench_workdirs NAME...    $OUT (bench/out/<UTC>[-$OUT_SUFFIX]) and $TMP/NAME for each server; cleanup trap
#   pick_port VAR START       first free loopback port from START on
#   start_server NAME PORT CMD  start one server (pid kept for the trap), wait for PING; exit 1 if it fails
#   try_start_server ...      the same, returning 1 instead of exiting
#   wait_quiet                wait (bounded) until the machine's CPUs are nearly idle
#   median FILE SERVER PIPELINE TEST COLUMN
# Only 127.0.0.1 is ever targeted. Every loop is bounded.

HOST=127.0.0.1 # the only address these scripts talk to
PUBLISH=bench/out/publish
DLL=$PUBLISH/hypercache.dll

# bench_args "$@": the arguments every benchmark script takes. Others are refused, unless the caller set
# BENCH_ARGS_REST=1: then they go, in order, into the array ARGS (tests/redis-suite.sh's units).
bench_args() {
  BUILD=1
  ARGS=()
  local arg
  for arg in "$@"; do
    case "$arg" in
      --no-build) BUILD=0 ;;
      -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
      *) if [[ ${BENCH_ARGS_REST:-0} == 1 ]]; then ARGS+=("$arg")
         else echo "unknown argument: $arg (try --help)" >&2; exit 2; fi ;;
    esac
  done
}

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

bench_tools() {
  if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null \
     || ! command -v redis-cli >/dev/null; then
    log "installing redis-server redis-tools"
    local sudo=; [[ $(id -u) -eq 0 ]] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server redis-tools >/dev/null
  fi
}

# Pinned, a .NET server's background threads (GC, log page flushes and commits, snapshots) share core 0 with the
# request loop; see the header of redis-benchmark.sh for what that did on this 2-core machine.
bench_pinning() {
  CORES=$(nproc 2>/dev/null || echo 1)
  PIN=${PIN:-0}
  if [[ $PIN == 1 ]] && { ! command -v taskset >/dev/null || (( CORES < 2 )); }; then
    log "PIN=1 needs taskset and >= 2 cores; running unpinned"
    PIN=0
  fi
  SERVER_PIN=(); CLIENT_PIN=()
  if [[ $PIN == 1 ]]; then SERVER_PIN=(taskset -c 0); CLIENT_PIN=(taskset -c 1); fi
}

# HyperCache runs as deployed: published ReadyToRun (deploy/Dockerfile does the same).
bench_build_hypercache() {
  if [[ $1 == 1 ]]; then
    log "building HyperCache (Release, ReadyToRun)"
    dotnet publish -c Release src/Frontends/HyperCache.Frontends.csproj -r linux-x64 --self-contained false \
      -p:PublishReadyToRun=true -o "$PUBLISH" -v q
  fi
  if [[ -z ${HYPERCACHE_CMD:-} && ! -f $DLL ]]; then
    echo "missing $DLL: build it or drop --no-build" >&2; exit 1
  fi
}

# wait_quiet: before a recorded run, wait until the CPUs were less than QUIET_BUSY % (15) busy over half a second,
# at most QUIET_MAX_S (20) seconds. The servers share two cores with redis-benchmark, and one server's background
# work after its run (Redis's AOF rewrite child, Garnet's commits, our snapshot) would otherwise land in the next
# server's run. It waits the same way before every server's runs, so no server is favoured.
cpu_busy_idle() { awk '/^cpu / { print $2+$3+$4+$7+$8+$9, $5+$6 }' /proc/stat; }
wait_quiet() {
  [[ -r /proc/stat ]] || return 0
  local limit=${QUIET_BUSY:-15} tries=$(( ${QUIET_MAX_S:-20} * 2 )) i b0 i0 b1 i1 busy
  for ((i = 0; i < tries; i++)); do
    read -r b0 i0 < <(cpu_busy_idle); sleep 0.5; read -r b1 i1 < <(cpu_busy_idle)
    busy=$(( (b1 - b0) * 100 / ((b1 - b0) + (i1 - i0) + 1) ))
    (( busy < limit )) && return 0
  done
  log "machine still ${busy}% busy after ${QUIET_MAX_S:-20} s; running anyway"
}

PIDS=()      # servers, killed by the trap
BENCH_PID=   # running redis-benchmark, if any

bench_cleanup() {
  local pid i
  if [[ -n $BENCH_PID ]]; then kill -TERM "$BENCH_PID" 2>/dev/null || true; wait "$BENCH_PID" 2>/dev/null || true; fi
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  [[ -z ${TMP:-} ]] || rm -rf "$TMP"
}

bench_workdirs() {
  OUT="bench/out/$(date -u +%Y%m%dT%H%M%SZ)${OUT_SUFFIX:-}"
  mkdir -p "$OUT/raw"
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/hc-bench.XXXXXX")
  local name
  for name in "$@"; do mkdir -p "$TMP/$name"; done
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# A port is taken if something accepts a TCP connection on it.
port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
TAKEN=" "
pick_port() { # pick_port VAR START: VAR = first free port from START on (100 tries)
  local p
  for ((p = $2; p < $2 + 100; p++)); do
    [[ $TAKEN == *" $p "* ]] && continue
    if ! port_busy "$p"; then TAKEN+="$p "; printf -v "$1" '%s' "$p"; return 0; fi
  done
  echo "no free port in $2..$(($2 + 99))" >&2; exit 1
}

# try_start_server NAME PORT COMMAND-STRING: runs the command (exec'd, so $! is the server; pinned with SERVER_PIN)
# with output to $OUT/NAME.log, then waits up to STARTUP_TIMEOUT (30) s for PING. Returns 1 (server stopped,
# last log lines on stderr) if it exits or does not answer in time.
try_start_server() {
  local name=$1 port=$2 cmd=$3 i pid tries=$(( ${STARTUP_TIMEOUT:-30} * 2 ))
  log "starting $name on $HOST:$port: $cmd"
  "${SERVER_PIN[@]}" bash -c "exec $cmd" >"$OUT/$name.log" 2>&1 </dev/null &
  pid=$!
  PIDS+=("$pid")
  for ((i = 0; i < tries; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name exited during startup; last log lines:" >&2
      tail -n 20 "$OUT/$name.log" >&2; wait "$pid" 2>/dev/null || true; return 1
    fi
    if [[ $(redis-cli -h "$HOST" -p "$port" PING 2>/dev/null) == PONG ]]; then
      log "$name ready"; return 0
    fi
    sleep 0.5
  done
  echo "$name did not answer PING on $HOST:$port within $((tries / 2)) s; last log lines:" >&2
  tail -n 20 "$OUT/$name.log" >&2
  kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  return 1
}
start_server() { try_start_server "$@" || exit 1; }

# The HyperCache command line: HYPERCACHE_CMD (placeholders {port} {hport} {dir}) or the published dll.
hypercache_cmd() { # hypercache_cmd PORT HTTP-PORT DIR
  local cmd=${HYPERCACHE_CMD:-"dotnet $DLL serve --bind $HOST --resp-port {port} --http-port {hport} --data-dir {dir} --appendfsync everysec --node-id bench"}
  cmd=${cmd//\{port\}/$1}; cmd=${cmd//\{hport\}/$2}; cmd=${cmd//\{dir\}/$3}
  printf '%s\n' "$cmd"
}

# median FILE SERVER PIPELINE TEST [COLUMN=4 [FORMAT=%.2f]]: median over the rounds of one column of a long-form
# TSV (server, pipeline, test, values...), or empty when there is no row.
median() {
  awk -F'\t' -v s="$2" -v p="$3" -v t="$4" -v c="${5:-4}" -v fmt="${6:-%.2f}" '
    $1 == s && $2 == p && $3 == t && $c != "" { v[n++] = $c + 0 }
    END {
      if (n == 0) exit
      for (i = 1; i < n; i++) { x = v[i]; for (j = i - 1; j >= 0 && v[j] > x; j--) v[j+1] = v[j]; v[j+1] = x }
      printf fmt "\n", (n % 2) ? v[int(n/2)] : (v[n/2 - 1] + v[n/2]) / 2
    }' "$1"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'; }
