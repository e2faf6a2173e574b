package streamlearn.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The learner's HTTP endpoint, on the JDK's built-in HTTP server: {@code GET /metrics}
 * (Prometheus text format) and {@code GET /health} (200 when the streams instance is RUNNING, 503
 * otherwise), and, once the learner runs, what {@link LearnerHttpApi} adds (predictions and models
 * on request, the live page). Bound to {@code metrics.host} (loopback by default).
 */
public final class MetricsServer implements AutoCloseable {
    /** The JDK server's switch for TCP_NODELAY on the connections it accepts; read once, when its first server starts. */
    static final String NODELAY = "sun.net.httpserver.nodelay";
    /** The JDK server's cap on idle keep-alive connections; read once, like {@link #NODELAY}. */
    static final String MAX_IDLE_CONNECTIONS = "sun.net.httpserver.maxIdleConnections";

    static {
        // The JDK server writes a response's headers and its body apart; with Nagle's algorithm on,
        // the body waits for the client's (delayed) acknowledgement of the headers, a delayed-ACK
        // timeout per request on a keep-alive connection (docs/BENCHMARKS.md).
        defaultProperty(NODELAY, "true");
        // With as many idle connections as its cap (200 by default), the JDK server closes the
        // connection it has just answered on instead of keeping it, and its response did not say
        // "Connection: close": the client sends its next request on it and reads nothing ("header
        // parser received no bytes"). A client that sent a burst holds as many connections as it
        // had requests in flight, hundreds under load. No cap: an idle connection still closes
        // after the server's idle interval (30 s), and the process's file limit bounds open ones
        // with or without a cap.
        defaultProperty(MAX_IDLE_CONNECTIONS, String.valueOf(Integer.MAX_VALUE));
    }

    /** Sets a JDK server property unless the user set it (-D). */
    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }

    /** Threads serving requests: a forwarded request waits on another instance, so one is not enough. */
    static final int THREADS = 8;
    private final HttpServer server;
    private final ExecutorService executor;
    private final String host;

    private MetricsServer(HttpServer server, ExecutorService executor, String host) {
        this.server = server;
        this.executor = executor;
        this.host = host;
    }

    public static MetricsServer start(int port, PrometheusMeterRegistry registry, BooleanSupplier healthy) {
        return start(StreamlearnConfig.DEFAULT_METRICS_HOST, port, registry, healthy);
    }

    /**
     * @param host the address to bind ({@code metrics.host}): a name or an IP address; 0.0.0.0 binds every interface
     */
    public static MetricsServer start(String host, int port, PrometheusMeterRegistry registry, BooleanSupplier healthy) {
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (IOException e) {
            throw new UsageException("metrics.host " + host + ": not an address of this machine (" + e.getMessage() + ")");
        }
        HttpServer server;
        try {
            server = HttpServer.create(address, 1024);
        } catch (IOException e) {
            throw new UsageException("metrics.port " + port + " on " + host + ": cannot listen (" + e.getMessage() + ")");
        }
        server.createContext("/metrics", exchange -> respond(exchange, 200,
                "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        server.createContext("/health", exchange -> {
            boolean up = healthy.getAsBoolean();
            respond(exchange, up ? 200 : 503, "text/plain; charset=utf-8", up ? "RUNNING\n" : "NOT RUNNING\n");
        });
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "metrics-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        return new MetricsServer(server, executor, host);
    }

    /** Serves {@code path} (and what is under it) with {@code handler} from now on. */
    void handle(String path, HttpHandler handler) {
        server.createContext(path, handler);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The address bound, as configured ({@code metrics.host}). */
    public String host() {
        return host;
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(405, -1);
            exchange.close();
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
