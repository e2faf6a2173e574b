package streamlearn.app;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load run of docs/BENCHMARKS.md (not a test): {@code POST /predict} at a fixed rate for a
 * fixed time against a learner on loopback, open loop (each request is sent at its planned time,
 * whatever the answers before it, and its latency counts from that time), then the latency
 * quantiles and the answers by status.
 *
 * <pre>java -cp target/test-classes:target/streamlearn.jar streamlearn.app.PredictLoad PORT [RATE [SECONDS]]</pre>
 */
public final class PredictLoad {
    private PredictLoad() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        if (rate < 1 || rate > 20_000 || seconds < 1 || seconds > 60) {
            throw new IllegalArgumentException("rate 1-20000/s, 1-60 s");
        }
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        URI uri = URI.create("http://127.0.0.1:" + port + "/predict");
        int total = rate * seconds;
        long[] latencies = new long[total];
        Map<String, AtomicLong> answers = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(total);
        AtomicInteger sent = new AtomicInteger();
        long start = System.nanoTime() + 100_000_000L;
        for (int i = 0; i < total; i++) {
            long planned = start + (long) i * 1_000_000_000L / rate;
            long wait = planned - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            int n = i;
            String body = "{\"sensorId\":\"press-" + String.format("%02d", n % 16) + "\",\"features\":{\"temperature\":"
                    + (20 + n % 60) + ",\"vibration\":" + (0.5 + (n % 13) * 0.5) + "}}";
            client.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((r, e) -> {
                        latencies[n] = System.nanoTime() - planned;
                        answers.computeIfAbsent(e != null ? String.valueOf(e.getCause() != null ? e.getCause() : e) : String.valueOf(r.statusCode()),
                                k -> new AtomicLong()).incrementAndGet();
                        done.countDown();
                    });
            sent.incrementAndGet();
        }
        long sending = System.nanoTime() - start;
        done.await();
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        System.out.printf("requests %d in %.2f s (%.0f/s planned %d/s); answers %s%n", sent.get(), sending / 1e9,
                sent.get() / (sending / 1e9), rate, new TreeMap<>(answers));
        System.out.printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f%n", q(sorted, 0.5), q(sorted, 0.9),
                q(sorted, 0.99), q(sorted, 0.999), sorted[sorted.length - 1] / 1e6);
    }

    private static double q(long[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)] / 1e6;
    }
}
