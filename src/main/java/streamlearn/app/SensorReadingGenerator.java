package streamlearn.app;

import java.util.SplittableRandom;
import streamlearn.model.Reading;

/**
 * The seeds' synthetic industrial sensor: three classes with overlapping uniform temperature and
 * vibration ranges (normal: 20-40 °C, 0.5-2.0 mm/s; warning: 35-55, 1.5-4.0; critical: 50-80,
 * 3.5-7.0), equally likely as in the seeds, or as often as given class priors say (a plant's
 * stream is mostly normal). Seeded, so a stream is reproducible reading for reading.
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
    // Cumulative class priors, or null for the seeds' equally likely classes (drawn as before
    // priors existed, so those streams stay what they were).
    private final double[] cumulativePriors;
    private boolean drifted;

    public SensorReadingGenerator(long seed, int sensors, double unlabeledFraction) {
        this(seed, sensors, unlabeledFraction, null);
    }

    /** @param priors the frequency of each of {@link #CLASSES} (see {@link #priors}), or null for equally likely */
    public SensorReadingGenerator(long seed, int sensors, double unlabeledFraction, double[] priors) {
        this.cumulativePriors = priors == null ? null : cumulative(priors);
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
        int cls = cumulativePriors == null ? random.nextInt(3) : drawClass();
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

    private int drawClass() {
        double u = random.nextDouble();
        for (int c = 0; c < cumulativePriors.length - 1; c++) {
            if (u < cumulativePriors[c]) {
                return c;
            }
        }
        return cumulativePriors.length - 1;
    }

    private static double[] cumulative(double[] priors) {
        double[] c = new double[priors.length];
        double sum = 0;
        for (int i = 0; i < priors.length; i++) {
            sum += priors[i];
            c[i] = sum;
        }
        for (int i = 0; i < c.length; i++) {
            c[i] /= sum;
        }
        return c;
    }

    /**
     * Class priors as the command line gives them, {@code a,b,c} in the order of {@link #CLASSES}:
     * non-negative numbers with a positive sum, scaled to sum to 1 (so 90,8,2 and 0.9,0.08,0.02
     * are the same priors).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static double[] priors(String text) {
        String[] parts = text.split(",", -1);
        if (parts.length != CLASSES.length) {
            throw new IllegalArgumentException("needs " + CLASSES.length + " numbers a,b,c (" + String.join(", ", CLASSES)
                    + "), got '" + text + "'");
        }
        double[] priors = new double[parts.length];
        double sum = 0;
        for (int i = 0; i < parts.length; i++) {
            try {
                priors[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + parts[i] + "' (" + CLASSES[i] + ") is not a number");
            }
            if (!(priors[i] >= 0) || Double.isInfinite(priors[i])) {
                throw new IllegalArgumentException(CLASSES[i] + " must be a finite number of at least 0, got '" + parts[i] + "'");
            }
            sum += priors[i];
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("at least one class needs a positive prior, got '" + text + "'");
        }
        for (int i = 0; i < priors.length; i++) {
            priors[i] /= sum;
        }
        return priors;
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
