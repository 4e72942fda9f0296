#!/usr/bin/env bash
# A local cluster on this machine: one shared PostgreSQL (the embedded artifact, run on its own)
# and N aurous nodes joined through Hazelcast on loopback. Nothing to install beyond Java + Maven.
#
#   cluster/local-cluster.sh start [N]   build if needed, start the database and N nodes (default 3)
#   cluster/local-cluster.sh status      list the processes and their ports
#   cluster/local-cluster.sh stop        stop the nodes, then the database
#
# Node i listens for HTTP on 8080+i-1 (LOCAL_CLUSTER_HTTP_BASE overrides 8080) and for Hazelcast
# on 5701+i-1; every node has both roles (api + worker). State and logs: data/cluster/.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=data/cluster
HTTP_BASE=${LOCAL_CLUSTER_HTTP_BASE:-8080}
HZ_BASE=${LOCAL_CLUSTER_HZ_BASE:-5701}
JAR=target/aurous-server.jar
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-1}

start() {
  local n=${1:-3}
  [ -f "$JAR" ] || mvn -q package -DskipTests
  mkdir -p "$STATE"
  if [ ! -f "$STATE/db.pid" ] || ! kill -0 "$(cat "$STATE/db.pid")" 2>/dev/null; then
    AUROUS_DATA_DIR="$STATE/db" nohup java -jar "$JAR" db serve > "$STATE/db.log" 2>&1 &
    echo $! > "$STATE/db.pid"
    for _ in $(seq 1 120); do grep -q "PostgreSQL ready" "$STATE/db.log" 2>/dev/null && break; sleep 0.5; done
    grep -q "PostgreSQL ready" "$STATE/db.log" || { echo "database did not start; see $STATE/db.log"; exit 1; }
  fi
  local url
  url=$(grep -o "postgresql://[^ ]*" "$STATE/db.log" | tail -1)
  local members=""
  for i in $(seq 1 "$n"); do members="${members:+$members,}127.0.0.1:$((HZ_BASE + i - 1))"; done
  for i in $(seq 1 "$n"); do
    AUROUS_DATA_DIR="$STATE/node$i" AUROUS_DATABASE_URL="$url" AUROUS_HTTP_PORT=$((HTTP_BASE + i - 1)) \
    AUROUS_HTTP_HOST=127.0.0.1 AUROUS_NODE_NAME="node$i" AUROUS_CLUSTER_ENABLED=true \
    AUROUS_CLUSTER_PORT=$((HZ_BASE + i - 1)) AUROUS_CLUSTER_MEMBERS="$members" \
      nohup java -jar "$JAR" serve > "$STATE/node$i.log" 2>&1 &
    echo $! > "$STATE/node$i.pid"
  done
  for i in $(seq 1 "$n"); do
    for _ in $(seq 1 120); do grep -q "API listening" "$STATE/node$i.log" 2>/dev/null && break; sleep 0.5; done
    grep -q "API listening" "$STATE/node$i.log" || { echo "node$i did not start; see $STATE/node$i.log"; exit 1; }
    echo "node$i: http://127.0.0.1:$((HTTP_BASE + i - 1))  (log $STATE/node$i.log)"
  done
  echo "database: $url"
  echo "create a team and key:  AUROUS_DATABASE_URL=$url java -jar $JAR teams create demo --credits 1000 && AUROUS_DATABASE_URL=$url java -jar $JAR keys create --team demo"
}

stop() {
  for f in "$STATE"/node*.pid; do
    [ -f "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  sleep 2
  if [ -f "$STATE/db.pid" ]; then
    kill "$(cat "$STATE/db.pid")" 2>/dev/null || true
    rm -f "$STATE/db.pid"
  fi
  echo "stopped"
}

status() {
  for f in "$STATE"/*.pid; do
    [ -f "$f" ] || continue
    local pid; pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then echo "$(basename "$f" .pid): running (pid $pid)"; else echo "$(basename "$f" .pid): dead"; fi
  done
}

case "${1:-}" in
  start) start "${2:-3}" ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start [N] | status | stop"; exit 2 ;;
esac
