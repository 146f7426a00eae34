#!/usr/bin/env bash
# bench/micro.sh - BenchmarkDotNet micro-benchmarks of the RESP hot path (bench/Micro), with MemoryDiagnoser:
# RESP parse of a pipelined SET/GET batch, command lookup + arity check, GET and SET executed through the
# dispatcher against a real node (AOF on, everysec) into a pipe, and one AOF append.
#
# Usage: bench/micro.sh [--no-build] [BenchmarkDotNet options...]
#   default options: --filter '*' --job short --inProcess   (the whole run takes about 2-3 minutes)
#   --inProcess runs in this process (no generated project to build, which took 2+ minutes on a busy 2-core
#   machine); pass --outOfProcess to get BenchmarkDotNet's usual separate process per benchmark.
#   e.g. bench/micro.sh --filter '*Execute*'    (any option given replaces the defaults' --filter)
#
# Output: bench/out/<UTC timestamp>-micro/ with summary.md (the joined GitHub-markdown table), meta.txt
# (commit, machine, options) and BenchmarkDotNet's full logs and reports under artifacts/.
# Timings are noisy on a shared machine; allocations (Allocated column, B/op) are exact but count every
# thread of the process (FasterLog's flush callbacks too): see docs/performance-micro.md.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=1
if [[ "${1:-}" == "--no-build" ]]; then BUILD=0; shift; fi
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,15p' "$0"; exit 0; fi

ARGS=("$@")
has() { local o; for o in "${ARGS[@]}"; do [[ "$o" == "$1" ]] && return 0; done; return 1; }
has --filter || ARGS+=(--filter '*')
has --job || ARGS+=(--job short)
if has --outOfProcess; then
  kept=(); for o in "${ARGS[@]}"; do [[ "$o" == --outOfProcess ]] || kept+=("$o"); done; ARGS=("${kept[@]}")
else
  has --inProcess || ARGS+=(--inProcess)
fi

OUT="bench/out/$(date -u +%Y%m%dT%H%M%SZ)-micro"
mkdir -p "$OUT"
{
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+dirty')"
  echo "date=$(date -u +%FT%TZ)"
  echo "cpus=$(nproc) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "dotnet=$(dotnet --version)"
  echo "options=${ARGS[*]}"
} >"$OUT/meta.txt"

if [[ $BUILD == 1 ]]; then dotnet build bench/Micro -c Release -v q --nologo; fi
dotnet bench/Micro/bin/Release/net10.0/Micro.dll "${ARGS[@]}" --artifacts "$OUT/artifacts" \
  | tee "$OUT/run.log"

# The joined summary (ConfigOptions.JoinSummary): one GitHub-markdown table for every benchmark class.
report=$(ls "$OUT"/artifacts/results/*-report-github.md 2>/dev/null | head -n 1 || true)
if [[ -n "$report" ]]; then
  cp "$report" "$OUT/summary.md"
  echo; cat "$OUT/summary.md"; echo; echo "kept in $OUT"
else
  echo "no report found in $OUT/artifacts/results" >&2; exit 1
fi
