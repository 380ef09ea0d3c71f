package dev.prism.scheduler;

import java.util.Arrays;
import java.util.List;

/**
 * Dense accounting of one pool (a node or a committed bundle): total and available amounts as
 * arrays indexed by interned resource id, plus per-device GPU accounting. Not thread-safe.
 */
final class ResourcePool {
    long[] total;
    long[] avail;
    double[] invTotal;
    final GpuInstances gpus;
    /** Set when the node or bundle is gone; frees into it are then ignored. */
    boolean removed;

    ResourcePool(ResourceSet totals, GpuInstances gpus) {
        int width = totals.maxId() + 1;
        total = new long[width];
        avail = new long[width];
        invTotal = new double[width];
        for (int i = 0; i < totals.ids.length; i++) {
            total[totals.ids[i]] = totals.amounts[i];
            avail[totals.ids[i]] = totals.amounts[i];
        }
        recomputeInverse();
        this.gpus = gpus;
    }

    private ResourcePool(ResourcePool o, boolean empty) {
        total = o.total;
        invTotal = o.invTotal;
        avail = (empty ? o.total : o.avail).clone();
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

    private void recomputeInverse() {
        invTotal = new double[total.length];
        for (int i = 0; i < total.length; i++) {
            invTotal[i] = total[i] > 0 ? 1.0 / total[i] : 0;
        }
    }

    boolean fitsAvailable(ResourceRequest r) {
        ResourceSet s = r.resources();
        int[] ids = s.ids;
        long[] am = s.amounts;
        long[] av = avail;
        long g = 0;
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id >= av.length || av[id] < am[i]) {
                return false;
            }
            if (id == ResourceIds.GPU) {
                g = am[i];
            }
        }
        return g == 0 || (gpus != null && gpus.fitsAvailable(g, r.gpuMemoryBytes()));
    }

    /**
     * One pass for the hot path: -1 when the request does not fit now, otherwise the
     * utilisation of the requested resources (as {@link #utilization}).
     */
    double scoreIfFits(ResourceRequest r) {
        ResourceSet s = r.resources();
        int[] ids = s.ids;
        long[] am = s.amounts;
        long[] av = avail;
        long[] t = total;
        double[] inv = invTotal;
        double u = 0;
        long g = 0;
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id >= av.length) {
                return -1;
            }
            long a = av[id];
            if (a < am[i]) {
                return -1;
            }
            double x = (t[id] - a) * inv[id];
            if (x > u) {
                u = x;
            }
            if (id == ResourceIds.GPU) {
                g = am[i];
            }
        }
        if (ids.length == 0) {
            return utilization(s);
        }
        if (g != 0 && (gpus == null || !gpus.fitsAvailable(g, r.gpuMemoryBytes()))) {
            return -1;
        }
        return u;
    }

    boolean fitsTotal(ResourceRequest r) {
        ResourceSet s = r.resources();
        long g = 0;
        for (int i = 0; i < s.ids.length; i++) {
            int id = s.ids[i];
            if (id >= total.length || total[id] < s.amounts[i]) {
                return false;
            }
            if (id == ResourceIds.GPU) {
                g = s.amounts[i];
            }
        }
        return g == 0 || (gpus != null && gpus.fitsEver(g, r.gpuMemoryBytes()));
    }

    /** Takes a request that fits; returns the GPU shares (empty without GPU), or null if it does not fit. */
    List<GpuShare> take(ResourceRequest r) {
        if (!fitsAvailable(r)) {
            return null;
        }
        ResourceSet s = r.resources();
        long g = r.gpuFixed();
        List<GpuShare> shares = g == 0 ? List.of() : gpus.take(g, r.gpuMemoryBytes());
        for (int i = 0; i < s.ids.length; i++) {
            avail[s.ids[i]] -= s.amounts[i];
        }
        return shares;
    }

    void giveBack(ResourceSet s, List<GpuShare> shares) {
        for (int i = 0; i < s.ids.length; i++) {
            avail[s.ids[i]] += s.amounts[i];
        }
        if (!shares.isEmpty()) {
            gpus.giveBack(shares);
        }
    }

    /**
     * Utilisation in [0, 1] of the resources a shape uses: the highest used fraction among them
     * (the critical resource). An empty shape looks at every resource of the pool.
     */
    double utilization(ResourceSet shape) {
        double u = 0;
        int[] ids = shape.ids;
        if (ids.length == 0) {
            for (int id = 0; id < total.length; id++) {
                u = Math.max(u, (total[id] - avail[id]) * invTotal[id]);
            }
            return u;
        }
        long[] t = total;
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < t.length) {
                double x = (t[id] - avail[id]) * invTotal[id];
                if (x > u) {
                    u = x;
                }
            }
        }
        return u;
    }

    long totalOf(int id) {
        return id < total.length ? total[id] : 0;
    }

    long availOf(int id) {
        return id < avail.length ? avail[id] : 0;
    }

    ResourceSet totalSet() {
        return toSet(total);
    }

    ResourceSet availableSet() {
        return toSet(avail);
    }

    private static ResourceSet toSet(long[] a) {
        int n = 0;
        for (long v : a) {
            if (v != 0) {
                n++;
            }
        }
        int[] ids = new int[n];
        long[] am = new long[n];
        int k = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] != 0) {
                ids[k] = i;
                am[k++] = a[i];
            }
        }
        return n == 0 ? ResourceSet.empty() : new ResourceSet(ids, am);
    }

    /** Replaces the totals, shifting what is available by the same difference. */
    void updateTotal(ResourceSet totals) {
        int width = Math.max(total.length, totals.maxId() + 1);
        long[] t = new long[width];
        for (int i = 0; i < totals.ids.length; i++) {
            t[totals.ids[i]] = totals.amounts[i];
        }
        long[] a = Arrays.copyOf(avail, width);
        for (int id = 0; id < width; id++) {
            a[id] += t[id] - (id < total.length ? total[id] : 0);
        }
        total = t;
        avail = a;
        recomputeInverse();
    }

    /** Overwrites what is available (a remote node's own report). */
    void reportAvailable(ResourceSet available) {
        long[] a = new long[total.length];
        for (int i = 0; i < available.ids.length; i++) {
            int id = available.ids[i];
            if (id < a.length) {
                a[id] = Math.min(available.amounts[i], total[id]);
            }
        }
        avail = a;
    }
}
