#!/usr/bin/env bash
# Checks a history (JSON lines, as counter-bench --history writes) for linearizability: see --help.
#
#   bin/lincheck.sh [--model counter|register] [--initial N] [--time-limit 5m] [--json] HISTORY
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bin/common.sh"
ensure_dist "$root"
exec java ${JAVA_OPTS:--Xms256m -Xmx4g} -Dlogback.configurationFile="$root/conf/logback-tools.xml" \
  -cp "$DIST/tools/*:$DIST/lib/*:$DIST/plugins/*" io.raftjvm.faults.check.LinCheck "$@"
