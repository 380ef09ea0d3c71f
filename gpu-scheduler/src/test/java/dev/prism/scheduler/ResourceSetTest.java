package dev.prism.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceSetTest {

  @Test
  void predefinedAndCustomResourcesAreStored() {
    ResourceSet s =
        ResourceSet.builder()
            .cpu(2)
            .gpu(0.25)
            .memory(1024)
            .objectStoreMemory(2048)
            .set("TPU", 4)
            .build();
    assertThat(s.get("CPU")).isEqualTo(2.0);
    assertThat(s.get("GPU")).isEqualTo(0.25);
    assertThat(s.get("memory")).isEqualTo(1024.0);
    assertThat(s.get("object_store_memory")).isEqualTo(2048.0);
    assertThat(s.get("TPU")).isEqualTo(4.0);
    assertThat(s.get("never-seen")).isZero();
    assertThat(s.names()).containsExactly("CPU", "GPU", "TPU", "memory", "object_store_memory");
    assertThat(s.getFixed("GPU")).isEqualTo(2_500L);
  }

  @Test
  void zeroAmountsAreDropped() {
    assertThat(ResourceSet.of("CPU", 0).isEmpty()).isTrue();
    assertThat(ResourceSet.of("CPU", 1, "GPU", 0)).isEqualTo(ResourceSet.of("CPU", 1));
  }

  @Test
  void negativeAmountIsRejectedNamingTheValue() {
    assertThatThrownBy(() -> ResourceSet.of("CPU", -1))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("resource CPU has negative amount -1.0; amounts must be >= 0");
  }

  @Test
  void nanIsRejected() {
    assertThatThrownBy(() -> ResourceSet.of("GPU", Double.NaN))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("resource GPU has amount NaN; give a finite number >= 0");
  }

  @Test
  void infinityIsRejected() {
    assertThatThrownBy(() -> ResourceSet.of("memory", Double.POSITIVE_INFINITY))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("resource memory has infinite amount Infinity; give a finite number >= 0");
  }

  @Test
  void tooLargeIsRejected() {
    assertThatThrownBy(() -> ResourceSet.of("memory", 1e18))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessageStartingWith("resource memory amount 1.0E18 exceeds the maximum");
  }

  @Test
  void belowPrecisionIsRejected() {
    assertThatThrownBy(() -> ResourceSet.of("CPU", 0.00001))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage(
            "resource CPU amount 1.0E-5 is below the precision 0.0001; use 0 or at least 0.0001");
  }

  @Test
  void fractionAboveOneOfUnitResourceIsRejected() {
    assertThatThrownBy(() -> ResourceSet.of("GPU", 1.5))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage(
            "resource GPU=1.5 is invalid: amounts above 1 of a unit resource must be whole"
                + " numbers; use a fraction below 1 or a whole number such as 2");
    assertThatThrownBy(() -> ResourceSet.of("CPU", 2.5)).hasMessageContaining("CPU=2.5 is invalid");
    assertThatThrownBy(() -> ResourceSet.of("my_accel", 3.25))
        .hasMessageContaining("my_accel=3.25 is invalid");
  }

  @Test
  void fractionsBelowOneAndWholeNumbersAreValid() {
    assertThat(ResourceSet.of("GPU", 0.25).get("GPU")).isEqualTo(0.25);
    assertThat(ResourceSet.of("GPU", 1).get("GPU")).isEqualTo(1.0);
    assertThat(ResourceSet.of("GPU", 8).get("GPU")).isEqualTo(8.0);
    assertThat(ResourceSet.of("CPU", 0.5).get("CPU")).isEqualTo(0.5);
  }

  @Test
  void byteResourcesMayBeFractional() {
    assertThat(ResourceSet.of("memory", 1.5).get("memory")).isEqualTo(1.5);
  }

  @Test
  void blankNameIsRejected() {
    assertThatThrownBy(() -> ResourceSet.of(" ", 1))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage(
            "resource name ' ' is blank; use CPU, GPU, memory, object_store_memory or a custom name");
  }

  @Test
  void nullAmountInMapIsRejected() {
    Map<String, Double> m = new HashMap<>();
    m.put("CPU", null);
    assertThatThrownBy(() -> ResourceSet.of(m))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("resource CPU has a null amount; give a number >= 0");
  }

  @Test
  void arithmeticIsExact() {
    ResourceSet a = ResourceSet.of("CPU", 0.1);
    ResourceSet sum = ResourceSet.empty();
    for (int i = 0; i < 1_000_000; i++) {
      sum = i % 2 == 0 ? sum.plus(a) : sum;
    }
    assertThat(sum.get("CPU")).isEqualTo(50_000.0);
    assertThat(ResourceSet.of("CPU", 0.3).minus(ResourceSet.of("CPU", 0.1)).get("CPU"))
        .isEqualTo(0.2);
  }

  @Test
  void minusBelowZeroIsRejected() {
    assertThatThrownBy(() -> ResourceSet.of("CPU", 1).minus(ResourceSet.of("CPU", 2)))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("cannot subtract {CPU=2} from {CPU=1}: the result would be negative");
  }

  @Test
  void fitsInComparesEveryResource() {
    ResourceSet cap = ResourceSet.of("CPU", 4, "GPU", 1);
    assertThat(ResourceSet.of("CPU", 4).fitsIn(cap)).isTrue();
    assertThat(ResourceSet.of("CPU", 1, "TPU", 1).fitsIn(cap)).isFalse();
  }

  @Test
  void toStringAndMapAreReadable() {
    ResourceSet s = ResourceSet.builder().cpu(0.5).gpu(2).build();
    assertThat(s).hasToString("{CPU=0.5, GPU=2}");
    assertThat(s.toMap()).containsEntry("CPU", 0.5).containsEntry("GPU", 2.0);
    assertThat(ResourceSet.of(s.toMap())).isEqualTo(s).hasSameHashCodeAs(s);
  }

  @Test
  void fixedPointFormatting() {
    assertThat(FixedPoint.format(2_500)).isEqualTo("0.25");
    assertThat(FixedPoint.format(40_000)).isEqualTo("4");
    assertThat(FixedPoint.format(-2_500)).isEqualTo("-0.25");
    assertThat(FixedPoint.toFixed("CPU", 0.1 + 0.2)).isEqualTo(3_000);
  }

  @Test
  void requestValidation() {
    assertThatThrownBy(() -> new ResourceRequest(ResourceSet.of("CPU", 1), -1))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("gpuMemoryBytes -1 is negative; give 0 (not stated) or a positive byte count");
    assertThatThrownBy(() -> ResourceRequest.of(ResourceSet.of("CPU", 1)).withGpuMemory(1024))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage(
            "gpuMemoryBytes 1024 was given for a request without GPU {CPU=1};"
                + " also ask for a GPU amount (e.g. GPU=0.25)");
    assertThat(ResourceRequest.of(Map.of("GPU", 0.5)).withGpuMemory(10).gpuMemoryBytes())
        .isEqualTo(10);
  }

  @Test
  void idValidation() {
    assertThatThrownBy(() -> NodeId.of(""))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("node id '' is blank; give a non-empty id");
    assertThatThrownBy(() -> PlacementGroupId.of(" "))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("placement group id ' ' is blank; give a non-empty id");
    assertThatThrownBy(() -> BundleId.of(PlacementGroupId.of("pg"), -2))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("bundle index -2 of group pg is invalid; use 0, 1, ... or BundleId.ANY (-1)");
  }

  @Test
  void sumOverflowIsReportedNotWrapped() {
    ResourceSet big = ResourceSet.of("memory", FixedPoint.MAX_AMOUNT);
    ResourceSet twice = big.plus(big);
    assertThatThrownBy(() -> twice.plus(big))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessageStartingWith("the sum of resource memory overflows the fixed-point range");
  }

  @Test
  void accountedAmountsMayBeFractionsAboveOneButRequestsMayNot() {
    ResourceSet available =
        ResourceSet.builder().setFixed("CPU", 15_000).setFixed("custom", 999_870).build();
    assertThat(available.get("CPU")).isEqualTo(1.5);
    assertThat(available.get("custom")).isEqualTo(99.987);
    assertThatThrownBy(() -> ResourceSet.builder().set("CPU", 1.5))
        .isInstanceOf(InvalidResourceException.class);
    assertThatThrownBy(() -> ResourceSet.builder().setFixed("CPU", -1))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessageContaining("negative");
    assertThat(ResourceSet.builder().setFixed("GPU", 0).build().isEmpty()).isTrue();
  }
}
