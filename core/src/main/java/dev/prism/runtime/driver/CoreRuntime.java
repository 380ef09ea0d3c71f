package dev.prism.runtime.driver;

import dev.prism.ActorHandle;
import dev.prism.ObjectRef;
import dev.prism.ObjectRefGenerator;
import dev.prism.PlacementStrategy;
import dev.prism.PrismConfig;
import dev.prism.PrismException;
import dev.prism.RuntimeContext;
import dev.prism.WaitResult;
import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.spi.ActorSettings;
import dev.prism.runtime.spi.FunctionDescriptor;
import dev.prism.runtime.spi.PlacementGroupSnapshot;
import dev.prism.runtime.spi.PrismRuntime;
import dev.prism.runtime.spi.TaskSettings;
import dev.prism.runtime.worker.CoreWorker;
import dev.prism.runtime.worker.Returns;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The runtime of this process, on its {@link CoreWorker}: the driver's that {@link #start} made, or
 * the worker process's that runs tasks. Holds the embedded cluster a driver started, and the
 * deadline of its control calls.
 */
public final class CoreRuntime implements PrismRuntime {

  /** The one instance; the state it keeps is this process's. */
  public static final CoreRuntime INSTANCE = new CoreRuntime();

  private EmbeddedCluster cluster;
  private volatile Duration controlTimeout = PrismConfig.DEFAULT_CONTROL_TIMEOUT;

  private CoreRuntime() {}

  @Override
  public synchronized void start(PrismConfig config) {
    if (CoreWorker.currentOrNull() != null) {
      throw new PrismException(
          "Prism is already initialized in this process: call"
              + " Prism.shutdown() before init() again");
    }
    try {
      cluster = DriverStart.start(config);
      controlTimeout = config.controlTimeout();
    } catch (PrismException e) {
      throw apiType(e);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new PrismException("cannot start Prism: " + e, e);
    }
  }

  /**
   * The same failure as a {@code dev.prism} type: the runtime's own subclasses (token, GCS and node
   * errors) become a {@link PrismException} with the same message and the original as cause.
   */
  static PrismException apiType(PrismException e) {
    return e.getClass().getPackageName().equals(PrismException.class.getPackageName())
        ? e
        : new PrismException(e.getMessage(), e);
  }

  @Override
  public synchronized void shutdown() {
    CoreWorker worker = CoreWorker.currentOrNull();
    if (worker != null) {
      worker.close();
    }
    if (cluster != null) {
      try {
        cluster.close();
      } finally {
        cluster = null;
        controlTimeout = PrismConfig.DEFAULT_CONTROL_TIMEOUT;
      }
    }
  }

  @Override
  public boolean isInitialized() {
    return CoreWorker.currentOrNull() != null;
  }

  @Override
  public <T> ObjectRef<T> put(T value) {
    return CoreWorker.current().put(value);
  }

  @Override
  public <T> T get(ObjectRef<T> ref) {
    return CoreWorker.asImpl(ref).get();
  }

  @Override
  public <T> T get(ObjectRef<T> ref, Duration timeout) {
    return CoreWorker.asImpl(ref).get(timeout);
  }

  @Override
  public <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, Duration timeout) {
    return CoreWorker.current().wait(refs, numReturns, timeout);
  }

  @Override
  public boolean cancel(ObjectRef<?> ref, boolean force, boolean recursive) {
    return CoreWorker.current().cancel(CoreWorker.asImpl(ref), force, recursive);
  }

  @Override
  public RuntimeContext runtimeContext() {
    return CoreWorker.current().runtimeContext();
  }

  @Override
  public ObjectRef<?> submitTask(
      FunctionDescriptor function, Object[] args, TaskSettings settings) {
    CoreWorker worker = CoreWorker.current();
    return worker.submitTask(function, args, taskOptions(worker, settings));
  }

  /** A task's options in the core worker's form, with its runtime environment resolved. */
  private static dev.prism.runtime.worker.TaskOptions taskOptions(
      CoreWorker worker, TaskSettings settings) {
    return WireForms.taskOptions(settings, worker.runtimeEnvs().effective(settings.runtimeEnv()));
  }

  @Override
  @SuppressWarnings("unchecked")
  public List<ObjectRef<?>> submitTask(
      FunctionDescriptor function, Object[] args, TaskSettings settings, int numReturns) {
    CoreWorker worker = CoreWorker.current();
    return (List<ObjectRef<?>>)
        worker.submitTask(
            function, args, taskOptions(worker, settings), Returns.multiple(numReturns));
  }

  @Override
  public ObjectRefGenerator<?> submitStreamingTask(
      FunctionDescriptor function, Object[] args, TaskSettings settings, int backpressure) {
    CoreWorker worker = CoreWorker.current();
    return (ObjectRefGenerator<?>)
        worker.submitTask(
            function, args, taskOptions(worker, settings), Returns.streaming(backpressure));
  }

  @Override
  @SuppressWarnings("unchecked")
  public List<ObjectRef<?>> callActor(
      ActorHandle<?> actor,
      FunctionDescriptor method,
      Object[] args,
      String name,
      String concurrencyGroup,
      int numReturns) {
    return (List<ObjectRef<?>>)
        CoreWorker.current()
            .actors()
            .submit(actor, method, args, name, concurrencyGroup, Returns.multiple(numReturns));
  }

  @Override
  public ObjectRefGenerator<?> callActorStreaming(
      ActorHandle<?> actor,
      FunctionDescriptor method,
      Object[] args,
      String name,
      String concurrencyGroup,
      int backpressure) {
    return (ObjectRefGenerator<?>)
        CoreWorker.current()
            .actors()
            .submit(actor, method, args, name, concurrencyGroup, Returns.streaming(backpressure));
  }

  @Override
  public ActorHandle<?> createActor(
      FunctionDescriptor factory, Object[] args, ActorSettings settings) {
    CoreWorker worker = CoreWorker.current();
    return worker
        .actors()
        .create(
            factory,
            args,
            WireForms.actorOptions(
                settings, worker.runtimeEnvs().effective(settings.runtimeEnv())));
  }

  @Override
  public ObjectRef<?> callActor(
      ActorHandle<?> actor,
      FunctionDescriptor method,
      Object[] args,
      String name,
      String concurrencyGroup) {
    return CoreWorker.current().actors().submit(actor, method, args, name, concurrencyGroup);
  }

  @Override
  public Optional<ActorHandle<?>> actorByName(String name, String namespace) {
    return CoreWorker.current().actors().byName(name, namespace);
  }

  @Override
  public void killActor(ActorHandle<?> actor, boolean noRestart) {
    CoreWorker.current().actors().kill(actor, noRestart);
  }

  @Override
  public void exitActor() {
    CoreWorker.current().actors().exitActor();
  }

  @Override
  public PlacementGroupSnapshot createPlacementGroup(
      String name, List<Map<String, Double>> bundles, PlacementStrategy strategy) {
    return groups().create(name, bundles, strategy);
  }

  @Override
  public void removePlacementGroup(String id) {
    groups().remove(id);
  }

  @Override
  public Optional<PlacementGroupSnapshot> placementGroup(String id) {
    return groups().get(id, Duration.ZERO);
  }

  @Override
  public Optional<PlacementGroupSnapshot> placementGroupByName(String name) {
    return groups().getByName(name);
  }

  @Override
  public Optional<PlacementGroupSnapshot> awaitPlacementGroup(String id, Duration wait) {
    return groups().get(id, wait);
  }

  @Override
  public List<dev.prism.NodeInfo> nodes() {
    return cluster().nodes();
  }

  @Override
  public void kvPut(String key, byte[] value) {
    cluster().kvPut(key, value);
  }

  @Override
  public Optional<byte[]> kvGet(String key) {
    return cluster().kvGet(key);
  }

  @Override
  public boolean kvDelete(String key) {
    return cluster().kvDelete(key);
  }

  @Override
  public List<String> kvKeys(String prefix) {
    return cluster().kvKeys(prefix);
  }

  @Override
  public String callerJobId() {
    CoreWorker w = CoreWorker.currentOrNull();
    return w == null ? "" : w.callerJobHex();
  }

  @Override
  public void startMetricsExport() {
    dev.prism.runtime.metrics.MetricsExporter.start();
  }

  private ClusterTablesClient cluster() {
    return new ClusterTablesClient(CoreWorker.current(), controlTimeout);
  }

  private PlacementGroupClient groups() {
    return new PlacementGroupClient(CoreWorker.current(), controlTimeout);
  }
}
