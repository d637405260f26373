#!/usr/bin/env bash
# Checks a history (JSON lines, as counter-bench --history writes) for linearizability: see --help.
#
#   bin/lincheck.sh [--model counter|register] [--initial N] [--time-limit 5m] [--json] HISTORY
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bin/common.sh"
ensure_dist "$root"
if [ -z "$(ls -A "$root/dist/tools" 2>/dev/null)" ]; then
  echo "building the distribution (./mvnw -B -DskipTests package)..." >&2
  (cd "$root" && ./mvnw -B -ntp -q -DskipTests package >&2) || { echo "build failed" >&2; exit 1; }
fi
exec java ${JAVA_OPTS:--Xms256m -Xmx4g} -Dlogback.configurationFile="$root/conf/logback-tools.xml" \
  -cp "$root/dist/lib/*:$root/dist/plugins/*:$root/dist/tools/*" io.raftjvm.faults.check.LinCheck "$@"
