package payscore.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Forwards a port to one on 127.0.0.1, byte for byte. The sandbox uses it so that {@code sam local}'s
 * containers reach moto and the simulator, which listen on loopback only; the benchmark puts one in
 * front of moto and cuts its connections, as a SnapStart restore does to those a snapshot holds.
 */
public final class TcpForwarder implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  /**
   * @param port 0 for a free one
   * @throws java.net.BindException when the port is in use
   */
  public TcpForwarder(String bindAddress, int port, int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    try {
      server.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), port), 100);
    } catch (IOException e) {
      server.close();
      throw e;
    }
    daemon(this::accept, "forward-" + port).start();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** The forwarded address on loopback, for a client on this machine. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port());
  }

  /** Closes every connection open now; new ones are accepted as before. */
  public void cutAll() {
    for (Socket socket : open) close(socket);
    open.clear();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        client.setTcpNoDelay(true);
        target.setTcpNoDelay(true);
        open.add(client);
        open.add(target);
        AtomicInteger directions = new AtomicInteger(2);
        daemon(() -> pump(client, target, directions), "forward-in").start();
        daemon(() -> pump(target, client, directions), "forward-out").start();
      } catch (IOException e) {
        // closed, or the target refused one connection: keep serving the others
      }
    }
  }

  /** Copies one direction; the second direction to finish closes both sockets. */
  private void pump(Socket from, Socket to, AtomicInteger directions) {
    try {
      from.getInputStream().transferTo(to.getOutputStream());
      to.shutdownOutput();
    } catch (IOException e) {
      // one side went away, or the connection was cut
    }
    if (directions.decrementAndGet() == 0) {
      close(from);
      close(to);
      open.remove(from);
      open.remove(to);
    }
  }

  private static void close(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
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
    cutAll();
  }
}
