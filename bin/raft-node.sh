#!/usr/bin/env bash
# Starts one Raft server node in the foreground; SIGTERM (or Ctrl-C) stops it cleanly.
#
#   bin/raft-node.sh --config conf/node1.conf
#
# Runs the server (built with `./mvnw -B -DskipTests package` when missing in a source checkout):
# state machines come from the plugins directory the config names. The node writes node.pid into
# its data directory. JAVA_OPTS adds JVM options (e.g. -Xmx1g).
# Relative paths in the config (data-dir, plugins-dir, TLS files) resolve against RAFT_HOME (by
# default the directory above bin/), not the working directory. In an unpacked distribution the
# server runs from lib/ beside bin/; in a source checkout from dist/.
#
# Logs (conf/logback.xml says more): by default to the console and to a rolling file
# RAFT_HOME/logs/NAME.log, NAME being the config file's name without .conf (node1 for
# conf/node1.conf), so that nodes sharing an installation write files of their own.
#   RAFT_LOG_DIR             the files' directory (default RAFT_HOME/logs; relative: to RAFT_HOME)
#   RAFT_LOG_NAME            the file's name without .log (default: the config file's name)
#   RAFT_LOG_OUTPUT          both (default), file or console
#   RAFT_LOG_FORMAT          text (default) or json (one JSON object per line)
#   RAFT_LOG_LEVEL           the root level (default INFO)
#   RAFT_LOG_MAX_FILE_SIZE   a file rolls over at this size (default 100MB)
#   RAFT_LOG_MAX_HISTORY     days of rolled files kept (default 14)
#   RAFT_LOG_TOTAL_SIZE_CAP  the rolled files' total beyond which the oldest go (default 1GB)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bin/common.sh"

log_name=raft-node
args=("$@")
for ((i = 0; i + 1 < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = "--config" ]; then
    log_name="$(basename "${args[$((i + 1))]}")"
    log_name="${log_name%.conf}"
  fi
done
case "${RAFT_LOG_OUTPUT:=both}" in
  both | file | console) ;;
  *) echo "raft-node: RAFT_LOG_OUTPUT must be both, file or console, not '$RAFT_LOG_OUTPUT'" >&2; exit 2 ;;
esac
case "${RAFT_LOG_FORMAT:=text}" in
  text | json) ;;
  *) echo "raft-node: RAFT_LOG_FORMAT must be text or json, not '$RAFT_LOG_FORMAT'" >&2; exit 2 ;;
esac
log_dir="${RAFT_LOG_DIR:-logs}"
case "$log_dir" in /*) ;; *) log_dir="$RAFT_HOME/$log_dir" ;; esac
LOG_JVM_ARGS=(
  -Dlogback.configurationFile="$root/conf/logback.xml"
  -Draft.log.dir="$log_dir"
  -Draft.log.name="${RAFT_LOG_NAME:-$log_name}"
  -Draft.log.output="$RAFT_LOG_OUTPUT"
  -Draft.log.format="$RAFT_LOG_FORMAT"
)
# Unset or empty: logback.xml's defaults.
[ -z "${RAFT_LOG_LEVEL:-}" ] || LOG_JVM_ARGS+=(-Draft.log.level="$RAFT_LOG_LEVEL")
[ -z "${RAFT_LOG_MAX_FILE_SIZE:-}" ] || LOG_JVM_ARGS+=(-Draft.log.max-file-size="$RAFT_LOG_MAX_FILE_SIZE")
[ -z "${RAFT_LOG_MAX_HISTORY:-}" ] || LOG_JVM_ARGS+=(-Draft.log.max-history="$RAFT_LOG_MAX_HISTORY")
[ -z "${RAFT_LOG_TOTAL_SIZE_CAP:-}" ] || LOG_JVM_ARGS+=(-Draft.log.total-size-cap="$RAFT_LOG_TOTAL_SIZE_CAP")

ensure_dist "$root"
# JAVA_OPTS after the log settings: a -Draft.log.* of its own wins.
exec java "${CHRONICLE_JVM_ARGS[@]}" "${DNS_JVM_ARGS[@]}" "${LOG_JVM_ARGS[@]}" ${JAVA_OPTS:-} \
  -cp "$DIST/lib/*" \
  io.raftjvm.server.RaftNodeMain "$@"
