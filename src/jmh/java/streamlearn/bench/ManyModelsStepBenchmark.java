package streamlearn.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import streamlearn.model.OnlineModel;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;

/**
 * The default spec's labeled step when readings take turns among many models, as the pipeline's
 * sixteen sensors do with {@code model.key=sensor}: each step finds its model's weights, optimizer
 * state and scaler where the previous steps of other models left the caches. With one model the
 * figure is {@link OnlineModelBenchmark}'s {@code trainStep}; the difference is what the cache
 * costs a step in the pipeline.
 */
public class ManyModelsStepBenchmark extends MicroBenchmark {

    @Param({"1", "16", "256"})
    public int models;

    private OnlineModel[] model;
    private Reading[] labeled;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        labeled = BenchData.labeledRing(2);
        model = new OnlineModel[models];
        for (int m = 0; m < models; m++) {
            model[m] = OnlineModel.create(BenchData.spec("default"));
            // One pass over the ring each: past the start, where every model is measured alike.
            for (Reading r : labeled) {
                model[m].step(r);
            }
        }
    }

    @Benchmark
    public StepResult trainStep() {
        int i = next++;
        return model[i % models].step(labeled[i & BenchData.MASK]);
    }
}
