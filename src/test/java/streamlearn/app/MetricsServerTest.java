package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The endpoint's connections: a client that keeps its connection alive is not held by Nagle's
 * algorithm, and the server does not drop a connection it has just answered on.
 */
class MetricsServerTest {
    @Test
    void aKeepAliveClientsRequestsAreNotHeldByNagle() throws Exception {
        try (MetricsServer server = MetricsServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> true)) {
            assertEquals("true", System.getProperty(MetricsServer.NODELAY));
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI health = URI.create("http://127.0.0.1:" + server.port() + "/health");
            client.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString());
            int requests = 30;
            long started = System.nanoTime();
            for (int i = 0; i < requests; i++) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
            }
            double perRequestMs = (System.nanoTime() - started) / 1e6 / requests;
            // Held by Nagle, each response's body waits for the client's delayed acknowledgement of
            // its headers: 40 ms a request. Unheld, a few ms even on a busy machine.
            assertTrue(perRequestMs < 30, "sequential keep-alive requests took " + perRequestMs + " ms each");
        }
    }

    @Test
    void everyKeptAliveConnectionIsAnsweredAgainHoweverManyAreOpen() throws Exception {
        // A burst of requests leaves a client (java.net.http's, PredictLoad's) with as many
        // connections as were in flight. Past the JDK server's default of 200 idle connections,
        // it closed each connection it had just answered on, with no "Connection: close": the
        // client sent its next request on it and read no reply.
        int connections = 300;
        try (MetricsServer server = MetricsServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> true)) {
            assertEquals(String.valueOf(Integer.MAX_VALUE), System.getProperty(MetricsServer.MAX_IDLE_CONNECTIONS));
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < connections; i++) {
                    Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
                    socket.setSoTimeout(10_000);
                    sockets.add(socket);
                    assertEquals("RUNNING\n", get(socket, "/health"), "the first request on connection " + i);
                }
                int unanswered = 0;
                for (Socket socket : sockets) {
                    try {
                        get(socket, "/health");
                    } catch (IOException closed) {
                        unanswered++;
                    }
                }
                assertEquals(0, unanswered, "kept-alive connections the server closed after answering on them, of " + connections);
            } finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
        }
    }

    /** One HTTP/1.1 GET on an open connection, kept open; the body, or IOException when the server closed it. */
    private static String get(Socket socket, String path) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed by the server after " + head.length() + " bytes of the response");
            }
            head.append((char) b);
        }
        assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
        assertTrue(!head.toString().toLowerCase().contains("connection: close"), head.toString());
        int length = -1;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new IOException("closed by the server in the body");
        }
        return new String(body, StandardCharsets.UTF_8);
    }
}
