package io.raftjvm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftjvm.core.datadriven.DataDriven;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The core's behaviour as transcripts (src/test/resources/interaction/*.txt): each script drives
 * nodes by hand through {@link InteractionEnv} and states what they do, message by message. A
 * change in behaviour shows as a diff of these files: run with {@code -Draft.rewrite=true} to
 * regenerate them, then review the diff.
 */
@DisplayName("Interaction scripts (datadriven)")
class InteractionTest {
  private static final Path DIR = Path.of("src/test/resources/interaction");

  @TestFactory
  Stream<DynamicTest> scripts() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(DIR)) {
      files = list.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
    }
    return files.stream()
        .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> run(f)));
  }

  private static void run(Path file) {
    List<String> lines = DataDriven.read(file);
    String actual = DataDriven.run(lines, new InteractionEnv()::handle);
    if (DataDriven.rewriting()) {
      DataDriven.write(file, actual);
      return;
    }
    String expected = String.join("\n", lines) + "\n";
    assertEquals(
        expected,
        actual,
        file
            + " differs (if the change is intended: -D"
            + DataDriven.REWRITE
            + "=true, then review)");
  }
}
