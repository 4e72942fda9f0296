#!/usr/bin/env bash
# Builds the project, compiles the benchmarks and runs them: EngineBenchmark (StepLoop directly,
# batched vs max_batch_size 1) then ServerBenchmark (HTTP through a real node vs a raw model loop).
# Output goes to the terminal and to benchmarks/results/<date>-engine.txt / -server.txt.
# ModelCostBenchmark (bash benchmarks/run.sh model-cost): the previous random-weight aurous-tiny
# (exported from git history, commit 6db52c5) against the trained one, one 1024x1024 image each.
# SampleGrid (bash benchmarks/run.sh samples): benchmarks/aurous-tiny-samples.png and -sizes.png.
# Usage: bash benchmarks/run.sh [engine|server|model-cost|samples|all]   (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"

mvn -o -q -DskipTests test-compile
mvn -o -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-cp.txt
CP="target/classes:target/test-classes:$(cat target/bench-cp.txt)"
rm -rf target/bench-classes
mkdir -p target/bench-classes benchmarks/results
javac -d target/bench-classes -cp "$CP" $(find benchmarks/src -name '*.java')

export TF_CPP_MIN_LOG_LEVEL=1
DATE="$(date +%F)"
JAVA_OPTS=(-Xmx4g -XX:+UseG1GC -cp "target/bench-classes:$CP")

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
