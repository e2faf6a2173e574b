package streamlearn.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import streamlearn.nn.StateReader;
import streamlearn.nn.StateWriter;
import streamlearn.nn.Trainer;

/**
 * Merges K replicas of one model, each trained since the last merge on its own share of the
 * readings, into one model: the data-parallel training of issue #26. It works on the state a model
 * writes ({@link OnlineModel#writeState}), name by name, so every part of a model (the spec's
 * network, each candidate of a pool, the scaler, the selection) is merged by one rule per kind of
 * value, and a part added to the state later fails loudly here until it is given a rule.
 *
 * <p>{@code base} is the last merged model, the one every replica started from; d_k is replica k's
 * updates since then ({@code modelVersion} minus the base's) and D their sum. The rule, per name:
 * <ul>
 *   <li><b>weights and their average</b> (every trainer's {@code weights}, {@code averaging.weights}):
 *       by the {@link Rule}; {@link #DEFAULT} was chosen by measurement (docs/QUALITY.md, "Replicas:
 *       the merge rule"). {@link Rule#BATCH_SCALED} merges the average as one trainer that took
 *       every replica's update would hold it. When some replicas restarted a trainer's average since the base (their
 *       drift reaction), the merged average is theirs alone (weighted by their updates): the
 *       reaction is the model's, not diluted by the averages of the time before the change.</li>
 *   <li><b>optimizer state</b> ({@code optimizer.*}: Adam's moments and bias-correction powers, SGD's
 *       momentum): averaged, weighted by d_k. The moments estimate the gradient's mean and square
 *       over recent steps; a replica that took more steps knows them better.</li>
 *   <li><b>counters that tick once per update</b> ({@code modelVersion}, {@code averaging.age},
 *       {@code selection.scored}): min_k (c_k - d_k) + D, which is the base's count plus D when no
 *       replica reset it, so the merged {@code modelVersion} counts every update of every replica;
 *       a replica that reset a counter (an average restarted) carries the reset over.</li>
 *   <li><b>event counts</b> ({@code drift.drifts}, {@code classWeights.labelCounts}): the base's plus
 *       each replica's increase.</li>
 *   <li><b>{@code outputRelearning}</b>: the most any replica has left (a drift in one replica
 *       relearns the merged output layer).</li>
 *   <li><b>the scaler</b>: the statistics of every reading the replicas took, exactly as one scaler
 *       fed them all would have them while its count is within its memory (means and variances
 *       merged by counts; see {@link #mergeScaler}); past its memory, the same decomposition with
 *       the forgetting's weights. Clipping (a reading beyond 4 standard deviations) is applied by
 *       each replica against its own statistics, so a clipped reading is the one inexactness.</li>
 *   <li><b>the candidates' selection</b>: the discounted loss sums averaged by d_k (each is a
 *       discounted mean over the replica's own readings, of the same scale as one model's; under
 *       {@link Rule#BATCH_SCALED}, the sums one pool that scored every replica's reading would
 *       hold); the
 *       champion is the one most replicas name (ties: the first candidate), keeping the pool's
 *       hysteresis instead of re-deciding at each merge.</li>
 *   <li><b>the drift detector</b> ({@code drift.detector.*}): not merged. Each replica keeps its
 *       own detector, which watches its own readings' errors ({@link #adopt}), so a change is
 *       detected by each replica that sees it (up to K drift events per change; the merged count
 *       adds them). The merged model itself carries an empty detector: a replica that starts from it
 *       (a new partition) starts watching afresh.</li>
 * </ul>
 * One replica merged alone and adopting the result ({@link #adopt}) is that replica, bit for bit
 * (the merged model differs from it only in its empty detector); merging is deterministic (same
 * inputs, same bits).
 */
public final class ReplicaMerge {
    /** How the replicas' weights (and weight averages) make the merged model's. */
    public enum Rule {
        /** The replicas' weights averaged, each counting 1/K. */
        PLAIN_AVERAGE,
        /** The replicas' weights averaged, replica k counting d_k / D (FedAvg's weighting). */
        UPDATE_WEIGHTED,
        /**
         * The base plus every replica's change since it: each update of each replica moves the
         * merged model as it moved its replica, as if one learner had taken them all (FedAvg with a
         * server learning rate of K, or asynchronous SGD's accumulated updates).
         */
        DELTA_SUM,
        /**
         * The update-weighted average's change from the base, times sqrt(K): a merge is like one
         * step on a K times larger batch, and for Adam the square-root scaling rule (Malladi et
         * al., "On the SDEs and Scaling Rules for Adaptive Gradient Algorithms", 2022) scales the
         * learning rate by the square root of the batch's growth.
         */
        SQRT_K_DELTA,
        /**
         * Each replica learns at the rate a K times larger batch calls for, by its optimizer's
         * batch-size scaling rule ({@link #learningRateScale}: SGD's linear rule, Goyal et al.,
         * "Accurate, Large Minibatch SGD", 2017; Adam's square-root rule, Malladi et al. 2022).
         * The average of K replicas' steps is a step on K readings where one learner takes K
         * steps, and these rules are the rates at which such a step follows, to first order, the
         * path of the K steps, noise included; at the spec's own rates the average learns about
         * 1/K as fast per reading. The weights are then averaged as by {@link #UPDATE_WEIGHTED}.
         * And the model's memories counted in updates, the weight average and the candidates'
         * recent losses, are merged as one learner that took every replica's update would hold
         * them, as the scaler's statistics are: an average of them would forget K times more
         * slowly per reading than the model they belong to.
         */
        BATCH_SCALED;

        /**
         * The factor on the learning rate of a replica's optimizer, K replicas training: K for SGD
         * and sqrt(K) for Adam under {@link #BATCH_SCALED}, 1 otherwise (and for K = 1). The
         * replicas and the models they merge from are built from the spec with their rates so
         * scaled; the state they write does not depend on the rate.
         */
        public double learningRateScale(OptimizerSpec optimizer, int k) {
            if (this != BATCH_SCALED || k == 1) {
                return 1.0;
            }
            return optimizer instanceof OptimizerSpec.Adam ? Math.sqrt(k) : k;
        }
    }

    /**
     * The rule the measurements chose (docs/QUALITY.md, "Replicas: the merge rule"). At the spec's
     * own rates an average of K replicas learns about 1/K as fast per reading as one model, and
     * its memories forget K times more slowly; the rules that extrapolate the merged change
     * instead (delta sum, sqrt-K delta, block momentum) overshoot between long merges, which the
     * traffic of publishing a replica's state calls for. Scaling each replica's rate by its
     * optimizer's large-batch rule keeps the average's pace without that overshoot. A change in
     * what the labels mean also needs the merges to come often while a replica relearns its output
     * layer after a drift (its steps are then many times larger, and a replica relearning alone
     * needs K times the stream's readings): an interval the stream part sets, not the merge.
     */
    public static final Rule DEFAULT = Rule.BATCH_SCALED;

    private final Rule rule;

    public ReplicaMerge(Rule rule) {
        this.rule = rule;
    }

    public ReplicaMerge() {
        this(DEFAULT);
    }

    public Rule rule() {
        return rule;
    }

    /**
     * The merged model of {@code replicas}, each of which started from {@code base} (the last
     * merged model, or the fresh model before the first merge) and has trained since. A new model:
     * neither the base nor the replicas change.
     *
     * @throws IllegalArgumentException when there is no replica, a replica is of another spec, or
     *                                  it has fewer updates than the base
     */
    public OnlineModel merge(OnlineModel base, List<OnlineModel> replicas) {
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("no replica to merge");
        }
        ModelSpec spec = base.spec();
        int k = replicas.size();
        Recording b = Recording.of(base);
        Recording[] r = new Recording[k];
        long[] d = new long[k];
        long total = 0;
        for (int i = 0; i < k; i++) {
            OnlineModel replica = replicas.get(i);
            if (!replica.spec().equals(spec)) {
                throw new IllegalArgumentException("replica " + i + " is of another spec than the base");
            }
            r[i] = Recording.of(replica);
            d[i] = replica.modelVersion() - base.modelVersion();
            if (d[i] < 0) {
                throw new IllegalArgumentException("replica " + i + " has " + replica.modelVersion()
                        + " updates, fewer than the base's " + base.modelVersion());
            }
            total += d[i];
        }
        double[] w = new double[k];
        for (int i = 0; i < k; i++) {
            w[i] = rule == Rule.PLAIN_AVERAGE || total == 0 ? 1.0 / k : (double) d[i] / total;
        }
        Recording empty = Recording.of(OnlineModel.blank(spec));
        List<String> trainers = trainerPrefixes(spec);
        Recording merged = new Recording();
        for (Map.Entry<String, Value> e : b.values.entrySet()) {
            String name = e.getKey();
            Value[] of = new Value[k];
            for (int i = 0; i < k; i++) {
                of[i] = r[i].get(name);
            }
            merged.values.put(name, mergeValue(name, e.getValue(), of, w, trainerOf(trainers, name), b, r, empty, spec));
        }
        restartAveragesWhereReplicasDid(trainers, b, r, merged);
        if (spec.standardize() && k > 1) {
            mergeScaler(spec.standardizeMemory(), b, r, merged);
        } else if (spec.standardize()) {
            // One replica's statistics are the merge's; the decomposition below would round them.
            for (String n : List.of("scaler.count", "scaler.mean", "scaler.variance")) {
                merged.values.put(n, r[0].get(n));
            }
        }
        OnlineModel out = OnlineModel.blank(spec);
        out.readState(merged.reader());
        return out;
    }

    /**
     * The replica continuing after a merge: the merged model, with the replica's own drift
     * detector (its window of its own readings' errors), so that detection goes on uninterrupted.
     */
    public OnlineModel adopt(OnlineModel merged, OnlineModel replica) {
        Recording m = Recording.of(merged);
        Recording own = Recording.of(replica);
        for (Map.Entry<String, Value> e : own.values.entrySet()) {
            if (e.getKey().startsWith(DETECTOR)) {
                m.values.put(e.getKey(), e.getValue());
            }
        }
        OnlineModel out = OnlineModel.blank(merged.spec());
        out.readState(m.reader());
        return out;
    }

    /**
     * The replica after the merge of a round whose state it sent as {@code sent}, having trained
     * on since to {@code current} (a replica keeps learning while its state is out for the merge):
     * the merged model plus the replica's own change since it sent, so that no update is lost or
     * counted twice, and no reading waits for a merge (docs/QUALITY.md, "Replicas"). With no update
     * since sending it is {@link #adopt}, the merged model with the replica's detector. Per name:
     * <ul>
     *   <li>the drift detector and the optimizer state (Adam's moments, SGD's momentum): the
     *       replica's own, its latest estimate of its gradients;</li>
     *   <li>what the replica started over since sending (a drift: a weight average restarted, the
     *       candidates' recent losses restarted, the scaler's memory shortened): its own, as the
     *       merge keeps a restart; what the merge started over (another replica's drift): the
     *       merge's, its counter plus the replica's updates since;</li>
     *   <li>the output layer's relearning: the merged model's less the updates since sending, or
     *       the replica's own when it started one since;</li>
     *   <li>the champion: the replica's when it changed since sending, else the merge's;</li>
     *   <li>everything else (weights and their average, counts, the scaler, the recent losses):
     *       merged + (current - sent), a variance or loss not below 0.</li>
     * </ul>
     */
    public OnlineModel rebase(OnlineModel merged, OnlineModel sent, OnlineModel current) {
        if (current.modelVersion() == sent.modelVersion()) {
            return adopt(merged, current);
        }
        ModelSpec spec = merged.spec();
        Recording m = Recording.of(merged);
        Recording s = Recording.of(sent);
        Recording c = Recording.of(current);
        List<String> trainers = trainerPrefixes(spec);
        boolean scalerRestarted = spec.standardize() && c.get("scaler.count").count() < s.get("scaler.count").count();
        boolean selectionRestarted = spec.hasCandidates()
                && c.get("selection.scored").count() < s.get("selection.scored").count();
        Recording out = new Recording();
        for (Map.Entry<String, Value> e : m.values.entrySet()) {
            String name = e.getKey();
            String trainer = trainerOf(trainers, name);
            String local = name.substring(trainer.length());
            Value mv = e.getValue();
            Value sv = s.get(name);
            Value cv = c.get(name);
            Value v;
            if (name.startsWith(DETECTOR) || local.startsWith("optimizer.")) {
                v = cv;
            } else if (local.startsWith("averaging.")) {
                String age = trainer + "averaging.age";
                v = c.get(age).count() < s.get(age).count() ? cv
                        : restartedByMerge(m, s, age, local.equals("averaging.weights")) ? mv : plusChange(mv, sv, cv, false);
            } else if (name.startsWith("scaler.")) {
                v = scalerRestarted ? cv
                        : restartedByMerge(m, s, "scaler.count", !name.equals("scaler.count")) ? mv
                        : plusChange(mv, sv, cv, name.equals("scaler.variance"));
            } else if (name.startsWith("selection.") && !name.equals("selection.champion")) {
                v = selectionRestarted ? cv
                        : restartedByMerge(m, s, "selection.scored", name.equals("selection.losses")) ? mv
                        : plusChange(mv, sv, cv, name.equals("selection.losses"));
            } else if (name.equals("selection.champion")) {
                v = cv.count() != sv.count() ? cv : mv;
            } else if (local.equals("outputRelearning")) {
                long used = sv.count() - cv.count();
                v = used < 0 ? cv : Value.count(Math.max(cv.count(), mv.count() - used));
            } else {
                v = plusChange(mv, sv, cv, false);
            }
            out.values.put(name, v);
        }
        OnlineModel o = OnlineModel.blank(spec);
        o.readState(out.reader());
        return o;
    }

    /**
     * True for a {@code statistic} the merge started over since the replica sent its state (another
     * replica's drift, kept by the merge: its {@code counter} is below the one sent): the merge's
     * statistic stands, as the replica's change since would subtract its old sums from a fresh one.
     */
    private static boolean restartedByMerge(Recording merged, Recording sent, String counter, boolean statistic) {
        return statistic && merged.get(counter).count() < sent.get(counter).count();
    }

    /** merged + (current - sent), element by element; not below 0 when {@code nonNegative}. */
    private static Value plusChange(Value merged, Value sent, Value current, boolean nonNegative) {
        double[] out = new double[merged.values().length];
        for (int i = 0; i < out.length; i++) {
            double v = merged.values()[i] + (current.values()[i] - sent.values()[i]);
            out[i] = nonNegative ? Math.max(0.0, v) : v;
        }
        return new Value(merged.kind(), out);
    }

    /**
     * {@code model}'s state (weights, optimizer state, scaler, detector, counts: all of it) under
     * {@code spec}, a spec that differs from the model's only in its learning rates: the model of
     * K replicas continuing as K' replicas, whose rates scale otherwise. Rates are not state, so
     * nothing is converted.
     */
    public static OnlineModel withSpec(OnlineModel model, ModelSpec spec) {
        OnlineModel out = OnlineModel.blank(spec);
        out.readState(Recording.of(model).reader());
        return out;
    }

    private static final String DETECTOR = "drift.detector.";

    /** The state-name prefixes of the model's trainers: "" for the spec's network, then each challenger's. */
    private static List<String> trainerPrefixes(ModelSpec spec) {
        List<String> prefixes = new ArrayList<>();
        prefixes.add("");
        if (spec.hasCandidates()) {
            for (CandidateSpec c : spec.candidates()) {
                prefixes.add("candidates." + c.name() + ".");
            }
        }
        return prefixes;
    }

    /** The prefix of the trainer a name belongs to ("" when none of a challenger's). */
    private static String trainerOf(List<String> trainers, String name) {
        for (int i = trainers.size() - 1; i > 0; i--) {
            if (name.startsWith(trainers.get(i))) {
                return trainers.get(i);
            }
        }
        return "";
    }

    private Value mergeValue(String name, Value base, Value[] of, double[] w, String trainer, Recording b,
                             Recording[] r, Recording empty, ModelSpec spec) {
        if (name.startsWith(DETECTOR)) {
            return empty.get(name);
        }
        if (name.startsWith("scaler.")) {
            return base; // replaced by mergeScaler
        }
        String local = name.substring(trainer.length());
        switch (local) {
            case "weights", "averaging.weights" -> {
                if (rule == Rule.BATCH_SCALED && local.equals("averaging.weights")) {
                    return averageAsOneLearner(trainer, base, of, w, b, r, averagingDecay(spec, trainer));
                }
                return switch (rule) {
                    case DELTA_SUM -> deltaSum(base, of);
                    case SQRT_K_DELTA -> scaledDelta(base, of, w, Math.sqrt(of.length));
                    default -> average(of, w);
                };
            }
            case "modelVersion", "averaging.age", "selection.scored" -> {
                long[] d = updatesSince(trainer, b, r);
                long least = Long.MAX_VALUE;
                long total = 0;
                for (int i = 0; i < of.length; i++) {
                    least = Math.min(least, of[i].count() - d[i]);
                    total += d[i];
                }
                return Value.count(least + total);
            }
            case "outputRelearning" -> {
                long most = 0;
                for (Value v : of) {
                    most = Math.max(most, v.count());
                }
                return Value.count(most);
            }
            case "drift.drifts", "classWeights.labelCounts" -> {
                return increases(base, of);
            }
            case "selection.losses" -> {
                Value restarted = lossesOfRestartedReplicas(base, b, r, spec);
                if (restarted != null) {
                    return restarted;
                }
                if (rule == Rule.BATCH_SCALED) {
                    double discount = spec.selection().discount();
                    return asOneLearner(base, of, updatesOf("selection.scored", b, r), n -> Math.pow(discount, n));
                }
                return average(of, w);
            }
            case "selection.champion" -> {
                return Value.count(mostNamed(of));
            }
            default -> {
                if (local.startsWith("optimizer.")) {
                    return average(of, w);
                }
                throw new IllegalStateException("no merge rule for the state named " + name);
            }
        }
    }

    /**
     * The recent losses when some replicas started them over since the base (a drift, with {@link
     * SelectionSpec#restartOnDrift}: their {@code selection.scored} grew by less than their updates),
     * else null. Those replicas' losses alone, as one pool that scored their readings since their
     * restarts would hold them (pooled by {@code selection.scored}; under every rule): the others'
     * still rank the candidates on the stream before the change, as a restarted average's merge
     * ({@link #restartAveragesWhereReplicasDid}). Taken as counts since the base instead, a
     * restarted replica's would be negative, and the merge made losses that are not finite.
     */
    private static Value lossesOfRestartedReplicas(Value base, Recording b, Recording[] r, ModelSpec spec) {
        long[] updates = updatesSince("", b, r);
        long[] scored = updatesOf("selection.scored", b, r);
        List<Value> of = new ArrayList<>();
        List<Long> since = new ArrayList<>();
        for (int i = 0; i < r.length; i++) {
            if (scored[i] < updates[i]) {
                of.add(r[i].get("selection.losses"));
                since.add(r[i].get("selection.scored").count());
            }
        }
        if (of.isEmpty()) {
            return null;
        }
        double discount = spec.selection().discount();
        return asOneLearner(new Value(base.kind, new double[base.values.length]), of.toArray(new Value[0]),
                since.stream().mapToLong(Long::longValue).toArray(), n -> Math.pow(discount, n));
    }

    /** Each replica's updates since the base of the trainer under {@code prefix}. */
    private static long[] updatesSince(String prefix, Recording b, Recording[] r) {
        return updatesOf(prefix + "modelVersion", b, r);
    }

    /** Each replica's increase of the counter {@code name} since the base. */
    private static long[] updatesOf(String name, Recording b, Recording[] r) {
        long[] d = new long[r.length];
        long from = b.get(name).count();
        for (int i = 0; i < r.length; i++) {
            d[i] = r[i].get(name).count() - from;
        }
        return d;
    }

    /** The decay of the weight average of the trainer under {@code prefix}. */
    private static double averagingDecay(ModelSpec spec, String prefix) {
        if (prefix.isEmpty()) {
            return spec.averagingDecay();
        }
        for (CandidateSpec c : spec.candidates()) {
            if (prefix.equals("candidates." + c.name() + ".")) {
                return c.averagingDecay();
            }
        }
        throw new IllegalStateException("no candidate under " + prefix);
    }

    /**
     * The weight average as one trainer that took every replica's update would hold it: the
     * average keeps a share lambda(a, n) of what it held at age a over its next n updates (the
     * product of its decays, {@link #averageRetained}), so each replica's average splits into
     * the base's and that of its own weights, and the latter pool (by updates) with the share
     * of all D updates. Where a replica restarted its average since the base, it holds none of
     * the base's, and the update-weighted average is taken ({@link #restartAveragesWhereReplicasDid}
     * then keeps the restarted ones alone).
     */
    private static Value averageAsOneLearner(String trainer, Value base, Value[] of, double[] w, Recording b,
                                             Recording[] r, double decay) {
        long[] d = updatesSince(trainer, b, r);
        // Without restarts (no drift detection) the average's age is the update count.
        String age = b.values.containsKey(trainer + "averaging.age") ? trainer + "averaging.age" : trainer + "modelVersion";
        long from = b.get(age).count();
        for (int i = 0; i < of.length; i++) {
            if (r[i].get(age).count() < from + d[i]) {
                return average(of, w);
            }
        }
        return asOneLearner(base, of, d, n -> averageRetained(from, n, decay));
    }

    /**
     * What one learner that took all D = sum d_k updates would hold of a memory that each update
     * mixes into: after n updates it keeps a share {@code retained(n)} of the base's value and the
     * rest is its updates' own part. Replica k's own part is (v_k - retained(d_k) base) /
     * (1 - retained(d_k)); the parts pool weighted by d_k / D, and the pool takes the share
     * 1 - retained(D). Exact when every update brings the same (a constant loss, unchanging
     * weights); one replica is given back bit for bit.
     */
    private static Value asOneLearner(Value base, Value[] of, long[] d, java.util.function.LongToDoubleFunction retained) {
        if (of.length == 1) {
            return of[0];
        }
        long total = 0;
        for (long di : d) {
            total += di;
        }
        if (total == 0) {
            return base;
        }
        int n = base.values.length;
        double[] pooled = new double[n];
        for (int i = 0; i < of.length; i++) {
            if (d[i] == 0) {
                continue; // it holds the base's value: no part of its own
            }
            double kept = retained.applyAsDouble(d[i]);
            double share = (double) d[i] / total / (1 - kept);
            double[] v = of[i].values;
            for (int j = 0; j < n; j++) {
                pooled[j] += share * (v[j] - kept * base.values[j]);
            }
        }
        double kept = retained.applyAsDouble(total);
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            out[j] = kept * base.values[j] + (1 - kept) * pooled[j];
        }
        return new Value(base.kind, out);
    }

    /**
     * The share of a weight average of age {@code age} that it keeps over its next {@code n}
     * updates: the product of {@link Trainer#averageKept} at each new age.
     */
    static double averageRetained(long age, long n, double decay) {
        double kept = 1.0;
        long t = 0;
        for (; t < n; t++) {
            double ramp = Trainer.averageKept(age + t + 1, decay);
            if (ramp >= decay) {
                break; // the ramp only grows: decay from here on
            }
            kept *= ramp;
        }
        return kept * Math.pow(decay, n - t);
    }

    /**
     * A trainer whose average some replicas restarted since the base (its age grew by less than
     * its updates: their drift reaction) gets the average of those replicas' averages alone,
     * weighted by their updates: the others' averages still remember the time before the change.
     */
    private static void restartAveragesWhereReplicasDid(List<String> trainers, Recording b, Recording[] r,
                                                        Recording merged) {
        for (String p : trainers) {
            if (!b.values.containsKey(p + "averaging.age")) {
                continue;
            }
            long[] d = updatesSince(p, b, r);
            long age = b.get(p + "averaging.age").count();
            boolean[] restarted = new boolean[r.length];
            long total = 0;
            int count = 0;
            for (int i = 0; i < r.length; i++) {
                restarted[i] = r[i].get(p + "averaging.age").count() < age + d[i];
                if (restarted[i]) {
                    total += d[i];
                    count++;
                }
            }
            if (count == 0 || count == r.length) {
                continue;
            }
            Value[] of = new Value[r.length];
            double[] w = new double[r.length];
            for (int i = 0; i < r.length; i++) {
                of[i] = r[i].get(p + "averaging.weights");
                w[i] = !restarted[i] ? 0.0 : total == 0 ? 1.0 / count : (double) d[i] / total;
            }
            merged.values.put(p + "averaging.weights", average(of, w));
        }
    }

    private static Value average(Value[] of, double[] w) {
        int n = of[0].values.length;
        double[] out = new double[n];
        for (int i = 0; i < of.length; i++) {
            double wi = w[i];
            double[] v = of[i].values;
            for (int j = 0; j < n; j++) {
                out[j] += wi * v[j];
            }
        }
        return new Value(of[0].kind, out);
    }

    /**
     * base + sum_k (v_k - base), summed as v_1 + sum_{k>1} (v_k - base) so that one replica is given
     * back bit for bit.
     */
    private static Value deltaSum(Value base, Value[] of) {
        double[] out = of[0].values.clone();
        for (int i = 1; i < of.length; i++) {
            double[] v = of[i].values;
            for (int j = 0; j < out.length; j++) {
                out[j] += v[j] - base.values[j];
            }
        }
        return new Value(of[0].kind, out);
    }

    /**
     * base + rate sum_k w_k (v_k - base), summed as sum_k w_k v_k + (rate - 1) sum_k w_k (v_k - base)
     * so that one replica (rate 1, weight 1) is given back bit for bit.
     */
    private static Value scaledDelta(Value base, Value[] of, double[] w, double rate) {
        double[] out = average(of, w).values;
        double more = rate - 1;
        for (int i = 0; i < of.length; i++) {
            double[] v = of[i].values;
            double wi = more * w[i];
            for (int j = 0; j < out.length; j++) {
                out[j] += wi * (v[j] - base.values[j]);
            }
        }
        return new Value(of[0].kind, out);
    }

    /** The base's value plus each replica's increase over it, element by element. */
    private static Value increases(Value base, Value[] of) {
        double[] out = base.values.clone();
        for (Value v : of) {
            for (int j = 0; j < out.length; j++) {
                out[j] += v.values[j] - base.values[j];
            }
        }
        return new Value(base.kind, out);
    }

    /** The count most replicas hold; ties go to the smallest. */
    private static long mostNamed(Value[] of) {
        Map<Long, Integer> votes = new java.util.TreeMap<>();
        for (Value v : of) {
            votes.merge(v.count(), 1, Integer::sum);
        }
        long best = -1;
        int most = 0;
        for (Map.Entry<Long, Integer> e : votes.entrySet()) {
            if (e.getValue() > most) {
                most = e.getValue();
                best = e.getKey();
            }
        }
        return best;
    }

    /**
     * The scaler's statistics of all the replicas' readings. A scaler's mean and variance after d
     * readings are exactly the mixture of what it had before (weight lambda) and of the d readings
     * (weight 1 - lambda): each update is such a mixture ({@link OnlineScaler#update}), and mixtures
     * compose. lambda is the product of (1 - w_t) over those updates, w_t = max(1/t, 1/memory):
     * n/(n + d) within the memory, (1 - 1/memory)^d past it. So each replica's statistics are split
     * into the base's and its own readings' (their mean B_k and variance V_k); the readings of all
     * replicas pool by their counts (exact when each reading weighs the same, as within the memory),
     * and the pool mixes with the base's statistics at the lambda of all D readings. A replica that
     * reset its count (drift: {@link OnlineScaler#remember}) holds less of the base: its split uses
     * its own count less its readings, and the merged count is the least of those plus D, as for
     * the other counters.
     */
    static void mergeScaler(long memory, Recording b, Recording[] r, Recording merged) {
        long version = b.get("modelVersion").count();
        double[] m0 = b.get("scaler.mean").values;
        double[] v0 = b.get("scaler.variance").values;
        int features = m0.length;
        long least = Long.MAX_VALUE;
        long total = 0;
        long[] d = new long[r.length];
        long[] before = new long[r.length];
        for (int i = 0; i < r.length; i++) {
            // The scaler takes one reading per update (a refused step takes it back).
            d[i] = r[i].get("modelVersion").count() - version;
            before[i] = r[i].get("scaler.count").count() - d[i];
            least = Math.min(least, before[i]);
            total += d[i];
        }
        double[] mean = m0.clone();
        double[] variance = v0.clone();
        if (total > 0) {
            double[] pooledMean = new double[features];
            double[] pooledSquares = new double[features];
            double[][] own = new double[r.length][];
            double[][] ownVariance = new double[r.length][];
            for (int i = 0; i < r.length; i++) {
                if (d[i] == 0) {
                    continue;
                }
                double lambda = retained(Math.max(0, before[i]), d[i], memory);
                double[] m = r[i].get("scaler.mean").values;
                double[] v = r[i].get("scaler.variance").values;
                own[i] = new double[features];
                ownVariance[i] = new double[features];
                for (int j = 0; j < features; j++) {
                    double bj = (m[j] - lambda * m0[j]) / (1 - lambda);
                    double gap = m0[j] - bj;
                    own[i][j] = bj;
                    ownVariance[i][j] = Math.max(0.0,
                            (v[j] - lambda * v0[j] - lambda * (1 - lambda) * gap * gap) / (1 - lambda));
                    pooledMean[j] += (double) d[i] / total * bj;
                }
            }
            for (int i = 0; i < r.length; i++) {
                if (d[i] == 0) {
                    continue;
                }
                for (int j = 0; j < features; j++) {
                    double gap = own[i][j] - pooledMean[j];
                    pooledSquares[j] += (double) d[i] / total * (ownVariance[i][j] + gap * gap);
                }
            }
            double lambda = retained(Math.max(0, least), total, memory);
            for (int j = 0; j < features; j++) {
                double gap = m0[j] - pooledMean[j];
                mean[j] = lambda * m0[j] + (1 - lambda) * pooledMean[j];
                variance[j] = lambda * v0[j] + (1 - lambda) * pooledSquares[j] + lambda * (1 - lambda) * gap * gap;
            }
        }
        merged.values.put("scaler.count", Value.count(least + total));
        merged.values.put("scaler.mean", new Value(Kind.VECTOR, mean));
        merged.values.put("scaler.variance", new Value(Kind.VECTOR, variance));
    }

    /**
     * The weight a scaler of count {@code n} keeps on its statistics over its next {@code d}
     * updates: the product of (1 - max(1/t, 1/memory)) for t = n+1 .. n+d.
     */
    static double retained(long n, long d, long memory) {
        double alpha = 1.0 / memory;
        if (n >= memory) {
            return Math.pow(1 - alpha, d);
        }
        long end = n + d;
        return (double) n / Math.min(end, memory) * Math.pow(1 - alpha, Math.max(0, end - memory));
    }

    enum Kind { COUNT, NUMBER, VECTOR, PARAMETERS }

    /** One named value of a model's state; a count is held as its one element. */
    record Value(Kind kind, double[] values) {
        static Value count(long c) {
            return new Value(Kind.COUNT, new double[] {c});
        }

        long count() {
            return (long) values[0];
        }
    }

    /**
     * A model's state as {@link OnlineModel#writeState} wrote it: its named values in order. Counts
     * are held as doubles, exact up to 2^53, far beyond any count a model reaches.
     */
    static final class Recording implements StateWriter {
        final Map<String, Value> values = new LinkedHashMap<>();

        static Recording of(OnlineModel model) {
            Recording r = new Recording();
            model.writeState(r);
            return r;
        }

        Value get(String name) {
            Value v = values.get(name);
            if (v == null) {
                throw new IllegalArgumentException("no state named " + name);
            }
            return v;
        }

        @Override
        public void count(String name, long value) {
            values.put(name, Value.count(value));
        }

        @Override
        public void number(String name, double value) {
            values.put(name, new Value(Kind.NUMBER, new double[] {value}));
        }

        @Override
        public void vector(String name, double[] v) {
            values.put(name, new Value(Kind.VECTOR, v.clone()));
        }

        @Override
        public void parameters(String name, double[] v) {
            values.put(name, new Value(Kind.PARAMETERS, v.clone()));
        }

        StateReader reader() {
            return new StateReader() {
                @Override
                public long count(String name) {
                    return get(name).count();
                }

                @Override
                public double number(String name) {
                    return get(name).values[0];
                }

                @Override
                public void vector(String name, double[] into) {
                    copy(name, into);
                }

                @Override
                public void parameters(String name, double[] into) {
                    copy(name, into);
                }

                private void copy(String name, double[] into) {
                    double[] v = get(name).values;
                    if (v.length != into.length) {
                        throw new IllegalArgumentException(name + " has " + v.length + " values, expected " + into.length);
                    }
                    System.arraycopy(v, 0, into, 0, into.length);
                }
            };
        }
    }
}
