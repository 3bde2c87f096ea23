package payscore;

/**
 * Installs Amazon Corretto Crypto Provider (AWS-LC's native RSA and SHA-2) as the first JCA
 * provider when its jar is on the classpath, before any crypto runs. When its native library
 * cannot load (another OS or CPU), nothing is installed and the JDK's providers stay in use.
 * Not in an on-demand INIT: loading it costs about 300 ms of CPU, which a SnapStart snapshot (or
 * provisioned concurrency) pays once, but which would make every cold start without a snapshot
 * slower than the RSA time it saves on the first requests.
 */
final class NativeCrypto {
  static final String PROVIDER = "com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider";

  private NativeCrypto() {}

  /**
   * @param initializationType Lambda's {@code AWS_LAMBDA_INITIALIZATION_TYPE}
   * @return why the JDK's own providers are used, or null when ACCP is installed, absent or skipped
   */
  static String install(String initializationType) {
    if ("on-demand".equals(initializationType)) return null;
    Class<?> accp;
    try {
      accp = Class.forName(PROVIDER);
    } catch (ClassNotFoundException | LinkageError absent) {
      return null;
    }
    try {
      Object instance = accp.getField("INSTANCE").get(null);
      Object loadingError = accp.getMethod("getLoadingError").invoke(instance);
      if (loadingError != null) return "ACCP not loaded, JDK crypto in use (" + loadingError.getClass().getSimpleName() + ")";
      accp.getMethod("install").invoke(null);
      accp.getMethod("assertHealthy").invoke(instance);
      return null;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      java.security.Security.removeProvider("AmazonCorrettoCryptoProvider");
      return "ACCP not installed, JDK crypto in use (" + e.getClass().getSimpleName() + ")";
    }
  }
}
