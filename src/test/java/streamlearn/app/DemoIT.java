package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `streamlearn demo` as a user runs it: a child process, scraped while it runs. The machine runs
 * hotter from the 8th second on ({@code --drift-at 8s}, reading 12,000), which the learner detects.
 * Its terminal (stdout and stderr) carries the demo's own lines only; Kafka's logs and the
 * learner's go to the file its first line names.
 */
class DemoIT {

    @Test
    @Timeout(150)
    void demoLearnsServesMetricsAndSumsUp(@TempDir Path dir) throws Exception {
        int port = KafkaTestSupport.freePort();
        Path jar = Path.of("target", "streamlearn.jar");
        assertTrue(jar.toFile().isFile(), "the shaded jar is built before the integration tests");
        Path log = dir.resolve("demo.log");
        Process demo = new ProcessBuilder("java", "-Xmx1g", "-Dstreamlearn.kafka.log=" + log, "-jar", jar.toString(), "demo",
                "--duration", "15s", "--rate", "1500", "--drift-at", "8s", "--metrics-port", String.valueOf(port))
                .redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (Exception ignored) {
                // the process ended
            }
        });
        reader.start();
        try {
            // Scrape while it runs: the learner's counters move.
            double trained = Double.NaN;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                try {
                    var response = KafkaTestSupport.get(port, "/metrics");
                    if (response.statusCode() == 200) {
                        trained = new PrometheusText(response.body()).sum("streamlearn_records_total", "outcome=\"trained\"");
                        if (trained > 1000) {
                            break;
                        }
                    }
                } catch (java.io.IOException notYet) {
                    // the endpoint is not up yet
                }
                Thread.sleep(500);
            }
            assertTrue(trained > 1000, "trained readings seen on /metrics while the demo runs: " + trained);
            assertEquals(200, KafkaTestSupport.get(port, "/health").statusCode());

            assertTrue(demo.waitFor(90, TimeUnit.SECONDS), "the demo ends after its duration");
            reader.join(5000);
            String out = String.join("\n", lines);
            assertEquals(0, demo.exitValue(), out);

            Matcher firstPrediction = Pattern.compile("first prediction ([0-9.]+) s after start").matcher(out);
            assertTrue(firstPrediction.find(), out);
            double seconds = Double.parseDouble(firstPrediction.group(1));
            System.out.println("DemoIT: first prediction " + seconds + " s after the command started");
            // Not a speed figure (those are in docs/BENCHMARKS.md): a demo that shows nothing for half
            // a minute is broken. Alone on 2 cores it takes about 6 s; 18 s with another build running.
            assertTrue(seconds < 30, "broker up and first prediction within 30 s: " + seconds);

            assertTrue(out.contains("rec/s"), "a progress line every second");
            Matcher sent = Pattern.compile("readings sent\\s+(\\d+)").matcher(out);
            Matcher read = Pattern.compile("predictions read\\s+(\\d+)").matcher(out);
            assertTrue(sent.find() && read.find(), out);
            assertEquals(sent.group(1), read.group(1), "every reading sent was predicted");
            Matcher accuracy = Pattern.compile("prequential accuracy ([0-9.]+)").matcher(out);
            assertTrue(accuracy.find(), out);
            assertTrue(Double.parseDouble(accuracy.group(1)) > 0.9, out);
            assertTrue(out.contains("confusion matrix"), out);
            // The drift: counted on the progress lines as it happens, and in the summary.
            Matcher progressDrifts = Pattern.compile("rejected \\d+  drifts (\\d+)").matcher(out);
            long lastProgressDrifts = -1;
            while (progressDrifts.find()) {
                lastProgressDrifts = Long.parseLong(progressDrifts.group(1));
            }
            Matcher drifts = Pattern.compile("drifts detected\\s+(\\d+)").matcher(out);
            assertTrue(drifts.find(), out);
            // One change, one drift: the default pool's detector watches main's own error.
            assertEquals(1, Long.parseLong(drifts.group(1)), "the change at 8 s is detected, once\n" + out);
            assertTrue(lastProgressDrifts >= 1, "the progress line shows the drifts so far\n" + out);
            assertTrue(Pattern.compile("critical\\s+\\d+\\s+\\d+\\s+\\d+").matcher(out).find(), "a critical row of counts");
            assertTrue(out.trim().endsWith("done"), out);

            // The terminal is the demo's: no log line of Kafka's nor of the learner's between its
            // lines; those are in the file the first line names.
            assertEquals(List.of(), DemoLines.foreign(lines), "lines on the terminal that are not the demo's\n" + out);
            assertTrue(lines.get(0).contains("(logs: " + log.toAbsolutePath() + ")"), lines.get(0));
            String logged = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(logged.contains(" org.apache.kafka.streams.") && logged.contains(" kafka.server.")
                    && logged.contains("Kafka Streams REBALANCING -> RUNNING"), "Kafka's, the broker's and the learner's logs in " + log);
        } finally {
            demo.destroyForcibly();
        }
    }
}
