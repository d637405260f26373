#!/usr/bin/env bash
# Starts one Raft server node in the foreground; SIGTERM (or Ctrl-C) stops it cleanly.
#
#   bin/raft-node.sh --config conf/node1.conf
#
# Runs the server (built with `./mvnw -B -DskipTests package` when missing in a source checkout):
# state machines come from the plugins directory the config names. The node writes
# node.pid and node.log into its data directory. JAVA_OPTS adds JVM options (e.g. -Xmx1g).
# Relative paths in the config (data-dir, plugins-dir, TLS files) resolve against RAFT_HOME (by
# default the directory above bin/), not the working directory. In an unpacked distribution the
# server runs from lib/ beside bin/; in a source checkout from dist/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bin/common.sh"
ensure_dist "$root"
exec java "${CHRONICLE_JVM_ARGS[@]}" "${DNS_JVM_ARGS[@]}" ${JAVA_OPTS:-} \
  -Dlogback.configurationFile="$root/conf/logback.xml" \
  -cp "$DIST/lib/*" \
  io.raftjvm.server.RaftNodeMain "$@"
