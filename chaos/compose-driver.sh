#!/usr/bin/env bash
# Chaos driver for the docker-compose cluster (docker-compose.yml at the repo root: services hypercache-1..3,
# host networking, RESP ports 8080-8082). The same faults as the local-process driver
# (chaos/HyperCache.Chaos/Drivers/LocalProcessDriver.cs), applied to containers:
#
#   chaos/compose-driver.sh start   N      docker compose start hypercache-N, wait until it answers PING
#   chaos/compose-driver.sh kill    N      SIGKILL the node's process (docker compose kill -s SIGKILL)
#   chaos/compose-driver.sh pause   N      freeze the container (cgroup freezer: like SIGSTOP of every process)
#   chaos/compose-driver.sh resume  N      unfreeze it (docker compose unpause)
#   chaos/compose-driver.sh restart N      kill, then start again on the same ./data/node-N
#   chaos/compose-driver.sh follow  N M    make node N a replica of node M (REPLICAOF 127.0.0.1 808<M-1>)
#   chaos/compose-driver.sh promote N      REPLICAOF NO ONE on node N (manual failover: no automatic one exists)
#   chaos/compose-driver.sh port    N      print node N's RESP port
#
# Partitions are not provided (as with the local driver). `start` and `restart` bring a killed node back
# explicitly; the compose file's `restart: unless-stopped` policy may also make docker restart it by itself.
# Not run in CI: it needs a container engine and the images (no registry access here). Needs docker compose v2
# and redis-cli.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() { sed -n '2,/^# and redis-cli/p' "${BASH_SOURCE[0]}" >&2; exit 2; }
node_ok() { [[ "${1:-}" =~ ^[1-3]$ ]] || { echo "node must be 1, 2 or 3" >&2; exit 2; }; }
port() { echo $((8079 + $1)); }
service() { echo "hypercache-$1"; }

# Waits (deadline 60 s) until node $1 answers PING.
wait_pong() {
  local deadline=$((SECONDS + 60))
  until [[ "$(redis-cli -h 127.0.0.1 -p "$(port "$1")" PING 2>/dev/null)" == PONG ]]; do
    ((SECONDS < deadline)) || { echo "node $1 did not answer PING within 60 s" >&2; exit 1; }
    sleep 0.2 # polling interval; the loop waits for the condition
  done
}

action=${1:-}; node=${2:-}
[[ -n "$action" ]] || usage
node_ok "$node"
case "$action" in
  start)   docker compose start "$(service "$node")"; wait_pong "$node" ;;
  kill)    docker compose kill -s SIGKILL "$(service "$node")" ;;
  pause)   docker compose pause "$(service "$node")" ;;
  resume)  docker compose unpause "$(service "$node")" ;;
  restart) docker compose kill -s SIGKILL "$(service "$node")"; docker compose start "$(service "$node")"; wait_pong "$node" ;;
  follow)  node_ok "${3:-}"; redis-cli -h 127.0.0.1 -p "$(port "$node")" REPLICAOF 127.0.0.1 "$(port "$3")" ;;
  promote) redis-cli -h 127.0.0.1 -p "$(port "$node")" REPLICAOF NO ONE ;;
  port)    port "$node" ;;
  *)       usage ;;
esac
