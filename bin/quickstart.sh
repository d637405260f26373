#!/usr/bin/env bash
# One command for a newcomer: builds if needed, starts the local 3-node counter cluster
# (conf/node1..3.conf, data in data/), runs a short benchmark with progress, prints the result and
# stops the nodes it started.
#
#   bin/quickstart.sh [--keep] [--tls] [--warmup 30s] [--duration 10s] [--concurrency 256]
#
# --keep leaves the nodes running (stop them with: kill $(cat data/node*/node.pid)).
# --tls runs the cluster over mutual TLS (conf/tls/node*.conf), making development certificates
#       with bin/gen-certs.sh first if conf/tls/certs has none.
# --warmup is unmeasured load first: fresh JVMs run slowly until the JIT has compiled the hot paths
#       (about half a minute on two cores), and the figures should show the server as it runs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source bin/common.sh
keep=false tls=false warmup=30s duration=10s concurrency=256
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=true; shift ;;
    --tls) tls=true; shift ;;
    --warmup) warmup="${2:?--warmup needs a value}"; shift 2 ;;
    --duration) duration="${2:?--duration needs a value}"; shift 2 ;;
    --concurrency) concurrency="${2:?--concurrency needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "quickstart: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
cluster="127.0.0.1:7201,127.0.0.1:7202,127.0.0.1:7203"
ensure_dist "$root"
conf=conf client_tls=() scheme=http
if $tls; then
  bin/gen-certs.sh
  conf=conf/tls scheme=https
  certs=conf/tls/certs
  client_tls=(--tls-ca "$certs/ca.crt" --tls-cert "$certs/client.crt" --tls-key "$certs/client.key")
fi

for i in 1 2 3; do
  pidfile="data/node$i/node.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "quickstart: node $i is already running (pid $(cat "$pidfile")); stop it first: kill $(cat "$pidfile")" >&2
    exit 1
  fi
done

started=()
stop_nodes() {
  for pid in "${started[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${started[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap '$keep || stop_nodes' EXIT
mkdir -p data
# Where raft-node.sh puts the nodes' log files (relative to RAFT_HOME, here the working directory).
log_dir="${RAFT_LOG_DIR:-logs}"
case "$log_dir" in /*) ;; *) [ "$RAFT_HOME" = "$root" ] || log_dir="$RAFT_HOME/$log_dir" ;; esac
unset RAFT_LOG_NAME # each node's file is named after its config file
for i in 1 2 3; do
  bin/raft-node.sh --config "$conf/node$i.conf" > "data/node$i.out" 2>&1 &
  started+=($!)
  echo "started node $i (pid $!, output in data/node$i.out, log in $log_dir/node$i.log)"
done

echo "waiting for the cluster to elect a leader..."
deadline=$((SECONDS + 90))
until bin/counter.sh --cluster "$cluster" "${client_tls[@]}" get > /dev/null 2>&1; do
  for i in 1 2 3; do
    if ! kill -0 "${started[$((i - 1))]}" 2>/dev/null; then
      echo "quickstart: node $i exited; its output:" >&2
      tail -n 20 "data/node$i.out" >&2
      exit 1
    fi
  done
  if [ $SECONDS -ge $deadline ]; then echo "quickstart: no leader within 90 s" >&2; exit 1; fi
  sleep 1
done
echo "cluster is up; counter = $(bin/counter.sh --cluster "$cluster" "${client_tls[@]}" get)"
echo "dashboard: $scheme://127.0.0.1:7301/ (also /metrics, /status, /health/ready on 7301..7303)"

echo "benchmark: $warmup of warm-up (unmeasured: the JIT compiles the hot paths), then $duration measured"
bin/counter-bench.sh --cluster "$cluster" "${client_tls[@]}" --concurrency "$concurrency" --duration "$duration" --warmup "$warmup" --payload 16
if $keep; then
  echo "nodes left running: ${started[*]} (stop with: kill \$(cat data/node*/node.pid))"
fi
