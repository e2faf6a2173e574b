package streamlearn.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.ModelSpec;
import streamlearn.model.Reading;

/**
 * Parsing one reading as the learner does for each record: the simulator's JSON (features
 * written by {@code Double.toString}, so up to 17 significant digits) into a reused
 * {@link Reading}.
 */
public class ReadingParseBenchmark extends MicroBenchmark {
    private ReadingParser parser;
    private byte[][] json;
    private final Reading reading = new Reading(2);
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        parser = new ReadingParser(SpecJson.defaultSpec());
        SensorReadingGenerator generator = new SensorReadingGenerator(1, 16, 0.1);
        json = new byte[BenchData.RING][];
        Reading r = new Reading(2);
        for (int i = 0; i < json.length; i++) {
            generator.next(r, 1_795_334_400_000L + i);
            json[i] = SensorReadingGenerator.json(r);
        }
    }

    @Benchmark
    public Reading parse() throws InvalidReadingException {
        parser.parse(json[next++ & BenchData.MASK], reading);
        return reading;
    }
}
