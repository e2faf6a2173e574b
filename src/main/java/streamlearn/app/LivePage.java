package streamlearn.app;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The live page at {@code /}: one HTML file, its script and style, and the chart library (uPlot,
 * from its WebJar on the class path), all served from the jar: the page works without any network
 * but the learner's. It reads {@code /series}, {@code /models} and {@code /models/{id}} only.
 */
final class LivePage {
    /** The uPlot WebJar's version (pom.xml): where its files lie on the class path. */
    static final String UPLOT_VERSION = "1.6.30";
    private static final String UPLOT = "/META-INF/resources/webjars/uplot/" + UPLOT_VERSION + "/dist/";
    private static final Map<String, String[]> FILES = Map.of(
            "/", new String[] {"/streamlearn/page/index.html", "text/html; charset=utf-8"},
            "/index.html", new String[] {"/streamlearn/page/index.html", "text/html; charset=utf-8"},
            "/page.js", new String[] {"/streamlearn/page/page.js", "text/javascript; charset=utf-8"},
            "/page.css", new String[] {"/streamlearn/page/page.css", "text/css; charset=utf-8"},
            "/lib/uPlot.iife.min.js", new String[] {UPLOT + "uPlot.iife.min.js", "text/javascript; charset=utf-8"},
            "/lib/uPlot.min.css", new String[] {UPLOT + "uPlot.min.css", "text/css; charset=utf-8"},
            "/favicon.ico", new String[] {null, "image/x-icon"});

    void serve(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET");
            LearnerHttpApi.send(exchange, 405, "text/plain; charset=utf-8", "only GET here\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        String[] file = FILES.get(exchange.getRequestURI().getPath());
        if (file == null) {
            LearnerHttpApi.send(exchange, 404, "text/plain; charset=utf-8",
                    ("no such page: " + exchange.getRequestURI().getPath() + "\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (file[0] == null) {
            LearnerHttpApi.send(exchange, 204, file[1], new byte[0]);
            return;
        }
        byte[] body;
        try (InputStream in = LivePage.class.getResourceAsStream(file[0])) {
            if (in == null) {
                throw new IllegalStateException(file[0] + " is missing from the jar");
            }
            body = in.readAllBytes();
        }
        LearnerHttpApi.send(exchange, 200, file[1], body);
    }
}
