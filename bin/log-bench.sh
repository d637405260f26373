#!/usr/bin/env bash
# Append throughput of the Chronicle Raft log: raw Chronicle vs the store (sync off) vs group commit.
#
#   bin/log-bench.sh [--entries 1000000] [--runs 5] [--dir DIR]
#
# Builds what it needs, then runs log-chronicle's LogAppendBenchmark. The data directory must be on
# a real disk (not tmpfs) for the group-commit figures to mean anything.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -q install -DskipTests -pl raft-engine,log-chronicle -am >/dev/null
cp_file="$PWD/log-chronicle/target/bench.classpath"
./mvnw -B -ntp -q -pl log-chronicle dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
source bin/common.sh
exec java "${CHRONICLE_JVM_ARGS[@]}" -Xms1g -Xmx2g \
  -cp "log-chronicle/target/test-classes:log-chronicle/target/classes:$(cat "$cp_file")" \
  io.raftjvm.log.chronicle.bench.LogAppendBenchmark "$@"
