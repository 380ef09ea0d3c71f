package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The key-value store: one sorted map per namespace. Thread safe (one monitor). */
final class KvTable {

  private final Map<String, TreeMap<String, ByteString>> namespaces = new HashMap<>();

  /** Stores a value; returns true when the key was new. Without overwrite an old value stays. */
  synchronized boolean put(String namespace, String key, ByteString value, boolean overwrite) {
    TreeMap<String, ByteString> ns = namespaces.computeIfAbsent(namespace, n -> new TreeMap<>());
    if (overwrite) {
      return ns.put(key, value) == null;
    }
    return ns.putIfAbsent(key, value) == null;
  }

  synchronized Optional<ByteString> get(String namespace, String key) {
    TreeMap<String, ByteString> ns = namespaces.get(namespace);
    return ns == null ? Optional.empty() : Optional.ofNullable(ns.get(key));
  }

  synchronized boolean delete(String namespace, String key) {
    TreeMap<String, ByteString> ns = namespaces.get(namespace);
    if (ns == null || ns.remove(key) == null) {
      return false;
    }
    if (ns.isEmpty()) {
      namespaces.remove(namespace);
    }
    return true;
  }

  /** Returns the keys of a namespace that start with the prefix, sorted. */
  synchronized List<String> keys(String namespace, String prefix) {
    TreeMap<String, ByteString> ns = namespaces.get(namespace);
    if (ns == null) {
      return List.of();
    }
    if (prefix.isEmpty()) {
      return new ArrayList<>(ns.keySet());
    }
    List<String> out = new ArrayList<>();
    for (String k : ns.tailMap(prefix, true).keySet()) {
      if (!k.startsWith(prefix)) {
        break;
      }
      out.add(k);
    }
    return out;
  }

  /** Returns, per namespace (sorted), the entries whose keys start with the prefix, sorted. */
  synchronized Map<String, Map<String, ByteString>> withPrefix(String prefix) {
    Map<String, Map<String, ByteString>> out = new TreeMap<>();
    namespaces.forEach(
        (name, ns) -> {
          Map<String, ByteString> found = new TreeMap<>();
          for (Map.Entry<String, ByteString> e : ns.tailMap(prefix, true).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
              break;
            }
            found.put(e.getKey(), e.getValue());
          }
          if (!found.isEmpty()) {
            out.put(name, found);
          }
        });
    return out;
  }
}
