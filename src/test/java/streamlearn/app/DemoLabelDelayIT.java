package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `streamlearn demo --label-delay` as a user runs it (a child process): the learner keeps the
 * simulator's pace with no stall and the demo ends on time, with no ERROR line on the terminal
 * nor in the broker's log file. Before the fix the in-JVM broker refused the learner's
 * transactional batches now and then (OutOfOrderSequenceException, "Expected sequence 0 for
 * transactions v2 idempotent producer with no existing state", docs/DESIGN.md section 8), printed
 * an ERROR line each time, and the learner's rate fell while its producer backed off.
 *
 * <p>It asserts behaviour at a modest rate, not speed: the rate that matters is the one the
 * simulator was asked for, which a learner that keeps up shows too.
 */
class DemoLabelDelayIT {
    private static final int SECONDS = 20;
    private static final int RATE = 400;
    private static final Pattern PROGRESS = Pattern.compile("^\\s*(\\d+)s\\s+(\\d+) rec/s");

    @Test
    @Timeout(180)
    void labelDelayDemoKeepsItsPaceWithNoErrorAndEndsOnTime(@TempDir Path dir) throws Exception {
        Path jar = Path.of("target", "streamlearn.jar");
        assertTrue(jar.toFile().isFile(), "the shaded jar is built before the integration tests");
        Path brokerLog = dir.resolve("kafka.log");
        Process demo = new ProcessBuilder("java", "-Xmx1g", "-Dstreamlearn.kafka.log=" + brokerLog,
                "-Djava.io.tmpdir=" + dir, "-jar", jar.toString(), "demo",
                "--duration", SECONDS + "s", "--rate", String.valueOf(RATE), "--label-delay", "5s",
                "--metrics-port", String.valueOf(KafkaTestSupport.freePort()))
                .redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    arrivals.add(System.nanoTime());
                    lines.add(line);
                }
            } catch (Exception ignored) {
                // the process ended
            }
        });
        reader.start();
        try {
            assertTrue(demo.waitFor(150, TimeUnit.SECONDS), "the demo ends");
            reader.join(5000);
            String out = String.join("\n", lines);
            assertEquals(0, demo.exitValue(), out);
            assertTrue(out.trim().endsWith("done"), out);

            // No ERROR line on the terminal (nor any other line but the demo's own), and none in the
            // broker's own log file.
            for (String line : lines) {
                assertTrue(!line.contains("ERROR") && !line.contains("OutOfOrderSequence"), "an error on the terminal: " + line + "\n" + out);
            }
            assertEquals(List.of(), DemoLines.foreign(lines), "lines on the terminal that are not the demo's\n" + out);
            assertTrue(Files.isRegularFile(brokerLog), "the broker logs to its file: " + brokerLog);
            List<String> brokerErrors = new ArrayList<>();
            for (String line : Files.readAllLines(brokerLog, StandardCharsets.UTF_8)) {
                if (line.contains(" ERROR ") || line.contains("OutOfOrderSequence")) {
                    brokerErrors.add(line);
                }
            }
            assertTrue(brokerErrors.isEmpty(), "the broker logged errors:\n" + String.join("\n", brokerErrors));

            // The learner's pace after the first 5 s: the typical second within 10% of --rate,
            // and no stall (a second under half the rate, twice in a row).
            List<Double> rates = new ArrayList<>();
            int firstProgress = -1;
            int summary = -1;
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = PROGRESS.matcher(lines.get(i));
                if (m.find()) {
                    firstProgress = firstProgress < 0 ? i : firstProgress;
                    if (Integer.parseInt(m.group(1)) > 5) {
                        rates.add(Double.parseDouble(m.group(2)));
                    }
                } else if (lines.get(i).equals("summary")) {
                    summary = i;
                }
            }
            assertTrue(rates.size() >= SECONDS - 5, "a progress line every second:\n" + out);
            List<Double> sorted = new ArrayList<>(rates);
            Collections.sort(sorted);
            double median = sorted.get(sorted.size() / 2);
            assertTrue(Math.abs(median - RATE) <= 0.1 * RATE, "the learner's rate after 5 s, median " + median + ": " + rates);
            for (int i = 1; i < rates.size(); i++) {
                assertTrue(rates.get(i - 1) >= RATE / 2.0 || rates.get(i) >= RATE / 2.0,
                        "a stall: seconds " + (i + 5) + " and " + (i + 6) + " under half the rate: " + rates);
            }

            // On time: the simulator sent at its rate for --duration, and the summary came within
            // 2 s of it (the first progress line is at second 1).
            Matcher sent = Pattern.compile("readings sent\\s+(\\d+) in ([0-9.]+) s").matcher(out);
            assertTrue(sent.find(), out);
            double sentSeconds = Double.parseDouble(sent.group(2));
            assertTrue(sentSeconds >= SECONDS && sentSeconds <= SECONDS + 2, "sent for " + sentSeconds + " s\n" + out);
            double sentRate = Long.parseLong(sent.group(1)) / sentSeconds;
            assertTrue(Math.abs(sentRate - RATE) <= 0.1 * RATE, "the simulator's rate " + sentRate + "\n" + out);
            assertTrue(summary > firstProgress && firstProgress >= 0, out);
            double toSummary = (arrivals.get(summary) - arrivals.get(firstProgress)) / 1e9 + 1;
            assertTrue(toSummary <= SECONDS + 2, "the summary " + toSummary + " s after the simulator started\n" + out);
            Matcher read = Pattern.compile("predictions read\\s+(\\d+)").matcher(out);
            assertTrue(read.find(), out);
            assertEquals(sent.group(1), read.group(1), "every reading sent was predicted");
        } finally {
            demo.destroyForcibly();
        }
    }
}
