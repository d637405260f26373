#!/usr/bin/env bash
# Administers a Raft cluster through its servers' client ports: status, membership, leadership,
# backups; and offline, on one stopped server's data directory, restores a backup or recovers a
# cluster that lost a majority of its voters for good (the survivor becomes the only voter).
#
#   bin/raft-admin.sh --cluster 127.0.0.1:7201,127.0.0.1:7202,127.0.0.1:7203 status
#   bin/raft-admin.sh --cluster 127.0.0.1:7201 add-learner 4 127.0.0.1:7104 127.0.0.1:7204 127.0.0.1:7304
#   bin/raft-admin.sh --cluster 127.0.0.1:7201 promote 4
#   bin/raft-admin.sh --cluster 127.0.0.1:7201 transfer-leader 2
#   bin/raft-admin.sh --cluster 127.0.0.1:7201,127.0.0.1:7202 backup /backups/counter.rbk
#   bin/raft-admin.sh --config conf/node1.conf restore /backups/counter.rbk
#   bin/raft-admin.sh --config conf/node1.conf recover
#
# The offline commands open the server's Chronicle log, hence its JVM flags.
# Exit status: 0 ok, 1 failed, 2 usage, 3 outcome unknown (the membership change may or may not
# have taken effect; check with status).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bin/common.sh"
ensure_dist "$root"
exec java "${CHRONICLE_JVM_ARGS[@]}" "${DNS_JVM_ARGS[@]}" ${JAVA_OPTS:-} -Dlogback.configurationFile="$root/conf/logback-tools.xml" \
  -cp "$DIST/tools/*:$DIST/lib/*" io.raftjvm.tools.RaftAdmin "$@"
