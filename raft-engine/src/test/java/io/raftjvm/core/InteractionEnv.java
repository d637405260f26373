package io.raftjvm.core;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftjvm.core.datadriven.DataDriven.Command;
import io.raftjvm.core.tracker.Progress;
import io.raftjvm.proto.ConfChange;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.MessageType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The world of an interaction script: nodes over in-memory storage, a network that holds every
 * message until a script delivers it, and an owner per node that carries out each {@link Ready} as
 * its contract says (send now, persist, then send after persist, apply). A node created with {@code
 * async-writes=true} persists only when told ({@code persist}), so a script can show what waits on
 * the disk. Every command prints what happened: the core's own log lines, Readies, messages.
 *
 * <p>Deterministic: election timeouts are exactly {@code election} ticks (no randomness).
 */
final class InteractionEnv {
  private final StringBuilder out = new StringBuilder();
  private final Map<Long, EnvNode> nodes = new TreeMap<>();

  /** Messages sent and not yet delivered, oldest first. */
  private final List<Message> network = new ArrayList<>();

  /** Cut off: messages from or to them are dropped on delivery. */
  private final Set<Long> isolated = new HashSet<>();

  private static final class EnvNode {
    final long id;
    final RaftConfig cfg;
    final MemoryStorage storage;
    final boolean asyncWrites;
    RaftNode node;

    /** Readies taken but not yet persisted (async writes only), oldest first. */
    final ArrayDeque<Ready> unpersisted = new ArrayDeque<>();

    EnvNode(long id, RaftConfig cfg, MemoryStorage storage, boolean asyncWrites) {
      this.id = id;
      this.cfg = cfg;
      this.storage = storage;
      this.asyncWrites = asyncWrites;
      this.node = RaftNode.create(cfg, storage);
    }

    Raft raft() {
      return node.raft();
    }
  }

  /** Runs one command; returns what it printed. */
  String handle(Command c) {
    out.setLength(0);
    switch (c.name()) {
      case "add-nodes" -> addNodes(c);
      case "campaign" -> node(c.id(0)).node.campaign();
      case "propose" -> node(c.id(0)).node.propose(bytes(c.args().get(1)));
      case "propose-conf-change" -> proposeConfChange(c);
      case "tick" -> tick(c.id(0), c.args().size() > 1 ? Integer.parseInt(c.args().get(1)) : 1);
      case "tick-election" -> tick(c.id(0), node(c.id(0)).cfg.electionTicks());
      case "tick-heartbeat" -> tick(c.id(0), node(c.id(0)).cfg.heartbeatTicks());
      case "process-ready" -> ids(c).forEach(this::processReady);
      case "persist" -> ids(c).forEach(this::persist);
      case "deliver-msgs" -> ids(c).forEach(this::deliver);
      case "stabilize" -> stabilize(ids(c));
      case "isolate" -> isolated.add(c.id(0));
      case "heal" -> isolated.clear();
      case "read-index" -> node(c.id(0)).node.readIndex(bytes(c.args().get(1)));
      case "transfer-leadership" ->
          node(Long.parseLong(c.get("from", "0")))
              .node
              .transferLeadership(Long.parseLong(c.get("to", "0")));
      case "forget-leader" -> node(c.id(0)).node.forgetLeader();
      case "compact" -> compact(c.id(0), Long.parseLong(c.args().get(1)));
      case "report-snapshot" ->
          node(c.id(0))
              .node
              .reportSnapshot(
                  Long.parseLong(c.get("to", "0")), Boolean.parseBoolean(c.get("ok", "true")));
      case "report-unreachable" ->
          node(c.id(0)).node.reportUnreachable(Long.parseLong(c.get("to", "0")));
      case "restart" -> restart(c.id(0));
      case "raft-state" -> nodes.values().forEach(this::printState);
      case "raft-log" -> printLog(node(c.id(0)));
      case "status" -> printStatus(node(c.id(0)));
      default -> throw new IllegalArgumentException("unknown command " + c.name());
    }
    return out.toString();
  }

  // ------------------------------------------------------------------ commands

  private void addNodes(Command c) {
    int n = Integer.parseInt(c.args().get(0));
    long first = nodes.isEmpty() ? 1 : ((TreeMap<Long, EnvNode>) nodes).lastKey() + 1;
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) ids[i] = first + i;
    long[] voters =
        c.kv().containsKey("voters")
            ? Arrays.stream(c.get("voters", "").split(",")).mapToLong(Long::parseLong).toArray()
            : ids;
    boolean join = Boolean.parseBoolean(c.get("join", "false"));
    for (long id : ids) {
      RaftConfig cfg =
          RaftConfig.builder(id)
              .electionTicks(Integer.parseInt(c.get("election", "10")))
              .heartbeatTicks(Integer.parseInt(c.get("heartbeat", "1")))
              .preVote(Boolean.parseBoolean(c.get("prevote", "false")))
              .checkQuorum(Boolean.parseBoolean(c.get("checkquorum", "false")))
              .leaseReads(Boolean.parseBoolean(c.get("lease", "false")))
              .maxInflightMsgs(Integer.parseInt(c.get("inflight", "256")))
              .random(new TestNode.ScriptedRandom(0))
              .logger(logger())
              .build();
      MemoryStorage storage = join ? new MemoryStorage() : MemoryStorage.bootstrap(voters);
      nodes.put(
          id, new EnvNode(id, cfg, storage, Boolean.parseBoolean(c.get("async-writes", "false"))));
      line("added node " + id + (join ? " (empty: joins)" : " voters=" + list(voters)));
    }
  }

  private void proposeConfChange(Command c) {
    ConfChange cc;
    if (c.kv().containsKey("add-learner")) {
      long id = Long.parseLong(c.get("add-learner", "0"));
      cc = ConfChanges.addLearner(id, "n" + id + ":7100", "n" + id + ":7200");
    } else if (c.kv().containsKey("promote")) {
      cc = ConfChanges.promote(Long.parseLong(c.get("promote", "0")));
    } else {
      cc = ConfChanges.remove(Long.parseLong(c.get("remove", "0")));
    }
    EntryId at = node(c.id(0)).node.proposeConfChange(cc);
    line("proposed " + describe(cc) + " at " + at.index() + "/" + at.term());
  }

  private void tick(long id, int n) {
    for (int i = 0; i < n; i++) node(id).node.tick();
  }

  private boolean processReady(long id) {
    EnvNode n = node(id);
    boolean any = false;
    while (n.node.hasReady()) {
      any = true;
      Ready rd = n.node.ready();
      line("> " + id + " handling Ready " + rd.number());
      printReady(rd);
      network.addAll(rd.sendNow());
      if (n.asyncWrites) n.unpersisted.add(rd);
      else persist(n, rd);
      if (!rd.toApply().isEmpty())
        n.node.onApplied(rd.toApply().get(rd.toApply().size() - 1).getIndex());
    }
    return any;
  }

  /** Async writes: the storage thread finishes every Ready taken so far. */
  private boolean persist(long id) {
    EnvNode n = node(id);
    boolean any = !n.unpersisted.isEmpty();
    while (!n.unpersisted.isEmpty()) {
      Ready rd = n.unpersisted.poll();
      line("> " + id + " persisted Ready " + rd.number());
      persist(n, rd);
      for (Message m : rd.sendAfterPersist()) line("  sends " + describe(m));
    }
    return any;
  }

  private void persist(EnvNode n, Ready rd) {
    if (rd.snapshot() != null) n.storage.applySnapshot(rd.snapshot());
    n.storage.append(rd.toPersist());
    if (rd.hardState() != null) n.storage.setHardState(rd.hardState());
    n.node.onPersisted(rd.number());
    network.addAll(rd.sendAfterPersist());
  }

  private boolean deliver(long id) {
    List<Message> mine = new ArrayList<>();
    for (Iterator<Message> it = network.iterator(); it.hasNext(); ) {
      Message m = it.next();
      if (m.getTo() == id) {
        mine.add(m);
        it.remove();
      }
    }
    if (mine.isEmpty()) return false;
    line("> " + id + " receiving messages");
    for (Message m : mine) {
      if (isolated.contains(m.getFrom()) || isolated.contains(m.getTo())) {
        line("  dropped " + describe(m));
        continue;
      }
      line("  " + describe(m));
      node(id).node.step(m);
    }
    return true;
  }

  private void stabilize(List<Long> ids) {
    for (int round = 0; round < 100; round++) {
      boolean changed = false;
      for (long id : ids) changed |= processReady(id);
      for (long id : ids) changed |= persist(id);
      for (long id : ids) changed |= deliver(id);
      if (!changed) return;
    }
    throw new IllegalStateException("no stable state after 100 rounds");
  }

  private void compact(long id, long index) {
    EnvNode n = node(id);
    n.storage.createSnapshot(index, n.node.confStateAt(index), ByteString.EMPTY);
    n.node.snapshotTaken(index);
    n.storage.compact(index);
    line(id + " snapshotted and compacted its log up to " + index);
  }

  private void restart(long id) {
    EnvNode n = node(id);
    if (!n.unpersisted.isEmpty()) line(n.unpersisted.size() + " Ready(s) not persisted are lost");
    n.unpersisted.clear();
    network.removeIf(m -> m.getTo() == id || m.getFrom() == id);
    n.node = RaftNode.create(n.cfg, n.storage);
  }

  // ------------------------------------------------------------------ printing

  private void printState(EnvNode n) {
    Raft r = n.raft();
    ConfState conf = r.conf.current();
    line(
        n.id
            + ": "
            + r.role
            + " term="
            + r.term
            + " lead="
            + r.lead
            + " commit="
            + r.log.committed()
            + " applied="
            + r.log.applied()
            + " last="
            + r.log.lastIndex()
            + " voters="
            + list(conf.getVotersList())
            + (conf.getLearnersCount() > 0 ? " learners=" + list(conf.getLearnersList()) : ""));
  }

  private void printLog(EnvNode n) {
    long first = n.storage.firstIndex();
    long last = n.raft().log.lastIndex();
    if (first > 1) line("log starts after " + (first - 1) + "/" + n.storage.term(first - 1));
    for (Entry e : n.node.entries(first, last + 1)) line(describe(e));
  }

  private void printStatus(EnvNode n) {
    Raft r = n.raft();
    if (r.role != Role.LEADER) {
      line(n.id + " is " + r.role + ": no progress to show");
      return;
    }
    r.tracker
        .progress()
        .forEach(
            (id, pr) ->
                line(
                    id
                        + ": "
                        + pr.state()
                        + " match="
                        + pr.match()
                        + " next="
                        + pr.next()
                        + inflight(pr)
                        + (pr.isLearner() ? " learner" : "")
                        + (pr.isPaused() ? " paused" : "")));
  }

  private static String inflight(Progress pr) {
    int count = pr.inflights().count();
    return count > 0 ? " inflight=" + count : "";
  }

  private void printReady(Ready rd) {
    int before = out.length();
    if (rd.softState() != null)
      line("  role=" + rd.softState().role() + " lead=" + rd.softState().lead());
    if (rd.hardState() != null) {
      line(
          "  hard-state term="
              + rd.hardState().getTerm()
              + " vote="
              + rd.hardState().getVote()
              + " commit="
              + rd.hardState().getCommit());
    }
    if (rd.snapshot() != null) {
      line(
          "  snapshot "
              + rd.snapshot().getMetadata().getIndex()
              + "/"
              + rd.snapshot().getMetadata().getTerm());
    }
    if (!rd.toPersist().isEmpty()) line("  entries: " + describeAll(rd.toPersist()));
    if (rd.confState() != null) {
      line(
          "  configuration: voters="
              + list(rd.confState().getVotersList())
              + " learners="
              + list(rd.confState().getLearnersList()));
    }
    if (!rd.sendNow().isEmpty()) {
      line("  send now:");
      for (Message m : rd.sendNow()) line("    " + describe(m));
    }
    if (!rd.sendAfterPersist().isEmpty()) {
      line("  send after persist:");
      for (Message m : rd.sendAfterPersist()) line("    " + describe(m));
    }
    if (!rd.toApply().isEmpty()) line("  apply: " + describeAll(rd.toApply()));
    for (ReadState s : rd.readStates())
      line("  read-state index=" + s.index() + " ctx=" + s.context().toStringUtf8());
    if (out.length() == before) line("  (nothing for the owner to do but report it persisted)");
  }

  static String describe(Message m) {
    StringBuilder b = new StringBuilder();
    String type = m.getType().name().substring("MSG_".length());
    b.append(m.getFrom()).append("->").append(m.getTo()).append(' ').append(type);
    b.append(" term=").append(m.getTerm());
    MessageType t = m.getType();
    switch (t) {
      case MSG_APPEND -> {
        b.append(" log=").append(m.getLogTerm()).append('/').append(m.getIndex());
        b.append(" commit=").append(m.getCommit());
        if (m.getEntriesCount() > 0)
          b.append(" entries=[").append(describeAll(m.getEntriesList())).append(']');
      }
      case MSG_APPEND_RESPONSE -> {
        b.append(" index=").append(m.getIndex());
        if (m.getReject())
          b.append(" reject hint=").append(m.getRejectHint()).append('/').append(m.getLogTerm());
      }
      case MSG_HEARTBEAT -> b.append(" commit=").append(m.getCommit());
      case MSG_VOTE, MSG_PRE_VOTE -> {
        b.append(" log=").append(m.getLogTerm()).append('/').append(m.getIndex());
        if (m.getTransfer()) b.append(" transfer");
      }
      case MSG_VOTE_RESPONSE, MSG_PRE_VOTE_RESPONSE -> {
        if (m.getReject()) b.append(" reject");
      }
      case MSG_SNAPSHOT ->
          b.append(" snapshot=")
              .append(m.getSnapshot().getMetadata().getIndex())
              .append('/')
              .append(m.getSnapshot().getMetadata().getTerm());
      case MSG_READ_INDEX_RESPONSE -> b.append(" index=").append(m.getIndex());
      default -> {}
    }
    if (!m.getContext().isEmpty()) b.append(" ctx=").append(m.getContext().toStringUtf8());
    return b.toString();
  }

  private static String describeAll(List<Entry> entries) {
    return entries.stream().map(InteractionEnv::describe).collect(Collectors.joining(", "));
  }

  static String describe(Entry e) {
    String at = e.getIndex() + "/" + e.getTerm();
    if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
      try {
        return at + " " + describe(ConfChange.parseFrom(e.getData()));
      } catch (InvalidProtocolBufferException ex) {
        return at + " <bad conf change>";
      }
    }
    if (e.getType() == EntryType.ENTRY_SESSION) return at + " session";
    return e.getData().isEmpty() ? at + " (empty)" : at + " " + e.getData().toStringUtf8();
  }

  private static String describe(ConfChange cc) {
    String type =
        cc.getType().name().substring("CONF_".length()).toLowerCase(java.util.Locale.ROOT);
    return type.equals("initial")
        ? "initial voters=" + list(cc.getInitial().getVotersList())
        : type.replace('_', '-') + " " + cc.getNodeId();
  }

  private RaftLogger logger() {
    return (level, text) -> {
      if (level != RaftLogger.Level.DEBUG) line("  " + level + " " + text);
    };
  }

  // ------------------------------------------------------------------ helpers

  private EnvNode node(long id) {
    EnvNode n = nodes.get(id);
    if (n == null) throw new IllegalArgumentException("no node " + id);
    return n;
  }

  private List<Long> ids(Command c) {
    if (c.args().isEmpty()) return new ArrayList<>(nodes.keySet());
    return c.args().stream().map(Long::parseLong).toList();
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  private static String list(long[] ids) {
    return "(" + Arrays.stream(ids).mapToObj(Long::toString).collect(Collectors.joining(" ")) + ")";
  }

  private static String list(List<Long> ids) {
    return "(" + ids.stream().map(String::valueOf).collect(Collectors.joining(" ")) + ")";
  }

  private void line(String s) {
    out.append(s).append('\n');
  }
}
