package streamlearn.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import streamlearn.format.SpecJson;
import streamlearn.model.LateLabel;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.PendingReading;
import streamlearn.model.Reading;
import streamlearn.model.ReplicaMerge;
import streamlearn.model.StepResult;
import streamlearn.nn.Trainer;

/**
 * Data-parallel replicas of the default model against the single model over the same readings,
 * prequentially (issue #26): the readings are dealt to K replicas, each predicts and trains on its
 * share, and every N x K readings (N updates per replica on average) they merge with a
 * {@link ReplicaMerge} rule and continue from the merged model, each keeping its own drift detector
 * ({@link ReplicaMerge#adopt}). A reading's prediction is made by the replica it was dealt to. The
 * replicas train at the learning rates the rule gives them ({@link SpecJson#forReplicas(ModelSpec, ReplicaMerge.Rule, int)}).
 * Single-threaded; every run is deterministic.
 *
 * <pre>
 * java -cp target/benchmarks.jar streamlearn.bench.ReplicaProbe [--streams stationary,hotter,boundary,sea,agrawal]
 *     [--seeds 3] [--k 2,4] [--n 100,1000,10000] [--rules RULE,...] [--split round-robin] [--n-relearning M]
 *     [--lag sync,0,200,2000] [--tick 200|none] [--protocol hold|rebase]
 * </pre>
 * {@code --lag}: {@code sync} (the default) merges all replicas together every N x K readings;
 * a number L runs the stream's protocol instead ({@link Schedule}: each replica publishes its state
 * on its own, predicts with it and holds its labels until the round's merge, which comes L readings
 * after the round's last state), each L a line; {@code --tick T}: under the protocol, a replica
 * that has not reached N publishes at its first reading T or more readings after another one
 * published (the stream's wall-clock tick; {@code none}: never). With {@code --lag sync,...} each
 * protocol line says whether every prediction was the synchronous rounds' (lag 0, tick 0 and
 * {@code --n-relearning 0}, dealt round-robin, must give {@code true}). {@code --protocol rebase}:
 * under the protocol a replica whose state is out keeps training, and continues after the merge
 * from {@link ReplicaMerge#rebase} (nothing held; {@code hold}, the default: as above).
 * {@code --rules}: {@link ReplicaMerge.Rule} names, every rule by default. {@code --split
 * round-robin} deals reading i to replica i mod K; {@code uneven} deals them in cycles where replica k gets k + 1 readings (so shares 1:2 for K = 2, 1:2:3:4 for K = 4: the rules
 * that weigh replicas differ only then). Streams: the seeds' stream (200,000 readings, stream seeds
 * 1..--seeds): {@code stationary} (accuracy over [100k, 200k)), {@code hotter} (+15 °C from reading
 * 100,000: the level over [90k, 100k) and 1,000-reading windows after), {@code boundary} (warning
 * and critical swapped from 100,000: [100k, 120k)); MOA's {@code sea}, {@code agrawal},
 * {@code hyperplane}, {@code rbf} ({@link QualityHarness#moaCli}, 100,000 instances: all and the
 * last half). Each line gives the single model's figure and the replicas'. {@code --k 1} merges one
 * replica with itself every N readings, and says whether every prediction was right or wrong
 * exactly where the single model's was: the merge of one replica must be the identity.
 */
public final class ReplicaProbe {
    private static final int W = 1000;

    public static void main(String[] args) {
        List<String> streams = List.of("stationary", "hotter", "boundary", "sea", "agrawal");
        int seeds = 3;
        int[] ks = {2, 4};
        int[] ns = {100, 1000, 10_000};
        List<ReplicaMerge.Rule> rules = List.of(ReplicaMerge.Rule.values());
        boolean uneven = false;
        int relearning = 0;
        int[] lags = {-1};
        int tick = 200;
        boolean rebase = false;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--streams" -> streams = List.of(v.split(","));
                case "--seeds" -> seeds = Integer.parseInt(v);
                case "--k" -> ks = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--n" -> ns = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--n-relearning" -> relearning = Integer.parseInt(v);
                case "--lag" -> lags = Arrays.stream(v.split(",")).mapToInt(l -> l.equals("sync") ? -1 : Integer.parseInt(l))
                        .toArray();
                case "--tick" -> tick = v.equals("none") ? -1 : Integer.parseInt(v);
                case "--protocol" -> rebase = switch (v) {
                    case "hold" -> false;
                    case "rebase" -> true;
                    default -> throw new IllegalArgumentException("--protocol hold|rebase, not " + v);
                };
                case "--rules" -> rules = Arrays.stream(v.split(",")).map(ReplicaMerge.Rule::valueOf).toList();
                case "--split" -> uneven = switch (v) {
                    case "round-robin" -> false;
                    case "uneven" -> true;
                    default -> throw new IllegalArgumentException("--split round-robin|uneven, not " + v);
                };
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("options come in pairs");
        }
        System.out.printf(Locale.ROOT, "# split %s; merge every N x K readings%s%n", uneven ? "uneven" : "round-robin",
                relearning > 0 ? ", every " + relearning + " x K while a replica relearns after a drift" : "");
        System.out.printf(Locale.ROOT, "# L: sync = synchronous rounds; a number = the stream's protocol (%s), the merge L "
                + "readings after the round's last state, tick %s%n", rebase ? "rebase: replicas keep training while their "
                + "state is out" : "hold: replicas hold their labels while their state is out",
                tick < 0 ? "none" : tick + " readings");
        for (String stream : streams) {
            boolean sensor = List.of("stationary", "hotter", "boundary").contains(stream);
            List<byte[]> single = new ArrayList<>();
            List<QualitySource> sources = new ArrayList<>();
            String spec = null;
            for (int seed = 1; seed <= (sensor ? seeds : 1); seed++) {
                QualitySource source = source(stream, seed);
                spec = source instanceof MoaSource moa ? DefaultSpecJson.forStream(moa.features(), moa.classes())
                        : DefaultSpecJson.text();
                sources.add(source);
                single.add(run(SpecJson.parse(spec), source, 1, null, false, Schedule.synchronous(0, 0)).hits);
            }
            System.out.printf(Locale.ROOT, "%-10s %-15s K N      L    | %s%n", stream, "rule", header(stream));
            System.out.printf(Locale.ROOT, "%-10s %-15s - -      -    | %s%n", stream, "single", figures(stream, single));
            for (ReplicaMerge.Rule rule : rules) {
                for (int k : ks) {
                    for (int n : ns) {
                        List<byte[]> synchronous = null;
                        for (int lag : lags) {
                            Schedule schedule = new Schedule(n, relearning, lag, lag < 0 ? -1 : tick, lag >= 0 && rebase);
                            List<byte[]> hits = new ArrayList<>();
                            long drifts = 0;
                            long merges = 0;
                            long held = 0;
                            boolean same = true;
                            boolean asSync = true;
                            for (int s = 0; s < sources.size(); s++) {
                                String specJson = sensor ? DefaultSpecJson.text() : spec;
                                Run r = run(SpecJson.forReplicas(SpecJson.parse(specJson), rule, k), sources.get(s), k,
                                        new ReplicaMerge(rule), uneven, schedule);
                                hits.add(r.hits);
                                drifts += r.drifts;
                                merges += r.merges;
                                held += r.held;
                                same &= Arrays.equals(r.hits, single.get(s));
                                asSync &= synchronous != null && Arrays.equals(r.hits, synchronous.get(s));
                            }
                            if (lag < 0) {
                                synchronous = hits;
                            }
                            double seedsRun = sources.size();
                            System.out.printf(Locale.ROOT, "%-10s %-15s %d %-6d %-4s | %s drift-events/seed %.1f merges/seed %.0f "
                                            + "%s/seed %.0f%s%s%n", stream, rule, k, n, lag < 0 ? "sync" : lag,
                                    figures(stream, hits), drifts / seedsRun, merges / seedsRun,
                                    schedule.rebase() ? "labels-trained-while-out" : "held-labels", held / seedsRun,
                                    k == 1 ? " every-prediction-as-single " + same : "",
                                    lag >= 0 && synchronous != null ? " every-prediction-as-sync " + asSync : "");
                            System.out.flush();
                        }
                    }
                }
            }
        }
    }

    private static QualitySource source(String stream, int seed) {
        return QualityHarness.stream(stream, seed, QualityHarness.MOA_INSTANCES);
    }

    /** {@code held}: the labels that came to a replica while its state was out (held, or under rebase trained on). */
    private record Run(byte[] hits, long drifts, long merges, long held) {
    }

    /**
     * When the replicas' states go out for a round's merge, and when it comes.
     *
     * <p>{@code lag} < 0: the synchronous rounds. Every n x K readings (relearningN x K while a replica
     * relearns after a drift: from a drift until {@link Trainer#OUTPUT_RELEARNING_UPDATES} x K readings
     * after it) all replicas stop, merge, and continue; no label waits.
     *
     * <p>{@code lag} >= 0: the stream's protocol ({@code ReplicaRounds}, {@code Learner}). A replica
     * publishes its state after n updates since the base (relearningN while its output layer relearns,
     * {@link OnlineModel#relearning}; at once at a drift, with an update since the base), or on the
     * tick: once another replica published, at its first own reading {@code tick} or more readings after
     * that (the stream's 100 ms wall-clock tick while another's state waits for it; {@code tick} < 0: no
     * tick). A replica that published predicts its readings with the published model ({@link
     * OnlineModel#predict}) and holds their labels. The round's merge comes {@code lag} readings of the
     * whole stream after the last replica published (commit, transport); then each replica continues
     * from {@code adopt(merge(base, states), itself)}, takes its held labels in order ({@link
     * OnlineModel#learnLate}: the prediction made then scored for its detector, then the update), and
     * publishes at once if that made it due. {@code relearningN} = 0: neither the shorter interval nor
     * the publishing at a drift (as the synchronous rounds without it), so that lag 0, tick 0 and
     * round-robin dealing give the synchronous rounds' schedule, and the same predictions.
     *
     * <p>{@code rebase} (the protocol only): a replica whose state is out keeps training on its
     * readings ({@link OnlineModel#step}), nothing is held; the round merges the states as sent, and
     * each replica continues from {@link ReplicaMerge#rebase rebase(merged, sent, itself)}, the merged
     * model plus its own change since it sent. A drift found while its state was out publishes it at
     * once after the merge (as a drift found in a held label does); its updates since the base count
     * those taken while the state was out.
     */
    record Schedule(int n, int relearningN, int lag, int tick, boolean rebase) {
        static Schedule synchronous(int n, int relearningN) {
            return new Schedule(n, relearningN, -1, -1, false);
        }

        boolean protocol() {
            return lag >= 0;
        }

        /** The replica {@code model} publishes after its step ({@code drifted}: the step or a held label's found a drift). */
        boolean due(OnlineModel model, OnlineModel base, boolean drifted) {
            long since = model.modelVersion() - base.modelVersion();
            boolean relearns = relearningN > 0;
            return since >= (relearns && model.relearning() ? relearningN : n) || (relearns && drifted && since > 0);
        }
    }

    /** A held label: the reading as it was predicted (features, prediction, model version) and its label. */
    private record Held(PendingReading reading, LateLabel label) {
        static Held of(ModelSpec spec, Reading reading, StepResult predicted, long arrival) {
            PendingReading r = new PendingReading(spec).set(arrival, reading.timestamp(), predicted.modelVersion());
            System.arraycopy(reading.features(), 0, r.features(), 0, r.features().length);
            System.arraycopy(predicted.output(), 0, r.output(), 0, r.output().length);
            LateLabel l = new LateLabel();
            l.setLabel(reading.label());
            if (reading.hasTarget()) {
                l.setTarget(reading.target());
            }
            return new Held(r, l);
        }
    }

    /**
     * One pass: without a merge the single model; with one, K replicas merged in rounds as {@code
     * schedule} says (K = 1: one replica merged with itself, which must be the single model).
     */
    static Run run(ModelSpec spec, QualitySource source, int k, ReplicaMerge merge, boolean uneven, Schedule schedule) {
        int[] deal = deal(k, uneven);
        OnlineModel base = OnlineModel.create(spec);
        List<OnlineModel> replicas = new ArrayList<>();
        List<List<Held>> held = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            replicas.add(OnlineModel.create(spec));
            held.add(new ArrayList<>());
        }
        OnlineModel.Scratch scratch = base.newScratch();
        // The state each replica published for the round (under rebase a copy: it trains on), and
        // whether it found a drift while the state was out.
        OnlineModel[] sent = new OnlineModel[k];
        boolean[] driftedOut = new boolean[k];
        // The reading at which each replica published its state for the round, or -1.
        long[] publishedAt = new long[k];
        Arrays.fill(publishedAt, -1);
        int published = 0;
        long firstPublished = -1;
        long lastPublished = -1;
        QualitySource.Cursor cursor = source.open();
        int len = source.length();
        byte[] hits = new byte[len];
        long drifts = 0;
        long merges = 0;
        long heldLabels = 0;
        long since = 0;
        long fastUntil = -1;
        for (int i = 0; i < len; i++) {
            cursor.next();
            Reading reading = cursor.reading();
            int j = deal[i % deal.length];
            OnlineModel replica = replicas.get(j);
            boolean drifted = false;
            if (publishedAt[j] >= 0 && !schedule.rebase()) {
                // Its state is out for the merge: it predicts with it, and the label waits.
                StepResult r = replica.predict(reading, scratch);
                hits[i] = (byte) (r.correct() ? 1 : 0);
                if (reading.isLabeled()) {
                    held.get(j).add(Held.of(spec, reading, r, i));
                    heldLabels++;
                }
            } else {
                StepResult r = replica.step(reading);
                hits[i] = (byte) (r.correct() ? 1 : 0);
                if (publishedAt[j] >= 0 && reading.isLabeled()) {
                    heldLabels++;
                }
                if (r.drift() != null) {
                    drifts++;
                    drifted = true;
                    if (publishedAt[j] >= 0) {
                        driftedOut[j] = true;
                    }
                    if (schedule.relearningN() > 0) {
                        // The drifted replica relearns its output layer for its next updates.
                        fastUntil = Math.max(fastUntil, i + (long) Trainer.OUTPUT_RELEARNING_UPDATES * k);
                    }
                }
            }
            if (merge == null) {
                continue;
            }
            if (!schedule.protocol()) {
                since++;
                long every = (long) (i < fastUntil ? schedule.relearningN() : schedule.n()) * k;
                if (since >= every) {
                    since = 0;
                    Arrays.fill(publishedAt, i);
                    for (int q = 0; q < k; q++) {
                        sent[q] = replicas.get(q);
                    }
                    published = k;
                    lastPublished = i;
                }
            } else if (publishedAt[j] < 0 && (schedule.due(replica, base, drifted)
                    || (schedule.tick() >= 0 && firstPublished >= 0 && i - firstPublished >= schedule.tick()))) {
                sent[j] = publish(replica, schedule);
                publishedAt[j] = i;
                published++;
                firstPublished = published == 1 ? i : firstPublished;
                lastPublished = i;
            }
            // The round's merge, lag readings after its last state went out (lag 0 when synchronous).
            while (published == k && i - lastPublished >= Math.max(0, schedule.lag())) {
                OnlineModel merged = merge.merge(base, Arrays.asList(sent));
                base = merged;
                merges++;
                Arrays.fill(publishedAt, -1);
                published = 0;
                firstPublished = -1;
                for (int q = 0; q < k; q++) {
                    OnlineModel next = schedule.rebase() ? merge.rebase(merged, sent[q], replicas.get(q))
                            : merge.adopt(merged, replicas.get(q));
                    replicas.set(q, next);
                    boolean driftedLate = driftedOut[q];
                    driftedOut[q] = false;
                    sent[q] = null;
                    for (Held h : held.get(q)) {
                        if (next.learnLate(h.reading(), h.label()).drift() != null) {
                            drifts++;
                            driftedLate = true;
                        }
                    }
                    held.get(q).clear();
                    if (schedule.protocol() && schedule.due(next, base, driftedLate)) {
                        sent[q] = publish(next, schedule);
                        publishedAt[q] = i;
                        published++;
                        firstPublished = published == 1 ? i : firstPublished;
                        lastPublished = i;
                    }
                }
            }
        }
        return new Run(hits, drifts, merges, heldLabels);
    }

    /** The state a replica publishes: under rebase a copy, as the replica trains on while it is out. */
    private static OnlineModel publish(OnlineModel replica, Schedule schedule) {
        return schedule.rebase() ? ReplicaMerge.withSpec(replica, replica.spec()) : replica;
    }

    /** Which replica each reading of a cycle goes to. */
    private static int[] deal(int k, boolean uneven) {
        if (!uneven) {
            int[] d = new int[k];
            for (int i = 0; i < k; i++) {
                d[i] = i;
            }
            return d;
        }
        int[] d = new int[k * (k + 1) / 2];
        for (int r = 0, at = 0; r < k; r++) {
            for (int c = 0; c <= r; c++) {
                d[at++] = r;
            }
        }
        return d;
    }

    private static String header(String stream) {
        return switch (stream) {
            case "stationary" -> "[100k,200k)";
            case "hotter" -> "before[90k,100k) [100k,101k) [101k,102k) [102k,103k) worst1k[102k,200k) [150k,200k)";
            case "boundary" -> "before[90k,100k) [100k,120k) [101k,102k) [150k,200k)";
            default -> "[0,100k) [50k,100k)";
        };
    }

    private static String figures(String stream, List<byte[]> runs) {
        return switch (stream) {
            case "stationary" -> f(runs, 100_000, 200_000);
            case "hotter" -> f(runs, 90_000, 100_000) + " " + f(runs, 100_000, 101_000) + " " + f(runs, 101_000, 102_000)
                    + " " + f(runs, 102_000, 103_000) + " " + worst(runs, 102_000, 200_000) + " " + f(runs, 150_000, 200_000);
            case "boundary" -> f(runs, 90_000, 100_000) + " " + f(runs, 100_000, 120_000) + " " + f(runs, 101_000, 102_000)
                    + " " + f(runs, 150_000, 200_000);
            default -> f(runs, 0, 100_000) + " " + f(runs, 50_000, 100_000);
        };
    }

    /** Accuracy over [from, to), the mean over the runs (stream seeds). */
    private static String f(List<byte[]> runs, int from, int to) {
        return String.format(Locale.ROOT, "%.4f", mean(runs, from, to));
    }

    private static double mean(List<byte[]> runs, int from, int to) {
        double sum = 0;
        for (byte[] hits : runs) {
            long c = 0;
            for (int i = from; i < to; i++) {
                c += hits[i];
            }
            sum += c / (double) (to - from);
        }
        return sum / runs.size();
    }

    /** The lowest of the 1,000-reading windows in [from, to), each the mean over the runs. */
    private static String worst(List<byte[]> runs, int from, int to) {
        double least = 1;
        for (int w = from; w < to; w += W) {
            least = Math.min(least, mean(runs, w, w + W));
        }
        return String.format(Locale.ROOT, "%.4f", least);
    }
}
