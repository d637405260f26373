package io.raftjvm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.ClientCall.Op;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A call's outcome is settled once, whoever settles it and from whichever thread. */
class ClientCallTest {
  private final List<Object> outcomes = new ArrayList<>();

  private ClientCall call() {
    ClientCall call = new ClientCall(Op.QUERY, ClientRequest.getDefaultInstance());
    call.onOutcome((response, failure) -> outcomes.add(failure != null ? failure : response));
    return call;
  }

  @Test
  void theFirstOutcomeWinsAndIsHandedOnOnce() {
    ClientCall call = call();
    ClientResponse answer = ClientResponse.newBuilder().setRequestId(3).build();
    assertFalse(call.isDone());

    assertTrue(call.complete(answer));
    assertFalse(call.fail(new IllegalStateException("late")));
    assertFalse(call.cancel());
    assertFalse(call.complete(answer));

    assertTrue(call.isDone());
    assertEquals(List.of(answer), outcomes);
  }

  @Test
  void aCancelledCallIsDoneWithACancellation() {
    ClientCall call = call();
    assertTrue(call.cancel());
    assertFalse(call.complete(ClientResponse.getDefaultInstance()), "the loop's answer is dropped");
    assertTrue(call.isDone());
    assertEquals(1, outcomes.size());
    assertInstanceOf(CancellationException.class, outcomes.get(0));
  }

  @Test
  void anOutcomeThatThrowsLeavesTheCallSettled() {
    ClientCall call = new ClientCall(Op.PROPOSE, ClientRequest.getDefaultInstance());
    AtomicInteger runs = new AtomicInteger();
    call.onOutcome(
        (response, failure) -> {
          runs.incrementAndGet();
          throw new IllegalStateException("the caller's bug");
        });
    assertTrue(call.complete(ClientResponse.getDefaultInstance()), "the throw reaches nobody");
    assertFalse(call.fail(new IllegalStateException("again")));
    assertEquals(1, runs.get());
  }

  @Test
  void racingSettlersHandOnExactlyOneOutcome() throws Exception {
    for (int round = 0; round < 200; round++) {
      ClientCall call = new ClientCall(Op.QUERY, ClientRequest.getDefaultInstance());
      AtomicInteger runs = new AtomicInteger();
      call.onOutcome((response, failure) -> runs.incrementAndGet());
      CountDownLatch go = new CountDownLatch(1);
      AtomicInteger won = new AtomicInteger();
      Thread[] threads = new Thread[4];
      for (int t = 0; t < threads.length; t++) {
        int which = t;
        threads[t] =
            new Thread(
                () -> {
                  try {
                    go.await();
                  } catch (InterruptedException e) {
                    return;
                  }
                  boolean settled =
                      which % 2 == 0
                          ? call.cancel()
                          : call.complete(ClientResponse.getDefaultInstance());
                  if (settled) won.incrementAndGet();
                });
        threads[t].start();
      }
      go.countDown();
      for (Thread t : threads) t.join();
      assertEquals(1, won.get(), "round " + round);
      assertEquals(1, runs.get(), "round " + round);
    }
  }

  @Test
  void theLargestFrameCountsTheLongestRequestId() {
    ClientRequest template = ClientRequest.getDefaultInstance();
    ClientCall call = new ClientCall(Op.QUERY, template);
    int built =
        Framing.LENGTH_BYTES
            + template.toBuilder().setRequestId(Long.MAX_VALUE).build().getSerializedSize();
    assertEquals(built, call.maxFrameBytes());
    assertSame(template, call.request(42).template());
    assertEquals(42, call.request(42).id());
  }
}
