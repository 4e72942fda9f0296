#!/usr/bin/env bash
# Builds the project (test-compile also compiles benchmarks/src, a test source root) and runs the
# benchmarks: EngineBenchmark (StepLoop directly, batched vs max_batch_size 1) then
# ServerBenchmark (HTTP through a real node vs a raw model loop), then HttpBenchmark (the cheap
# routes, estimate and GET, under wrk against the bare Vert.x reference BareServer, interleaved).
# Output goes to the terminal and to benchmarks/results/<date>-engine.txt / -server.txt / -http.txt.
# Usage: bash benchmarks/run.sh [engine|server|http|all]   (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"

mvn -o -q -DskipTests test-compile
mvn -o -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-cp.txt
CP="target/classes:target/test-classes:$(cat target/bench-cp.txt)"
mkdir -p benchmarks/results

export TF_CPP_MIN_LOG_LEVEL=1
DATE="$(date +%F)"
JAVA_OPTS=(-Xmx4g -XX:+UseG1GC -cp "$CP")

machine() {
  echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2" GiB"}') RAM, $(uname -sr), java $(java -version 2>&1 | head -1)"
  echo "# date: $(date -Is)  commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
}

if [[ "$which" == all || "$which" == engine ]]; then
  { machine; timeout 900 java "${JAVA_OPTS[@]}" com.aurous.server.bench.EngineBenchmark; } 2>&1 | tee "benchmarks/results/$DATE-engine.txt"
fi
if [[ "$which" == all || "$which" == server ]]; then
  { machine; timeout 900 java "${JAVA_OPTS[@]}" com.aurous.server.bench.ServerBenchmark; } 2>&1 | tee "benchmarks/results/$DATE-server.txt"
fi
if [[ "$which" == all || "$which" == http ]]; then
  if ! command -v wrk >/dev/null; then
    apt-get install -y wrk >/dev/null || { echo "wrk is missing and could not be installed (apt-get install -y wrk)" >&2; exit 1; }
  fi
  { machine; echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"; timeout 900 java "${JAVA_OPTS[@]}" com.aurous.server.bench.HttpBenchmark; echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"; } 2>&1 | tee "benchmarks/results/$DATE-http.txt"
fi
