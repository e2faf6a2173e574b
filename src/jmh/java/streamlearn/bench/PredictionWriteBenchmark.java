package streamlearn.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.PredictionJson;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;

/**
 * Writing one prediction as the learner does for each record: the prediction JSON of docs/DESIGN.md
 * (three probabilities and a loss, each a full-precision double) into a new byte array for the
 * producer.
 */
public class PredictionWriteBenchmark extends MicroBenchmark {
    private final PredictionJson json = new PredictionJson(SpecJson.defaultSpec());
    private Reading[] readings;
    private StepResult[] results;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        // A model per result, since a model reuses its result object; each has seen a few
        // hundred readings, so its probabilities are a trained model's.
        SensorReadingGenerator generator = new SensorReadingGenerator(1, 16, 0.1);
        readings = new Reading[64];
        results = new StepResult[readings.length];
        Reading warmup = new Reading(2);
        for (int i = 0; i < readings.length; i++) {
            OnlineModel model = OnlineModel.create(SpecJson.defaultSpec());
            for (int t = 0; t < 300; t++) {
                generator.next(warmup, t);
                model.step(warmup);
            }
            readings[i] = new Reading(2);
            generator.next(readings[i], 1_795_334_400_000L + i);
            results[i] = model.step(readings[i]);
        }
    }

    @Benchmark
    public byte[] write() {
        int i = next++ & 63;
        return json.write("press-01", readings[i], results[i]);
    }
}
