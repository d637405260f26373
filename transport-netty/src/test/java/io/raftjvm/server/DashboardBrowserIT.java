package io.raftjvm.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.RaftClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real browser: headless Chromium (Debian's {@code chromium} and {@code
 * chromium-driver}, which {@code .ci/run} installs) opens it on a follower of a loaded 3-node
 * cluster; it must show every member, the right leader, a throughput that moves, and the new leader
 * within seconds of the old one stopping. Saves a screenshot to {@code target/dashboard.png}.
 */
@Tag("integration")
@DisplayName("Dashboard: headless Chromium watches a cluster under load")
class DashboardBrowserIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @TempDir Path tmp;
  private HttpCluster cluster;
  private ChromeDriver browser;
  private final AtomicBoolean loading = new AtomicBoolean(true);
  private Thread load;

  @BeforeAll
  static void needsChromium() {
    for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
      if (!Files.isExecutable(p)) {
        throw new AssertionError(
            p + " is missing: apt-get install chromium chromium-driver (.ci/run does)");
      }
    }
  }

  @AfterEach
  void stop() throws InterruptedException {
    loading.set(false);
    if (load != null) load.join(30_000);
    if (browser != null) browser.quit();
    if (cluster != null) cluster.close();
  }

  private ChromeDriver openBrowser() throws Exception {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,1100",
        "--user-data-dir=" + Files.createDirectories(tmp.resolve("chromium")));
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    return new ChromeDriver(service, options);
  }

  /** Proposes without pause (64 in flight) until the test ends. */
  private void startLoad() {
    load =
        new Thread(
            () -> {
              try (RaftClient client = cluster.client()) {
                Semaphore window = new Semaphore(64);
                for (long i = 0; loading.get(); i++) {
                  window.acquire();
                  client
                      .propose(("d" + i).getBytes(UTF_8))
                      .whenComplete((r, t) -> window.release());
                }
                window.acquire(64);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "dashboard-load");
    load.start();
  }

  private String text(String id) {
    return browser.findElement(By.id(id)).getText().trim();
  }

  private void awaitPage(String what, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    TestClusters.await(
        what,
        Duration.ofSeconds(30),
        () -> {
          try {
            return condition.getAsBoolean();
          } catch (org.openqa.selenium.WebDriverException e) {
            return false; // the page is redrawing
          }
        });
  }

  @Test
  void showsTheMembersTheLeaderAMovingThroughputAndTheNextLeader() throws Exception {
    cluster = new HttpCluster(tmp, "").start();
    long leader = cluster.awaitLeader();
    long watched = leader == 1 ? 2 : 1;
    startLoad();
    browser = openBrowser();
    browser.get("http://" + cluster.httpAddress(watched) + "/");

    awaitPage(
        "every member shown",
        () -> browser.findElements(By.cssSelector("#members tr.member")).size() == 3);
    awaitPage("leader " + leader + " shown", () -> text("leader").equals(Long.toString(leader)));
    for (WebElement row : browser.findElements(By.cssSelector("#members tr.member"))) {
      long id = Long.parseLong(row.getAttribute("data-id"));
      assertEquals(
          id == leader ? "LEADER" : "FOLLOWER", row.getAttribute("data-role"), "node " + id);
    }
    assertEquals("'http-it'", text("cluster"));

    Set<String> readings = new TreeSet<>();
    awaitPage(
        "two different non-zero throughput readings",
        () -> {
          String t = text("throughput").replace(",", "");
          if (!t.equals("0")) readings.add(t);
          return readings.size() >= 2;
        });
    awaitPage(
        "a lag bar per follower",
        () -> browser.findElements(By.cssSelector("#lag .follower")).size() == 2);
    Path shot = Path.of("target", "dashboard.png");
    Files.createDirectories(shot.getParent());
    Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));

    cluster.stop(leader);
    long next = cluster.awaitLeader();
    assertTrue(next != leader);
    long shown = System.nanoTime();
    awaitPage("new leader " + next + " shown", () -> text("leader").equals(Long.toString(next)));
    long seconds = (System.nanoTime() - shown) / 1_000_000_000L;
    assertTrue(seconds <= 10, "the new leader took " + seconds + " s to show");
    awaitPage(
        "the stopped leader shown down",
        () ->
            browser
                .findElement(By.cssSelector("#members tr.member[data-id='" + leader + "']"))
                .getAttribute("data-role")
                .equals("DOWN"));
    assertTrue(
        browser.findElement(By.id("timeline")).getText().contains("node " + next + " is leader"),
        browser.findElement(By.id("timeline")).getText());
  }
}
