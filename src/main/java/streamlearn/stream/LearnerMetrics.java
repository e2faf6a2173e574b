package streamlearn.stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import streamlearn.format.ModelEventJson;
import streamlearn.model.Outcome;
import streamlearn.model.PendingReadings;
import streamlearn.model.StepResult;

/**
 * The meters of docs/DESIGN.md for one registry. Meters are looked up once per model and kept in a
 * {@link ModelMeters}, so the per-record path only increments.
 *
 * <p>The first {@code metrics.max.models} models get series of their own (label {@code model});
 * the models after them share one set of series whose {@code model} label is empty, which
 * Prometheus stores as no label at all: a scrape stays the same size however many sensors a
 * plant has (a model's series are about 40, so 10,000 models would be 400,000 series), sums over
 * models stay right, and each model's own figures stay on {@code learner-metrics}. Shared: the
 * counters, the lag timer and the waiting readings (their sum); the last window's loss and
 * accuracy and the model version mean nothing summed, and are left out.
 */
final class LearnerMetrics {
    private final MeterRegistry registry;
    private final List<String> classes;
    /** The configured spec's candidates (empty without): each has loss and weight gauges per model. */
    private final List<String> candidates;
    private final Timer update;
    private final Timer labelDelay;
    private final Counter loads;
    private final ConcurrentHashMap<String, ModelMeters> models = new ConcurrentHashMap<>();
    private final int maxModels;
    private final AtomicInteger labelled = new AtomicInteger();
    /** The meters the models beyond the limit share, registered with the first of them. */
    private ModelMeters shared;
    /** The models beyond the limit, each with its own count of waiting readings for the shared gauge. */
    private final Queue<ModelMeters> unlabelled = new ConcurrentLinkedQueue<>();

    LearnerMetrics(MeterRegistry registry, List<String> classes, int maxModels) {
        this(registry, classes, List.of(), maxModels);
    }

    LearnerMetrics(MeterRegistry registry, List<String> classes, List<String> candidates, int maxModels) {
        this.registry = registry;
        this.classes = classes;
        this.candidates = candidates;
        this.maxModels = maxModels;
        // Count, sum and max only: a percentile histogram costs more per record than the
        // counters, and the lag timer below is the one whose percentiles an operator watches.
        this.update = Timer.builder("streamlearn.update")
                .description("Time of one prequential step: predict, and train when labeled")
                .register(registry);
        this.loads = Counter.builder("streamlearn.model.loads")
                .description("Models read back from the store: one that left the cache, or the first use after a start")
                .register(registry);
        this.labelDelay = Timer.builder("streamlearn.label.delay")
                .description("Record time of a reading to the record time of its late label (matched labels)")
                .publishPercentiles(0.5, 0.99)
                .distributionStatisticExpiry(Duration.ofMinutes(1))
                .register(registry);
    }

    Timer update() {
        return update;
    }

    Counter loads() {
        return loads;
    }

    Counter rejected(String model) {
        return forModel(model).outcomes[Outcome.REJECTED.ordinal()];
    }

    /** The model a bad reading or label counts under: there is only one with {@code model.key=global}. */
    static String rejectedModel(ModelKey key) {
        return key.kind() == ModelKey.Kind.GLOBAL ? ModelKey.GLOBAL_MODEL_ID : "unknown";
    }

    /** The outcomes of {@code streamlearn_labels_total}. */
    enum LabelOutcome {
        /** It found its waiting reading: scored and trained on. */
        MATCHED("matched"),
        /** It came before its reading and waited for it; the reading took it as an inline label. */
        EARLY("early"),
        /** It found none: dead-lettered as unmatched_label (at once, or when it waited for its reading in vain). */
        UNMATCHED("unmatched"),
        /** It was not a valid label: dead-lettered with its reason. */
        REJECTED("rejected");

        final String id;

        LabelOutcome(String id) {
            this.id = id;
        }
    }

    /** A model event other than a drift (reset, restored, spec_changed), written to the events topic. */
    void modelEvent(String model, String type) {
        Counter.builder("streamlearn.model.events").description("Model events written to the events topic, by type")
                .tag("model", model).tag("type", type).register(registry).increment();
    }

    ModelMeters forModel(String model) {
        return models.computeIfAbsent(model, this::meters);
    }

    private ModelMeters meters(String model) {
        if (labelled.get() < maxModels) {
            labelled.incrementAndGet();
            return register(model, true);
        }
        synchronized (this) {
            if (shared == null) {
                shared = register("", false);
                Gauge.builder("streamlearn.pending.readings", unlabelled, all -> all.stream().mapToDouble(x -> x.waiting).sum())
                        .description("Unlabeled readings waiting for a late label").tag("model", "").register(registry);
                Gauge.builder("streamlearn.waiting.labels", unlabelled, all -> all.stream().mapToDouble(x -> x.waitingLabels).sum())
                        .description("Labels that came before their reading, waiting for it").tag("model", "").register(registry);
            }
        }
        ModelMeters m = shared.sharing();
        unlabelled.add(m);
        return m;
    }

    private ModelMeters register(String model, boolean ownSeries) {
        ModelMeters m = new ModelMeters();
        for (Outcome o : Outcome.values()) {
            m.outcomes[o.ordinal()] = Counter.builder("streamlearn.records")
                    .description("Readings by outcome").tag("model", model).tag("outcome", o.id()).register(registry);
        }
        m.predictions = new Counter[classes.size()];
        for (int c = 0; c < classes.size(); c++) {
            m.predictions[c] = Counter.builder("streamlearn.predictions")
                    .description("Predictions by predicted class").tag("model", model).tag("class", classes.get(c))
                    .register(registry);
        }
        m.drifts = Counter.builder("streamlearn.drifts")
                .description("Drifts detected in the model's prequential error").tag("model", model).register(registry);
        m.driftEvents = Counter.builder("streamlearn.model.events")
                .description("Model events written to the events topic, by type").tag("model", model)
                .tag("type", ModelEventJson.DRIFT).register(registry);
        for (LabelOutcome o : LabelOutcome.values()) {
            m.labels[o.ordinal()] = Counter.builder("streamlearn.labels")
                    .description("Late labels by outcome").tag("model", model).tag("outcome", o.id).register(registry);
        }
        for (PendingReadings.Drop d : PendingReadings.Drop.values()) {
            m.dropped[d.ordinal()] = Counter.builder("streamlearn.pending.dropped")
                    .description("Readings that stopped waiting for their label without it, by reason")
                    .tag("model", model).tag("reason", d.id()).register(registry);
        }
        m.labelDelay = labelDelay;
        // The quantiles are most of what the meters cost a reading: each record goes into every
        // bucket of a one-minute ring of three, each a concurrent HdrHistogram (LearnerMetricsBenchmark).
        // They are the dashboard's lag panels; fewer buckets would cover less of the last minute
        // (one bucket: none of it right after each rotation).
        m.lag = Timer.builder("streamlearn.prediction.lag")
                .description("Event time of a reading to its prediction")
                .tag("model", model)
                .publishPercentiles(0.5, 0.99)
                .distributionStatisticExpiry(Duration.ofMinutes(1))
                .register(registry);
        if (!ownSeries) {
            return m;
        }
        Gauge.builder("streamlearn.pending.readings", m, x -> x.waiting)
                .description("Unlabeled readings waiting for a late label").tag("model", model).register(registry);
        Gauge.builder("streamlearn.waiting.labels", m, x -> x.waitingLabels)
                .description("Labels that came before their reading, waiting for it").tag("model", model).register(registry);
        Gauge.builder("streamlearn.loss", m, x -> x.loss).description("Mean loss over the last metrics window")
                .tag("model", model).register(registry);
        Gauge.builder("streamlearn.accuracy", m, x -> x.accuracy).description("Accuracy over the last metrics window")
                .tag("model", model).register(registry);
        // A figure the last window did not define (a class without labels has no recall) reads NaN,
        // as before the first window: a gap in a graph, never a made-up 0.
        Gauge.builder("streamlearn.balanced.accuracy", m, x -> x.balancedAccuracy)
                .description("Mean recall over the classes labeled in the last metrics window").tag("model", model)
                .register(registry);
        Gauge.builder("streamlearn.kappa", m, x -> x.kappa)
                .description("Cohen's kappa over the last metrics window").tag("model", model).register(registry);
        m.recall = unknown(classes.size());
        m.precision = unknown(classes.size());
        perValue(m, "streamlearn.recall", "Recall of the class over the last metrics window", model, "class", classes,
                x -> x.recall);
        perValue(m, "streamlearn.precision", "Precision of the class over the last metrics window", model, "class", classes,
                x -> x.precision);
        Gauge.builder("streamlearn.model.version", m, x -> x.modelVersion).description("Updates the model has taken")
                .tag("model", model).register(registry);
        m.candidateLoss = unknown(candidates.size());
        m.candidateWeight = unknown(candidates.size());
        perValue(m, "streamlearn.candidate.loss", "A candidate's recent prequential loss (discounted mean), at the last "
                + "closed window", model, "candidate", candidates, x -> x.candidateLoss);
        perValue(m, "streamlearn.candidate.weight", "A candidate's mixture weight, at the last closed window", model,
                "candidate", candidates, x -> x.candidateWeight);
        return m;
    }

    /**
     * One gauge of {@code name} per value of {@code tag} (a class, a candidate), each showing its
     * place in the array {@code series} gives: read through the meters, since each closed window
     * replaces the array whole.
     */
    private void perValue(ModelMeters m, String name, String description, String model, String tag, List<String> values,
                          java.util.function.Function<ModelMeters, double[]> series) {
        for (int v = 0; v < values.size(); v++) {
            int i = v;
            Gauge.builder(name, m, x -> series.apply(x)[i]).description(description).tag("model", model)
                    .tag(tag, values.get(v)).register(registry);
        }
    }

    /** NaN for each of {@code n} figures: none defined before the first window, a gap, not a 0. */
    private static double[] unknown(int n) {
        double[] figures = new double[n];
        java.util.Arrays.fill(figures, Double.NaN);
        return figures;
    }

    /** The meters of one model; the gauges read the volatile fields. */
    static final class ModelMeters {
        final Counter[] outcomes = new Counter[Outcome.values().length];
        Counter[] predictions;
        Counter drifts;
        Counter driftEvents;
        final Counter[] labels = new Counter[LabelOutcome.values().length];
        final Counter[] dropped = new Counter[PendingReadings.Drop.values().length];
        Timer labelDelay;
        Timer lag;
        volatile double waiting;
        volatile double waitingLabels;
        volatile double loss = Double.NaN;
        volatile double accuracy = Double.NaN;
        volatile double balancedAccuracy = Double.NaN;
        volatile double kappa = Double.NaN;
        // Replaced whole by each closed window (never written in place), so a scrape sees one window's figures.
        volatile double[] recall;
        volatile double[] precision;
        volatile double modelVersion;
        // Replaced whole by each closed window, as recall and precision.
        volatile double[] candidateLoss;
        volatile double[] candidateWeight;

        /** Meters for another model that counts in these: the same counters and timers, its own gauge values. */
        ModelMeters sharing() {
            ModelMeters m = new ModelMeters();
            System.arraycopy(outcomes, 0, m.outcomes, 0, outcomes.length);
            m.predictions = predictions;
            m.drifts = drifts;
            m.driftEvents = driftEvents;
            System.arraycopy(labels, 0, m.labels, 0, labels.length);
            System.arraycopy(dropped, 0, m.dropped, 0, dropped.length);
            m.labelDelay = labelDelay;
            m.lag = lag;
            // No gauges of its own: its windows' figures are on learner-metrics only.
            m.recall = new double[0];
            m.precision = new double[0];
            m.candidateLoss = new double[0];
            m.candidateWeight = new double[0];
            return m;
        }

        /**
         * One reading's step: its outcome, its prediction ({@code predicted}: the class's index in
         * the configured spec), the model version after it, its lag.
         */
        void counted(StepResult result, int predicted, long modelVersionAfter, long lagMillis) {
            outcomes[result.outcome().ordinal()].increment();
            if (predictions.length > 0) {
                predictions[predicted].increment();
            }
            modelVersion = modelVersionAfter;
            lag.record(Math.max(0, lagMillis), TimeUnit.MILLISECONDS);
        }

        /**
         * A late label's step: matched; a refused step also counts as {@code diverged}, which an
         * operator watches for every step, inline or late; and the model version after it.
         */
        void matched(StepResult result, long modelVersionAfter, long delayMillis) {
            labels[LabelOutcome.MATCHED.ordinal()].increment();
            if (result.outcome() == Outcome.DIVERGED) {
                outcomes[Outcome.DIVERGED.ordinal()].increment();
            }
            modelVersion = modelVersionAfter;
            labelDelay.record(Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
        }

        /** A valid reading or label the learner failed on. */
        void failed() {
            outcomes[Outcome.FAILED.ordinal()].increment();
        }

        void label(LabelOutcome outcome) {
            labels[outcome.ordinal()].increment();
        }

        void dropped(PendingReadings.Drop reason) {
            dropped[reason.ordinal()].increment();
        }

        /** Readings of this model waiting for their label now. */
        void waiting(long readings) {
            waiting = readings;
        }

        /** Labels of this model waiting for their reading now. */
        void waitingLabels(long labels) {
            waitingLabels = labels;
        }

        /** A drift was detected, and its event sent to the events topic. */
        void drifted() {
            drifts.increment();
            driftEvents.increment();
        }

        /** The gauges show the last closed window. */
        void windowClosed(ModelState.ClosedWindow window) {
            this.loss = window.meanLoss();
            this.accuracy = window.accuracy();
            this.balancedAccuracy = window.balancedAccuracy();
            this.kappa = window.kappa();
            if (recall.length > 0) {
                this.recall = window.recall();
                this.precision = window.precision();
            }
            // The model's own candidates; a model kept under another spec may have others.
            if (candidateLoss != null && candidateLoss.length > 0 && window.candidateLoss().length == candidateLoss.length) {
                this.candidateLoss = window.candidateLoss();
                this.candidateWeight = window.candidateWeight();
            }
        }
    }
}
