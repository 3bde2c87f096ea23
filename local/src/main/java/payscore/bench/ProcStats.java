package payscore.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What Linux says about another process: CPU time from {@code /proc/<pid>/stat} (user + system, all
 * threads), the JIT compiler threads' CPU from {@code /proc/<pid>/task/* /stat}, peak RSS (VmHWM).
 */
final class ProcStats {
  /** USER_HZ: the unit of the stat files' CPU fields (100 on Linux x86_64). */
  private static final double MS_PER_TICK = 10.0;

  private ProcStats() {}

  /** Process CPU time, user + system, in ms (10 ms resolution). */
  static double cpuMillis(long pid) {
    return ticks(Path.of("/proc", Long.toString(pid), "stat")) * MS_PER_TICK;
  }

  /** CPU time of the threads named "C1 CompilerThre…" and "C2 CompilerThre…" (HotSpot's JIT), in ms. */
  static double jitMillis(long pid) {
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      return tasks.mapToDouble(task -> {
        Path stat = task.resolve("stat");
        String name = comm(stat);
        return name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre") ? ticks(stat) * MS_PER_TICK : 0;
      }).sum();
    } catch (IOException e) {
      return 0;
    }
  }

  /** Peak resident set size (VmHWM) in MiB. */
  static double peakRssMiB(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    } catch (IOException e) {
      // gone
    }
    return 0;
  }

  private static String comm(Path stat) {
    try {
      String text = Files.readString(stat);
      return text.substring(text.indexOf('(') + 1, text.lastIndexOf(')'));
    } catch (IOException e) {
      return "";
    }
  }

  /** utime + stime: fields 14 and 15, counted after the parenthesised name (which may hold spaces). */
  private static long ticks(Path stat) {
    try {
      String text = Files.readString(stat);
      String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
