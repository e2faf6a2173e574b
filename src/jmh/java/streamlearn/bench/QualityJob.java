package streamlearn.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One learner's prequential run over one stream, as a task for {@link QualityHarness}'s pool.
 *
 * <p>A run on a tampered seeds' stream whose first readings are those of the clean stream (the
 * level shift and the swapped labels from reading 100,000, one glitch at 50,000) need not learn
 * those readings again: a MOA learner's run on it (a <em>branch</em>) continues from an exact copy
 * of the same learner on the clean stream (its <em>trunk</em>), taken just before the first
 * reading where the two differ, with the trunk's results for the readings before. The branch
 * checks that its stream's readings before that point hash as the trunk's did. The results are
 * those of a run from scratch ({@code --no-fork} runs everything from scratch, to check that).
 */
final class QualityJob implements Runnable, Comparable<QualityJob> {
    /** Per-reading correctness (1 or 0), the stream's checksum, and the seconds this job took. */
    record Run(byte[] correct, long checksum, double seconds) {
        double accuracy(int start, int end) {
            long c = 0;
            for (int i = start; i < end; i++) {
                c += correct[i];
            }
            return c / (double) (end - start);
        }
    }

    final QualitySource source;
    final QualityLearner learner;
    final String specJson;
    final CompletableFuture<Run> result = new CompletableFuture<>();
    /** The scenario this job's seconds are counted in (the first that needs it). */
    final String scenario;

    private final List<QualityJob> branches = new ArrayList<>();
    private Executor executor;
    private int forkAt;
    private QualityLearner.Stepper start;
    private byte[] prefix;
    private long prefixChecksum;

    QualityJob(QualitySource source, QualityLearner learner, String specJson, String scenario) {
        this.source = source;
        this.learner = learner;
        this.specJson = specJson;
        this.scenario = scenario;
    }

    /** Makes {@code branch} continue this job's learner from reading {@code at}; the branch is started by this job. */
    void addBranch(QualityJob branch, int at) {
        branch.forkAt = at;
        branches.add(branch);
        branches.sort(Comparator.comparingInt(b -> b.forkAt));
    }

    boolean isBranch() {
        return forkAt > 0;
    }

    /** Runs this job on {@code executor}; branches are handed to it when their fork point is reached. */
    void submit(Executor executor) {
        this.executor = executor;
        executor.execute(this);
    }

    /** The remaining work, relative, for running the longest first. */
    double cost() {
        return (source.length() - forkAt) * learner.costPerReading(source.featureCount());
    }

    @Override
    public int compareTo(QualityJob other) {
        return Double.compare(other.cost(), cost());
    }

    @Override
    public void run() {
        try {
            long t0 = System.nanoTime();
            QualitySource.Cursor cursor = source.open();
            int n = source.length();
            byte[] correct = new byte[n];
            QualityLearner.Stepper stepper;
            if (isBranch()) {
                for (int i = 0; i < forkAt; i++) {
                    cursor.next();
                }
                if (cursor.checksum() != prefixChecksum) {
                    throw new IllegalStateException(source.key() + " differs from its trunk before reading " + forkAt);
                }
                System.arraycopy(prefix, 0, correct, 0, forkAt);
                prefix = null;
                stepper = start;
                start = null;
            } else {
                stepper = learner.start(cursor, specJson);
            }
            int nextBranch = 0;
            for (int i = forkAt; i < n; i++) {
                while (nextBranch < branches.size() && branches.get(nextBranch).forkAt == i) {
                    QualityJob branch = branches.get(nextBranch++);
                    branch.start = stepper.copy();
                    branch.prefix = Arrays.copyOf(correct, i);
                    branch.prefixChecksum = cursor.checksum();
                    branch.submit(executor);
                }
                cursor.next();
                correct[i] = (byte) (stepper.step(cursor) ? 1 : 0);
            }
            Run run = new Run(correct, cursor.checksum(), (System.nanoTime() - t0) / 1e9);
            System.err.printf(Locale.ROOT, "  %-11s %-52s %-10s %6.1f s  accuracy %.4f%n", learner.label,
                    QualityHarness.abbreviate(source.key(), 52), isBranch() ? "from " + forkAt : "",
                    run.seconds(), run.accuracy(0, n));
            result.complete(run);
        } catch (Throwable e) {
            result.completeExceptionally(e);
            for (QualityJob branch : branches) {
                branch.result.completeExceptionally(new IllegalStateException("its trunk failed", e));
            }
        }
    }
}
