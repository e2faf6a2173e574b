package streamlearn.bench;

import com.yahoo.labs.samoa.instances.Attribute;
import com.yahoo.labs.samoa.instances.DenseInstance;
import com.yahoo.labs.samoa.instances.Instance;
import com.yahoo.labs.samoa.instances.Instances;
import com.yahoo.labs.samoa.instances.InstancesHeader;
import java.util.Arrays;
import java.util.List;
import streamlearn.app.SensorGlitches;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.model.Reading;

/**
 * The seeds' sensor stream ({@link SensorReadingGenerator}: temperature and vibration, three
 * classes), generated once into arrays, optionally tampered with reading by reading (a level
 * shift, a glitch, swapped labels). MOA sees the
 * same values as an instance of two numeric attributes and a nominal class of three values.
 */
final class SensorSource implements QualitySource {
    static final List<String> FEATURES = List.of("temperature", "vibration");
    static final List<String> CLASSES = List.of(SensorReadingGenerator.CLASSES);

    /** Changes the generator's reading {@code i} in place before anyone sees it. */
    interface Tamper {
        void apply(Reading r, int i);
    }

    private final String key;
    private final String trunkKey;
    private final int sharedPrefix;
    private final double[] x;
    private final int[] y;

    private SensorSource(String key, String trunkKey, int sharedPrefix, double[] x, int[] y) {
        this.key = key;
        this.trunkKey = trunkKey;
        this.sharedPrefix = sharedPrefix;
        this.x = x;
        this.y = y;
    }

    /** {@code n} clean readings of stream seed {@code seed}. */
    static SensorSource clean(long seed, int n) {
        return generate("clean", seed, n, null, 0);
    }

    /**
     * {@code n} readings of stream seed {@code seed}, tampered; {@code variant} names the tamper in
     * the key; {@code untouched}: the tamper leaves the readings before this one as they were.
     */
    static SensorSource tampered(String variant, long seed, int n, Tamper tamper, int untouched) {
        return generate(variant, seed, n, tamper, untouched);
    }

    private static SensorSource generate(String variant, long seed, int n, Tamper tamper, int untouched) {
        SensorReadingGenerator generator = new SensorReadingGenerator(seed, 16, 0.0);
        Reading r = new Reading(FEATURES.size());
        double[] x = new double[n * 2];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            generator.next(r, i);
            if (tamper != null) {
                tamper.apply(r, i);
            }
            x[2 * i] = r.features()[0];
            x[2 * i + 1] = r.features()[1];
            y[i] = r.label();
        }
        return new SensorSource(key(variant, seed, n), untouched > 0 ? key("clean", seed, n) : null, untouched, x, y);
    }

    private static String key(String variant, long seed, int n) {
        return "sensor/" + variant + "/seed" + seed + "/n" + n;
    }

    /** Every temperature + {@code celsius} from reading {@code from} on. */
    static Tamper hotter(int from, double celsius) {
        return (r, i) -> {
            if (i >= from) {
                r.setFeature(0, r.features()[0] + celsius);
            }
        };
    }

    /** From reading {@code from} on, class {@code a} is labeled {@code b} and {@code b} is labeled {@code a}. */
    static Tamper swapLabels(int from, int a, int b) {
        return (r, i) -> {
            if (i >= from) {
                r.setLabel(r.label() == a ? b : r.label() == b ? a : r.label());
            }
        };
    }

    /** Feature {@code feature} of reading {@code at} becomes {@code value}. */
    static Tamper oneValue(int at, int feature, double value) {
        return (r, i) -> {
            if (i == at) {
                r.setFeature(feature, value);
            }
        };
    }

    /** The simulator's glitches on every reading. */
    static Tamper glitches(long seed, double rate) {
        SensorGlitches glitches = new SensorGlitches(seed, rate);
        return (r, i) -> glitches.apply(r);
    }

    static InstancesHeader header() {
        Instances data = new Instances("sensor",
                Arrays.asList(new Attribute(FEATURES.get(0)), new Attribute(FEATURES.get(1)), new Attribute("class", CLASSES)), 0);
        data.setClassIndex(2);
        return new InstancesHeader(data);
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public int length() {
        return y.length;
    }

    @Override
    public int featureCount() {
        return FEATURES.size();
    }

    @Override
    public String trunkKey() {
        return trunkKey;
    }

    @Override
    public int sharedPrefix() {
        return sharedPrefix;
    }

    @Override
    public Cursor open() {
        return new Cursor() {
            private final InstancesHeader header = SensorSource.header();
            private final Reading reading = new Reading(FEATURES.size());
            private final double[] values = new double[FEATURES.size()];
            private int i = -1;
            private long checksum;

            @Override
            public InstancesHeader header() {
                return header;
            }

            @Override
            public void next() {
                i++;
                checksum = QualitySource.mix(QualitySource.mix(QualitySource.mix(checksum, x[2 * i]), x[2 * i + 1]), y[i]);
            }

            @Override
            public Reading reading() {
                values[0] = x[2 * i];
                values[1] = x[2 * i + 1];
                return reading.set("press-00", i, values, y[i]);
            }

            @Override
            public Instance instance() {
                Instance instance = new DenseInstance(1.0, new double[] {x[2 * i], x[2 * i + 1], y[i]});
                instance.setDataset(header);
                return instance;
            }

            @Override
            public long checksum() {
                return checksum;
            }
        };
    }
}
