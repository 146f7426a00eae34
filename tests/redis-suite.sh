#!/usr/bin/env bash
# tests/redis-suite.sh - Redis 7.0.15's own test suite (its tests/unit/*.tcl) against a HyperCache node, in the
# suite's external-server mode, one unit at a time, each on a fresh node (the units change server-wide settings and
# leave them). A conformance check run by hand, not by CI: it downloads Redis's source from Debian's archive.
#
# Usage: tests/redis-suite.sh [--no-build] [unit ...]      (default: the units listed in UNITS below)
#
# Skipped by tag, as the suite itself skips them against a server it did not start: needs:debug (DEBUG RELOAD,
# DEBUG SLEEP, OBJECT internals...) and needs:repl (Redis's SYNC replication stream); and every test tagged
# external:skip. Prints, per unit, how many tests passed and which failed (docs/decisions.md, "Redis's own test
# suite", says which failures are deliberate differences). Logs in bench/out/redis-suite-<UTC>/.
# Only 127.0.0.1 is targeted; every node started here is stopped; every wait is bounded.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source bench/lib.sh # bench_args, bench_build_hypercache, $PUBLISH
BENCH_ARGS_REST=1 bench_args "$@"
UNITS=("${ARGS[@]}")
if [ ${#UNITS[@]} -eq 0 ]; then
  UNITS=(type/string type/incr type/hash type/set type/list type/list-2 type/list-3 type/zset type/stream
         type/stream-cgroups keyspace expire multi scripting functions pubsub pubsubshard tracking info
         info-command introspection introspection-2 dump bitops bitfield hyperloglog geo sort scan acl auth
         protocol other latency-monitor pause querybuf slowlog maxmemory lazyfree wait quit limits networking)
fi

VERSION=7.0.15
TARBALL_SHA256=4b1dc4ee6d622a09fff9c6777191209750fb5e5a725ef78ea012d6eef4c22982
SRC=${REDIS_SUITE_DIR:-$ROOT/bench/out/redis-$VERSION}
if [ ! -x "$SRC/runtest" ]; then
  mkdir -p "$(dirname "$SRC")"
  tarball="$(dirname "$SRC")/redis_$VERSION.orig.tar.gz"
  curl -fsS -o "$tarball" "http://deb.debian.org/debian/pool/main/r/redis/redis_$VERSION.orig.tar.gz"
  echo "$TARBALL_SHA256  $tarball" | sha256sum -c --quiet
  tar -xzf "$tarball" -C "$(dirname "$SRC")"
fi
command -v tclsh >/dev/null || { sudo=; [[ $(id -u) -eq 0 ]] || sudo=sudo; $sudo apt-get install -y -qq tcl >/dev/null; }
command -v redis-cli >/dev/null || { echo "redis-cli missing: apt-get install redis-tools" >&2; exit 1; }

bench_build_hypercache "$BUILD"
OUT="$ROOT/bench/out/redis-suite-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
NODE_PID=
DATA=
stop_node() {
  if [ -n "$NODE_PID" ]; then
    kill "$NODE_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$NODE_PID" 2>/dev/null || true
  fi
  NODE_PID=
  [ -n "$DATA" ] && rm -rf "$DATA"
  DATA=
}
trap stop_node EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

printf '%-22s %6s %6s  %s\n' unit passed failed "failed tests"
total_ok=0 total_err=0
for unit in "${UNITS[@]}"; do
  port=$(free_port); http=$(free_port); repl=$(free_port)
  DATA=$(mktemp -d)
  "$PUBLISH/hypercache" serve --bind 127.0.0.1 --resp-port "$port" --http-port "$http" --replication-port "$repl" \
    --data-dir "$DATA" --log-dir "$DATA/logs" >"$DATA/node.out" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 1 300); do timeout 2 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
  log="$OUT/${unit//\//_}.log"
  (cd "$SRC" && timeout 600 ./runtest --host 127.0.0.1 --port "$port" --single "unit/$unit" \
     --tags "-needs:debug -needs:repl" --timeout 60 --clients 1) >"$log" 2>&1 || true
  plain=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
  ok=$(grep -c '^\[ok\]' <<<"$plain" || true)
  failed=$(grep -E '^\[(err|exception|TIMEOUT)\]' <<<"$plain" | sed -E 's/^\[[A-Za-z]+\]: //; s/ in tests\/unit.*//' | sort -u || true)
  err=$(grep -c . <<<"$failed" || true)
  total_ok=$((total_ok + ok)); total_err=$((total_err + err))
  printf '%-22s %6s %6s  %s\n' "$unit" "$ok" "$err" "$(tr '\n' ';' <<<"$failed" | sed 's/;$//; s/;/; /g')"
  timeout 5 redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 || echo "  !! the node stopped answering during $unit (see $log, $DATA)"
  stop_node
done
echo "total: $total_ok passed, $total_err failed (logs in $OUT)"
