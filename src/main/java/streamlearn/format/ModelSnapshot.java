package streamlearn.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import streamlearn.model.CandidateSpec;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.SpecException;

/**
 * The whole state of an {@link OnlineModel} (spec, modelVersion, weights, weight average, scaler,
 * optimizer state) in two forms that both restore it bit for bit:
 * <ul>
 *   <li>JSON, the snapshot format of docs/DESIGN.md, for the {@code learner-models} topic and
 *   files. Doubles are written in Java's shortest round-tripping decimal form, so text loses
 *   nothing.</li>
 *   <li>a compact binary form with a format version, for the state store, where size and speed
 *   matter and nobody reads it.</li>
 * </ul>
 * The model decides what its state consists of ({@link OnlineModel#writeState}); this class only
 * lays it out ({@link JsonState}, {@link BinaryState}).
 */
public final class ModelSnapshot {
    /**
     * The binary layout's version, written after the magic: a stored state of any other version is
     * refused with a clear error rather than misread. Changes with the layout or the meaning of
     * what it holds.
     */
    public static final byte BINARY_FORMAT_VERSION = 4;
    private static final int MAGIC = 0x534c4d31; // "SLM1"
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelSnapshot() {
    }

    public static ObjectNode toJson(OnlineModel model) {
        ObjectNode root = JSON.createObjectNode();
        ModelSpec spec = model.spec();
        root.set("spec", specTree(spec));
        // The sections in the documented order, with what the spec adds to the model's state:
        // the averaging decay, and the optimizer type (the spec decides which one reads it).
        root.put("modelVersion", model.modelVersion());
        root.putNull("weights");
        if (spec.averagingDecay() > 0) {
            root.putObject("averaging").put("decay", spec.averagingDecay());
        }
        if (spec.standardize()) {
            root.putObject("scaler");
        }
        root.putObject("optimizer").put("type", spec.optimizer().type());
        for (CandidateSpec c : spec.candidates()) {
            ObjectNode candidate = root.with("candidates").putObject(c.name());
            candidate.putNull("modelVersion");
            candidate.putNull("weights");
            if (c.averagingDecay() > 0) {
                candidate.putObject("averaging").put("decay", c.averagingDecay());
            }
            candidate.putObject("optimizer").put("type", c.optimizer().type());
        }
        model.writeState(new JsonState.Writer(root, model.network()));
        return root;
    }

    public static String toJsonString(OnlineModel model) {
        return toJson(model).toString();
    }

    /** What a {@link SpecException}'s reason starts with when the input is no snapshot at all. */
    public static final String NOT_A_SNAPSHOT = "not a model snapshot";

    public static OnlineModel fromJson(String text) {
        JsonNode root;
        boolean more;
        try (JsonParser parser = JSON.createParser(text)) {
            root = JSON.readTree(parser);
            if (root == null || root.isMissingNode()) {
                throw notASnapshot("empty");
            }
            more = moreValues(parser);
        } catch (JsonProcessingException e) {
            throw notASnapshot("not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (more) {
            // JSON lines: a readings file, a replay's predictions; a snapshot is one JSON object.
            String what = what(root);
            throw notASnapshot("several JSON values, one per line" + (what == null ? "" : ", the first " + what));
        }
        return fromJson(root);
    }

    private static boolean moreValues(JsonParser parser) {
        try {
            return parser.nextToken() != null;
        } catch (java.io.IOException e) {
            return true; // something follows the first value, whatever it is
        }
    }

    /**
     * What a JSON value that is not a snapshot looks like, for the error: a reading, a late label,
     * a model spec, a control command; null when it looks like none of them.
     */
    private static String what(JsonNode root) {
        if (!root.isObject()) {
            return null;
        }
        JsonNode features = root.get("features");
        if (features != null && features.isObject()) {
            return "a reading";
        }
        if (root.has("layers") || (features != null && features.isArray())) {
            return "a model spec";
        }
        if (root.has("command")) {
            return "a control command";
        }
        if (root.has("label") || root.has("target")) {
            return "a late label";
        }
        return null;
    }

    private static SpecException notASnapshot(String why) {
        return new SpecException("snapshot", NOT_A_SNAPSHOT + " (" + why + ")");
    }

    /**
     * Reads a snapshot of the current layout; a field the spec's model needs that is missing is a
     * {@link SpecException} naming it.
     */
    public static OnlineModel fromJson(JsonNode root) {
        if (!root.isObject()) {
            throw notASnapshot("a JSON " + root.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                    + ", not an object with spec, modelVersion and weights");
        }
        if (!root.has("spec")) {
            String what = what(root);
            throw notASnapshot(what != null ? what : "an object without spec, modelVersion and weights");
        }
        ModelSpec spec = SpecJson.fromJson(root.get("spec"));
        return readJson(spec, root);
    }

    private static OnlineModel readJson(ModelSpec spec, JsonNode root) {
        OnlineModel model = OnlineModel.blank(spec);
        model.readState(new JsonState.Reader(root, spec, model.network()));
        return model;
    }

    private static ObjectNode specTree(ModelSpec spec) {
        try {
            return (ObjectNode) JSON.readTree(spec.json());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed spec's own JSON does not parse", e);
        }
    }

    /** Size in bytes of {@link #toBytes} for this model. */
    public static int binarySize(OnlineModel model) {
        return binarySize(model, model.spec().json().getBytes(StandardCharsets.UTF_8));
    }

    private static int binarySize(OnlineModel model, byte[] spec) {
        BinaryState.Size size = new BinaryState.Size();
        model.writeState(size);
        return 4 + 1 + 4 + spec.length + size.bytes();
    }

    /** Layout: magic, format version, spec JSON, then the state in {@link OnlineModel#writeState}'s order. */
    public static byte[] toBytes(OnlineModel model) {
        byte[] spec = model.spec().json().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(binarySize(model, spec));
        out.putInt(MAGIC).put(BINARY_FORMAT_VERSION).putInt(spec.length).put(spec);
        model.writeState(new BinaryState.Writer(out));
        return out.array();
    }

    public static OnlineModel fromBytes(byte[] bytes) {
        return read(ByteBuffer.wrap(bytes), true);
    }

    /**
     * Reads one binary snapshot from {@code in}'s position on; with {@code whole}, nothing may
     * follow it.
     */
    public static OnlineModel read(ByteBuffer in, boolean whole) {
        try {
            if (in.getInt() != MAGIC) {
                throw new SpecException("snapshot", "not a streamlearn binary snapshot");
            }
            byte version = in.get();
            if (version != BINARY_FORMAT_VERSION) {
                throw new SpecException("snapshot", "binary format version " + version + " is not supported"
                        + " (this build reads " + BINARY_FORMAT_VERSION + ")");
            }
            int specLength = in.getInt();
            if (specLength < 0 || specLength > in.remaining()) {
                throw new SpecException("snapshot", "corrupt binary snapshot (spec length " + specLength + ")");
            }
            byte[] specBytes = new byte[specLength];
            in.get(specBytes);
            ModelSpec spec = SpecJson.parse(new String(specBytes, StandardCharsets.UTF_8));
            OnlineModel model = OnlineModel.blank(spec);
            model.readState(new BinaryState.Reader(in));
            if (whole && in.hasRemaining()) {
                throw new SpecException("snapshot", in.remaining() + " unexpected trailing bytes");
            }
            return model;
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new SpecException("snapshot", "truncated or corrupt binary snapshot");
        }
    }
}
