package dev.prism.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.WaitResult;
import dev.prism.train.CheckpointStore;
import dev.prism.tune.internal.PollBatch;
import dev.prism.tune.internal.TrialRunner;
import dev.prism.tune.internal.TrialStart;
import dev.prism.tune.schedulers.Decision;
import dev.prism.tune.search.GridSearch;
import dev.prism.tune.search.RandomSearch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One run of a sweep on the driver: creates trials as the searcher suggests them, runs them on a
 * pool of runners, feeds their results to the searcher, the scheduler and the stop criteria, and
 * saves the experiment's state so that a driver that dies can be replaced by {@link Tuner#restore}.
 */
final class Experiment {
  static final String STATE = "experiment_state.json";
  private static final long POLL_MILLIS = 200;
  private static final long SAVE_EVERY_NANOS = 250_000_000L;

  private final Tuner tuner;
  private final TuneConfig tc;
  private final Path dir;
  private final int totalTrials;
  private final int maxPending;
  private final boolean eager;
  private final List<Trial> trials = new ArrayList<>();
  private final Map<String, Trial> byId = new HashMap<>();
  private final List<Runner> runners = new ArrayList<>();

  /**
   * Trials that were running when a driver died: they resume first, whatever the scheduler says.
   */
  private final Deque<Trial> resumeFirst = new ArrayDeque<>();

  private final ProgressTable progress;
  private final TuneStatus published;
  private long startNanos;
  private double elapsedBefore;
  private long lastSave;
  private boolean dirty = true;
  private boolean schedulerDeclined;
  private long attempts;

  Experiment(Tuner tuner) {
    this.tuner = tuner;
    this.tc = tuner.tuneConfig();
    this.dir = tuner.runConfig().runDirectory();
    tc.searcher().setup(tuner.space(), tc.metric(), tc.mode(), tc.seed());
    tc.scheduler().setup(tc.metric(), tc.mode());
    this.totalTrials = tc.searcher().trialCount(tc.numSamples());
    this.eager = tc.searcher() instanceof RandomSearch || tc.searcher() instanceof GridSearch;
    boolean decisions = !tuner.stopCriteria().isEmpty() || !tuner.fifo();
    this.maxPending = decisions ? 1 : tuner.maxPendingResults();
    this.progress = new ProgressTable(tc, tuner.showProgress(), tuner.space().names());
    this.published = new TuneStatus(dir.getFileName().toString(), tc.metric(), tc.mode());
  }

  ResultGrid run(boolean restore) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
    }
    if (restore) {
      load();
    }
    startNanos = System.nanoTime();
    try {
      loop();
    } finally {
      for (Runner r : runners) {
        r.close();
      }
      trials.forEach(Trial::closeFiles);
      save();
      published.publish(trials, totalTrials, elapsed(), true);
      progress.print(trials, elapsed(), true);
    }
    return ResultGrid.of(dir, tc.metric(), tc.mode(), trials);
  }

  private double elapsed() {
    return elapsedBefore + (System.nanoTime() - startNanos) / 1e9;
  }

  private boolean overBudget() {
    return tc.timeBudget().isPresent() && elapsed() >= tc.timeBudget().get().toMillis() / 1000.0;
  }

  private void loop() {
    while (true) {
      if (overBudget()) {
        trials.stream().filter(t -> !t.status.isFinished()).forEach(this::terminate);
        return;
      }
      startWaitingTrials();
      List<ObjectRef<Object>> refs = inFlight();
      if (refs.isEmpty()) {
        if (allDone()) {
          return;
        }
        sleep(20);
      } else {
        // while a runner's bundle is being placed, look again soon: it takes a trial once placed
        boolean placing = runners.stream().anyMatch(r -> r.actor == null);
        WaitResult<Object> w =
            Prism.wait(refs, 1, Duration.ofMillis(placing ? 20 : POLL_MILLIS + 100));
        List<ObjectRef<Object>> ready = new ArrayList<>(w.ready());
        if (!ready.isEmpty() && !w.unready().isEmpty()) {
          // every other reply that is already in, handled in this round too
          ready.addAll(Prism.wait(w.unready(), w.unready().size(), Duration.ZERO).ready());
        }
        for (ObjectRef<Object> r : ready) {
          handle(r);
        }
      }
      for (String id : tc.scheduler().trialsToStop()) {
        Trial t = byId.get(id);
        if (t != null && !t.status.isFinished()) {
          terminate(t);
        }
      }
      maybeSave();
      published.publish(trials, totalTrials, elapsed(), false);
      progress.print(trials, elapsed(), false);
    }
  }

  private boolean allDone() {
    if (trials.size() < totalTrials && !overBudget()) {
      return false;
    }
    boolean waiting = false;
    for (Trial t : trials) {
      if (t.status == TrialStatus.RUNNING) {
        return false;
      }
      waiting |= !t.status.isFinished();
    }
    if (waiting && schedulerDeclined) {
      // nothing runs and the scheduler chooses none of the waiting trials: they would wait
      // forever, so they end
      trials.stream().filter(t -> !t.status.isFinished()).forEach(this::terminate);
      return true;
    }
    return !waiting;
  }

  @SuppressWarnings("unchecked")
  private List<ObjectRef<Object>> inFlight() {
    List<ObjectRef<Object>> refs = new ArrayList<>();
    for (Runner r : runners) {
      if (r.start != null) {
        refs.add((ObjectRef<Object>) (ObjectRef<?>) r.start);
      } else if (r.trial != null && r.trial.poll != null) {
        refs.add((ObjectRef<Object>) (ObjectRef<?>) r.trial.poll);
      }
    }
    return refs;
  }

  private List<String> waitingIds() {
    List<String> ids = new ArrayList<>();
    for (Trial t : trials) {
      if (t.status == TrialStatus.PENDING || t.status == TrialStatus.PAUSED) {
        ids.add(t.id);
      }
    }
    return ids;
  }

  /** Fills free runners with waiting or new trials, and opens runners while there is demand. */
  private void startWaitingTrials() {
    schedulerDeclined = false;
    while (true) {
      Runner free = null;
      for (Runner r : runners) {
        if (r.trial == null && r.ready()) {
          free = r;
          break;
        }
      }
      if (free == null) {
        if (runners.size() < Math.min(tc.maxConcurrentTrials(), demand())) {
          runners.add(new Runner(runners.size(), tuner.resources()));
          continue;
        }
        return;
      }
      Trial next = nextTrial();
      if (next == null) {
        schedulerDeclined = true;
        return;
      }
      launch(next, free);
    }
  }

  /** How many trials could use a runner: those running or waiting, and those still to create. */
  private int demand() {
    int n = overBudget() ? 0 : totalTrials - trials.size();
    for (Trial t : trials) {
      if (!t.status.isFinished()) {
        n++;
      }
    }
    return n;
  }

  private Trial nextTrial() {
    while (!resumeFirst.isEmpty()) {
      Trial t = resumeFirst.poll();
      if (!t.status.isFinished() && t.status != TrialStatus.RUNNING) {
        return t;
      }
    }
    if (eager) {
      // searchers that do not learn from results suggest every trial up front, as Ray creates
      // pending trials ahead: a HyperBand bracket fills before its first milestone
      while (trials.size() < totalTrials && !overBudget() && createTrial()) {}
    }
    Optional<String> pick = tc.scheduler().chooseTrialToRun(waitingIds());
    if (pick.isEmpty() && !eager && trials.size() < totalTrials && createTrial()) {
      pick = tc.scheduler().chooseTrialToRun(waitingIds());
    }
    if (pick.isEmpty()) {
      return null;
    }
    Trial t = byId.get(pick.get());
    if (t == null || (t.status != TrialStatus.PENDING && t.status != TrialStatus.PAUSED)) {
      throw new IllegalStateException(
          "the scheduler chose trial " + pick.get() + ", which does not wait to run");
    }
    return t;
  }

  /** Asks the searcher for the next trial; false when it has none now. */
  private boolean createTrial() {
    String id = String.format("trial_%05d", trials.size());
    Optional<Map<String, Object>> config = tc.searcher().suggest(id);
    if (config.isEmpty()) {
      return false;
    }
    Trial t = new Trial(id, dir.resolve(id), config.get());
    t.writeParams();
    trials.add(t);
    byId.put(id, t);
    tc.scheduler().onTrialAdd(id, t.config);
    dirty = true;
    return true;
  }

  private void launch(Trial t, Runner r) {
    long startIteration = 0;
    double timeBefore = 0;
    if (!t.resumeFrom.isEmpty()) {
      Path c = Path.of(t.resumeFrom);
      startIteration = Trial.checkpointIteration(c);
      Object tt = readCheckpointMetrics(c).get("time_total_s");
      timeBefore = tt instanceof Number n ? n.doubleValue() : 0;
    }
    t.attempt = ++attempts;
    t.acked = startIteration;
    t.runner = r;
    t.status = TrialStatus.RUNNING;
    r.trial = t;
    r.start =
        r.actor
            .task(
                TrialRunner::start,
                new TrialStart(
                    t.id,
                    t.attempt,
                    tuner.trainable(),
                    new LinkedHashMap<>(t.config),
                    t.resumeFrom,
                    t.dir.toString(),
                    startIteration,
                    timeBefore,
                    maxPending,
                    tuner.runConfig().checkpointConfig(),
                    tuner.stopGrace().toMillis()))
            .remote();
    dirty = true;
  }

  private static Map<String, Object> readCheckpointMetrics(Path checkpoint) {
    try {
      return Json.readMap(Files.readString(checkpoint.resolve(CheckpointStore.METRICS)));
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
  }

  private void handle(ObjectRef<Object> ref) {
    for (Runner r : runners) {
      if (r.start != null && r.start.id().equals(ref.id())) {
        r.start = null;
        Trial t = r.trial;
        try {
          Prism.get(ref, Duration.ofSeconds(10));
        } catch (RuntimeException e) {
          if (String.valueOf(e.getMessage()).contains(TrialRunner.STUCK)) {
            // the trial before this one would not stop: a new runner, and this trial is not to
            // blame
            r.trial = null;
            r.replace();
            t.runner = null;
            t.status = TrialStatus.PENDING;
            resumeFirst.addFirst(t);
            return;
          }
          runnerFailed(r, t, e);
          return;
        }
        poll(t);
        return;
      }
      Trial t = r.trial;
      if (t != null && t.poll != null && t.poll.id().equals(ref.id())) {
        t.poll = null;
        PollBatch b;
        try {
          b = (PollBatch) Prism.get(ref, Duration.ofSeconds(10));
        } catch (RuntimeException e) {
          runnerFailed(r, t, e);
          return;
        }
        process(t, b);
        return;
      }
    }
  }

  private void poll(Trial t) {
    t.poll = t.runner.actor.task(TrialRunner::poll, t.attempt, t.acked, POLL_MILLIS).remote();
  }

  /** The runner died or its call failed: the trial fails (and may retry), the runner is rebuilt. */
  private void runnerFailed(Runner r, Trial t, RuntimeException e) {
    r.trial = null;
    r.start = null;
    r.replace();
    if (t != null) {
      t.runner = null;
      t.poll = null;
      fail(t, "the trial's runner failed: " + e);
    }
  }

  private void process(Trial t, PollBatch b) {
    List<Map<String, Object>> kept = new ArrayList<>();
    Decision decision = Decision.CONTINUE;
    String why = null;
    for (Map<String, Object> r : b.results()) {
      kept.add(r);
      t.addToHistory(r);
      t.acked = ((Number) r.get("training_iteration")).longValue();
      if (!(r.get(tc.metric()) instanceof Number)) {
        why =
            "trial "
                + t.id
                + " reported "
                + new ArrayList<>(r.keySet())
                + " without the metric '"
                + tc.metric()
                + "' the sweep optimises (or not as a number)";
        break;
      }
      tc.searcher().onTrialResult(t.id, r);
      if (meetsStopCriteria(r)) {
        decision = Decision.STOP;
        break;
      }
      decision = tc.scheduler().onTrialResult(t.id, r);
      if (decision.action() == Decision.Action.EXPLOIT
          && donorCheckpoint(decision.exploit().orElseThrow()).isEmpty()) {
        // a donor without a checkpoint has nothing to clone: the trial goes on as it is
        decision = Decision.CONTINUE;
      }
      if (decision.action() != Decision.Action.CONTINUE) {
        break;
      }
    }
    t.appendFiles(kept);
    published.results(kept.size());
    dirty |= !kept.isEmpty();
    if (why != null) {
      stopRunning(t);
      t.failures = Integer.MAX_VALUE;
      t.error = why;
      t.writeError(why);
      end(t, TrialStatus.ERROR, true);
      return;
    }
    switch (decision.action()) {
      case STOP -> {
        terminate(t);
        return;
      }
      case PAUSE -> {
        stopRunning(t);
        t.status = TrialStatus.PAUSED;
        t.closeFiles();
        t.resumeFrom = t.resumeCheckpoint();
        dirty = true;
        return;
      }
      case EXPLOIT -> {
        Runner r = t.runner;
        stopRunning(t);
        exploit(t, decision.exploit().orElseThrow());
        launch(t, r);
        return;
      }
      case CONTINUE -> {}
    }
    if (b.finished()) {
      Runner r = t.runner;
      r.trial = null;
      t.runner = null;
      if (b.error().isEmpty()) {
        end(t, TrialStatus.TERMINATED, true);
      } else {
        fail(t, b.error());
      }
      return;
    }
    poll(t);
  }

  private boolean meetsStopCriteria(Map<String, Object> r) {
    for (Map.Entry<String, Double> c : tuner.stopCriteria().entrySet()) {
      if (r.get(c.getKey()) instanceof Number n && n.doubleValue() >= c.getValue()) {
        return true;
      }
    }
    return false;
  }

  /** Ends a running trial's attempt and frees its runner (the runner's next start waits for it). */
  private void stopRunning(Trial t) {
    Runner r = t.runner;
    if (r != null) {
      r.actor.task(TrialRunner::stop, t.attempt).remote();
      r.trial = null;
      r.start = null;
    }
    t.runner = null;
    t.poll = null;
  }

  private Optional<Path> donorCheckpoint(Decision.Exploit e) {
    Trial donor = byId.get(e.donorTrialId());
    return donor == null ? Optional.empty() : donor.latestCheckpoint();
  }

  /** Copies the donor's latest checkpoint into the trial and takes the new configuration. */
  private void exploit(Trial t, Decision.Exploit e) {
    Trial donor = byId.get(e.donorTrialId());
    if (donor == null) {
      throw new IllegalStateException("the scheduler named an unknown donor " + e.donorTrialId());
    }
    Path copy = null;
    for (int tries = 0; tries < 5 && copy == null; tries++) {
      Optional<Path> source = donor.latestCheckpoint();
      if (source.isEmpty()) {
        break;
      }
      Path target = t.dir.resolve(source.get().getFileName().toString());
      Path tmp = t.dir.resolve(".exploit-" + t.attempt);
      try {
        CheckpointStore.deleteTree(tmp);
        CheckpointStore.copyTree(source.get(), tmp);
        for (Path own : CheckpointStore.list(t.dir)) {
          if (Trial.checkpointIteration(own) >= Trial.checkpointIteration(target)) {
            CheckpointStore.deleteTree(own);
          }
        }
        Files.move(tmp, target);
        copy = target;
      } catch (IOException | UncheckedIOException raced) {
        // the donor replaced its latest checkpoint while it was copied: take the new one
        CheckpointStore.deleteTree(tmp);
      }
    }
    t.config = new LinkedHashMap<>(e.newConfig());
    t.writeParams();
    t.resumeFrom = copy == null ? "" : copy.toString();
    dirty = true;
  }

  /** An attempt failed: retry from the latest checkpoint while the failure config allows. */
  private void fail(Trial t, String error) {
    t.closeFiles();
    t.failures++;
    t.error = error;
    t.writeError(error);
    if (t.failures <= tuner.runConfig().failureConfig().maxFailures()) {
      t.status = TrialStatus.PENDING;
      t.resumeFrom = t.resumeCheckpoint();
      resumeFirst.add(t);
      dirty = true;
      return;
    }
    end(t, TrialStatus.ERROR, true);
  }

  /** Ends a trial the tuner (budget, scheduler) ends, running or waiting, as terminated. */
  private void terminate(Trial t) {
    if (t.status == TrialStatus.RUNNING) {
      stopRunning(t);
    }
    end(t, TrialStatus.TERMINATED, false);
  }

  private void end(Trial t, TrialStatus status, boolean onItsOwn) {
    t.status = status;
    t.closeFiles();
    if (status == TrialStatus.TERMINATED && onItsOwn) {
      tc.scheduler().onTrialComplete(t.id, t.lastResult());
    } else {
      tc.scheduler().onTrialRemove(t.id);
    }
    tc.searcher().onTrialComplete(t.id, t.lastResult(), status == TrialStatus.ERROR);
    dirty = true;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TuneException("the sweep was interrupted", e);
    }
  }

  // ---- state ----

  private void maybeSave() {
    long now = System.nanoTime();
    if (dirty && now - lastSave >= SAVE_EVERY_NANOS) {
      save();
    }
  }

  private void save() {
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("version", 1);
    root.put("metric", tc.metric());
    root.put("mode", tc.mode().name());
    root.put("total_trials", totalTrials);
    root.put("elapsed_s", elapsed());
    ArrayNode ts = root.putArray("trials");
    for (Trial t : trials) {
      ObjectNode n = ts.addObject();
      n.put("id", t.id);
      n.put("status", t.status.name());
      n.set("config", Json.MAPPER.valueToTree(t.config));
      n.put("failures", t.failures);
      n.put("error", t.error);
      n.put("resume_from", t.resumeFrom);
    }
    root.set("searcher", tc.searcher().saveState());
    root.set("scheduler", tc.scheduler().saveState());
    Json.writeAtomically(dir.resolve(STATE), Json.write(root));
    lastSave = System.nanoTime();
    dirty = false;
  }

  private void load() {
    Path f = dir.resolve(STATE);
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(Files.readString(f));
    } catch (IOException | RuntimeException e) {
      throw new TuneException(
          "cannot restore the sweep in " + dir + ": " + STATE + " is unreadable (" + e + ")", e);
    }
    if (!tc.metric().equals(root.path("metric").asText())
        || !tc.mode().name().equals(root.path("mode").asText())) {
      throw new TuneException(
          "cannot restore the sweep in "
              + dir
              + ": it optimises "
              + root.path("metric").asText()
              + " ("
              + root.path("mode").asText()
              + "), the given TuneConfig "
              + tc.metric()
              + " ("
              + tc.mode()
              + ")");
    }
    elapsedBefore = root.path("elapsed_s").asDouble();
    for (JsonNode n : root.path("trials")) {
      String id = n.path("id").asText();
      Trial t = new Trial(id, dir.resolve(id), Json.toMap(n.path("config")));
      t.status = TrialStatus.valueOf(n.path("status").asText());
      t.failures = n.path("failures").asInt();
      t.error = n.path("error").asText();
      t.resumeFrom = n.path("resume_from").asText();
      t.loadHistory();
      if (t.status == TrialStatus.RUNNING || t.status == TrialStatus.PENDING) {
        t.resumeFrom = t.resumeCheckpoint();
      }
      if (t.status == TrialStatus.RUNNING) {
        t.status = TrialStatus.PENDING;
        resumeFirst.add(t);
      }
      trials.add(t);
      byId.put(id, t);
    }
    tc.searcher().restoreState(root.path("searcher"));
    tc.scheduler().restoreState(root.path("scheduler"));
  }
}
