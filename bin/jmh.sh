#!/usr/bin/env bash
# Runs the JMH benchmarks of the write path's per-command steps (module benchmarks), building them
# first if needed. Arguments go to JMH: a name filter, and options such as -f 2 -wi 5 (-h lists
# them). Speed is measured here, never asserted in tests; compare two variants in one sitting.
#
#   bin/jmh.sh [JMH ARGS...]            e.g. bin/jmh.sh WritePath.decode -prof gc
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
case "${1:-}" in -h|--help) sed -n '2,6p' "$0"; echo; echo "JMH's own options:";; esac
cp_file="$root/benchmarks/target/jmh.classpath"
if [ ! -f "$cp_file" ] || [ ! -d "$root/benchmarks/target/classes" ]; then
  (cd "$root" && ./mvnw -B -ntp -q -DskipTests package -pl benchmarks -am)
fi
exec java -cp "$root/benchmarks/target/classes:$(cat "$cp_file")" org.openjdk.jmh.Main "$@"
