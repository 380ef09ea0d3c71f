package dev.prism.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class NodeResourcesTest {
  static final long GIB = 1L << 30;

  static ResourceRequest req(String name, double amount) {
    return ResourceRequest.of(ResourceSet.of(name, amount));
  }

  static ResourceRequest gpu(double amount) {
    return req("GPU", amount);
  }

  static NodeResources gpuNode(int gpus, long memEach) {
    return NodeResources.of(
        NodeSpec.builder("n")
            .cpu(16)
            .gpus(GpuInventory.logical(gpus, "NVIDIA H100", memEach).devices())
            .build());
  }

  @Test
  void allocateAndFreeReturnExactlyWhatWasTaken() {
    NodeResources n =
        NodeResources.of(
            NodeSpec.builder("n1").cpu(4).memory(8 * GIB).resource("custom", 2).build());
    ResourceSet before = n.available();
    Grant g =
        n.allocate(
            ResourceRequest.of(
                ResourceSet.builder().cpu(1.5 - 0.5).memory(GIB).set("custom", 1).build()));
    assertThat(n.available().get("CPU")).isEqualTo(3.0);
    assertThat(n.available().get("memory")).isEqualTo(7.0 * GIB);
    assertThat(n.available().get("custom")).isEqualTo(1.0);
    assertThat(g.nodeId()).isEqualTo(NodeId.of("n1"));
    assertThat(g.bundle()).isEmpty();
    assertThat(n.free(g)).isTrue();
    assertThat(n.available()).isEqualTo(before);
    assertThat(g.isReleased()).isTrue();
  }

  @Test
  void allocateBeyondAvailableFails() {
    NodeResources n = NodeResources.of(NodeSpec.builder("n1").cpu(2).build());
    n.allocate(req("CPU", 2));
    assertThat(n.tryAllocate(req("CPU", 0.5))).isEmpty();
    assertThatThrownBy(() -> n.allocate(req("CPU", 1)))
        .isInstanceOf(InsufficientResourcesException.class)
        .hasMessage(
            "node n1 cannot take {CPU=1} now: available {}; schedule first or retry after a free");
    assertThat(n.isAvailable(req("CPU", 1))).isFalse();
    assertThat(n.isFeasible(req("CPU", 1))).isTrue();
    assertThat(n.isFeasible(req("CPU", 3))).isFalse();
    assertThat(n.isFeasible(req("unknown", 1))).isFalse();
  }

  @Test
  void doubleFreeIsRejected() {
    NodeResources n = NodeResources.of(NodeSpec.builder("n1").cpu(2).build());
    Grant g = n.allocate(req("CPU", 1));
    n.free(g);
    assertThatThrownBy(() -> n.free(g))
        .isInstanceOf(SchedulerException.class)
        .hasMessage(
            "grant Grant{node=n1, {CPU=1}, released} was already freed; free each grant once");
    assertThat(n.available().get("CPU")).isEqualTo(2.0);
  }

  @Test
  void freeOnWrongNodeIsRejected() {
    NodeResources a = NodeResources.of(NodeSpec.builder("a").cpu(2).build());
    NodeResources b = NodeResources.of(NodeSpec.builder("b").cpu(2).build());
    Grant g = a.allocate(req("CPU", 1));
    assertThatThrownBy(() -> b.free(g))
        .isInstanceOf(SchedulerException.class)
        .hasMessage("grant Grant{node=a, {CPU=1}} is from node a, not b; free it on its own node");
  }

  @Test
  void labelsIncludeNodeIdAndAcceleratorType() {
    NodeResources n = gpuNode(2, 80 * GIB);
    assertThat(n.labels())
        .containsEntry(Labels.NODE_ID, "n")
        .containsEntry(Labels.ACCELERATOR_TYPE, "NVIDIA H100");
    NodeResources custom =
        NodeResources.of(
            NodeSpec.builder("m")
                .gpu(1)
                .label(Labels.ACCELERATOR_TYPE, "A100")
                .label("zone", "eu")
                .build());
    assertThat(custom.labels())
        .containsEntry(Labels.ACCELERATOR_TYPE, "A100")
        .containsEntry("zone", "eu");
    assertThat(custom.gpus()).hasSize(1);
  }

  @Test
  void nodeSpecValidation() {
    assertThatThrownBy(
            () -> NodeSpec.builder("x").gpu(2).gpus(GpuInventory.logical(3).devices()).build())
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage(
            "node x declares GPU=2 but lists 3 GPU devices; make them agree or leave one out");
    assertThatThrownBy(() -> NodeSpec.builder("x").resource("GPU", 0.5).build())
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("node x has GPU=0.5; a node's GPU total must be a whole number of devices");
    assertThatThrownBy(
            () -> NodeSpec.builder("x").gpus(List.of(GpuDevice.logical(1, "g", 0))).build())
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("node x GPU at position 0 has index 1; device indexes must be 0..n-1 in order");
    assertThat(
            NodeSpec.builder("x")
                .gpus(GpuInventory.logical(3).devices())
                .build()
                .resources()
                .get("GPU"))
        .isEqualTo(3.0);
  }

  @Test
  void gpuDeviceValidation() {
    assertThatThrownBy(() -> GpuDevice.logical(-1, "g", 0))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("GPU index -1 is negative; use 0, 1, ...");
    assertThatThrownBy(() -> new GpuDevice(0, "", "g", 0, 0, 0, 0))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("GPU 0 has a blank visible id; use its CUDA_VISIBLE_DEVICES token, e.g. \"0\"");
    assertThatThrownBy(() -> GpuDevice.logical(0, "g", -5))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("GPU 0 memory total=-5 free=-5 is negative; use 0 for unknown");
    assertThat(new GpuDevice(0, "0", "H100", 1, 1, 9, 0).computeCapability()).isEqualTo("9.0");
    assertThat(GpuDevice.logical(0, "g", 0).computeCapability()).isEqualTo("unknown");
  }

  @Test
  void fractionalRequestsShareOneDeviceUntilFull() {
    NodeResources n = gpuNode(2, 0);
    Grant a = n.allocate(gpu(0.5));
    Grant b = n.allocate(gpu(0.25));
    Grant c = n.allocate(gpu(0.25));
    assertThat(a.gpuIds()).containsExactly("0");
    assertThat(b.gpuIds()).containsExactly("0");
    assertThat(c.gpuIds()).containsExactly("0");
    Grant d = n.allocate(gpu(0.5));
    assertThat(d.gpuIds()).containsExactly("1");
    assertThat(n.gpuFreeFractions()).containsExactly(0.0, 0.5);
    assertThat(a.gpuShares().get(0).fraction()).isEqualTo(0.5);
  }

  @Test
  void fractionalRequestPrefersTheFullestDeviceThatFits() {
    NodeResources n = gpuNode(3, 0);
    Grant g0 = n.allocate(gpu(0.75));
    n.allocate(gpu(0.5)); // device 1 (device 0 has only 0.25 left)
    Grant x = n.allocate(gpu(0.25));
    assertThat(x.gpuIds()).containsExactly("0");
    n.free(g0);
    assertThat(n.allocate(gpu(0.5)).gpuIds()).containsExactly("1");
  }

  @Test
  void wholeRequestsGetDistinctWholeDevices() {
    NodeResources n = gpuNode(4, 0);
    Grant frac = n.allocate(gpu(0.1));
    Grant two = n.allocate(gpu(2));
    assertThat(two.gpuIds())
        .hasSize(2)
        .doesNotHaveDuplicates()
        .doesNotContain(frac.gpuIds().get(0));
    assertThat(two.gpuShares()).allSatisfy(s -> assertThat(s.fraction()).isEqualTo(1.0));
    Grant one = n.allocate(gpu(1));
    assertThat(one.gpuIds())
        .doesNotContainAnyElementsOf(two.gpuIds())
        .doesNotContain(frac.gpuIds().get(0));
    // three devices are fully taken, the fourth is partly used: no whole device is free
    assertThat(n.tryAllocate(gpu(1))).isEmpty();
    assertThat(n.available().get("GPU")).isEqualTo(0.9);
    n.free(frac);
    assertThat(n.allocate(gpu(1)).gpuIds()).containsExactly(frac.gpuIds().get(0));
  }

  @Test
  void fragmentationIsSeenBeyondTheScalarTotal() {
    NodeResources n = gpuNode(2, 0);
    n.allocate(gpu(0.5));
    n.allocate(gpu(0.75));
    assertThat(n.available().get("GPU")).isEqualTo(0.75);
    assertThat(n.isAvailable(gpu(0.75))).isFalse();
    assertThat(n.isAvailable(gpu(0.5))).isTrue();
  }

  @Test
  void workerEnvironmentListsGrantedDevices() {
    List<GpuDevice> devices =
        List.of(
            new GpuDevice(0, "2", "H100", 80 * GIB, 80 * GIB, 9, 0),
            new GpuDevice(1, "3", "H100", 80 * GIB, 80 * GIB, 9, 0));
    NodeResources n = NodeResources.of(NodeSpec.builder("n").cpu(8).gpus(devices).build());
    Grant g = n.allocate(gpu(2));
    WorkerEnvironment env = g.workerEnvironment();
    assertThat(env.cudaVisibleDevices()).isEqualTo("2,3");
    assertThat(env.gpuIds()).containsExactly("2", "3");
    assertThat(env.variables()).containsEntry("CUDA_VISIBLE_DEVICES", "2,3");
    Grant cpuOnly = n.allocate(req("CPU", 1));
    assertThat(cpuOnly.workerEnvironment().cudaVisibleDevices()).isEmpty();
    assertThat(cpuOnly.workerEnvironment().gpuIds()).isEmpty();
  }

  @Test
  void memoryAwareFractionalRequestsShareOnlyWhenMemoryFits() {
    NodeResources n = gpuNode(2, 80 * GIB);
    Grant a = n.allocate(gpu(0.25).withGpuMemory(60 * GIB));
    assertThat(a.gpuIds()).containsExactly("0");
    // fraction would fit device 0 (0.75 left) but memory does not (20 GiB left)
    Grant b = n.allocate(gpu(0.25).withGpuMemory(30 * GIB));
    assertThat(b.gpuIds()).containsExactly("1");
    Grant c = n.allocate(gpu(0.25).withGpuMemory(20 * GIB));
    assertThat(c.gpuIds()).containsExactly("0");
    assertThat(n.gpuFreeMemory()).containsExactly(0L, 50 * GIB);
    assertThat(n.isAvailable(gpu(0.1).withGpuMemory(51 * GIB))).isFalse();
    n.free(b);
    assertThat(n.gpuFreeMemory()).containsExactly(0L, 80 * GIB);
  }

  @Test
  void memoryAwarePackingPrefersLeastWaste() {
    List<GpuDevice> devices =
        List.of(
            GpuDevice.logical(0, "A100-80", 80 * GIB),
            GpuDevice.logical(1, "A100-40", 40 * GIB),
            GpuDevice.logical(2, "L4-24", 24 * GIB));
    NodeResources n = NodeResources.of(NodeSpec.builder("n").gpus(devices).build());
    assertThat(n.allocate(gpu(0.5).withGpuMemory(20 * GIB)).gpuIds()).containsExactly("2");
    assertThat(n.allocate(gpu(0.5).withGpuMemory(30 * GIB)).gpuIds()).containsExactly("1");
    assertThat(n.allocate(gpu(0.1).withGpuMemory(4 * GIB)).gpuIds()).containsExactly("2");
    assertThat(n.allocate(gpu(0.3).withGpuMemory(50 * GIB)).gpuIds()).containsExactly("0");
    // whole requests take the smallest whole device that fits
    NodeResources m = NodeResources.of(NodeSpec.builder("m").gpus(devices).build());
    assertThat(m.allocate(gpu(1).withGpuMemory(30 * GIB)).gpuIds()).containsExactly("1");
    assertThat(m.tryAllocate(gpu(1).withGpuMemory(81 * GIB))).isEmpty();
    assertThat(m.isFeasible(gpu(1).withGpuMemory(81 * GIB))).isFalse();
  }

  @Test
  void fractionalWithoutStatedMemoryIsChargedItsShare() {
    NodeResources n = gpuNode(1, 80 * GIB);
    n.allocate(gpu(0.5));
    assertThat(n.gpuFreeMemory()).containsExactly(40 * GIB);
    assertThat(n.isAvailable(gpu(0.25).withGpuMemory(41 * GIB))).isFalse();
    assertThat(n.isAvailable(gpu(0.25).withGpuMemory(40 * GIB))).isTrue();
    n.allocate(gpu(0.25));
    n.allocate(gpu(0.25));
    assertThat(n.gpuFreeMemory()).containsExactly(0L);
  }

  @Test
  void statedMemoryNeedsDevicesWithKnownMemory() {
    NodeResources n = gpuNode(1, 0);
    assertThat(n.isFeasible(gpu(0.5).withGpuMemory(GIB))).isFalse();
    assertThat(n.isFeasible(gpu(0.5))).isTrue();
  }

  @Test
  void bundlesPrepareCommitAndReturn() {
    NodeResources n = gpuNode(2, 0);
    PlacementGroupId pg = PlacementGroupId.of("pg");
    BundleId b0 = BundleId.of(pg, 0);
    ResourceSet before = n.available();
    assertThat(n.tryPrepareBundle(b0, ResourceRequest.of(ResourceSet.of("CPU", 4, "GPU", 1))))
        .isTrue();
    assertThat(n.bundleState(b0)).contains(NodeResources.BundleState.PREPARED);
    assertThat(n.available().get("CPU")).isEqualTo(12.0);
    assertThatThrownBy(() -> n.allocateInBundle(b0, req("CPU", 1)))
        .isInstanceOf(PlacementGroupException.class)
        .hasMessage(
            "bundle pg[0] is not committed on node n; commit it first,"
                + " or schedule with the bundle strategy to find its node");
    n.commitBundle(b0);
    Grant g = n.allocateInBundle(b0, ResourceRequest.of(ResourceSet.of("CPU", 1, "GPU", 0.5)));
    assertThat(g.bundle()).contains(b0);
    assertThat(n.bundleAvailable(b0)).isEqualTo(ResourceSet.of("CPU", 3, "GPU", 0.5));
    Grant any =
        n.allocateInBundle(
            BundleId.of(pg, BundleId.ANY), ResourceRequest.of(ResourceSet.of("GPU", 0.5)));
    assertThat(any.gpuIds()).isEqualTo(g.gpuIds());
    assertThat(n.tryAllocateInBundle(b0, gpu(0.1))).isEmpty();
    assertThat(n.free(g)).isTrue();
    assertThat(n.returnBundle(b0)).isEqualTo(ResourceSet.of("CPU", 4, "GPU", 1));
    assertThat(n.available()).isEqualTo(before);
    assertThat(n.free(any)).isFalse();
    assertThat(n.available()).isEqualTo(before);
    assertThat(n.returnBundle(b0)).isEqualTo(ResourceSet.empty());
  }

  @Test
  void bundleStepsOutOfOrderAreRejected() {
    NodeResources n = NodeResources.of(NodeSpec.builder("n").cpu(4).build());
    BundleId b = BundleId.of(PlacementGroupId.of("pg"), 0);
    assertThatThrownBy(() -> n.commitBundle(b))
        .isInstanceOf(PlacementGroupException.class)
        .hasMessage(
            "cannot commit bundle pg[0] on node n: it was not prepared here; prepare it first");
    n.prepareBundle(b, req("CPU", 1));
    assertThatThrownBy(() -> n.prepareBundle(b, req("CPU", 1)))
        .isInstanceOf(PlacementGroupException.class)
        .hasMessage(
            "bundle pg[0] is already PREPARED on node n; return it before preparing it again");
    n.commitBundle(b);
    assertThatThrownBy(() -> n.commitBundle(b))
        .isInstanceOf(PlacementGroupException.class)
        .hasMessage("bundle pg[0] is already committed on node n");
    assertThatThrownBy(
            () ->
                n.prepareBundle(
                    BundleId.of(PlacementGroupId.of("pg"), BundleId.ANY), req("CPU", 1)))
        .isInstanceOf(PlacementGroupException.class)
        .hasMessage("cannot prepare bundle pg[*]: give a concrete bundle index, not ANY");
    assertThatThrownBy(
            () -> n.prepareBundle(BundleId.of(PlacementGroupId.of("pg"), 1), req("CPU", 4)))
        .isInstanceOf(InsufficientResourcesException.class)
        .hasMessage("node n cannot reserve bundle pg[1] {CPU=4} now: available {CPU=3}");
    assertThatThrownBy(() -> n.bundleAvailable(BundleId.of(PlacementGroupId.of("x"), 0)))
        .isInstanceOf(PlacementGroupException.class)
        .hasMessage("bundle x[0] is not on node n");
  }

  @Test
  void gpuBundleGrantsUseOnlyTheBundlesDevices() {
    NodeResources n = gpuNode(4, 0);
    n.allocate(gpu(1));
    BundleId b = BundleId.of(PlacementGroupId.of("pg"), 0);
    n.prepareBundle(b, gpu(2));
    n.commitBundle(b);
    Grant g = n.allocateInBundle(b, gpu(2));
    assertThat(g.gpuIds()).containsExactly("1", "2");
    assertThat(n.allocate(gpu(1)).gpuIds()).containsExactly("3");
  }
}
