package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboards against a real Prometheus: the Debian prometheus binary, started with the
 * repository's prometheus/prometheus.yml (target: the in-process learner, scraped every second),
 * must answer every dashboard query with data, through its HTTP API as Grafana asks it: panels
 * and variables as instant queries, annotations as range queries over the last two minutes. The
 * learner's stream changes while it is scraped (see {@link LiveLearner}), so the drift panel and
 * annotation have a drift to show.
 */
class PrometheusIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @Timeout(150)
    void everyDashboardQueryReturnsData(@TempDir Path tmp) throws Exception {
        String prometheus = ExternalTools.require("prometheus", "apt-get install -y prometheus");
        try (LiveLearner learner = LiveLearner.start(tmp.resolve("state"), 500)) {
            Path config = scrapeConfig(tmp, "127.0.0.1:" + learner.metricsPort());
            int port = KafkaTestSupport.freePort();
            Path log = tmp.resolve("prometheus.log");
            Process process = new ProcessBuilder(prometheus,
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + Files.createDirectories(tmp.resolve("tsdb")),
                    "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                checkQueries(port, process, log);
            } finally {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** prometheus/prometheus.yml with the learner's address and a 1 s scrape interval. */
    private static Path scrapeConfig(Path dir, String target) throws Exception {
        String original = Files.readString(Path.of("prometheus/prometheus.yml"));
        assertTrue(original.contains("\"streamlearn:9404\""), "prometheus.yml no longer scrapes streamlearn:9404");
        String config = original.replace("\"streamlearn:9404\"", "\"" + target + "\"")
                .replaceAll("(scrape_interval|evaluation_interval):\\s*\\S+", "$1: 1s");
        assertNotEquals(original, config);
        Path file = dir.resolve("prometheus.yml");
        Files.writeString(file, config);
        return file;
    }

    private static void checkQueries(int port, Process process, Path log) throws Exception {
        // Each dashboard query, as Grafana sends it with its variables at their defaults ("All" = .*).
        Map<String, Dashboards.Query> queries = new LinkedHashMap<>();
        for (Path f : Dashboards.files()) {
            JsonNode d = Dashboards.read(f);
            Map<String, String> values = Dashboards.variableValues(d);
            for (Dashboards.Query q : Dashboards.queries(f, d)) {
                String promql = Dashboards.substitute(q.variable() ? Dashboards.variableAsPromQL(q.expr()) : q.expr(), values);
                queries.put(promql, q);
            }
        }
        assertTrue(queries.size() >= 20, "queries: " + queries.size());

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        List<String> empty = new ArrayList<>(queries.keySet());
        while (System.nanoTime() < deadline && !empty.isEmpty()) {
            assertTrue(process.isAlive(), "prometheus exited:\n" + tail(log));
            List<String> stillEmpty = new ArrayList<>();
            for (String promql : empty) {
                JsonNode result = queries.get(promql).annotation() ? queryRange(port, promql, 120, 5) : query(port, promql);
                if (result == null || result.isEmpty()) {
                    stillEmpty.add(promql);
                }
            }
            empty = stillEmpty;
            if (!empty.isEmpty()) {
                Thread.sleep(1000);
            }
        }
        List<String> report = empty.stream().map(e -> queries.get(e) + "\n    sent: " + e).toList();
        assertTrue(empty.isEmpty(), "dashboard queries without data from Prometheus:\n" + String.join("\n", report)
                + "\nprometheus log:\n" + tail(log));

        // Data, and the right data: the learner is up, learning, and seen through the rate queries.
        assertEquals(1.0, value(query(port, "up{job=\"streamlearn\"}").get(0)), 0.0);
        double trained = 0;
        for (JsonNode s : query(port, "sum by (model, outcome) (rate(streamlearn_records_total{model=~\".*\"}[10s]))")) {
            if (s.path("metric").path("outcome").asText().equals("trained")) {
                trained += value(s);
            }
        }
        assertTrue(trained > 0, "trained records/s " + trained);
        // The recall panel: one series per class of the spec, each a share.
        JsonNode recall = query(port, "streamlearn_recall{model=~\".*\"}");
        java.util.Set<String> recallClasses = new java.util.TreeSet<>();
        for (JsonNode s : recall) {
            recallClasses.add(s.path("metric").path("class").asText());
            double v = value(s);
            assertTrue(Double.isNaN(v) || (v >= 0 && v <= 1), "recall " + s);
        }
        assertEquals(java.util.Set.of("critical", "normal", "warning"), recallClasses, recall.toString());
        double drifts = value(query(port, "sum(streamlearn_drifts_total)").get(0));
        assertTrue(drifts >= 1, "drifts detected " + drifts);
        System.out.printf("PrometheusIT: %d dashboard queries answered with data; trained %.0f records/s; %.0f drift(s)%n",
                queries.size(), trained, drifts);
    }

    /** The result vector of an instant query, or null while Prometheus is not ready. */
    private static JsonNode query(int port, String promql) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        return result(uri, promql);
    }

    private static JsonNode result(URI uri, String promql) throws Exception {
        HttpResponse<String> response;
        try {
            response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            return null;
        }
        if (response.statusCode() == 503) {
            return null; // starting up
        }
        JsonNode body = Dashboards.JSON.readTree(response.body());
        assertEquals("success", body.path("status").asText(), promql + " -> " + response.body());
        return body.path("data").path("result");
    }

    /**
     * The result matrix of a range query over the last {@code seconds}, as Grafana runs an
     * annotation query over the dashboard's time range; null while Prometheus is not ready.
     */
    private static JsonNode queryRange(int port, String promql, long seconds, long step) throws Exception {
        long end = System.currentTimeMillis() / 1000;
        URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/query_range?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8) + "&start=" + (end - seconds) + "&end=" + end
                + "&step=" + step);
        return result(uri, promql);
    }

    private static double value(JsonNode sample) {
        return Double.parseDouble(sample.path("value").get(1).asText());
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }
}
