#!/usr/bin/env bash
# Runs the counter benchmark against a fresh local 3-node cluster (its own ports and data, under
# --out) and injects one fault into the leader part-way through: what did it cost the clients (the
# longest stretch with nothing acknowledged), and did the benchmark's verification still pass?
#
#   bin/fault-run.sh --fault kill|pause|cut-out|majority|all [--fault-after 10s] [--fault-for 15s]
#                    [--duration 40s] [--concurrency 64] [--out DIR]
#
#   kill      SIGKILL the leader; restart it --fault-for later
#   pause     SIGSTOP the leader for --fault-for, then SIGCONT
#   cut-out   drop the leader's outgoing peer traffic for --fault-for: it still receives, cannot
#             send (root only: iptables on loopback, each node in its own cgroup v2)
#   majority  SIGKILL the leader and one follower; restart both --fault-for later
#   all       SIGKILL every server; restart them --fault-for later
#
# The fault starts --fault-after into the measured window (after a 5 s warm-up). Prints the bench's
# summary and the longest gap between acknowledgements read from its history. Exit status: the
# bench's (0 when its verification passed). Everything it starts is stopped, and every rule and
# cgroup removed, when it ends.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bin/common.sh"
fault="" after=10s for=15s duration=40s concurrency=64 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --fault) fault="${2:?--fault needs a value}"; shift 2 ;;
    --fault-after) after="${2:?--fault-after needs a value}"; shift 2 ;;
    --fault-for) for="${2:?--fault-for needs a value}"; shift 2 ;;
    --duration) duration="${2:?--duration needs a value}"; shift 2 ;;
    --concurrency) concurrency="${2:?--concurrency needs a value}"; shift 2 ;;
    --out) out="${2:?--out needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "fault-run: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
seconds() { # 15s, 1500ms or 15 -> seconds (may be fractional)
  case "$1" in
    *ms) awk -v v="${1%ms}" 'BEGIN { print v / 1000 }' ;;
    *s) echo "${1%s}" ;;
    *[!0-9.]*|"") echo "fault-run: bad duration '$1' (e.g. 15s, 500ms)" >&2; exit 2 ;;
    *) echo "$1" ;;
  esac
}
case "$fault" in
  kill|pause|cut-out|majority|all) ;;
  "") echo "fault-run: --fault is required (kill, pause, cut-out, majority or all)" >&2; exit 2 ;;
  *) echo "fault-run: unknown fault '$fault' (kill, pause, cut-out, majority or all)" >&2; exit 2 ;;
esac
after_s=$(seconds "$after"); for_s=$(seconds "$for"); seconds "$duration" > /dev/null
cgroot=""
if [ "$fault" = cut-out ]; then
  [ "$(id -u)" = 0 ] || { echo "fault-run: --fault cut-out needs root (iptables, cgroups)" >&2; exit 2; }
  command -v iptables > /dev/null || { echo "fault-run: --fault cut-out needs iptables (apt-get install iptables)" >&2; exit 2; }
  cgroot=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
  [ -n "$cgroot" ] || { echo "fault-run: --fault cut-out needs a cgroup v2 mount" >&2; exit 2; }
fi
ensure_dist "$root"
[ -n "$out" ] || out=$(mktemp -d /tmp/fault-run.XXXXXX)
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
  echo "fault-run: --out $out is not empty: each run starts a new cluster in a new directory" >&2
  exit 2
fi
mkdir -p "$out"
# The nodes' log files go beside their data: $out/node1.log (named after node1.conf) and so on.
export RAFT_LOG_DIR="$out"
unset RAFT_LOG_NAME
peer=(0 7401 7402 7403) client=(0 7501 7502 7503)
cluster="127.0.0.1:${client[1]},127.0.0.1:${client[2]},127.0.0.1:${client[3]}"
tag="raft-fault-$$"
cat > "$out/cluster.conf" <<EOF
raft {
  cluster-id = "fault-run"
  peers = [
    { id = 1, peer-address = "127.0.0.1:${peer[1]}", client-address = "127.0.0.1:${client[1]}" }
    { id = 2, peer-address = "127.0.0.1:${peer[2]}", client-address = "127.0.0.1:${client[2]}" }
    { id = 3, peer-address = "127.0.0.1:${peer[3]}", client-address = "127.0.0.1:${client[3]}" }
  ]
  state-machine = "counter"
  plugins-dir = "$DIST/plugins"
}
EOF
declare -A pid
start_node() { # id
  local i=$1
  printf 'include "cluster.conf"\nraft { node-id = %s, data-dir = "%s/node%s" }\n' "$i" "$out" "$i" > "$out/node$i.conf"
  if [ -n "$cgroot" ]; then
    mkdir -p "$cgroot/$tag/node$i"
    # Sockets belong to the cgroup of the process that opened them: enter it before the JVM starts.
    ( echo "$BASHPID" > "$cgroot/$tag/node$i/cgroup.procs"; exec "$root/bin/raft-node.sh" --config "$out/node$i.conf" ) \
      >> "$out/node$i.out" 2>&1 &
  else
    "$root/bin/raft-node.sh" --config "$out/node$i.conf" >> "$out/node$i.out" 2>&1 &
  fi
  pid[$i]=$!
}
cleanup() {
  set +e
  if [ -n "$cgroot" ]; then
    iptables -D OUTPUT -m cgroup --path "$tag/node$leader" -p tcp -m multiport --dports "${peer[1]},${peer[2]},${peer[3]}" \
      -j DROP 2> /dev/null
  fi
  for i in 1 2 3; do
    [ -n "${pid[$i]:-}" ] || continue
    kill -CONT "${pid[$i]}" 2> /dev/null; kill -TERM "${pid[$i]}" 2> /dev/null
  done
  for i in 1 2 3; do [ -n "${pid[$i]:-}" ] && wait "${pid[$i]}" 2> /dev/null; done
  if [ -n "$cgroot" ]; then
    for i in 1 2 3; do rmdir "$cgroot/$tag/node$i" 2> /dev/null; done
    rmdir "$cgroot/$tag" 2> /dev/null
  fi
}
leader=0
trap cleanup EXIT
trap 'exit 130' INT TERM
for i in 1 2 3; do start_node "$i"; done
deadline=$((SECONDS + 90))
until "$root/bin/counter.sh" --cluster "$cluster" get > /dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || { echo "fault-run: no leader within 90 s (see $out/node*.out)" >&2; exit 1; }
  sleep 1
done

current_leader() { # the server that most recently became leader, by term, from the node logs
  grep -ho 'node [0-9]* became leader at term [0-9]*' "$out"/node*.log 2> /dev/null \
    | awk '{ if ($7 + 0 >= best) { best = $7 + 0; id = $2 } } END { print id }'
}

echo "fault-run: cluster up in $out; benchmark: concurrency $concurrency, 5 s warm-up, $duration measured;" \
  "fault: $fault for $for, $after into the window"
"$root/bin/counter-bench.sh" --cluster "$cluster" --concurrency "$concurrency" --warmup 5s --duration "$duration" \
  --history "$out/history.jsonl" > "$out/bench.out" 2>&1 &
bench=$!
sleep "$(awk -v a="$after_s" 'BEGIN { print a + 5 }')"
leader=$(current_leader)
[ -n "$leader" ] || { echo "fault-run: no leader found in the node logs" >&2; exit 1; }
follower=$(( leader % 3 + 1 ))
echo "fault-run: $(date +%T) $fault on leader node $leader (pid ${pid[$leader]})"
case "$fault" in
  kill) kill -KILL "${pid[$leader]}" ;;
  pause) kill -STOP "${pid[$leader]}" ;;
  cut-out) iptables -I OUTPUT -m cgroup --path "$tag/node$leader" -p tcp -m multiport \
             --dports "${peer[1]},${peer[2]},${peer[3]}" -j DROP ;;
  majority) kill -KILL "${pid[$leader]}" "${pid[$follower]}" ;;
  all) kill -KILL "${pid[1]}" "${pid[2]}" "${pid[3]}" ;;
esac
sleep "$for_s"
echo "fault-run: $(date +%T) $fault ends"
case "$fault" in
  kill) wait "${pid[$leader]}" 2> /dev/null || true; start_node "$leader" ;;
  pause) kill -CONT "${pid[$leader]}" ;;
  cut-out) iptables -D OUTPUT -m cgroup --path "$tag/node$leader" -p tcp -m multiport \
             --dports "${peer[1]},${peer[2]},${peer[3]}" -j DROP ;;
  majority) for i in "$leader" "$follower"; do wait "${pid[$i]}" 2> /dev/null || true; start_node "$i"; done ;;
  all) for i in 1 2 3; do wait "${pid[$i]}" 2> /dev/null || true; start_node "$i"; done ;;
esac
status=0
wait "$bench" || status=$?
grep -v '^counter-bench: *[0-9]* s ' "$out/bench.out" || true
# The longest gap between two acknowledgements, from the history (works for any bench version).
grep '"status":"ok"' "$out/history.jsonl" | sed 's/.*"complete":\([0-9]*\).*/\1/' | sort -n \
  | awk 'NR > 1 && $1 - prev > gap { gap = $1 - prev; at = prev } { prev = $1 }
         END { printf "fault-run: longest gap between acknowledgements in the history: %.0f ms\n", gap / 1e6 }'
exit "$status"
