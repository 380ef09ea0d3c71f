package dev.prism.scheduler;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Process-wide interning of resource names to dense ids, so resource sets and node accounting are
 * plain arrays indexed by id. The four predefined resources have fixed ids; every other name is a
 * custom resource and gets the next id on first use.
 */
final class ResourceIds {
  static final int CPU = 0;
  static final int GPU = 1;
  static final int MEMORY = 2;
  static final int OBJECT_STORE_MEMORY = 3;

  private static final ConcurrentHashMap<String, Integer> IDS = new ConcurrentHashMap<>();
  private static volatile String[] names = new String[0];

  static {
    intern(Resources.CPU);
    intern(Resources.GPU);
    intern(Resources.MEMORY);
    intern(Resources.OBJECT_STORE_MEMORY);
  }

  private ResourceIds() {}

  static int intern(String name) {
    Integer id = IDS.get(name);
    if (id != null) {
      return id;
    }
    synchronized (ResourceIds.class) {
      id = IDS.get(name);
      if (id != null) {
        return id;
      }
      String[] n = Arrays.copyOf(names, names.length + 1);
      int fresh = names.length;
      n[fresh] = name;
      names = n;
      IDS.put(name, fresh);
      return fresh;
    }
  }

  /** Returns the id of a name, or -1 when the name was never interned. */
  static int lookup(String name) {
    Integer id = IDS.get(name);
    return id == null ? -1 : id;
  }

  static String name(int id) {
    return names[id];
  }

  /** Byte quantities (memory) may be any amount; every other resource is counted in units. */
  static boolean isUnitResource(int id) {
    return id != MEMORY && id != OBJECT_STORE_MEMORY;
  }
}
