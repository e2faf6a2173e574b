package streamlearn.app;

import java.util.SplittableRandom;
import streamlearn.model.Reading;

/**
 * The seeds' synthetic industrial sensor: three equally likely classes with overlapping uniform
 * temperature and vibration ranges (normal: 20-40 °C, 0.5-2.0 mm/s; warning: 35-55, 1.5-4.0;
 * critical: 50-80, 3.5-7.0). Seeded, so a stream is reproducible reading for reading.
 *
 * <p>Drift models a machine that runs hotter from some point on: every temperature is shifted
 * by {@link #DRIFT_CELSIUS}, which moves the class boundaries the model has learned.
 */
public final class SensorReadingGenerator {
    public static final String[] CLASSES = {"normal", "warning", "critical"};
    public static final double DRIFT_CELSIUS = 8.0;
    private static final double[][] TEMPERATURE = {{20, 40}, {35, 55}, {50, 80}};
    private static final double[][] VIBRATION = {{0.5, 2.0}, {1.5, 4.0}, {3.5, 7.0}};

    private final SplittableRandom random;
    private final String[] sensorIds;
    private final double unlabeledFraction;
    private boolean drifted;

    public SensorReadingGenerator(long seed, int sensors, double unlabeledFraction) {
        this.random = new SplittableRandom(seed);
        this.sensorIds = new String[sensors];
        for (int i = 0; i < sensors; i++) {
            sensorIds[i] = sensorId(i);
        }
        this.unlabeledFraction = unlabeledFraction;
    }

    public void drift(boolean on) {
        drifted = on;
    }

    /** Fills {@code into} with the next reading (temperature, vibration; label or unlabeled). */
    public void next(Reading into, long timestamp) {
        int cls = random.nextInt(3);
        double temperature = uniform(TEMPERATURE[cls]) + (drifted ? DRIFT_CELSIUS : 0.0);
        double vibration = uniform(VIBRATION[cls]);
        boolean labeled = unlabeledFraction <= 0 || random.nextDouble() >= unlabeledFraction;
        into.clear();
        into.setSensorId(sensorIds[random.nextInt(sensorIds.length)]);
        into.setTimestamp(timestamp);
        into.setFeature(0, temperature);
        into.setFeature(1, vibration);
        into.setLabel(labeled ? cls : Reading.UNLABELED);
    }

    private double uniform(double[] range) {
        return range[0] + (range[1] - range[0]) * random.nextDouble();
    }

    /** The reading as the JSON of docs/DESIGN.md (features temperature and vibration; its id if it has one). */
    public static byte[] json(Reading r) {
        StringBuilder b = new StringBuilder(180);
        b.append("{\"sensorId\":\"").append(r.sensorId());
        if (r.id() != null) {
            b.append("\",\"id\":\"").append(r.id());
        }
        b.append("\",\"timestamp\":").append(r.timestamp())
                .append(",\"features\":{\"temperature\":").append(r.features()[0])
                .append(",\"vibration\":").append(r.features()[1]).append('}');
        if (r.label() >= 0) {
            b.append(",\"label\":\"").append(CLASSES[r.label()]).append('"');
        }
        return b.append('}').toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The late label of a reading, as the JSON of docs/DESIGN.md: it names the reading by its id. */
    public static byte[] labelJson(String sensorId, String id, int label) {
        return ("{\"sensorId\":\"" + sensorId + "\",\"id\":\"" + id + "\",\"label\":\"" + CLASSES[label] + "\"}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    public static String sensorId(int i) {
        return String.format("press-%02d", i);
    }
}
