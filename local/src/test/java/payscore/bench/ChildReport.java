package payscore.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a benchmark child process says about itself: CPU, memory, classes, on one line. */
final class ChildReport {
  private ChildReport() {}

  /** CPU time of the whole process (all threads, JIT and GC included), in ms. */
  static double processCpuMillis() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime() / 1e6;
  }

  /** Peak heap in use, in MiB: the sum of every heap pool's peak. */
  static double peakHeapMiB() {
    long bytes = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) bytes += pool.getPeakUsage().getUsed();
    }
    return bytes / 1048576.0;
  }

  /** Peak resident set size (VmHWM), in MiB. */
  static double peakRssMiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    } catch (java.io.IOException e) {
      // not Linux: reported as 0
    }
    return 0;
  }

  static int loadedClasses() {
    return ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
  }

  /** {@code RESULT key=value …}, the line the parent reads. */
  static void print(String... pairs) {
    System.out.println("RESULT " + String.join(" ", pairs));
    System.out.flush();
  }
}
