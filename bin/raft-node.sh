#!/usr/bin/env bash
# Starts one Raft server node.
#
#   bin/raft-node.sh --config conf/node1.conf
#
# Runs from the source tree: builds the server if needed and uses Maven's view of its classpath.
# State machine providers are found on that classpath and in the plugins directory the config names
# (raft.plugins-dir, "plugins" by default, relative to the working directory).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -gt 0 ] || { echo "usage: $0 --config FILE" >&2; exit 2; }
jar="$root/transport-netty/target/classes/io/raftjvm/server/RaftServer.class"
cp_file="$root/transport-netty/target/server.classpath"
if [ ! -f "$jar" ] || [ ! -f "$cp_file" ]; then
  echo "building the server (first run)..." >&2
  (cd "$root" && mvn -B -ntp -q install -DskipTests >/dev/null \
    && mvn -B -ntp -q -pl transport-netty dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null)
fi
source "$root/bin/common.sh"
exec java "${CHRONICLE_JVM_ARGS[@]}" ${RAFT_JAVA_OPTS:-} \
  -Dlogback.configurationFile="$root/conf/logback.xml" \
  -cp "$root/transport-netty/target/classes:$(cat "$cp_file")" \
  io.raftjvm.server.RaftServer "$@"
