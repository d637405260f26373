package io.raftjvm.counter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import io.raftjvm.statemachine.StateMachineContext;
import io.raftjvm.statemachine.StateMachineProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("CounterProvider: found by ServiceLoader as \"counter\"")
class CounterProviderTest {
  @TempDir Path dir;

  @Test
  void serviceLoaderFindsExactlyOneCounterProvider() throws Exception {
    List<StateMachineProvider> counters =
        ServiceLoader.load(StateMachineProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("counter"))
            .toList();
    assertEquals(1, counters.size(), "providers named counter: " + counters);
    StateMachineProvider provider = counters.get(0);
    assertInstanceOf(CounterProvider.class, provider);

    StateMachineContext ctx =
        new StateMachineContext(3, dir, Map.of("unused", "x"), System.getLogger("counter-test"));
    try (StateMachine sm = provider.create(ctx)) {
      assertInstanceOf(CounterStateMachine.class, sm);
      assertEquals(0, sm.lastApplied());
      List<byte[]> r = sm.apply(List.of(new CommittedEntry(1, 1, CounterCommands.add(5))));
      assertEquals(5, CounterCommands.decodeValue(r.get(0)));
    }
  }
}
