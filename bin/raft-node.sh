#!/usr/bin/env bash
# Starts one Raft server node in the foreground; SIGTERM (or Ctrl-C) stops it cleanly.
#
#   bin/raft-node.sh --config conf/node1.conf
#
# Runs the distribution in dist/ (built with `./mvnw -B -DskipTests package` when missing): the server
# from dist/lib, state machines from the plugins directory the config names. The node writes
# node.pid and node.log into its data directory. JAVA_OPTS adds JVM options (e.g. -Xmx1g).
# Relative paths in the config (data-dir, plugins-dir) resolve against the current directory.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bin/common.sh"
ensure_dist "$root"
exec java "${CHRONICLE_JVM_ARGS[@]}" ${JAVA_OPTS:-} \
  -Dlogback.configurationFile="$root/conf/logback.xml" \
  -cp "$root/dist/lib/*" \
  io.raftjvm.server.RaftNodeMain "$@"
