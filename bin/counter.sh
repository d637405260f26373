#!/usr/bin/env bash
# The replicated counter's command-line client.
#
#   bin/counter.sh --cluster 127.0.0.1:7201,127.0.0.1:7202,127.0.0.1:7203 add 5
#   bin/counter.sh --cluster 127.0.0.1:7201 get
#
# Exit status: 0 ok, 1 failed, 2 usage, 3 outcome unknown (the add may or may not have happened).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bin/common.sh"
ensure_dist "$root"
exec java "${DNS_JVM_ARGS[@]}" ${JAVA_OPTS:-} -Dlogback.configurationFile="$root/conf/logback-tools.xml" \
  -cp "$DIST/tools/*:$DIST/lib/*:$DIST/plugins/*" io.raftjvm.counter.tools.CounterCli "$@"
