#!/usr/bin/env bash
# Replays one seed of the Raft core's fault-injection simulation, e.g. a seed a CI failure printed.
#
#   bin/raft-sim.sh --seed 1042 [--nodes 5] [--steps 20000]
#   bin/raft-sim.sh --membership --seed 2017      (a seed of the membership-change simulation)
#
# The run is deterministic: the same seed, node count and step count give the same events.
set -euo pipefail
usage() { echo "usage: $0 [--membership] --seed N [--nodes 3|5|...] [--steps N]" >&2; exit 2; }
seed="" nodes=3 steps=20000 membership=false
while [ $# -gt 0 ]; do
  case "$1" in
    --seed) seed="${2:-}"; shift 2 || usage ;;
    --nodes) nodes="${2:-}"; shift 2 || usage ;;
    --steps) steps="${2:-}"; shift 2 || usage ;;
    --membership) membership=true; shift ;;
    -h|--help) usage ;;
    *) echo "raft-sim: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "raft-sim: --seed must be a non-negative integer, got '$seed'" >&2; exit 2; }
[[ "$nodes" =~ ^[1-9][0-9]*$ ]] || { echo "raft-sim: --nodes must be a positive integer, got '$nodes'" >&2; exit 2; }
[[ "$steps" =~ ^[1-9][0-9]*$ ]] || { echo "raft-sim: --steps must be a positive integer, got '$steps'" >&2; exit 2; }
cd "$(dirname "$0")/.."
if $membership; then
  exec mvn -B -ntp -q -pl raft-engine -am test -Dsurefire.failIfNoSpecifiedTests=false \
    -Dtest='SimulationTest#membershipChangesUnderFaultsNeverBreakSafety' \
    -Draft.sim.membership.seed="$seed" -Draft.sim.steps="$steps"
fi
exec mvn -B -ntp -q -pl raft-engine -am test -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtest='SimulationTest#faultsNeverBreakSafety' \
  -Draft.sim.seed="$seed" -Draft.sim.nodes="$nodes" -Draft.sim.steps="$steps"
