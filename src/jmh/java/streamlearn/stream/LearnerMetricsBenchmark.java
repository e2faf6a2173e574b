package streamlearn.stream;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.bench.MicroBenchmark;
import streamlearn.format.SpecJson;
import streamlearn.model.OnlineModel;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;

/**
 * The meters {@link Learner#reading} records for each reading, on the registry the learner serves
 * (Prometheus): the update timer (count, sum, max), then the outcome and class counters and the
 * prediction lag timer (quantiles 0.5 and 0.99 over a minute, the dashboard's lag panels), and
 * each timer alone. In this package because the meters are the stream's own.
 */
public class LearnerMetricsBenchmark extends MicroBenchmark {
    private LearnerMetrics metrics;
    private LearnerMetrics.ModelMeters meters;
    private StepResult result;
    private long next;

    @Setup(Level.Trial)
    public void setUp() {
        metrics = new LearnerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                SpecJson.defaultSpec().classes(), 100);
        meters = metrics.forModel("press-01");
        Reading reading = new Reading(2);
        new SensorReadingGenerator(1, 16, 0.1).next(reading, 1_795_334_400_000L);
        result = OnlineModel.create(SpecJson.defaultSpec()).step(reading);
    }

    /** Everything a reading records: the step's time, then {@link LearnerMetrics.ModelMeters#counted}. */
    @Benchmark
    public void reading() {
        long i = next++;
        metrics.update().record(1_000 + (i & 1023), TimeUnit.NANOSECONDS);
        meters.counted(result, (int) (i % 3), i, 20 + (i & 127));
    }

    @Benchmark
    public void updateTimer() {
        metrics.update().record(1_000 + (next++ & 1023), TimeUnit.NANOSECONDS);
    }

    @Benchmark
    public void lagTimer() {
        meters.lag.record(20 + (next++ & 127), TimeUnit.MILLISECONDS);
    }
}
