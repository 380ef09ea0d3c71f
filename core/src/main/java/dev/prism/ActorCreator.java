package dev.prism;

import dev.prism.runtime.spi.ActorSettings;
import dev.prism.runtime.spi.ConcurrencyGroupSettings;
import dev.prism.runtime.spi.FunctionDescriptor;
import dev.prism.runtime.spi.Runtimes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An actor being prepared: set options, then {@link #remote()} creates it. Made by {@code
 * Prism.actor(MyActor::new, args...)}; not thread-safe, use each creator once.
 *
 * <p>Defaults: no resources held (like Ray's actors, which hold no CPU while they run), no name,
 * owned by its creator, no restarts, no retries of calls, one call at a time (or up to 1,000
 * concurrent calls when methods of the default concurrency group return a {@code CompletionStage}),
 * no limit on pending calls, no named concurrency groups.
 *
 * @param <A> the actor's class
 */
public final class ActorCreator<A> {

  private final FunctionDescriptor factory;
  private final Object[] args;
  private final ResourceDemand resources = new ResourceDemand();
  private String name;
  private String namespace;
  private ActorLifetime lifetime = ActorLifetime.OWNED;
  private int maxRestarts;
  private int maxTaskRetries;
  private int maxConcurrency;
  private int maxPendingCalls = -1;
  private SchedulingStrategy strategy = SchedulingStrategy.defaultStrategy();
  private Map<String, String> labelSelector = Map.of();
  private RuntimeEnv runtimeEnv;
  private final LinkedHashMap<String, ConcurrencyGroupConfig<?>> concurrencyGroups =
      new LinkedHashMap<>();

  ActorCreator(FunctionDescriptor factory, Object[] args) {
    this.factory = factory;
    this.args = args;
  }

  /**
   * Names the actor, so any process of the cluster can find it with {@link Prism#getActor(String)}.
   * Names are unique per namespace among live actors.
   *
   * @param name the name
   * @return this creator
   * @throws IllegalArgumentException if the name is blank
   */
  public ActorCreator<A> setName(String name) {
    if (Objects.requireNonNull(name, "name").isBlank()) {
      throw new IllegalArgumentException("an actor name is blank");
    }
    this.name = name;
    return this;
  }

  /**
   * Sets the namespace of the actor's name (default: the creating job's namespace, see {@link
   * PrismConfig.Builder#namespace(String)}).
   *
   * @param namespace the namespace
   * @return this creator
   * @throws IllegalArgumentException if the namespace is blank
   */
  public ActorCreator<A> setNamespace(String namespace) {
    if (Objects.requireNonNull(namespace, "namespace").isBlank()) {
      throw new IllegalArgumentException("a namespace is blank");
    }
    this.namespace = namespace;
    return this;
  }

  /**
   * Sets how long the actor lives (default {@link ActorLifetime#OWNED}).
   *
   * @param lifetime owned by its creator, or detached
   * @return this creator
   */
  public ActorCreator<A> setLifetime(ActorLifetime lifetime) {
    this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
    return this;
  }

  /**
   * Sets the amount of a resource the actor holds for its whole life (default: none). {@code "GPU"}
   * gives its process devices of its own ({@code CUDA_VISIBLE_DEVICES} and {@link
   * RuntimeContext#gpuIds()}); fractions of a GPU share one device.
   *
   * @param resource the resource's name
   * @param amount how much; 0 removes the demand
   * @return this creator
   * @throws IllegalArgumentException if the amount is negative, not finite, or a fraction above 1
   */
  public ActorCreator<A> setResource(String resource, double amount) {
    resources.set(resource, amount);
    return this;
  }

  /**
   * Sets several resource demands at once (see {@link #setResource(String, double)}).
   *
   * @param amounts resource names and amounts
   * @return this creator
   */
  public ActorCreator<A> setResources(Map<String, Double> amounts) {
    resources.setAll(amounts);
    return this;
  }

  /**
   * Asks for bytes of the {@code memory} resource (Ray's {@code memory=}): only nodes that declare
   * at least that much memory ({@code NodeOptions.Builder#memory}, {@code prism start --memory})
   * host it, and it holds that memory of its node for its whole life. Shorthand for {@code
   * setResource("memory", bytes)}; a demand no node can meet is reported infeasible.
   *
   * @param bytes the bytes; 0 removes the demand
   * @return this creator
   * @throws IllegalArgumentException if the byte count is negative or above about 419 TiB
   */
  public ActorCreator<A> setMemory(long bytes) {
    resources.set("memory", LabelSelectors.memory(bytes));
    return this;
  }

  /**
   * Restricts which nodes may run it by their labels (Ray's {@code label_selector}); each entry
   * must hold. A value is {@code "us-west"} (the label equals it), {@code "!A100"} (the label is
   * absent or differs), {@code "in(a,b)"} (one of) or {@code "!in(a,b)"} (absent or none of). Nodes
   * get labels from {@code prism start --labels} (or {@code NodeOptions}), and every node has
   * {@code prism.io/node-id} (its id, as {@link NodeInfo#nodeId()} shows it) and, with GPUs, {@code
   * prism.io/accelerator-type}. A selector no live node matches is reported infeasible until a
   * matching node joins. With node affinity or a placement group, the target node must match too,
   * else it is infeasible.
   *
   * @param selector label keys to constraints; empty for any node (the default)
   * @return this creator
   * @throws IllegalArgumentException naming the entry if a key is blank or holds whitespace, or a
   *     value is empty or malformed (e.g. an unclosed {@code in(})
   * @throws NullPointerException if the map, a key or a value is null
   */
  public ActorCreator<A> setLabelSelector(Map<String, String> selector) {
    this.labelSelector = LabelSelectors.check(selector);
    return this;
  }

  /**
   * Sets how often the actor is restarted when its process dies (default 0; -1 without limit). A
   * restart runs the constructor again: state kept in fields starts over.
   *
   * @param restarts -1 or more
   * @return this creator
   */
  public ActorCreator<A> setMaxRestarts(int restarts) {
    this.maxRestarts = atLeastMinusOne("max restarts", restarts);
    return this;
  }

  /**
   * Sets how often a call that was running when the actor's process died is run again on the
   * restarted actor (default 0: it fails with {@link ActorDiedException}; -1 without limit).
   *
   * @param retries -1 or more
   * @return this creator
   */
  public ActorCreator<A> setMaxTaskRetries(int retries) {
    this.maxTaskRetries = atLeastMinusOne("max task retries", retries);
    return this;
  }

  /**
   * Sets how many calls may run at once (default 1: one at a time, in order). Above 1, calls run on
   * virtual threads and their order is not kept. Methods that return a {@code CompletionStage} hold
   * no thread while they wait; each counts until it completes. With named concurrency groups (see
   * {@link #setConcurrencyGroup(String, int)}) this is the limit of the default group: calls in no
   * named group.
   *
   * @param concurrency 1 or more
   * @return this creator
   */
  public ActorCreator<A> setMaxConcurrency(int concurrency) {
    if (concurrency < 1) {
      throw new IllegalArgumentException("max concurrency is " + concurrency + "; give 1 or more");
    }
    this.maxConcurrency = concurrency;
    return this;
  }

  /**
   * Declares a named concurrency group (like Ray's {@code concurrency_groups={"io": 2}}): calls of
   * the methods annotated {@code @ConcurrencyGroup(name)}, and calls made with {@link
   * ActorTaskCaller#setConcurrencyGroup(String)}, run in it, up to {@code maxConcurrency} at once,
   * on threads of its own. Calls in no named group run in the default group, as {@link
   * #setMaxConcurrency(int)} says. Call once per group.
   *
   * @param name the group's name: not blank, not {@value ConcurrencyGroup#DEFAULT}
   * @param maxConcurrency how many of its calls may run at once: 1 or more
   * @return this creator
   * @throws IllegalArgumentException if the name is blank, {@value ConcurrencyGroup#DEFAULT} or
   *     already declared, or the limit is below 1
   */
  public ActorCreator<A> setConcurrencyGroup(String name, int maxConcurrency) {
    return setConcurrencyGroup(
        new ConcurrencyGroupBuilder<A>().setName(name).setMaxConcurrency(maxConcurrency).build());
  }

  /**
   * Declares a named concurrency group with the methods whose calls run in it (like Ray's {@code
   * setConcurrencyGroups}); see {@link #setConcurrencyGroup(String, int)}. Call once per group.
   *
   * @param group the group, from {@link ConcurrencyGroupBuilder}
   * @return this creator
   * @throws IllegalArgumentException if a group of that name is already declared, or one of its
   *     methods is already in another group
   */
  public ActorCreator<A> setConcurrencyGroup(ConcurrencyGroupConfig<? super A> group) {
    Objects.requireNonNull(group, "group");
    if (concurrencyGroups.containsKey(group.name())) {
      throw new IllegalArgumentException(
          "concurrency group \""
              + group.name()
              + "\" is declared twice; declare each group once, with one limit");
    }
    for (FunctionDescriptor method : group.methods()) {
      for (ConcurrencyGroupConfig<?> other : concurrencyGroups.values()) {
        if (other.methods().contains(method)) {
          throw new IllegalArgumentException(
              method.displayName()
                  + " is put in concurrency groups \""
                  + other.name()
                  + "\" and \""
                  + group.name()
                  + "\"; a method runs in one group: add it to one of them only");
        }
      }
    }
    concurrencyGroups.put(group.name(), group);
    return this;
  }

  /**
   * Declares several named concurrency groups, as {@link
   * #setConcurrencyGroup(ConcurrencyGroupConfig)} does for each.
   *
   * @param groups the groups
   * @return this creator
   * @throws IllegalArgumentException as {@link #setConcurrencyGroup(ConcurrencyGroupConfig)} does
   */
  @SafeVarargs
  public final ActorCreator<A> setConcurrencyGroups(ConcurrencyGroupConfig<? super A>... groups) {
    Objects.requireNonNull(groups, "groups");
    for (int i = 0; i < groups.length; i++) {
      Objects.requireNonNull(groups[i], "groups[" + i + "] (of " + groups.length + ")");
    }
    for (ConcurrencyGroupConfig<? super A> group : groups) {
      setConcurrencyGroup(group);
    }
    return this;
  }

  /**
   * Sets how many calls each process may have pending on the actor (submitted, not finished) before
   * {@code remote()} throws {@link PendingCallsLimitExceededException} (default -1: without limit).
   *
   * @param calls -1, or 1 or more
   * @return this creator
   */
  public ActorCreator<A> setMaxPendingCalls(int calls) {
    if (calls == 0 || calls < -1) {
      throw new IllegalArgumentException(
          "max pending calls is " + calls + "; give 1 or more, or -1 for no limit");
    }
    this.maxPendingCalls = calls;
    return this;
  }

  /**
   * Runs it in a placement group's bundle: on the bundle's node, with the bundle's resources
   * (shorthand for {@code setSchedulingStrategy(SchedulingStrategy.placementGroup(group, i))}).
   *
   * @param group the group (ready: see {@link PlacementGroup#waitUntilReady})
   * @param bundleIndex the bundle, 0-based, or -1 for any bundle of the group
   * @return this
   * @throws IllegalArgumentException if the index is out of range
   */
  public ActorCreator<A> setPlacementGroup(PlacementGroup group, int bundleIndex) {
    return setSchedulingStrategy(SchedulingStrategy.placementGroup(group, bundleIndex));
  }

  /**
   * Sets where the actor should run (default: {@link SchedulingStrategy#defaultStrategy()}).
   *
   * @param strategy spread, node affinity, ...
   * @return this creator
   */
  public ActorCreator<A> setSchedulingStrategy(SchedulingStrategy strategy) {
    this.strategy = Objects.requireNonNull(strategy, "strategy");
    return this;
  }

  /**
   * Runs the actor in a worker JVM of this environment (environment variables, JVM options, extra
   * class path), combined with its creator's default as {@link RuntimeEnv} describes. Without it
   * the actor runs in its creator's default environment. An environment that cannot be set up kills
   * the actor: its calls throw {@link ActorDiedException} with a {@link RuntimeEnvSetupException}
   * as cause.
   *
   * @param env the environment
   * @return this creator
   */
  public ActorCreator<A> setRuntimeEnv(RuntimeEnv env) {
    this.runtimeEnv = Objects.requireNonNull(env, "env");
    return this;
  }

  /**
   * Creates the actor: registers it with the cluster and returns its handle at once; the
   * constructor runs on the actor's process meanwhile (calls made now wait for it). If the
   * constructor throws, the actor is dead and calls fail with {@link ActorDiedException} whose
   * cause is the constructor's exception.
   *
   * @return the handle
   * @throws PrismException if the name is taken in the namespace, or Prism is not initialized
   * @throws RuntimeEnvSetupException if a class path entry of its runtime environment cannot be
   *     read or uploaded
   * @throws IllegalArgumentException if a method of the class is annotated with a {@link
   *     ConcurrencyGroup} the actor does not declare, or a method given for a group is not one of
   *     the actor's class
   * @throws PrismSerializationException if an argument cannot be serialized (naming its type)
   * @throws IllegalArgumentException if an argument's type does not fit its parameter (possible
   *     only through raw types or unchecked casts)
   */
  @SuppressWarnings("unchecked")
  public ActorHandle<A> remote() {
    ArgumentCheck.check(factory, args);
    return (ActorHandle<A>)
        Runtimes.get()
            .createActor(
                factory,
                args,
                new ActorSettings(
                    resources.amounts(),
                    name,
                    namespace,
                    lifetime == ActorLifetime.DETACHED,
                    maxRestarts,
                    maxTaskRetries,
                    maxConcurrency,
                    maxPendingCalls,
                    strategy.placement(),
                    labelSelector,
                    runtimeEnv,
                    groupSettings()));
  }

  private List<ConcurrencyGroupSettings> groupSettings() {
    List<ConcurrencyGroupSettings> groups = new ArrayList<>();
    for (ConcurrencyGroupConfig<?> group : concurrencyGroups.values()) {
      groups.add(group.settings());
    }
    return groups;
  }

  private static int atLeastMinusOne(String what, int value) {
    if (value < -1) {
      throw new IllegalArgumentException(
          what + " is " + value + "; give 0 or more, or -1 for" + " no limit");
    }
    return value;
  }
}
