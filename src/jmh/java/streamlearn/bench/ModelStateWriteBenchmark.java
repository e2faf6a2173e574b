package streamlearn.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;

/**
 * What writing the model to the state store on every record would add to a record: the
 * serialisation of the default spec's whole state (the store's metered layer serialises on every
 * put, cached or not), next to the learning step itself. The learner instead writes each changed
 * model once per commit (stream/ModelStore.java).
 */
public class ModelStateWriteBenchmark extends MicroBenchmark {
    private OnlineModel model;
    private Reading[] readings;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        model = OnlineModel.create(SpecJson.defaultSpec());
        SensorReadingGenerator generator = new SensorReadingGenerator(1, 16, 0.0);
        readings = new Reading[4096];
        for (int i = 0; i < readings.length; i++) {
            readings[i] = new Reading(2);
            generator.next(readings[i], i);
            model.step(readings[i]);
        }
    }

    /** The learner's per-record work on the model: one prequential step. */
    @Benchmark
    public StepResult step() {
        return model.step(readings[next++ & 4095]);
    }

    /** The same plus the serialisation a per-record store write would need. */
    @Benchmark
    public byte[] stepAndSerialise() {
        model.step(readings[next++ & 4095]);
        return ModelSnapshot.toBytes(model);
    }
}
