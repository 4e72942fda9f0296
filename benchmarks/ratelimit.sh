#!/usr/bin/env bash
# What the request quota costs on the estimate route: two api-only nodes from the jar, one with no
# limit and one with a quota it never reaches (rate_limits.requests_per_window 1e9, so every
# request takes the lease path and none is refused), measured side by side with `loadtest`
# (closed loop, estimate only), alternating, ROUNDS rounds each. Both nodes and the load generator
# share the machine, so only the ratio of one run means anything. Then RateLimiterBenchmark: the
# limiter's acquire() alone, ns per call.
# Usage: bash benchmarks/ratelimit.sh [rounds=3] [concurrency=32] [seconds=8]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-3}"; CONC="${2:-32}"; SECS="${3:-8}"
[[ -f target/aurous-server.jar ]] || mvn -B -o -q package -DskipTests
OUT="benchmarks/results/$(date +%F)-ratelimit.txt"
mkdir -p benchmarks/results
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

start() { # name port requests_per_window
  mkdir -p "$work/$1"
  AUROUS_DATA_DIR="$work/$1" AUROUS_NODE_ROLES=api AUROUS_HTTP_HOST=127.0.0.1 AUROUS_HTTP_PORT="$2" \
    AUROUS_RATE_LIMITS_REQUESTS_PER_WINDOW="$3" AUROUS_RATE_LIMITS_WINDOW_S=60 \
    java -Xmx512m -jar target/aurous-server.jar serve >"$work/$1.log" 2>&1 &
  pids+=($!)
}
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
P1="$(port)"; P2="$(port)"
start unlimited "$P1" 0
start limited "$P2" 1000000000
for n in unlimited limited; do
  for _ in $(seq 1 120); do grep -q "Aurous API listening" "$work/$n.log" && break; sleep 1; done
  grep -q "Aurous API listening" "$work/$n.log" || { cat "$work/$n.log"; exit 1; }
done
run() { # name port round
  java -jar target/aurous-server.jar loadtest --url "http://127.0.0.1:$2" --key "$(cat "$work/$1/dev-api-key")" \
    --concurrency "$CONC" --mix estimate=100 --warmup 2 --duration "$SECS" --quiet --json "$work/$1-$3.json" >/dev/null
}
{
  echo "# machine: $(nproc) cores, $(uname -sr); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# date: $(date -Is) commit: $(git rev-parse --short HEAD)  closed loop c=$CONC, estimate only, ${SECS}s per round, $ROUNDS rounds alternating"
  for r in $(seq 1 "$ROUNDS"); do
    run unlimited "$P1" "$r"; run limited "$P2" "$r"
  done
  python3 - "$work" "$ROUNDS" <<'PY'
import json, sys, statistics
work, rounds = sys.argv[1], int(sys.argv[2])
res = {}
for name in ("unlimited", "limited"):
    st = [json.load(open(f"{work}/{name}-{r}.json"))["stages"][0] for r in range(1, rounds + 1)]
    res[name] = dict(rps=[s["ok_rps"] for s in st], errors=sum(s["errors"] for s in st),
                     p50=statistics.median(s["latency_ms"]["p50"] for s in st),
                     p99=statistics.median(s["latency_ms"]["p99"] for s in st))
print("| node | ok req/s per round | mean ok req/s | p50 / p99 ms (median of rounds) | errors |")
print("|---|---|---|---|---|")
for name, label in (("unlimited", "no limit (requests_per_window 0)"), ("limited", "quota 1e9 per 60 s (lease path, never refused)")):
    r = res[name]
    print(f"| {label} | {', '.join(f'{x:.0f}' for x in r['rps'])} | {statistics.mean(r['rps']):.0f} | {r['p50']:.2f} / {r['p99']:.2f} | {r['errors']} |")
print(f"limited/unlimited mean ok req/s: {statistics.mean(res['limited']['rps']) / statistics.mean(res['unlimited']['rps']):.3f}")
PY
  echo "# the limiter alone (RateLimiterBenchmark, in-process, local shared data):"
  mvn -B -o -q -DskipTests test-compile
  mvn -B -o -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-cp.txt
  timeout 600 java -Xmx1g -cp "target/classes:target/test-classes:$(cat target/bench-cp.txt)" com.aurous.server.bench.RateLimiterBenchmark
  echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} 2>&1 | tee "$OUT"
