#!/usr/bin/env bash
# A/B of the RESP transports: one build started twice (--resp-transport sockets / epoll), interleaved rounds
# (127.0.0.1 only). Per run: server CPU ms per 100k requests (/proc/PID/stat user+sys) and, with PERF=1, syscalls
# and context switches per request (perf stat on the server pid around the run).
# usage: bench/ab-transport.sh DLL_DIR [ROUNDS] [TESTS]    env: P (pipeline, 1), N (requests), PORT (17650), PERF,
#   A_ARGS / B_ARGS (serve flags of the two nodes; default --resp-transport sockets / --resp-transport epoll)
set -u
DIR=$1; ROUNDS=${2:-3}; TESTS=${3:-get,set}; P=${P:-1}; N=${N:-100000}; PORT=${PORT:-17650}; PERF=${PERF:-0}
A_ARGS=${A_ARGS:---resp-transport sockets}; B_ARGS=${B_ARGS:---resp-transport epoll}
start() { local port=$1 d; shift; d=$(mktemp -d); dotnet $DIR/hypercache.dll serve --bind 127.0.0.1 --resp-port $port --http-port $((port+1)) --replication-port $((port+2)) --data-dir $d --log-dir $d/logs --node-id ab$port "$@" >/dev/null 2>&1 & echo $!; }
A=$(start $PORT $A_ARGS); B=$(start $((PORT+10)) $B_ARGS)
trap 'kill $A $B' EXIT
for p in $PORT $((PORT+10)); do for i in $(seq 1 300); do redis-cli -p $p ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done; done
for p in $PORT $((PORT+10)); do redis-benchmark -p $p -c 50 -n 300000 -r 100000 -d 64 -t $TESTS -P $P -q >/dev/null; done # warm-up
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
TCK=$(getconf CLK_TCK)
for r in $(seq 1 $ROUNDS); do
  for t in ${TESTS//,/ }; do
    for pair in "$PORT $A A(${A_ARGS// /_})" "$((PORT+10)) $B B(${B_ARGS// /_})"; do
      set -- $pair
      out=$(mktemp); c0=$(cpu $2)
      if [ "$PERF" = 1 ]; then
        perf stat -x, -e raw_syscalls:sys_enter,context-switches,task-clock -p $2 -o $out -- \
          redis-benchmark -p $1 -c 50 -n $N -r 100000 -d 64 -t $t -P $P --csv > $out.csv
      else
        redis-benchmark -p $1 -c 50 -n $N -r 100000 -d 64 -t $t -P $P --csv > $out.csv
      fi
      c1=$(cpu $2)
      rps=$(tail -1 $out.csv | cut -d, -f2 | tr -d '"')
      line="$t P=$P $3 rps=$rps cpu_ms_per_100k=$(( (c1-c0)*1000/TCK*100000/N ))"
      if [ "$PERF" = 1 ]; then
        sc=$(grep raw_syscalls $out | cut -d, -f1); cs=$(grep context-switches $out | cut -d, -f1); tc=$(grep task-clock $out | cut -d, -f1)
        line="$line syscalls_per_req=$(echo "scale=2; $sc/$N" | bc) ctxsw_per_req=$(echo "scale=3; $cs/$N" | bc) task_clock_ms_per_100k=$(echo "scale=0; $tc*100000/$N/1" | bc)"
      fi
      echo "$line"; rm -f $out $out.csv
    done
  done
done
