/**
 * Runnable demonstrations of the store on its own, outside any Prism cluster: {@link
 * dev.prism.store.tools.StoreDemo} puts objects from one JVM and reads them zero-copy from another.
 */
package dev.prism.store.tools;
