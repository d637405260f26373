package io.raftjvm.faults.host;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small disk for one server: a tmpfs of a fixed size mounted on its directory, which the suite
 * can fill to the last byte and free again. Unmounted (lazily, so a crashed server's open files do
 * not keep it) when closed, or when the suite's JVM is interrupted.
 */
public final class Disk implements AutoCloseable {
  private final Path dir;
  private final Path filler;
  private final Thread unmountOnExit = new Thread(this::unmount, "disk-cleanup");
  private boolean mounted;

  private Disk(Path dir) {
    this.dir = dir;
    this.filler = dir.resolve("filler");
  }

  /** Mounts a tmpfs of size bytes on dir (created if needed). */
  public static Disk mount(Path dir, long bytes) throws IOException {
    Files.createDirectories(dir);
    Disk d = new Disk(dir);
    Shell.run("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", dir.toString());
    d.mounted = true;
    Runtime.getRuntime().addShutdownHook(d.unmountOnExit);
    return d;
  }

  public Path dir() {
    return dir;
  }

  /** Writes a file until the disk is full; returns the bytes it took. */
  public long fill() throws IOException {
    byte[] chunk = new byte[1 << 20];
    long written = 0;
    try (OutputStream out =
        Files.newOutputStream(
            filler,
            java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND)) {
      while (true) {
        out.write(chunk);
        written += chunk.length;
      }
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).contains("No space left")) throw e;
    }
    // The last partial megabyte: byte by byte chunks of 4 KiB until nothing more fits.
    byte[] page = new byte[4096];
    try (OutputStream out =
        Files.newOutputStream(filler, java.nio.file.StandardOpenOption.APPEND)) {
      while (true) {
        out.write(page);
        out.flush();
        written += page.length;
      }
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).contains("No space left")) throw e;
    }
    return written;
  }

  /** Removes the filler: the space is free again. */
  public void free() throws IOException {
    Files.deleteIfExists(filler);
  }

  @Override
  public void close() {
    unmount();
    try {
      Runtime.getRuntime().removeShutdownHook(unmountOnExit);
    } catch (IllegalStateException e) {
      // already shutting down: the hook runs
    }
  }

  private synchronized void unmount() {
    if (!mounted) return;
    mounted = false;
    Shell.tryRun("umount", "-l", dir.toString());
  }
}
