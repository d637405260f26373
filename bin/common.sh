# Sourced by the scripts in bin/: JVM flags every process that opens a Chronicle Queue needs.
# Keep in step with <chronicle.jvm.args> in the parent pom.xml (used by the tests).
CHRONICLE_JVM_ARGS=(
  --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
  --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-exports=java.base/jdk.internal.util=ALL-UNNAMED
  --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
  --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  # Never let Chronicle phone home or announce itself.
  -Dchronicle.analytics.disable=true
  -Dchronicle.announcer.disable=true
)
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [ "${java_major:-17}" -ge 24 ] 2>/dev/null; then
  CHRONICLE_JVM_ARGS+=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
fi

# Where the jars are, in DIST: an unpacked distribution holds lib/ (the server), plugins/ (state
# machines) and tools/ (the command-line tools, run with lib/ and plugins/) beside bin/; a source
# checkout holds them in dist/, built (./mvnw -B -DskipTests package) if any part is missing.
ensure_dist() {
  local root="$1"
  if [ -d "$root/lib" ]; then
    DIST="$root"
    return
  fi
  DIST="$root/dist"
  if [ ! -d "$root/dist/lib" ] || [ -z "$(ls -A "$root/dist/plugins" 2>/dev/null)" ] \
      || [ -z "$(ls "$root"/dist/tools/raft-tools-*.jar 2>/dev/null)" ]; then
    echo "building the distribution (./mvnw -B -DskipTests package)..." >&2
    (cd "$root" && ./mvnw -B -ntp -q -DskipTests package >&2) || { echo "build failed" >&2; exit 1; }
  fi
}

# The installation: the directory above bin/.
install_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# RAFT_HOME: relative paths in a node's config (data-dir, plugins-dir, TLS files) resolve against
# it; by default the installation, whatever the working directory.
RAFT_HOME="${RAFT_HOME:-$install_dir}"
export RAFT_HOME

# DNS: host names may move (a rescheduled pod, a replaced host), so the JVM caches a lookup for
# 30 s and a failed one not at all (conf/dns.security). A -Djava.security.properties=FILE of your
# own in JAVA_OPTS comes later on the command line and wins.
DNS_JVM_ARGS=(-Djava.security.properties="$install_dir/conf/dns.security")
