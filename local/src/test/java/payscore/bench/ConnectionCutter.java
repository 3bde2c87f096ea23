package payscore.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP forwarder in front of moto whose connections can all be cut at once: what a
 * SnapStart restore does to the connections a snapshot holds, so the restore path opens them fresh.
 */
final class ConnectionCutter implements AutoCloseable {
  private final ServerSocket server;
  private final URI target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  ConnectionCutter(URI target) throws IOException {
    this.target = target;
    this.server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
    daemon(this::accept, "cutter-accept").start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  /** Closes every connection open now; new ones are accepted as before. */
  void cutAll() {
    for (Socket socket : open) close(socket);
    open.clear();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(target.getHost(), target.getPort());
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        open.add(client);
        open.add(upstream);
        daemon(() -> pump(client, upstream), "cutter-up").start();
        daemon(() -> pump(upstream, client), "cutter-down").start();
      } catch (IOException e) {
        // closed, or moto refused: the client sees its connection fail
      }
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16_384];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // cut or closed
    } finally {
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
