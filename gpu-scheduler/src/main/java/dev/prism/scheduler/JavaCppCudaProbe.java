package dev.prism.scheduler;

import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.SizeTPointer;

/** CUDA runtime calls through JavaCPP. Loading fails with UnsatisfiedLinkError without a driver. */
final class JavaCppCudaProbe implements CudaProbe {
  static final String CACHE_DIR_PROPERTY = "org.bytedeco.javacpp.cachedir";

  JavaCppCudaProbe() {
    if (System.getProperty(CACHE_DIR_PROPERTY) == null) {
      System.setProperty(
          CACHE_DIR_PROPERTY,
          System.getProperty("java.io.tmpdir")
              + "/prism-javacpp-cache-"
              + System.getProperty("user.name", "user"));
    }
    Loader.load(cudart.class);
  }

  private static void check(int err, String what) {
    if (err != cudart.cudaSuccess) {
      throw new IllegalStateException(
          what
              + " failed: CUDA error "
              + err
              + " ("
              + cudart.cudaGetErrorString(err).getString()
              + ")");
    }
  }

  @Override
  public int deviceCount() {
    int[] count = new int[1];
    check(cudart.cudaGetDeviceCount(count), "cudaGetDeviceCount");
    return count[0];
  }

  @Override
  public DeviceInfo device(int ordinal) {
    try (cudaDeviceProp prop = new cudaDeviceProp();
        SizeTPointer free = new SizeTPointer(1);
        SizeTPointer total = new SizeTPointer(1)) {
      check(
          cudart.cudaGetDeviceProperties(prop, ordinal),
          "cudaGetDeviceProperties(" + ordinal + ")");
      long freeBytes = 0;
      if (cudart.cudaSetDevice(ordinal) == cudart.cudaSuccess
          && cudart.cudaMemGetInfo(free, total) == cudart.cudaSuccess) {
        freeBytes = free.get();
        // release the context cudaMemGetInfo created, so discovery holds no device memory
        cudart.cudaDeviceReset();
      }
      return new DeviceInfo(
          prop.name().getString().trim(),
          prop.totalGlobalMem(),
          freeBytes,
          prop.major(),
          prop.minor());
    }
  }

  @Override
  public String describe() {
    int[] v = new int[1];
    return cudart.cudaDriverGetVersion(v) == cudart.cudaSuccess
        ? "CUDA driver " + v[0] / 1000 + "." + (v[0] % 1000) / 10
        : "CUDA driver version unknown";
  }
}
