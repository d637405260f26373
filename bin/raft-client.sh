#!/usr/bin/env bash
# A command-line client for any state machine: sends one command or query in its bytes.
#
#   bin/raft-client.sh --cluster 127.0.0.1:7201,127.0.0.1:7202 propose --utf8 'put a 1'
#   bin/raft-client.sh --cluster 127.0.0.1:7201 --state-machine kv query --utf8 'get a'
#   bin/raft-client.sh --cluster 127.0.0.1:7201 propose --hex 0100000000000005 --out hex
#
# Exit status: 0 ok, 1 failed (nothing applied), 2 usage, 3 outcome unknown. --help lists all.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bin/common.sh"
ensure_dist "$root"
exec java "${DNS_JVM_ARGS[@]}" ${JAVA_OPTS:-} -Dlogback.configurationFile="$root/conf/logback-tools.xml" \
  -cp "$DIST/tools/*:$DIST/lib/*" io.raftjvm.tools.RaftClientCli "$@"
