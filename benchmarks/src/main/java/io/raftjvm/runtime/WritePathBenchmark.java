package io.raftjvm.runtime;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftjvm.client.proto.Applied;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.client.proto.Propose;
import io.raftjvm.core.EntryId;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.SessionCommand;
import io.raftjvm.proto.SessionEntry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-command steps of a counter add on the leader, one at a time: decoding the client's
 * request, wrapping it in a session entry, the entry's protobuf, decoding the session entry to
 * apply it, the proposal's bookkeeping (registered, then completed when applied), and encoding the
 * answer. Each is nanoseconds; the server does them all for every command, and the followers the
 * middle ones. Run with {@code bin/jmh.sh WritePath}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WritePathBenchmark {
  /** A counter add as the benchmark sends it: 16 bytes. */
  private static final ByteString COMMAND = ByteString.copyFrom(new byte[16]);

  private byte[] requestBytes;
  private ByteString sessionEntry;
  private Entry entry;
  private long index;
  private static final int WAITING = 256;
  private ProposalRegistry registry;
  private final byte[] result = new byte[8];

  @Setup(Level.Trial)
  public void setUp() {
    requestBytes =
        ClientRequest.newBuilder()
            .setRequestId(123_456)
            .setPropose(
                Propose.newBuilder()
                    .setClientId(0x1234_5678_9abcL)
                    .setSequence(98_765)
                    .setSession(4_321)
                    .setFirstUnacked(98_700)
                    .setCommand(COMMAND))
            .build()
            .toByteArray();
    sessionEntry = SessionCodec.command(1_700_000_000_000L, 4_321, 98_765, 98_700, COMMAND);
    entry =
        Entry.newBuilder()
            .setTerm(7)
            .setIndex(1_000_000)
            .setType(EntryType.ENTRY_SESSION)
            .setData(sessionEntry)
            .build();
    registry = new ProposalRegistry((level, line) -> {});
    index = 1;
    for (long i = 1; i <= WAITING; i++) {
      registry.add(new EntryId(7, i), new Callback.Future<>());
    }
  }

  @Benchmark
  public ClientRequest decodeClientRequest() throws InvalidProtocolBufferException {
    return ClientRequest.parseFrom(requestBytes);
  }

  @Benchmark
  public ByteString encodeSessionEntry() {
    return SessionCodec.command(1_700_000_000_000L, 4_321, 98_765, 98_700, COMMAND);
  }

  @Benchmark
  public Entry buildEntry() {
    return Entry.newBuilder()
        .setTerm(7)
        .setIndex(1_000_000)
        .setType(EntryType.ENTRY_SESSION)
        .setData(sessionEntry)
        .build();
  }

  /** The same bytes through the generated code: two messages built, then serialized. */
  @Benchmark
  public ByteString encodeSessionEntryGenerated() {
    return SessionEntry.newBuilder()
        .setTimestampMs(1_700_000_000_000L)
        .setCommand(
            SessionCommand.newBuilder()
                .setSession(4_321)
                .setSequence(98_765)
                .setFirstUnacked(98_700)
                .setCommand(COMMAND))
        .build()
        .toByteString();
  }

  @Benchmark
  public SessionCodec.Decoded decodeSessionEntry() {
    return SessionCodec.decode(entry);
  }

  /** The same entry through the generated parser. */
  @Benchmark
  public SessionEntry decodeSessionEntryGenerated() throws InvalidProtocolBufferException {
    return SessionEntry.parseFrom(entry.getData());
  }

  /**
   * One proposal registered at the next index while 256 others wait (as at c=256), and the oldest
   * completed as applied.
   */
  @Benchmark
  public CompletableFuture<Proposal> registerAndApply() {
    Callback.Future<Proposal> f = new Callback.Future<>();
    long i = index++;
    registry.add(new EntryId(7, i + WAITING), f);
    registry.applied(List.of(new ApplyWorker.Result(i, 7, result, null)), i);
    return f;
  }

  @Benchmark
  public byte[] encodeResponse() {
    return ClientResponse.newBuilder()
        .setRequestId(123_456)
        .setApplied(Applied.newBuilder().setIndex(1_000_000).setResult(ByteString.copyFrom(result)))
        .build()
        .toByteArray();
  }
}
