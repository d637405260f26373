#!/usr/bin/env bash
# Replays one seed of the whole-node simulation (real NodeDrivers under seeded faults, with
# clients), as a failing run prints it: see --help.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

usage() {
  cat <<'USAGE'
Usage: bin/raft-sim.sh --seed N [--nodes N] [--membership] [--steps N] [--plant FAULT[,FAULT]]

Replays one seed of the whole-node simulation: the same seed runs the same events, to the step.
A failure prints the seed, the step, every server's state and the latest events.

  --seed N        the seed to run (required); the run's variant (PreVote, CheckQuorum, lease
                  reads, snapshots, network quality) follows from it
  --nodes N       servers (default 3; CI runs 3 and 5; failures print the count they ran with)
  --membership    the membership runs: 3 founders and 4 spares that join, leave and come back
  --steps N       fault steps before healing (default 20000)
  --plant FAULTS  plant deliberate bugs, comma-separated: RETRY_APPLIED_TWICE,
                  SESSION_RESULTS_NOT_IN_SNAPSHOT, READ_BEFORE_APPLYING_READ_INDEX,
                  TICKS_FOLLOW_THE_TIMER, SNAPSHOT_OVER_NEWER_STATE
  -h, --help      this text

Runs through Maven (the simulation is a test of raft-engine): ./mvnw -pl raft-engine test.
Exit code: 0 the seed passed, 1 it failed, 2 usage error.
USAGE
}

seed="" nodes=3 membership=0 steps="" plant=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seed) seed="${2:-}"; shift 2 || true ;;
    --nodes) nodes="${2:-}"; shift 2 || true ;;
    --membership) membership=1; shift ;;
    --steps) steps="${2:-}"; shift 2 || true ;;
    --plant) plant="${2:-}"; shift 2 || true ;;
    -h|--help) usage; exit 0 ;;
    *) echo "raft-sim: unknown argument '$1'" >&2; echo "Try 'bin/raft-sim.sh --help'." >&2; exit 2 ;;
  esac
done
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "raft-sim: --seed needs a non-negative number, got '${seed}'" >&2; exit 2; }
[[ "$nodes" =~ ^[1-9][0-9]*$ ]] || { echo "raft-sim: --nodes must be a positive integer, got '${nodes}'" >&2; exit 2; }
[[ -z "$steps" || "$steps" =~ ^[0-9]+$ ]] || { echo "raft-sim: --steps needs a number, got '${steps}'" >&2; exit 2; }

args=(-B -ntp -q -pl raft-engine -am test -Dsurefire.failIfNoSpecifiedTests=false -DfailIfNoTests=false
  -Dtest="SimulationTest#$([ $membership = 1 ] && echo membershipChangesUnderFaultsNeverBreakSafety || echo faultsNeverBreakSafety)")
if [ $membership = 1 ]; then args+=(-Draft.sim.membership.seed="$seed"); else args+=(-Draft.sim.seed="$seed" -Draft.sim.nodes="$nodes"); fi
[ -n "$steps" ] && args+=(-Draft.sim.steps="$steps")
[ -n "$plant" ] && args+=(-Draft.sim.plant="$plant")
cd "$root"
if ./mvnw "${args[@]}"; then
  echo "raft-sim: seed $seed passed"
else
  echo "raft-sim: seed $seed FAILED (details above and in raft-engine/target/surefire-reports)" >&2
  exit 1
fi
