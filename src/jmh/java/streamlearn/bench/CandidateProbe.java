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
 * STREAMS: comma-separated of stationary, hotter, boundary (seeds' stream, 200k; stream seed 1,
 * another as {@code stationary:2}, or every seed of {@code -Dprobe.seeds=1,2,3} followed by their
 * mean, the harness's figure), sea, hyperplane, rbf, agrawal, led, waveform (MOA, 100k; or
 * {@code -Dprobe.n=}). A VARIANT is a JSON object merged over the default spec (its features,
 * classes and output width set per stream), e.g. {@code '{"candidates":null}'}; each prints
 * accuracy over all readings and the last half (for the seeds' stream also [100k, 120k),
 * [100k, 101k), [101k, 102k), [102k, 103k)), and the drifts and champion changes seen;
 * {@code -Dprobe.trace=true} also prints each candidate's weight and recent loss every 250
 * readings and at each drift over readings [99k, 106k), where the seeds' streams change.
 */
public final class CandidateProbe {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        String[] streams = args[0].split(",");
        int threads = Integer.getInteger("probe.threads", 2);
        int n = Integer.getInteger("probe.n", QualityHarness.MOA_INSTANCES);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        String seedList = System.getProperty("probe.seeds");
        List<List<Future<Result>>> results = new ArrayList<>();
        for (String stream : streams) {
            for (int v = 1; v < args.length; v++) {
                String variant = args[v];
                List<Future<Result>> group = new ArrayList<>();
                if (seedList != null && SENSOR.contains(stream)) {
                    for (String seed : seedList.split(",")) {
                        group.add(pool.submit(() -> run(stream + ":" + seed.trim(), variant, n)));
                    }
                } else {
                    group.add(pool.submit(() -> run(stream, variant, n)));
                }
                results.add(group);
            }
        }
        for (List<Future<Result>> group : results) {
            double[] sum = null;
            for (Future<Result> f : group) {
                Result r = f.get();
                System.out.println(r.line());
                if (sum == null) {
                    sum = new double[r.figures().length];
                }
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += r.figures()[i] / group.size();
                }
            }
            if (group.size() > 1) {
                StringBuilder mean = new StringBuilder("  mean of " + group.size() + " seeds:");
                String[] names = {"all", "last-half", "[100k,120k)", "[100k,101k)", "[101k,102k)", "[102k,103k)"};
                for (int i = 0; i < sum.length; i++) {
                    mean.append(String.format(Locale.ROOT, " %s %.5f", names[i], sum[i]));
                }
                System.out.println(mean);
            }
            System.out.flush();
        }
        pool.shutdown();
    }

    private static final boolean TRACE = Boolean.getBoolean("probe.trace");
    private static final List<String> SENSOR = List.of("stationary", "hotter", "boundary");

    /** One run's line and its figures (all, last half, then the seeds' stream's windows). */
    record Result(String line, double[] figures) {
    }

    /** {@code name} or {@code name:seed} (the seeds' stream; seed 1 without). */
    static QualitySource source(String stream, int n) {
        int colon = stream.indexOf(':');
        String name = colon < 0 ? stream : stream.substring(0, colon);
        long seed = colon < 0 ? 1 : Long.parseLong(stream.substring(colon + 1));
        return QualityHarness.stream(name, seed, n);
    }

    static Result run(String stream, String variant, int n) throws Exception {
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
        long driftsSeen = 0;
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
            if (TRACE && i >= 99_000 && i < 106_000 && (i % 250 == 0 || model.drifts() != driftsSeen)) {
                StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "  %s %d drifts %d champion %s", stream, i, model.drifts(), model.champion()));
                for (int k = 0; k < model.candidateNames().size(); k++) {
                    t.append(String.format(Locale.ROOT, " %s w %.3f loss %.3f", model.candidateNames().get(k), model.candidateWeight(k), model.candidateLoss(k)));
                }
                System.out.println(t);
            }
            driftsSeen = model.drifts();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        double all = correct / (double) len;
        double lastHalf = correctLast / (double) (len - len / 2);
        double[] figures = source instanceof SensorSource
                ? new double[] {all, lastHalf, acc(hits, 100_000, 120_000), acc(hits, 100_000, 101_000),
                    acc(hits, 101_000, 102_000), acc(hits, 102_000, 103_000)}
                : new double[] {all, lastHalf};
        String windows = source instanceof SensorSource
                ? String.format(Locale.ROOT, " [100k,120k) %.4f [100k,101k) %.4f [101k,102k) %.4f [102k,103k) %.4f",
                        figures[2], figures[3], figures[4], figures[5]) : "";
        String line = String.format(Locale.ROOT, "%-12s %.5f last-half %.5f%s drifts %d champion-changes %d champion %s %.1fs  %s",
                stream, all, lastHalf, windows, model.drifts(), changes, model.champion(), s, variant);
        return new Result(line, figures);
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
