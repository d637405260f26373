package io.raftjvm.log.chronicle;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM flags a process that opens a Chronicle Queue needs ({@code --add-exports}/{@code
 * --add-opens}, and on JDK 24+ native access), for launching child JVMs (crash tests, test
 * clusters). Defined once in the parent pom ({@code chronicle.jvm.args}, which the build hands to
 * tests as a system property) and, for the scripts, in {@code bin/common.sh}.
 */
public final class ChronicleJvmArgs {
  private ChronicleJvmArgs() {}

  /**
   * The flags the build gave this JVM in {@code chronicle.jvm.args} (and {@code jdk24.jvm.args}),
   * or, run outside Maven, this JVM's own {@code --add-*}, {@code -Dchronicle.*} and native-access
   * options; always with Chronicle's analytics and announcer off.
   */
  public static List<String> ofThisJvm() {
    String prop =
        System.getProperty("chronicle.jvm.args", "")
            + " "
            + System.getProperty("jdk24.jvm.args", "");
    List<String> args = new ArrayList<>();
    if (prop.isBlank() || prop.contains("${")) {
      for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (a.startsWith("--add-")
            || a.startsWith("-Dchronicle.")
            || a.startsWith("--enable-native-access")
            || a.startsWith("--sun-misc")) {
          args.add(a);
        }
      }
    } else {
      args.addAll(Arrays.asList(prop.trim().split("\\s+")));
    }
    if (!args.contains("-Dchronicle.analytics.disable=true"))
      args.add("-Dchronicle.analytics.disable=true");
    if (!args.contains("-Dchronicle.announcer.disable=true"))
      args.add("-Dchronicle.announcer.disable=true");
    return args;
  }
}
