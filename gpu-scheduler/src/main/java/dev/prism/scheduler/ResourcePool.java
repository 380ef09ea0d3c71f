package dev.prism.scheduler;

import java.util.List;

/**
 * Dense accounting of one pool (a node or a committed bundle): total and available amounts indexed
 * by interned resource id, plus per-device GPU accounting. Not thread-safe.
 *
 * <p>The amounts live in a slice {@code [base, base + width)} of arrays that may be shared: a
 * standalone pool owns its arrays ({@code base == 0}); a node attached to a {@link
 * ClusterResourceView} lives in the view's structure-of-arrays, one slice per node, so a decision
 * scans contiguous memory instead of chasing a pointer per node.
 */
final class ResourcePool {
  long[] total;
  long[] avail;
  double[] inv;
  int base;
  int width;
  final GpuInstances gpus;

  /** Set when the node or bundle is gone; frees into it are then ignored. */
  boolean removed;

  ResourcePool(ResourceSet totals, GpuInstances gpus) {
    width = totals.maxId() + 1;
    total = new long[width];
    avail = new long[width];
    inv = new double[width];
    for (int i = 0; i < totals.ids.length; i++) {
      total[totals.ids[i]] = totals.amounts[i];
      avail[totals.ids[i]] = totals.amounts[i];
    }
    recomputeInverse();
    this.gpus = gpus;
  }

  private ResourcePool(ResourcePool o, boolean empty) {
    width = o.width;
    total = new long[width];
    avail = new long[width];
    inv = new double[width];
    System.arraycopy(o.total, o.base, total, 0, width);
    System.arraycopy(empty ? o.total : o.avail, o.base, avail, 0, width);
    System.arraycopy(o.inv, o.base, inv, 0, width);
    gpus = o.gpus == null ? null : (empty ? o.gpus.copyEmpty() : o.gpus.copyAvailable());
  }

  /** A scratch copy for simulation: same totals, a private copy of what is available. */
  ResourcePool copyAvailable() {
    return new ResourcePool(this, false);
  }

  /** A scratch copy with everything free (to test whether a demand could ever fit). */
  ResourcePool copyEmpty() {
    return new ResourcePool(this, true);
  }

  /** Moves this pool's amounts into a slice of shared arrays (wider or equal width). */
  void attach(long[] t, long[] a, double[] v, int newBase, int newWidth) {
    System.arraycopy(total, base, t, newBase, width);
    System.arraycopy(avail, base, a, newBase, width);
    System.arraycopy(inv, base, v, newBase, width);
    java.util.Arrays.fill(t, newBase + width, newBase + newWidth, 0L);
    java.util.Arrays.fill(a, newBase + width, newBase + newWidth, 0L);
    java.util.Arrays.fill(v, newBase + width, newBase + newWidth, 0.0);
    total = t;
    avail = a;
    inv = v;
    base = newBase;
    width = newWidth;
  }

  /** Takes the amounts out of shared arrays into private ones. */
  void detach() {
    long[] t = new long[width];
    long[] a = new long[width];
    double[] v = new double[width];
    attach(t, a, v, 0, width);
  }

  private void recomputeInverse() {
    for (int i = 0; i < width; i++) {
      long t = total[base + i];
      inv[base + i] = t > 0 ? 1.0 / t : 0;
    }
  }

  boolean fitsAvailable(ResourceRequest r) {
    ResourceSet s = r.resources();
    int[] ids = s.ids;
    long[] am = s.amounts;
    long[] av = avail;
    int b = base;
    long g = 0;
    for (int i = 0; i < ids.length; i++) {
      int id = ids[i];
      if (id >= width || av[b + id] < am[i]) {
        return false;
      }
      if (id == ResourceIds.GPU) {
        g = am[i];
      }
    }
    return g == 0 || (gpus != null && gpus.fitsAvailable(g, r.gpuMemoryBytes()));
  }

  /**
   * One pass: -1 when the request does not fit now, otherwise the utilisation of the requested
   * resources (as {@link #utilization}).
   */
  double scoreIfFits(ResourceRequest r) {
    double u = scalarScore(r);
    return u >= 0 && gpusFit(r) ? u : -1;
  }

  /** As {@link #scoreIfFits} but checking only the scalar amounts, not per-GPU fit. */
  double scalarScore(ResourceRequest r) {
    ResourceSet s = r.resources();
    int[] ids = s.ids;
    if (ids.length == 0) {
      return utilization(s);
    }
    long[] am = s.amounts;
    long[] av = avail;
    long[] t = total;
    double[] v = inv;
    int b = base;
    double u = 0;
    for (int i = 0; i < ids.length; i++) {
      int id = ids[i];
      if (id >= width) {
        return -1;
      }
      int k = b + id;
      long a = av[k];
      if (a < am[i]) {
        return -1;
      }
      double x = (t[k] - a) * v[k];
      if (x > u) {
        u = x;
      }
    }
    return u;
  }

  /** Whether the per-GPU assignment can serve the request now (true without a GPU demand). */
  boolean gpusFit(ResourceRequest r) {
    long g = r.gpuFixed();
    return g == 0 || (gpus != null && gpus.fitsAvailable(g, r.gpuMemoryBytes()));
  }

  /**
   * The utilisation of the pool's most used resource after adding {@code add}, or -1 when the
   * scalar amounts do not fit.
   */
  double utilizationAfter(ResourceSet add) {
    for (int i = 0; i < add.ids.length; i++) {
      if (availOf(add.ids[i]) < add.amounts[i]) {
        return -1;
      }
    }
    double u = 0;
    for (int id = 0; id < width; id++) {
      int k = base + id;
      u = Math.max(u, (total[k] - avail[k] + add.fixed(id)) * inv[k]);
    }
    return u;
  }

  boolean fitsTotal(ResourceRequest r) {
    ResourceSet s = r.resources();
    long g = 0;
    for (int i = 0; i < s.ids.length; i++) {
      int id = s.ids[i];
      if (id >= width || total[base + id] < s.amounts[i]) {
        return false;
      }
      if (id == ResourceIds.GPU) {
        g = s.amounts[i];
      }
    }
    return g == 0 || (gpus != null && gpus.fitsEver(g, r.gpuMemoryBytes()));
  }

  /**
   * Takes a request; returns the GPU shares (empty without GPU), or null if it does not fit now.
   */
  List<GpuShare> take(ResourceRequest r) {
    if (!fitsAvailable(r)) {
      return null;
    }
    ResourceSet s = r.resources();
    long g = r.gpuFixed();
    List<GpuShare> shares = g == 0 ? List.of() : gpus.take(g, r.gpuMemoryBytes());
    for (int i = 0; i < s.ids.length; i++) {
      avail[base + s.ids[i]] -= s.amounts[i];
    }
    return shares;
  }

  void giveBack(ResourceSet s, List<GpuShare> shares) {
    for (int i = 0; i < s.ids.length; i++) {
      avail[base + s.ids[i]] += s.amounts[i];
    }
    if (!shares.isEmpty()) {
      gpus.giveBack(shares);
    }
  }

  /**
   * Utilisation in [0, 1] of the resources a shape uses: the highest used fraction among them (the
   * critical resource). An empty shape looks at every resource of the pool.
   */
  double utilization(ResourceSet shape) {
    double u = 0;
    int[] ids = shape.ids;
    if (ids.length == 0) {
      for (int id = 0; id < width; id++) {
        int k = base + id;
        u = Math.max(u, (total[k] - avail[k]) * inv[k]);
      }
      return u;
    }
    for (int id : ids) {
      if (id < width) {
        int k = base + id;
        u = Math.max(u, (total[k] - avail[k]) * inv[k]);
      }
    }
    return u;
  }

  long totalOf(int id) {
    return id < width ? total[base + id] : 0;
  }

  long availOf(int id) {
    return id < width ? avail[base + id] : 0;
  }

  ResourceSet totalSet() {
    return toSet(total);
  }

  ResourceSet availableSet() {
    return toSet(avail);
  }

  private ResourceSet toSet(long[] a) {
    int n = 0;
    for (int i = 0; i < width; i++) {
      if (a[base + i] != 0) {
        n++;
      }
    }
    if (n == 0) {
      return ResourceSet.empty();
    }
    int[] ids = new int[n];
    long[] am = new long[n];
    int k = 0;
    for (int i = 0; i < width; i++) {
      if (a[base + i] != 0) {
        ids[k] = i;
        am[k++] = a[base + i];
      }
    }
    return new ResourceSet(ids, am);
  }

  /**
   * Replaces the totals, shifting what is available by the same difference. The caller makes sure
   * {@code width} covers every id of {@code totals} (a standalone pool grows itself).
   */
  void updateTotal(ResourceSet totals) {
    if (totals.maxId() >= width) {
      if (base != 0 || total.length != width) {
        throw new IllegalStateException("an attached pool must be widened by its cluster first");
      }
      int w = totals.maxId() + 1;
      attach(new long[w], new long[w], new double[w], 0, w);
    }
    for (int id = 0; id < width; id++) {
      int k = base + id;
      long t = totals.fixed(id);
      avail[k] += t - total[k];
      total[k] = t;
    }
    recomputeInverse();
  }

  /** Overwrites what is available (a remote node's own report), capped at the totals. */
  void reportAvailable(ResourceSet available) {
    for (int id = 0; id < width; id++) {
      int k = base + id;
      avail[k] = Math.min(available.fixed(id), total[k]);
    }
  }
}
