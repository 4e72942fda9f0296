#!/usr/bin/env bash
# Builds the project (test-compile also compiles benchmarks/src, a test source root) and runs the
# benchmarks: EngineBenchmark (StepLoop directly, batched vs max_batch_size 1) then
# ServerBenchmark (HTTP through a real node vs a raw model loop), then LatencyBenchmark (one image at
# concurrency 1: create -> succeeded by polling and Prefer: wait through loadtest, and by webhook, vs the engine + PNG alone),
# then HttpBenchmark (the cheap routes, estimate and GET, driven by `aurous-server.jar loadtest` against the
# bare Vert.x reference BareServer, interleaved); the loadtest stage starts a node from the jar and sweeps an open-loop
# rate over it with `aurous-server.jar loadtest`.
# ModelCostBenchmark (model-cost): the previous random-weight aurous-tiny (exported from git history,
# commit 6db52c5) against the trained one, one 1024x1024 image each.
# SampleGrid (samples): benchmarks/aurous-tiny-samples.png and -sizes.png.
# ImageToImageBenchmark (img2img): image-to-image at denoise_strength 0.5 against text-to-image,
# StepLoop directly, interleaved rounds; benchmarks/results/<date>-img2img.txt.
# LoraBenchmark (lora): 16 images with 4 different LoRA mixes in one batch vs 16 without LoRA vs
# grouped into 4 batches of 4, interleaved; LoraSampleGrid (lora-samples): benchmarks/aurous-tiny-loras.png.
# Output goes to the terminal and to benchmarks/results/<date>-engine.txt / -server.txt /
# -latency.txt / -http.txt / -loadtest.txt (+ the HTML report in <date>-loadtest/) / -model-cost.txt.
# Usage: bash benchmarks/run.sh [engine|server|latency|http|loadtest|model-cost|samples|img2img|lora|lora-samples|all]   (default all)
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
if [[ "$which" == all || "$which" == img2img ]]; then
  { machine; echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    timeout 900 java "${JAVA_OPTS[@]}" com.aurous.server.bench.ImageToImageBenchmark
    echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"; } 2>&1 | tee "benchmarks/results/$DATE-img2img.txt"
fi
if [[ "$which" == all || "$which" == server ]]; then
  { machine; timeout 900 java "${JAVA_OPTS[@]}" com.aurous.server.bench.ServerBenchmark; } 2>&1 | tee "benchmarks/results/$DATE-server.txt"
fi
if [[ "$which" == all || "$which" == latency ]]; then
  { machine; echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    top -b -n1 | head -15 | sed 's/^/# top: /'
    timeout 1800 java "${JAVA_OPTS[@]}" com.aurous.server.bench.LatencyBenchmark
    echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    top -b -n1 | head -15 | sed 's/^/# top: /'; } 2>&1 | tee "benchmarks/results/$DATE-latency.txt"
fi
if [[ "$which" == all || "$which" == loadtest ]]; then
  # A node from the jar on a free loopback port with its own embedded PostgreSQL in a temp dir,
  # then one run of a workload file against it: benchmarks/workloads/sweep.json (an open-loop rate sweep)
  # unless LOADTEST_WORKLOAD names another (server-poll.json: ServerBenchmark's poll clients).
  mvn -o -q -DskipTests package
  DATA="$(mktemp -d)"
  PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  AUROUS_DATA_DIR="$DATA" AUROUS_HTTP_HOST=127.0.0.1 AUROUS_HTTP_PORT="$PORT" AUROUS_BOOTSTRAP_DEFAULT_CREDITS=10000000 \
    timeout 900 java -Xmx2g -jar target/aurous-server.jar >"$DATA/node.log" 2>&1 &
  NODE=$!
  trap 'kill $NODE 2>/dev/null; wait $NODE 2>/dev/null; rm -rf "$DATA"' EXIT
  for _ in $(seq 1 180); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && [[ -s "$DATA/dev-api-key" ]] && break
    kill -0 $NODE 2>/dev/null || { cat "$DATA/node.log"; exit 1; }
    sleep 1
  done
  OUT="benchmarks/results/$DATE-loadtest"
  { machine; echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    timeout 900 java -Xmx1g -jar target/aurous-server.jar loadtest --url "http://127.0.0.1:$PORT" --key "$(cat "$DATA/dev-api-key")" \
      --workload "${LOADTEST_WORKLOAD:-benchmarks/workloads/sweep.json}" --json "$OUT/report.json" --html "$OUT"
    echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"; } 2>&1 | tee "benchmarks/results/$DATE-loadtest.txt"
fi
if [[ "$which" == all || "$which" == model-cost ]]; then
  # The previous graph (random weights) is compiled from git history into its own classes folder,
  # which shadows today's aurous-tiny classes for the one export call.
  rm -rf target/old-tiny target/old-tiny-src target/bench-models
  mkdir -p target/old-tiny target/old-tiny-src target/bench-models
  for f in TinyGraph AurousTinyExporter; do
    git show "6db52c5:src/main/java/com/aurous/server/model/tiny/$f.java" > "target/old-tiny-src/$f.java"
  done
  javac -d target/old-tiny -cp "$CP" target/old-tiny-src/*.java
  java -cp "target/old-tiny:$CP" com.aurous.server.Main model export --out target/bench-models/old
  java -cp "$CP" com.aurous.server.Main model export --out target/bench-models/trained
  { machine; timeout 900 java "${JAVA_OPTS[@]}" com.aurous.server.bench.ModelCostBenchmark target/bench-models/old target/bench-models/trained; } 2>&1 | tee "benchmarks/results/$DATE-model-cost.txt"
fi
if [[ "$which" == all || "$which" == samples ]]; then
  rm -rf target/bench-models/samples
  java -cp "$CP" com.aurous.server.Main model export --out target/bench-models/samples
  timeout 900 java "${JAVA_OPTS[@]}" com.aurous.server.bench.SampleGrid target/bench-models/samples benchmarks/aurous-tiny 12
fi
if [[ "$which" == all || "$which" == http ]]; then
  # Servers and load generator each in their own JVM: the bare Vert.x reference (BareServer, built
  # here with the benchmarks), the node from target/aurous-server.jar and, with
  # BENCH_BASELINE_JAR=/path/to/other/aurous-server.jar, another build as "before"; the load is
  # `aurous-server.jar loadtest`, closed loop.
  mvn -o -q -DskipTests package
  { machine; echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    top -b -n1 | head -15 | sed 's/^/# top: /'
    timeout 1800 java -Xmx512m -cp "$CP" com.aurous.server.bench.HttpBenchmark
    echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    top -b -n1 | head -15 | sed 's/^/# top: /'; } 2>&1 | tee "benchmarks/results/$DATE-http.txt"
fi
if [[ "$which" == all || "$which" == lora ]]; then
  { machine; timeout 1800 java "${JAVA_OPTS[@]}" com.aurous.server.bench.LoraBenchmark 3; } 2>&1 | tee "benchmarks/results/$DATE-lora.txt"
fi
if [[ "$which" == all || "$which" == lora-samples ]]; then
  rm -rf target/bench-models/lora-samples
  java -cp "$CP" com.aurous.server.Main model export --out target/bench-models/lora-samples
  timeout 900 java "${JAVA_OPTS[@]}" com.aurous.server.bench.LoraSampleGrid target/bench-models/lora-samples benchmarks/aurous-tiny-loras.png 4
fi
