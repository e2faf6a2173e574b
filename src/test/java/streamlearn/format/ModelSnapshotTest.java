package streamlearn.format;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.model.InitSpec;
import streamlearn.model.ModelSpec;
import streamlearn.model.SeedExamples;
import streamlearn.model.OnlineModel;
import streamlearn.model.Outcome;
import streamlearn.model.Reading;
import streamlearn.model.SpecException;
import streamlearn.model.StepResult;

/** ModelSnapshot: bit-exact JSON and binary round trips, mid-stream restore, bad bytes, the JSON layout. */
class ModelSnapshotTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static String spec(String optimizer, boolean averaging, boolean standardize) {
        return "{\"features\":[\"temperature\",\"vibration\"],\"classes\":[\"normal\",\"warning\",\"critical\"],"
                + "\"layers\":[{\"units\":8,\"activation\":\"relu\"},{\"units\":5,\"activation\":\"tanh\"},"
                + "{\"units\":3,\"activation\":\"softmax\"}],"
                + "\"loss\":\"cross_entropy\",\"init\":{\"type\":\"he\",\"seed\":42},"
                + "\"optimizer\":" + optimizer + ",\"clipNorm\":5.0,\"l2\":0.0001,"
                + "\"standardize\":" + standardize
                + (averaging ? ",\"averaging\":{\"decay\":0.995}" : "") + "}";
    }

    static final String[] OPTIMIZERS = {
            "{\"type\":\"sgd\",\"learningRate\":0.05}",
            "{\"type\":\"sgd\",\"learningRate\":0.02,\"momentum\":0.9}",
            "{\"type\":\"adam\",\"learningRate\":0.005}"};

    static Stream<Arguments> specs() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (String opt : OPTIMIZERS) {
            String name = opt.contains("adam") ? "adam" : opt.contains("momentum") ? "sgd+momentum" : "sgd";
            for (boolean avg : new boolean[] {false, true}) {
                for (boolean std : new boolean[] {false, true}) {
                    b.add(Arguments.of(name + (avg ? " averaging" : "") + (std ? " standardize" : ""), spec(opt, avg, std)));
                }
            }
        }
        return b.build();
    }

    /** Feeds {@code n} generated readings (some unlabeled) to the model. */
    static void train(OnlineModel model, SensorReadingGenerator gen, int n) {
        Reading reading = new Reading(2);
        for (int i = 0; i < n; i++) {
            gen.next(reading, i);
            model.step(reading);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void roundTripsAreBitExact(String name, String json) {
        ModelSpec spec = SpecJson.parse(json);
        OnlineModel fresh = OnlineModel.create(spec);
        assertRoundTrips(fresh);
        OnlineModel model = OnlineModel.create(spec);
        train(model, new SensorReadingGenerator(1, 8, 0.2), 700);
        assertTrue(model.modelVersion() > 400, "trained: " + model.modelVersion());
        assertRoundTrips(model);
    }

    private static void assertRoundTrips(OnlineModel model) {
        byte[] bytes = ModelSnapshot.toBytes(model);
        assertEquals(ModelSnapshot.binarySize(model), bytes.length);
        OnlineModel fromBytes = ModelSnapshot.fromBytes(bytes);
        assertArrayEquals(bytes, ModelSnapshot.toBytes(fromBytes), "binary round trip");
        assertEquals(model.modelVersion(), fromBytes.modelVersion());
        assertEquals(model.spec(), fromBytes.spec());

        String text = ModelSnapshot.toJsonString(model);
        OnlineModel fromJson = ModelSnapshot.fromJson(text);
        assertArrayEquals(bytes, ModelSnapshot.toBytes(fromJson), "JSON round trip");
        assertEquals(text, ModelSnapshot.toJsonString(fromJson));
        assertEquals(text, ModelSnapshot.toJsonString(fromBytes));
        // The tree form too.
        assertArrayEquals(bytes, ModelSnapshot.toBytes(ModelSnapshot.fromJson(ModelSnapshot.toJson(model))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void restoredModelContinuesBitForBit(String name, String json) {
        ModelSpec spec = SpecJson.parse(json);
        SensorReadingGenerator gen = new SensorReadingGenerator(99, 8, 0.1);
        OnlineModel a = OnlineModel.create(spec);
        train(a, gen, 1000);
        OnlineModel b = ModelSnapshot.fromBytes(ModelSnapshot.toBytes(a));
        OnlineModel c = ModelSnapshot.fromJson(ModelSnapshot.toJsonString(a));
        gen.drift(true); // the next 1000 come from a drifted machine, so the models keep moving
        Reading reading = new Reading(2);
        for (int i = 0; i < 1000; i++) {
            gen.next(reading, 1000 + i);
            StepResult ra = a.step(reading);
            long[] expected = bits(ra.probabilities());
            Outcome outcome = ra.outcome();
            long version = ra.modelVersion();
            double loss = ra.loss();
            for (OnlineModel restored : new OnlineModel[] {b, c}) {
                StepResult r = restored.step(reading);
                assertArrayEquals(expected, bits(r.probabilities()), "probabilities at reading " + i);
                assertEquals(outcome, r.outcome());
                assertEquals(version, r.modelVersion());
                assertEquals(Double.doubleToLongBits(loss), Double.doubleToLongBits(r.loss()), "loss at reading " + i);
            }
        }
        byte[] bytes = ModelSnapshot.toBytes(a);
        assertArrayEquals(bytes, ModelSnapshot.toBytes(b));
        assertArrayEquals(bytes, ModelSnapshot.toBytes(c));
    }

    private static long[] bits(double[] v) {
        return Arrays.stream(v).mapToLong(Double::doubleToLongBits).toArray();
    }

    @Test
    void restoreMidStreamOfTheDefaultSpec() {
        ModelSpec spec = SpecJson.defaultSpec();
        SensorReadingGenerator gen = new SensorReadingGenerator(5, 16, 0.0);
        OnlineModel a = OnlineModel.create(spec);
        train(a, gen, 1000);
        OnlineModel b = ModelSnapshot.fromBytes(ModelSnapshot.toBytes(a));
        Reading reading = new Reading(2);
        for (int i = 0; i < 1000; i++) {
            gen.next(reading, i);
            long[] pa = bits(a.step(reading).probabilities());
            assertArrayEquals(pa, bits(b.step(reading).probabilities()), "reading " + i);
        }
        assertArrayEquals(ModelSnapshot.toBytes(a), ModelSnapshot.toBytes(b));
    }

    /**
     * A snapshot taken after a drift (the detector's window cut, the average restarted, the
     * scaler re-learning) continues bit for bit, through a second drift after the restore.
     */
    @Test
    void restoreAfterADriftContinuesBitForBit() {
        OnlineModel a = OnlineModel.create(streamlearn.model.TestSpecs.singleNetwork());
        SensorReadingGenerator gen = new SensorReadingGenerator(8, 16, 0.05);
        Reading reading = new Reading(2);
        int i = 0;
        int firstDrift = -1;
        for (; i < 40_000 && (firstDrift < 0 || i < firstDrift + 300); i++) {
            nextSwappedAfter(gen, reading, i, 20_000);
            if (a.step(reading).drift() != null && firstDrift < 0) {
                firstDrift = i;
            }
        }
        assertTrue(firstDrift > 20_000 && firstDrift < 23_000, "the swap was detected: " + firstDrift);
        OnlineModel b = ModelSnapshot.fromBytes(ModelSnapshot.toBytes(a));
        OnlineModel c = ModelSnapshot.fromJson(ModelSnapshot.toJsonString(a));
        long driftsAfterRestore = 0;
        gen.drift(true);
        for (int k = 0; k < 10_000; k++, i++) {
            gen.next(reading, i);
            StepResult ra = a.step(reading);
            long[] expected = bits(ra.probabilities());
            boolean drift = ra.drift() != null;
            driftsAfterRestore += drift ? 1 : 0;
            for (OnlineModel restored : new OnlineModel[] {b, c}) {
                StepResult r = restored.step(reading);
                assertArrayEquals(expected, bits(r.probabilities()), "probabilities at reading " + i);
                assertEquals(drift, r.drift() != null, "drift at reading " + i);
            }
        }
        assertTrue(driftsAfterRestore > 0, "the hotter machine after the restore was detected too");
        byte[] bytes = ModelSnapshot.toBytes(a);
        assertArrayEquals(bytes, ModelSnapshot.toBytes(b));
        assertArrayEquals(bytes, ModelSnapshot.toBytes(c));
        assertEquals(a.drifts(), c.drifts());
    }

    /** The generator's reading, with warning and critical swapped from reading {@code swapAt} on. */
    private static void nextSwappedAfter(SensorReadingGenerator gen, Reading reading, int i, int swapAt) {
        gen.next(reading, i);
        if (i >= swapAt && reading.label() > 0) {
            reading.setLabel(3 - reading.label());
        }
    }

    // ------------------------------------------------------------ bad binary snapshots

    private static byte[] smallSnapshot() {
        OnlineModel model = OnlineModel.create(SpecJson.parse(SeedExamples.SEED_000_SPEC));
        model.step(SeedExamples.read(model.spec(), SeedExamples.SEED_000_READING));
        return ModelSnapshot.toBytes(model);
    }

    /**
     * A binary snapshot of any version but the current one, older or newer, is refused with an
     * error naming both versions, never misread: a standardising model too, whose state has the
     * same length in every version.
     */
    @ParameterizedTest(name = "version {0}")
    @ValueSource(ints = {0, 1, 2, 3, ModelSnapshot.BINARY_FORMAT_VERSION + 1, -1})
    void anyOtherBinaryVersionIsAClearSpecException(int version) {
        OnlineModel standardising = OnlineModel.create(SpecJson.defaultSpec());
        train(standardising, new SensorReadingGenerator(3, 16, 0.0), 50);
        for (byte[] bytes : new byte[][] {smallSnapshot(), ModelSnapshot.toBytes(standardising)}) {
            assertEquals(ModelSnapshot.BINARY_FORMAT_VERSION, bytes[4]);
            bytes[4] = (byte) version;
            SpecException e = assertThrows(SpecException.class, () -> ModelSnapshot.fromBytes(bytes));
            assertEquals("snapshot: binary format version " + version + " is not supported (this build reads "
                    + ModelSnapshot.BINARY_FORMAT_VERSION + ")", e.getMessage());
        }
    }

    /**
     * A JSON snapshot of a drift-detecting, standardising model lacking any field of the current
     * layout is refused with an error naming that field; nothing is filled in for it. The
     * scaler's variance is not taken from any other field.
     */
    @Test
    void aJsonSnapshotLackingAFieldOfTheCurrentLayoutNamesIt() throws Exception {
        OnlineModel model = OnlineModel.create(SpecJson.defaultSpec());
        train(model, new SensorReadingGenerator(3, 16, 0.0), 200);
        String good = ModelSnapshot.toJsonString(model);
        for (String path : new String[] {"outputRelearning", "averaging.age", "averaging.weights", "scaler.count",
            "scaler.variance", "drift.drifts", "optimizer.beta1Power"}) {
            ObjectNode root = (ObjectNode) JSON.readTree(good);
            ObjectNode parent = root;
            String[] parts = path.split("\\.");
            for (int i = 0; i < parts.length - 1; i++) {
                parent = (ObjectNode) parent.get(parts[i]);
            }
            JsonNode removed = parent.remove(parts[parts.length - 1]);
            assertTrue(removed != null, path + " is written");
            if (path.equals("scaler.variance")) {
                parent.set("m2", removed);
            }
            SpecException e = assertThrows(SpecException.class, () -> ModelSnapshot.fromJson(root), path);
            assertTrue(e.getMessage().startsWith(path + ": missing"), e.getMessage());
        }
    }

    /** Each optimizer reads back its own state by name; a snapshot without it names what is missing. */
    @Test
    void missingOptimizerStateIsNamed() throws Exception {
        String[][] cases = {{OPTIMIZERS[1], "velocity"}, {OPTIMIZERS[2], "m"}, {OPTIMIZERS[2], "v"},
            {OPTIMIZERS[2], "beta1Power"}, {OPTIMIZERS[2], "beta2Power"}};
        for (String[] c : cases) {
            OnlineModel model = OnlineModel.create(SpecJson.parse(spec(c[0], false, true)));
            train(model, new SensorReadingGenerator(4, 4, 0.0), 20);
            ObjectNode root = (ObjectNode) JSON.readTree(ModelSnapshot.toJsonString(model));
            assertTrue(root.get("optimizer").has(c[1]), c[1] + " is written");
            ((ObjectNode) root.get("optimizer")).remove(c[1]);
            SpecException e = assertThrows(SpecException.class, () -> ModelSnapshot.fromJson(root), c[1]);
            assertTrue(e.getMessage().startsWith("optimizer." + c[1] + ":"), e.getMessage());
        }
    }

    @Test
    void wrongMagicIsAClearSpecException() {
        byte[] bytes = smallSnapshot();
        bytes[0] ^= 0x55;
        SpecException e = assertThrows(SpecException.class, () -> ModelSnapshot.fromBytes(bytes));
        assertTrue(e.getMessage().startsWith("snapshot: "), e.getMessage());
        // A JSON snapshot handed to the binary reader is not mistaken for one.
        byte[] json = ModelSnapshot.toJsonString(ModelSnapshot.fromBytes(smallSnapshot())).getBytes();
        assertThrows(SpecException.class, () -> ModelSnapshot.fromBytes(json));
    }

    @Test
    void everyTruncationIsAClearSpecException() {
        byte[] bytes = smallSnapshot();
        for (int length = 0; length < bytes.length; length++) {
            byte[] cut = Arrays.copyOf(bytes, length);
            int at = length;
            SpecException e = assertThrows(SpecException.class, () -> ModelSnapshot.fromBytes(cut), "cut at " + at);
            assertTrue(e.getMessage().startsWith("snapshot: ") || e.getMessage().startsWith("spec: "),
                    "cut at " + at + ": " + e.getMessage());
        }
        SpecException e = assertThrows(SpecException.class,
                () -> ModelSnapshot.fromBytes(Arrays.copyOf(bytes, bytes.length - 3)));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void trailingBytesAreASpecException() {
        byte[] bytes = smallSnapshot();
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 8);
        SpecException e = assertThrows(SpecException.class, () -> ModelSnapshot.fromBytes(longer));
        assertTrue(e.getMessage().contains("trailing"), e.getMessage());
    }

    @Test
    void corruptSpecLengthIsAClearSpecException() {
        byte[] bytes = smallSnapshot();
        // A corrupt state-store value must fail as clearly as a truncated one, not with a
        // NegativeArraySizeException or an OutOfMemoryError from allocating the claimed length.
        // (JUnit's assertThrows rethrows an OutOfMemoryError and would abort the run, so catch it here:
        // "Requested array size exceeds VM limit" is thrown before anything is allocated.)
        assertAll(IntStream.of(-1, Integer.MIN_VALUE, Integer.MAX_VALUE, bytes.length, bytes.length + 1000)
                .mapToObj(length -> () -> {
                    byte[] corrupt = bytes.clone();
                    ByteBuffer.wrap(corrupt).putInt(5, length);
                    try {
                        ModelSnapshot.fromBytes(corrupt);
                        fail("spec length " + length + ": no exception");
                    } catch (SpecException expected) {
                        assertTrue(expected.getMessage().startsWith("snapshot: "), expected.getMessage());
                    } catch (RuntimeException | OutOfMemoryError e) {
                        fail("spec length " + length + ": expected a SpecException, got " + e);
                    }
                }));
    }

    // ------------------------------------------------------------ the JSON layout of docs/DESIGN.md

    @Test
    void jsonSnapshotHasTheDesignFields() throws Exception {
        ModelSpec spec = SpecJson.parse(spec(OPTIMIZERS[2], true, true));
        OnlineModel model = OnlineModel.create(spec);
        train(model, new SensorReadingGenerator(2, 4, 0.0), 50);
        JsonNode root = JSON.readTree(ModelSnapshot.toJsonString(model));
        assertEquals(JSON.readTree(spec.json()), root.get("spec"));
        assertTrue(root.get("modelVersion").canConvertToLong());
        assertEquals(50, root.get("modelVersion").asLong());
        JsonNode weights = root.get("weights");
        assertEquals(3, weights.size());
        int[][] shapes = {{8, 2}, {5, 8}, {3, 5}};
        for (int l = 0; l < 3; l++) {
            JsonNode layer = weights.get(l);
            assertEquals(2, layer.size(), "only W and b");
            assertEquals(shapes[l][0], layer.get("W").size(), "rows = neurons");
            for (JsonNode row : layer.get("W")) {
                assertEquals(shapes[l][1], row.size(), "columns = inputs");
            }
            assertEquals(shapes[l][0], layer.get("b").size());
        }
        JsonNode scaler = root.get("scaler");
        assertTrue(scaler.isObject());
        assertEquals(50, scaler.get("count").asLong());
        assertEquals(2, scaler.get("mean").size());
        JsonNode optimizer = root.get("optimizer");
        assertEquals("adam", optimizer.get("type").asText());
        assertTrue(root.get("averaging").get("weights").isArray());

        OnlineModel sgd = OnlineModel.create(SpecJson.parse(spec(OPTIMIZERS[0], false, false)));
        JsonNode plain = JSON.readTree(ModelSnapshot.toJsonString(sgd));
        assertEquals("sgd", plain.get("optimizer").get("type").asText());
        assertEquals(0, plain.get("modelVersion").asLong());
        assertFalse(plain.has("averaging"));
    }

    @Test
    void snapshotWeightsSeedANewSpecAsExplicitInit() throws Exception {
        String json = spec(OPTIMIZERS[0], false, false);
        OnlineModel trained = OnlineModel.create(SpecJson.parse(json));
        SensorReadingGenerator gen = new SensorReadingGenerator(8, 4, 0.0);
        train(trained, gen, 800);
        JsonNode snapshot = ModelSnapshot.toJson(trained);

        ObjectNode seeded = (ObjectNode) JSON.readTree(json);
        seeded.putObject("init").put("type", "explicit").set("weights", snapshot.get("weights"));
        ModelSpec seededSpec = SpecJson.parse(JSON.writeValueAsString(seeded));
        assertTrue(seededSpec.init() instanceof InitSpec.Explicit);
        OnlineModel copy = OnlineModel.create(seededSpec);
        assertEquals(0, copy.modelVersion());
        assertEquals(snapshot.get("weights"), ModelSnapshot.toJson(copy).get("weights"));

        Reading reading = new Reading(2);
        for (int i = 0; i < 500; i++) {
            gen.next(reading, i);
            long[] expected = bits(trained.step(reading).probabilities());
            assertArrayEquals(expected, bits(copy.step(reading).probabilities()), "reading " + i);
        }
    }

    @Test
    void badJsonSnapshotsAreSpecExceptions() throws Exception {
        OnlineModel model = OnlineModel.create(SpecJson.parse(spec(OPTIMIZERS[1], true, true)));
        train(model, new SensorReadingGenerator(4, 4, 0.0), 20);
        String good = ModelSnapshot.toJsonString(model);
        assertThrows(SpecException.class, () -> ModelSnapshot.fromJson("{not json"));
        assertThrows(SpecException.class, () -> ModelSnapshot.fromJson("[]"));
        for (String field : new String[] {"spec", "weights", "modelVersion", "scaler"}) {
            ObjectNode root = (ObjectNode) JSON.readTree(good);
            root.remove(field);
            assertThrows(SpecException.class, () -> ModelSnapshot.fromJson(root), "without " + field);
        }
        ObjectNode wrongShape = (ObjectNode) JSON.readTree(good);
        ((com.fasterxml.jackson.databind.node.ArrayNode) wrongShape.get("weights").get(1).get("W")).remove(0);
        SpecException e = assertThrows(SpecException.class, () -> ModelSnapshot.fromJson(wrongShape));
        assertTrue(e.getMessage().startsWith("weights[1].W"), e.getMessage());
    }
}
