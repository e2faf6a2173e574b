package streamlearn.stream;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What {@code GET /models}, {@code GET /models/{id}} and {@code GET /series} show of the models of
 * this instance, without reading a model: per model a small summary, replaced at each window close
 * by the stream thread (the last {@value #WINDOWS_KEPT} windows, the model version, drifts and last
 * reading time), and, for the whole instance, the closed windows of all its models added up per
 * window end (the last {@value #SERIES_KEPT} window ends). A model's summary is nearly all its
 * windows, a few kilobytes (docs/DESIGN.md, section 7), so it grows with the models an instance
 * serves. Read from HTTP threads: the map is concurrent and a summary is immutable; the series is
 * guarded by its own lock.
 *
 * <p>A model is listed from its first reading (or its read-back) on this instance; it leaves with
 * its task (a rebalance moves it: its new instance lists it from its first reading there, and keeps
 * windows from then on).
 */
public final class ModelSummaries {
    /** Closed windows kept per model ({@code GET /models/{id}}). */
    public static final int WINDOWS_KEPT = 30;
    /** Window ends kept for the instance's series ({@code GET /series}). */
    public static final int SERIES_KEPT = 600;

    /** A single network's candidate figures: one empty array for every window (they are never written). */
    private static final double[] NONE = new double[0];
    /** Candidates kept per window at most: a pool is a few networks, and 10,000 models keep 30 windows each. */
    public static final int CANDIDATES_KEPT = 8;

    /**
     * One closed metrics window of a model, as the metrics topic has it (NaN: undefined). For a
     * spec with candidates also the champion at the window's close and, for each candidate in
     * {@code candidates} (the spec's order, {@code main} first; at most {@value #CANDIDATES_KEPT}:
     * the champion and those of the largest weight), its recent loss and weight then; for a
     * single network the champion is null and there are no candidates.
     */
    public record Window(long start, long end, long records, long labeled, double meanLoss, double accuracy,
                         double[] recall, long drifts, long modelVersion, String champion, List<String> candidates,
                         double[] candidateLoss, double[] candidateWeight) {
    }

    /**
     * A model: {@code lastReading} is the latest event time it took here (Long.MIN_VALUE: none yet),
     * {@code drifts} those of its life, {@code windows} its last closed windows, oldest first.
     */
    public record Summary(String id, int partition, long modelVersion, long drifts, long lastReading, List<Window> windows) {
        /** The last closed window, or null before one. */
        public Window last() {
            return windows.isEmpty() ? null : windows.get(windows.size() - 1);
        }
    }

    /** The windows of all models that ended at {@code end}, added up. */
    public record Bucket(long end, long models, long records, long labeled, double lossSum, long lossCount, long correct,
                         long[] support, long[] hits, long drifts) {
        Bucket plus(Bucket o) {
            long[] s = support.clone();
            long[] h = hits.clone();
            for (int c = 0; c < s.length && c < o.support.length; c++) {
                s[c] += o.support[c];
                h[c] += o.hits[c];
            }
            return new Bucket(end, models + o.models, records + o.records, labeled + o.labeled, lossSum + o.lossSum,
                    lossCount + o.lossCount, correct + o.correct, s, h, drifts + o.drifts);
        }
    }

    private final List<String> classes;
    private final Map<String, Summary> models = new ConcurrentHashMap<>();
    private final TreeMap<Long, Bucket> series = new TreeMap<>();

    public ModelSummaries(List<String> classes) {
        this.classes = List.copyOf(classes);
    }

    /** The spec's classes: the order of every recall, support and hits array. */
    public List<String> classes() {
        return classes;
    }

    /** A model came into memory on this instance (created or read back): listed, with its windows if it was. */
    void seen(String id, int partition, long modelVersion, long drifts, long lastReading) {
        models.compute(id, (key, known) -> known == null
                ? new Summary(id, partition, modelVersion, drifts, lastReading, List.of())
                : new Summary(id, partition, Math.max(modelVersion, known.modelVersion), drifts,
                        Math.max(lastReading, known.lastReading), known.windows));
    }

    /**
     * A model's window closed: its summary moves on, and the window counts in the instance's series.
     * {@code candidateNames} are those of {@code w}'s candidate figures, empty for a single network.
     */
    void windowClosed(String id, int partition, ModelState.ClosedWindow w, long windowMs, long drifts, long lastReading,
                      List<String> candidateNames) {
        models.compute(id, (key, known) -> {
            Window window = window(w, windowMs, candidateNames, known == null ? null : known.last());
            List<Window> windows = new ArrayList<>(WINDOWS_KEPT);
            if (known != null) {
                List<Window> before = known.windows;
                windows.addAll(before.subList(Math.max(0, before.size() - (WINDOWS_KEPT - 1)), before.size()));
            }
            windows.add(window);
            long last = known == null ? lastReading : Math.max(known.lastReading, lastReading);
            return new Summary(id, partition, w.modelVersion(), drifts, last, List.copyOf(windows));
        });
        double lossSum = Double.isNaN(w.meanLoss()) ? 0 : w.meanLoss() * w.labeled();
        long lossCount = Double.isNaN(w.meanLoss()) ? 0 : w.labeled();
        long correct = 0;
        for (long h : w.hits()) {
            correct += h;
        }
        Bucket bucket = new Bucket(w.end(), 1, w.records(), w.labeled(), lossSum, lossCount, correct, w.support().clone(),
                w.hits().clone(), w.drifts());
        synchronized (series) {
            series.merge(w.end(), bucket, Bucket::plus);
            while (series.size() > SERIES_KEPT) {
                series.pollFirstEntry();
            }
        }
    }

    /** The window of {@code w}; its candidates' names are {@code previous}'s list when the same (one list per model, not per window). */
    private static Window window(ModelState.ClosedWindow w, long windowMs, List<String> candidateNames, Window previous) {
        String champion = null;
        List<String> names = List.of();
        double[] loss = NONE;
        double[] weight = NONE;
        if (!candidateNames.isEmpty()) {
            champion = w.champion();
            int n = candidateNames.size();
            boolean[] kept = new boolean[n];
            int keep = Math.min(n, CANDIDATES_KEPT);
            int champ = candidateNames.indexOf(champion);
            if (champ >= 0) {
                kept[champ] = true;
                keep--;
            }
            // The rest by weight, largest first: those the page's weights chart has something to show of.
            for (; keep > 0; keep--) {
                int best = -1;
                for (int k = 0; k < n; k++) {
                    if (!kept[k] && (best < 0 || w.candidateWeight()[k] > w.candidateWeight()[best])) {
                        best = k;
                    }
                }
                kept[best] = true;
            }
            List<String> chosen = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                if (kept[k]) {
                    chosen.add(candidateNames.get(k));
                }
            }
            names = previous != null && previous.candidates().equals(chosen) ? previous.candidates() : List.copyOf(chosen);
            loss = new double[names.size()];
            weight = new double[names.size()];
            for (int i = 0, k = 0; k < n; k++) {
                if (kept[k]) {
                    loss[i] = w.candidateLoss()[k];
                    weight[i++] = w.candidateWeight()[k];
                }
            }
        }
        return new Window(w.end() - windowMs, w.end(), w.records(), w.labeled(), w.meanLoss(), w.accuracy(),
                w.recall().clone(), w.drifts(), w.modelVersion(), champion, names, loss, weight);
    }

    /** The task of {@code partition} left this instance: its models are no longer listed here. */
    void dropPartition(int partition) {
        models.values().removeIf(s -> s.partition == partition);
    }

    /** The models listed on this instance now. */
    public Collection<Summary> all() {
        return models.values();
    }

    /** One model's summary, or null. */
    public Summary get(String id) {
        return models.get(id);
    }

    /** The instance's series, oldest window end first. */
    public List<Bucket> series() {
        synchronized (series) {
            return new ArrayList<>(series.values());
        }
    }
}
