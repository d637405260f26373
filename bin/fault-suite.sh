#!/usr/bin/env bash
# Runs seeded fault schedules against real server processes, each in its own network namespace,
# and checks every history for linearizability and lost writes (needs root: see --help).
#
#   bin/fault-suite.sh --schedules 10 --seed 1 --duration 60s [--faults partition,link,kill,pause,membership,disk]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bin/common.sh"
ensure_dist "$root"
exec java ${JAVA_OPTS:--Xms256m -Xmx4g} -Draft.home="$root" -Dlogback.configurationFile="$root/conf/logback-tools.xml" \
  -cp "$DIST/tools/*:$DIST/lib/*:$DIST/plugins/*" io.raftjvm.faults.suite.FaultSuite "$@"
