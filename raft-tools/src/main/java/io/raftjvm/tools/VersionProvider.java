package io.raftjvm.tools;

import io.raftjvm.client.Version;
import picocli.CommandLine;

/** {@code --version} of the picocli tools: the command's name and the build's version. */
public final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {"${COMMAND-FULL-NAME} " + Version.get()};
  }
}
