#!/usr/bin/env bash
# Benchmarks a running counter cluster: throughput, latency percentiles, errors, and a check that
# every replica's counter equals the starting value plus the acknowledged adds.
#
#   bin/counter-bench.sh --cluster 127.0.0.1:7201,127.0.0.1:7202,127.0.0.1:7203 \
#       --concurrency 256 --duration 10s --warmup 2s --payload 16 [--reads 10] [--history FILE] [--json]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bin/common.sh"
ensure_dist "$root"
exec java "${DNS_JVM_ARGS[@]}" ${JAVA_OPTS:--Xms512m -Xmx1g} -Dlogback.configurationFile="$root/conf/logback-tools.xml" \
  -cp "$DIST/tools/*:$DIST/lib/*:$DIST/plugins/*" io.raftjvm.counter.tools.CounterBench "$@"
