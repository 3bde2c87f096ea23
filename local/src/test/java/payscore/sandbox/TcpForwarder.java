package payscore.sandbox;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Forwards a port to one on 127.0.0.1, byte for byte. Lets {@code sam local}'s containers reach moto
 * and the WeChat Pay simulator, which listen on loopback only, at the fixed ports events/env.json
 * names, without either of them listening on every interface.
 */
final class TcpForwarder implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;

  TcpForwarder(String bindAddress, int port, int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    try {
      server.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), port), 50);
    } catch (java.net.BindException e) {
      server.close();
      throw new LocalSandbox.PortInUseException(port);
    }
    daemon(this::accept, "forward-" + port).start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        AtomicInteger open = new AtomicInteger(2);
        daemon(() -> pump(client, target, open), "forward-in").start();
        daemon(() -> pump(target, client, open), "forward-out").start();
      } catch (IOException e) {
        // closed, or the target refused one connection: keep serving the others
      }
    }
  }

  /** Copies one direction; the second direction to finish closes both sockets. */
  private static void pump(Socket from, Socket to, AtomicInteger open) {
    try {
      from.getInputStream().transferTo(to.getOutputStream());
      to.shutdownOutput();
    } catch (IOException e) {
      // one side went away
    }
    if (open.decrementAndGet() == 0) {
      try (from; to) {
        // both directions done
      } catch (IOException ignored) {
        // already closed
      }
    }
  }

  private static Thread daemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    return thread;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
