package streamlearn.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import streamlearn.model.OnlineModel;
import streamlearn.model.Outcome;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;

/**
 * One {@link OnlineModel#step} of our model, as the stream processor calls it for each record.
 *
 * <ul>
 *   <li>{@code trainStep}: a step on a labeled reading. A labeled reading is always predicted
 *       first (prequential test-then-train), so this is predict + loss + backprop + optimizer
 *       update + the online standardiser's update: the whole per-record cost of a labeled record.</li>
 *   <li>{@code predict}: a step on an unlabeled reading: standardise and forward only.</li>
 * </ul>
 *
 * <p>Readings come from a precomputed ring ({@link BenchData}); the model is pretrained on the
 * ring before measuring, and keeps learning during {@code trainStep}.
 */
public class OnlineModelBenchmark extends MicroBenchmark {

    @Param({"2-16-3-sgd", "2-16-3-adam", "default", "single-2-16-16-3-adam-avg", "8-64-64-3-sgd"})
    public String spec;

    private OnlineModel model;
    private Reading[] labeled;
    private Reading[] unlabeled;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        model = OnlineModel.create(BenchData.spec(spec));
        labeled = BenchData.labeledRing(model.spec().features().size());
        unlabeled = BenchData.unlabeled(labeled);
        BenchData.pretrain(model, labeled);
    }

    @Benchmark
    public StepResult trainStep() {
        return model.step(labeled[next++ & BenchData.MASK]);
    }

    @Benchmark
    public StepResult predict() {
        return model.step(unlabeled[next++ & BenchData.MASK]);
    }

    /** Fails the run if the model stopped learning (a refused step is cheaper and would flatter it). */
    @TearDown(Level.Trial)
    public void checkStillLearning() {
        StepResult r = model.step(labeled[0]);
        if (r.outcome() != Outcome.TRAINED) {
            throw new IllegalStateException(spec + ": the model no longer trains (" + r.outcome() + ")");
        }
    }
}
