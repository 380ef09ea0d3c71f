package dev.prism.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GpuDiscoveryTest {

  /** A fake CUDA runtime with two devices. */
  static class FakeCuda implements CudaProbe {
    final int count;

    FakeCuda(int count) {
      this.count = count;
    }

    @Override
    public int deviceCount() {
      return count;
    }

    @Override
    public DeviceInfo device(int ordinal) {
      return new DeviceInfo("Fake GPU " + ordinal, 80L << 30, 70L << 30, 9, 0);
    }

    @Override
    public String describe() {
      return "fake driver";
    }
  }

  @Test
  void discoveryNeverThrowsAndIsCached() {
    GpuInventory first = GpuDiscovery.discover();
    GpuInventory second = GpuDiscovery.discover();
    assertThat(second).isSameAs(first);
    assertThat(GpuDiscovery.probeCount()).isEqualTo(1);
    if (first.isEmpty()) {
      assertThat(first.source()).isEqualTo(GpuInventory.Source.NONE);
      assertThat(first.detail()).isNotBlank();
    } else {
      assertThat(first.source()).isEqualTo(GpuInventory.Source.CUDA);
    }
  }

  @Test
  void missingDriverGivesACleanNoGpuResult() {
    GpuInventory inv =
        GpuDiscovery.probe(
            null,
            () -> {
              throw new UnsatisfiedLinkError("libcuda.so.1: cannot open shared object file\nmore");
            });
    assertThat(inv.count()).isZero();
    assertThat(inv.source()).isEqualTo(GpuInventory.Source.NONE);
    assertThat(inv.detail())
        .isEqualTo(
            "CUDA is not available: UnsatisfiedLinkError: libcuda.so.1: cannot open shared object file");
    GpuInventory failing =
        GpuDiscovery.probe(
            null,
            () ->
                new FakeCuda(1) {
                  @Override
                  public int deviceCount() {
                    throw new IllegalStateException(
                        "cudaGetDeviceCount failed: CUDA error 100 (no CUDA-capable device is detected)");
                  }
                });
    assertThat(failing.isEmpty()).isTrue();
    assertThat(failing.detail()).contains("no CUDA-capable device");
    assertThat(GpuDiscovery.probe(null, () -> new FakeCuda(0)).detail())
        .isEqualTo("CUDA reports no device (fake driver)");
  }

  @Test
  void devicesAreReportedWithProperties() {
    GpuInventory inv = GpuDiscovery.probe(null, () -> new FakeCuda(2));
    assertThat(inv.source()).isEqualTo(GpuInventory.Source.CUDA);
    assertThat(inv.devices()).extracting(GpuDevice::visibleId).containsExactly("0", "1");
    GpuDevice d = inv.devices().get(1);
    assertThat(d.index()).isEqualTo(1);
    assertThat(d.name()).isEqualTo("Fake GPU 1");
    assertThat(d.totalMemoryBytes()).isEqualTo(80L << 30);
    assertThat(d.freeMemoryBytes()).isEqualTo(70L << 30);
    assertThat(d.computeCapability()).isEqualTo("9.0");
  }

  @Test
  void existingCudaVisibleDevicesIsHonoured() {
    GpuInventory inv = GpuDiscovery.probe("2, 3", () -> new FakeCuda(2));
    assertThat(inv.devices()).extracting(GpuDevice::visibleId).containsExactly("2", "3");
    NodeResources n = NodeResources.of(NodeSpec.builder("n").gpus(inv.devices()).build());
    Grant g = n.allocate(ResourceRequest.of(ResourceSet.of("GPU", 1)));
    assertThat(g.workerEnvironment().cudaVisibleDevices()).isEqualTo("2");
    AtomicInteger created = new AtomicInteger();
    GpuInventory hidden =
        GpuDiscovery.probe(
            "",
            () -> {
              created.incrementAndGet();
              return new FakeCuda(2);
            });
    assertThat(hidden.isEmpty()).isTrue();
    assertThat(hidden.detail()).isEqualTo("CUDA_VISIBLE_DEVICES='' hides every GPU");
    assertThat(created).hasValue(0);
    assertThat(GpuDiscovery.probe("GPU-aaaa,GPU-bbbb,GPU-cccc", () -> new FakeCuda(2)).devices())
        .extracting(GpuDevice::visibleId)
        .containsExactly("GPU-aaaa", "GPU-bbbb");
  }

  @Test
  void visibleDevicesParsing() {
    assertThat(GpuDiscovery.parseVisibleDevices("0,1,2")).containsExactly("0", "1", "2");
    assertThat(GpuDiscovery.parseVisibleDevices(" 1 , ,3")).containsExactly("1", "3");
    assertThat(GpuDiscovery.parseVisibleDevices("1,-1,2")).containsExactly("1");
    assertThat(GpuDiscovery.parseVisibleDevices("-1")).isEmpty();
    assertThat(GpuDiscovery.parseVisibleDevices("")).isEmpty();
  }

  @Test
  void logicalGpusOverrideDiscovery() {
    GpuInventory logical = GpuInventory.logical(4, "logical-A100", 40L << 30);
    assertThat(GpuDiscovery.discoverOr(logical)).isSameAs(logical);
    assertThat(GpuDiscovery.discoverOr(null)).isSameAs(GpuDiscovery.discover());
    assertThat(logical.source()).isEqualTo(GpuInventory.Source.LOGICAL);
    assertThat(logical.devices())
        .extracting(GpuDevice::visibleId)
        .containsExactly("0", "1", "2", "3");
    assertThat(logical.devices())
        .allSatisfy(d -> assertThat(d.totalMemoryBytes()).isEqualTo(40L << 30));
    assertThat(GpuInventory.logical(2).devices())
        .allSatisfy(d -> assertThat(d.totalMemoryBytes()).isZero());
    GpuInventory mixed =
        GpuInventory.logical(
            List.of(
                GpuDevice.logical(0, "big", 80L << 30), GpuDevice.logical(1, "small", 16L << 30)));
    assertThat(mixed.count()).isEqualTo(2);
    NodeSpec spec = NodeSpec.builder("n").gpus(mixed.devices()).build();
    assertThat(spec.resources().get("GPU")).isEqualTo(2.0);
    assertThat(spec.labels()).containsEntry(Labels.ACCELERATOR_TYPE, "big");
    assertThatThrownBy(() -> GpuInventory.logical(-1))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("logical GPU count -1 is negative; use 0 or more");
  }

  @Test
  void realGpuDevicesAreSane() {
    GpuInventory inv = GpuDiscovery.discover();
    assumeTrue(inv.count() >= 1, "no CUDA device on this machine: " + inv.detail());
    assertThat(inv.source()).isEqualTo(GpuInventory.Source.CUDA);
    for (GpuDevice d : inv.devices()) {
      System.out.printf(
          "GPU %d (%s): %s, %d MiB total, %d MiB free, compute %s%n",
          d.index(),
          d.visibleId(),
          d.name(),
          d.totalMemoryBytes() >> 20,
          d.freeMemoryBytes() >> 20,
          d.computeCapability());
      assertThat(d.name()).isNotBlank();
      assertThat(d.totalMemoryBytes()).isGreaterThan(256L << 20);
      assertThat(d.freeMemoryBytes()).isBetween(1L, d.totalMemoryBytes());
      assertThat(d.computeMajor()).isGreaterThanOrEqualTo(3);
    }
    NodeResources n =
        NodeResources.of(NodeSpec.builder("local").cpu(1).gpus(inv.devices()).build());
    Grant g =
        n.allocate(
            ResourceRequest.of(ResourceSet.of("GPU", 0.5))
                .withGpuMemory(inv.devices().get(0).totalMemoryBytes() / 4));
    assertThat(g.gpuIds()).hasSize(1);
  }
}
