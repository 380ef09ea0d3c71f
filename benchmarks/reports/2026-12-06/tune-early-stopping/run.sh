#!/usr/bin/env bash
# How the numbers in report.md were made (after `mvn -o verify -pl ml-train,ml-tune,examples`, which writes
# examples/target/classpath.txt): the example run twice in one go, ASHA then FIFO, same seed, samples and
# epochs; the same JVM flags as `./prism tune-digits`, which would rebuild every module first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../../.."
source scripts/jdk25.sh && prism_select_jdk25
out=benchmarks/reports/2026-12-06/tune-early-stopping
cp="examples/target/classes:$(cat examples/target/classpath.txt)"
flags=(--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
       --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED -Xmx512m)
rm -rf /tmp/td-bench
{ echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"; echo "commit: $(git rev-parse --short HEAD)";
  echo "nproc: $(nproc)"; echo "uptime before: $(uptime)"; } > $out/run.log
for s in asha fifo; do
  java "${flags[@]}" -cp "$cp" dev.prism.examples.TuneDigits --samples 16 --epochs 20 --seed 42 \
    --scheduler $s --storage /tmp/td-bench > $out/$s.log 2>&1
  echo "uptime after $s: $(uptime)" >> $out/run.log
done
