package dev.prism.scheduler;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-device GPU accounting of a node or a bundle: for each device slot, the fraction and memory it
 * offers ({@code cap*}) and has left ({@code avail*}).
 *
 * <p>Rules: a fractional request (below 1) takes part of one device whose remaining fraction and
 * memory fit it, choosing the best fit (least memory left over when memory was stated, otherwise
 * least fraction left over, then lowest index), so fractional requests fill one device before
 * opening another. A whole request of n takes n distinct, entirely free whole devices, preferring
 * the smallest that fit its memory. A fractional request that states no memory is charged its
 * fraction of the device's memory; a request that states memory cannot use a device whose memory is
 * unknown.
 */
final class GpuInstances {
  private static final long SCALE = FixedPoint.SCALE;

  final int[] deviceIndex;
  final String[] visibleIds;
  final long[] fullMem;
  final long[] capFrac;
  final long[] capMem;
  final long[] availFrac;
  final long[] availMem;

  private GpuInstances(int n) {
    deviceIndex = new int[n];
    visibleIds = new String[n];
    fullMem = new long[n];
    capFrac = new long[n];
    capMem = new long[n];
    availFrac = new long[n];
    availMem = new long[n];
  }

  private GpuInstances(GpuInstances o, boolean empty) {
    deviceIndex = o.deviceIndex;
    visibleIds = o.visibleIds;
    fullMem = o.fullMem;
    capFrac = o.capFrac;
    capMem = o.capMem;
    availFrac = (empty ? o.capFrac : o.availFrac).clone();
    availMem = (empty ? o.capMem : o.availMem).clone();
  }

  static GpuInstances forDevices(List<GpuDevice> devices) {
    GpuInstances g = new GpuInstances(devices.size());
    for (int i = 0; i < devices.size(); i++) {
      GpuDevice d = devices.get(i);
      g.deviceIndex[i] = d.index();
      g.visibleIds[i] = d.visibleId();
      g.fullMem[i] = d.totalMemoryBytes();
      g.capFrac[i] = SCALE;
      g.capMem[i] = d.totalMemoryBytes();
      g.availFrac[i] = SCALE;
      g.availMem[i] = d.totalMemoryBytes();
    }
    return g;
  }

  /** A sub-pool over shares of a node's devices (a bundle's reservation). */
  static GpuInstances forShares(List<GpuShare> shares, GpuInstances node) {
    GpuInstances g = new GpuInstances(shares.size());
    for (int i = 0; i < shares.size(); i++) {
      GpuShare s = shares.get(i);
      g.deviceIndex[i] = s.deviceIndex();
      g.visibleIds[i] = s.visibleId();
      g.fullMem[i] = node.fullMem[node.slotOf(s.deviceIndex())];
      g.capFrac[i] = s.fractionFixed();
      g.capMem[i] = s.memoryBytes();
      g.availFrac[i] = s.fractionFixed();
      g.availMem[i] = s.memoryBytes();
    }
    return g;
  }

  GpuInstances copyAvailable() {
    return new GpuInstances(this, false);
  }

  GpuInstances copyEmpty() {
    return new GpuInstances(this, true);
  }

  int size() {
    return deviceIndex.length;
  }

  int slotOf(int device) {
    for (int i = 0; i < deviceIndex.length; i++) {
      if (deviceIndex[i] == device) {
        return i;
      }
    }
    throw new IllegalStateException("GPU device " + device + " is not in this pool");
  }

  private long memNeed(int slot, long g, long mem) {
    if (mem > 0) {
      return mem;
    }
    return fullMem[slot] * g / SCALE;
  }

  private boolean memOk(int slot, long need, long mem, long[] availM) {
    if (fullMem[slot] == 0) {
      return mem == 0;
    }
    return availM[slot] >= need;
  }

  /** Best slot for a fractional request, or -1. */
  private int bestFractional(long g, long mem, long[] availF, long[] availM) {
    int best = -1;
    long bestPrimary = Long.MAX_VALUE;
    long bestSecondary = Long.MAX_VALUE;
    for (int i = 0; i < deviceIndex.length; i++) {
      if (availF[i] < g) {
        continue;
      }
      long need = memNeed(i, g, mem);
      if (!memOk(i, need, mem, availM)) {
        continue;
      }
      long fracLeft = availF[i] - g;
      long memLeft = fullMem[i] == 0 ? 0 : availM[i] - need;
      long primary = mem > 0 ? memLeft : fracLeft;
      long secondary = mem > 0 ? fracLeft : memLeft;
      if (primary < bestPrimary || (primary == bestPrimary && secondary < bestSecondary)) {
        best = i;
        bestPrimary = primary;
        bestSecondary = secondary;
      }
    }
    return best;
  }

  private boolean wholeEligible(int i, long mem, long[] availF, long[] availM) {
    return capFrac[i] == SCALE
        && availF[i] == SCALE
        && availM[i] == capMem[i]
        && (mem == 0 || fullMem[i] >= mem);
  }

  private int countWhole(long mem, long[] availF, long[] availM) {
    int c = 0;
    for (int i = 0; i < deviceIndex.length; i++) {
      if (wholeEligible(i, mem, availF, availM)) {
        c++;
      }
    }
    return c;
  }

  private boolean fits(long g, long mem, long[] availF, long[] availM) {
    if (g == 0) {
      return true;
    }
    if (g < SCALE) {
      return bestFractional(g, mem, availF, availM) >= 0;
    }
    return countWhole(mem, availF, availM) >= g / SCALE;
  }

  boolean fitsAvailable(long g, long mem) {
    return fits(g, mem, availFrac, availMem);
  }

  boolean fitsEver(long g, long mem) {
    return fits(g, mem, capFrac, capMem);
  }

  /** Takes the devices for a request, or returns null when it does not fit now. */
  List<GpuShare> take(long g, long mem) {
    if (g < SCALE) {
      int s = bestFractional(g, mem, availFrac, availMem);
      if (s < 0) {
        return null;
      }
      long need = fullMem[s] == 0 ? 0 : memNeed(s, g, mem);
      availFrac[s] -= g;
      availMem[s] -= need;
      return List.of(new GpuShare(deviceIndex[s], visibleIds[s], g, need));
    }
    int n = (int) (g / SCALE);
    if (countWhole(mem, availFrac, availMem) < n) {
      return null;
    }
    List<GpuShare> out = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      int best = -1;
      for (int i = 0; i < deviceIndex.length; i++) {
        if (wholeEligible(i, mem, availFrac, availMem)
            && (best < 0 || fullMem[i] < fullMem[best])) {
          best = i;
        }
      }
      out.add(new GpuShare(deviceIndex[best], visibleIds[best], SCALE, availMem[best]));
      availFrac[best] = 0;
      availMem[best] = 0;
    }
    out.sort((a, b) -> Integer.compare(a.deviceIndex(), b.deviceIndex()));
    return List.copyOf(out);
  }

  void giveBack(List<GpuShare> shares) {
    for (GpuShare s : shares) {
      int slot = slotOf(s.deviceIndex());
      availFrac[slot] += s.fractionFixed();
      availMem[slot] += s.memoryBytes();
    }
  }

  /** The most memory any single device slot could ever give a request. */
  long largestMemory() {
    long m = 0;
    for (long f : fullMem) {
      m = Math.max(m, f);
    }
    return m;
  }
}
