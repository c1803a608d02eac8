#!/usr/bin/env bash
# One command for the whole comparison: oneDNN and XNNPACK (when installed) through bench/native's harness,
# poolkit native and Java and ONNX Runtime (OrtPoolBench, NCHW) through JMH, then the side-by-side table and chart.
#   bench/compare.sh [JMH options passed as -Dbench.*, e.g. -Dbench.iterations=10]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out="$root/bench/target"
mkdir -p "$out"
peers=""
cmake -S "$root" -B "$root/target/cmake" -DCMAKE_BUILD_TYPE=Release >/dev/null
if cmake --build "$root/target/cmake" --target poolkit_peers >/dev/null 2>&1; then
  "$root/target/cmake/bench/native/poolkit_peers" --shapes "$root/../shared/bench/shapes.json" > "$out/peers.jsonl"
  peers="--peers $out/peers.jsonl"
else
  echo "oneDNN/XNNPACK not installed (apt-get install libdnnl-dev libxnnpack-dev): poolkit only" >&2
fi
mvn -q -B -Pbench -DskipTests verify "$@"
python3 "$root/bench/report.py" "$out/jmh-result.json" $peers --svg "$out/results.svg"
