package io.raftjvm.client;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Resolves host names the way the JVM does ({@link InetAddress}: the hosts file, the system's name
 * services, the JVM's DNS cache with its {@code networkaddress.cache.ttl}), on threads of its own
 * so that a slow lookup never blocks an event loop. Every connect to a name looks it up again: a
 * server that moved to another address under the same name (a rescheduled pod) is found once the
 * JVM's cache entry expires (bin/ sets 30 s). IP literals need no lookup (Netty connects to them
 * directly).
 *
 * <p>Used by the client and by servers for their peers. Internal to the project.
 */
public final class JvmResolverGroup extends AddressResolverGroup<InetSocketAddress> {
  /** Looks a host name up: all its addresses, the preferred first. */
  @FunctionalInterface
  public interface Lookup {
    InetAddress[] all(String host) throws UnknownHostException;
  }

  private final ExecutorService lookups;
  private final Lookup lookup;

  /** Resolves with {@link InetAddress#getAllByName}. */
  public JvmResolverGroup(String threadName) {
    this(threadName, InetAddress::getAllByName);
  }

  /** Resolves with lookup (tests count and steer lookups). */
  public JvmResolverGroup(String threadName, Lookup lookup) {
    // Lookups are few (one per connection attempt to a name) and may block for the system's DNS
    // timeout: a thread each, so that one unanswered name does not delay the others.
    this.lookups = Executors.newCachedThreadPool(new DefaultThreadFactory(threadName, true));
    this.lookup = lookup;
  }

  @Override
  protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
    return new Resolver(executor).asAddressResolver();
  }

  @Override
  public void close() {
    super.close();
    lookups.shutdownNow();
  }

  private final class Resolver extends InetNameResolver {
    Resolver(EventExecutor executor) {
      super(executor); // the channel's loop: where the promises' listeners run
    }

    @Override
    protected void doResolve(String host, Promise<InetAddress> promise) {
      submit(host, promise, all -> all[0]);
    }

    @Override
    protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
      submit(host, promise, Arrays::asList);
    }

    private <T> void submit(
        String host, Promise<T> promise, java.util.function.Function<InetAddress[], T> pick) {
      try {
        lookups.execute(
            () -> {
              try {
                promise.trySuccess(pick.apply(lookup.all(host)));
              } catch (UnknownHostException | RuntimeException e) {
                promise.tryFailure(e);
              }
            });
      } catch (RejectedExecutionException e) {
        promise.tryFailure(new UnknownHostException(host + ": resolver closed"));
      }
    }
  }
}
