package streamlearn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import streamlearn.format.SpecJson;
import streamlearn.model.OnlineModel;
import streamlearn.model.StepResult;

/**
 * A quick look at pools of candidates, streamlearn alone (no MOA learner): prequential accuracy of
 * spec variants on generated streams, to choose the default pool. Not the documented harness
 * ({@link QualityHarness}); a tool for trying settings.
 *
 * <pre>
 * java -cp target/benchmarks.jar streamlearn.bench.CandidateProbe STREAMS VARIANT...
 * </pre>
 * STREAMS: comma-separated of stationary, hotter, boundary (seeds' stream, seed 1, 200k), sea,
 * hyperplane, rbf, agrawal, led, waveform (MOA, 100k; or {@code -Dprobe.n=}). A VARIANT is a JSON
 * object merged over the default spec (its features, classes and output width set per stream),
 * e.g. {@code '{"candidates":null}'}; each prints accuracy over all readings and the last half,
 * and the drifts and champion changes seen.
 */
public final class CandidateProbe {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        String[] streams = args[0].split(",");
        int threads = Integer.getInteger("probe.threads", 2);
        int n = Integer.getInteger("probe.n", QualityHarness.MOA_INSTANCES);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<String>> results = new ArrayList<>();
        for (String stream : streams) {
            for (int v = 1; v < args.length; v++) {
                String variant = args[v];
                results.add(pool.submit(() -> run(stream, variant, n)));
            }
        }
        for (Future<String> f : results) {
            System.out.println(f.get());
            System.out.flush();
        }
        pool.shutdown();
    }

    static QualitySource source(String stream, int n) {
        return switch (stream) {
            case "stationary" -> SensorSource.clean(1, QualityHarness.SENSOR_READINGS);
            case "hotter" -> SensorSource.tampered("hotter15", 1, QualityHarness.SENSOR_READINGS,
                    SensorSource.hotter(QualityHarness.CHANGE_AT, 15.0), QualityHarness.CHANGE_AT);
            case "boundary" -> SensorSource.tampered("swap", 1, QualityHarness.SENSOR_READINGS,
                    SensorSource.swapLabels(QualityHarness.CHANGE_AT, 1, 2), QualityHarness.CHANGE_AT);
            default -> new MoaSource(stream, QualityHarness.moaCli(stream), n);
        };
    }

    static String run(String stream, String variant, int n) throws Exception {
        QualitySource source = source(stream, n);
        String spec;
        if (source instanceof MoaSource moa) {
            spec = DefaultSpecJson.forStream(moa.features(), moa.classes());
        } else {
            spec = DefaultSpecJson.withoutRanges();
        }
        ObjectNode root = (ObjectNode) JSON.readTree(spec);
        ObjectNode over = (ObjectNode) JSON.readTree(variant);
        int classes = ((ArrayNode) root.get("classes")).size();
        over.fields().forEachRemaining(e -> {
            if (e.getValue().isNull()) {
                root.remove(e.getKey());
            } else {
                root.set(e.getKey(), e.getValue());
            }
        });
        resize((ArrayNode) root.get("layers"), classes);
        if (root.has("candidates")) {
            for (var c : root.get("candidates")) {
                resize((ArrayNode) c.get("layers"), classes);
            }
        }
        OnlineModel model = OnlineModel.create(SpecJson.parse(root.toString()));
        QualitySource.Cursor cursor = source.open();
        int len = source.length();
        long correct = 0;
        long correctLast = 0;
        long changes = 0;
        byte[] hits = new byte[source.length()];
        long t0 = System.nanoTime();
        for (int i = 0; i < len; i++) {
            cursor.next();
            StepResult r = model.step(cursor.reading());
            if (r.correct()) {
                hits[i] = 1;
                correct++;
                if (i >= len / 2) {
                    correctLast++;
                }
            }
            if (r.championBefore() != null) {
                changes++;
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        String windows = source instanceof SensorSource
                ? String.format(Locale.ROOT, " [100k,120k) %.4f [100k,101k) %.4f [101k,103k) %.4f", acc(hits, 100_000, 120_000),
                        acc(hits, 100_000, 101_000), acc(hits, 101_000, 103_000)) : "";
        return String.format(Locale.ROOT, "%-10s %.4f last-half %.4f%s drifts %d champion-changes %d champion %s %.1fs  %s",
                stream, correct / (double) len, correctLast / (double) (len - len / 2), windows, model.drifts(), changes,
                model.champion(), s, variant);
    }

    static double acc(byte[] hits, int from, int to) {
        long c = 0;
        for (int i = from; i < to; i++) {
            c += hits[i];
        }
        return c / (double) (to - from);
    }

    private static void resize(ArrayNode layers, int classes) {
        ObjectNode last = (ObjectNode) layers.get(layers.size() - 1);
        if (last.get("activation").asText().equals("softmax")) {
            last.put("units", classes);
        }
    }
}
