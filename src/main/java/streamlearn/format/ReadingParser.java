package streamlearn.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.util.List;
import streamlearn.model.FeatureRanges;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.LateLabel;
import streamlearn.model.ModelSpec;
import streamlearn.model.Reading;
import streamlearn.model.RejectReason;

/**
 * Reads a reading's JSON into a reused {@link Reading}, or a late label's ({@code sensor-labels},
 * or a replay line without features) into a reused {@link LateLabel}, with Jackson's streaming
 * parser: no tree, no boxing, and feature names resolved against the spec by identity-first
 * string comparison (Jackson canonicalises field names, so the common case is a reference compare).
 * <pre>
 *   {"sensorId":"press-04","id":"r-000182","timestamp":1795334400000,
 *    "features":{"temperature":41.2,"vibration":2.31},"label":"warning"}     (a reading)
 *   {"sensorId":"press-04","id":"r-000182","label":"warning"}              (a label, by id)
 *   {"sensorId":"press-04","timestamp":1795334400000,"label":"warning"}    (a label, by timestamp)
 *   {"sensorId":"press-04","id":"r-000182","target":41.7}                 (a regression label)
 * </pre>
 * Both share one envelope: a JSON object whose fields {@code sensorId}, {@code id},
 * {@code timestamp}, {@code label}, {@code target} and the model-key field are read alike and
 * rejected alike when repeated (one duplicate-field table); a reading adds {@code features},
 * which a label must not carry as an object.
 *
 * <p>Strict by design: a record that does not say exactly what the spec expects is rejected
 * with a reason rather than guessed at, because a guessed input would train the model on
 * garbage. Unknown top-level scalar fields are allowed (and ignored, except the model-key
 * field) so producers can carry their own metadata.
 */
public final class ReadingParser {
    /** Default largest accepted reading, in bytes. */
    public static final int DEFAULT_MAX_BYTES = 64 * 1024;

    private final JsonFactory json;
    private final String[] featureNames;
    private final char[][] classNames;
    private final boolean regression;
    private final String keyField;
    private final int maxBytes;
    private final boolean[] seen;
    private final FeatureRanges ranges;
    /** A label's envelope is read as a reading's, without features, then copied into the label. */
    private final Reading labelEnvelope = new Reading(0);
    /** Whether the last reading rejected lacked only its features: a late label, to replay. */
    private boolean lackedFeatures;

    // The duplicate-field table: a bit per field whose repetition would be ambiguous.
    private static final int SENSOR_ID = 1;
    private static final int TIMESTAMP = 2;
    private static final int FEATURES = 4;
    private static final int LABEL = 8;
    private static final int TARGET = 16;
    private static final int KEY_FIELD = 32;
    private static final int ID = 64;
    private static final int READING_FIELDS = SENSOR_ID | TIMESTAMP | FEATURES | LABEL | TARGET | ID;
    /** To a label, {@code features} is an unknown field: ignored when scalar, refused when nested. */
    private static final int LABEL_FIELDS = READING_FIELDS & ~FEATURES;
    /** Fields whose null means "not given" (a record without a timestamp or a label). */
    private static final int NULLABLE = TIMESTAMP | LABEL | TARGET | ID;

    /**
     * @param keyField name of a top-level field whose value is captured for the model key, or null
     */
    public ReadingParser(ModelSpec spec, String keyField, int maxBytes) {
        // Duplicates are detected here, for the fields that matter, rather than by Jackson's
        // strict mode, which keeps a set of every field name of every record (a cost on every
        // reading, see docs/BENCHMARKS.md). A duplicated unknown field is ignored like the field
        // itself. Jackson's fast double parser gives the same double as Double.parseDouble
        // (pinned by ReadingParserTest), in about half the time.
        this.json = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8)
                        .maxStringLength(maxBytes).maxNumberLength(400).build())
                .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                .build();
        List<String> features = spec.features();
        this.featureNames = features.toArray(new String[0]);
        List<String> classes = spec.classes();
        this.classNames = new char[classes.size()][];
        for (int i = 0; i < classNames.length; i++) {
            classNames[i] = classes.get(i).toCharArray();
        }
        this.regression = !spec.isClassification();
        this.keyField = keyField;
        this.maxBytes = maxBytes;
        this.seen = new boolean[featureNames.length];
        this.ranges = spec.ranges();
    }

    public ReadingParser(ModelSpec spec) {
        this(spec, null, DEFAULT_MAX_BYTES);
    }

    public int featureCount() {
        return featureNames.length;
    }

    /**
     * Whether the last reading was rejected only for lacking {@code features} (its sensorId, and
     * anything else it had, passed): in a replay file such a line is a late label.
     */
    public boolean lackedFeatures() {
        return lackedFeatures;
    }

    /** Parses a reading: {@code bytes} (UTF-8 JSON) into {@code into}; on failure {@code into} is undefined. */
    public void parse(byte[] bytes, Reading into) throws InvalidReadingException {
        checkSize(bytes);
        into.clear();
        lackedFeatures = false;
        java.util.Arrays.fill(seen, false);
        int seenFields = readObject(bytes, into, READING_FIELDS, "reading");
        checkSensorId(into);
        if ((seenFields & FEATURES) == 0) {
            lackedFeatures = true;
            throw new InvalidReadingException(RejectReason.MISSING_FIELD, "missing field 'features'");
        }
        for (int i = 0; i < seen.length; i++) {
            if (!seen[i]) {
                throw new InvalidReadingException(RejectReason.MISSING_FEATURE,
                        "missing feature '" + featureNames[i] + "'");
            }
        }
        ranges.check(into.features());
    }

    /** Parses a late label: {@code bytes} (UTF-8 JSON) into {@code into}; on failure {@code into} is undefined. */
    public void parse(byte[] bytes, LateLabel into) throws InvalidReadingException {
        checkSize(bytes);
        into.clear();
        Reading envelope = labelEnvelope;
        envelope.clear();
        readObject(bytes, envelope, LABEL_FIELDS, "label");
        checkSensorId(envelope);
        if (envelope.id() == null && !envelope.hasTimestamp()) {
            throw new InvalidReadingException(RejectReason.MISSING_FIELD,
                    "missing field 'id' (or 'timestamp'): a label names its reading by one of them");
        }
        if (regression ? !envelope.hasTarget() : envelope.label() < 0) {
            throw new InvalidReadingException(RejectReason.MISSING_FIELD,
                    regression ? "missing field 'target'" : "missing field 'label'");
        }
        into.setSensorId(envelope.sensorId());
        into.setReadingId(envelope.id());
        if (envelope.hasTimestamp()) {
            into.setTimestamp(envelope.timestamp());
        }
        into.setLabel(envelope.label());
        if (envelope.hasTarget()) {
            into.setTarget(envelope.target());
        }
        into.setKeyFieldValue(envelope.keyFieldValue());
    }

    private void checkSize(byte[] bytes) throws InvalidReadingException {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidReadingException(RejectReason.EMPTY, "empty value");
        }
        if (bytes.length > maxBytes) {
            throw new InvalidReadingException(RejectReason.OVERSIZED,
                    "value of " + bytes.length + " bytes exceeds the limit of " + maxBytes);
        }
    }

    private static void checkSensorId(Reading envelope) throws InvalidReadingException {
        if (envelope.sensorId() == null) {
            throw new InvalidReadingException(RejectReason.MISSING_FIELD, "missing field 'sensorId'");
        }
    }

    /**
     * Reads one JSON object and nothing after it; {@code known} are the table's fields this kind
     * of record reads ({@code what} names the kind in messages). Returns the bits of those seen.
     */
    private int readObject(byte[] bytes, Reading into, int known, String what) throws InvalidReadingException {
        try (JsonParser p = json.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidReadingException(RejectReason.WRONG_TYPE, "a " + what + " must be a JSON object");
            }
            int seenFields = readFields(p, into, known);
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new InvalidReadingException(RejectReason.MALFORMED_JSON, "trailing content after the " + what);
            }
            return seenFields;
        } catch (JsonParseException e) {
            String message = e.getOriginalMessage();
            if (message.contains("UTF-8") || message.contains("UTF8")) {
                throw new InvalidReadingException(RejectReason.INVALID_ENCODING, firstLine(message));
            }
            throw new InvalidReadingException(RejectReason.MALFORMED_JSON, firstLine(message));
        } catch (IOException e) {
            throw new InvalidReadingException(RejectReason.MALFORMED_JSON, firstLine(String.valueOf(e.getMessage())));
        }
    }

    /** Reads the top-level fields; returns the {@link #fieldBit}s of those seen. */
    private int readFields(JsonParser p, Reading into, int known) throws IOException, InvalidReadingException {
        int seenFields = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            int bit = fieldBit(field, known);
            if ((seenFields & bit) != 0) {
                throw new InvalidReadingException(RejectReason.DUPLICATE_FIELD, "duplicate field '" + field + "'");
            }
            seenFields |= bit;
            if (value == JsonToken.VALUE_NULL && (bit & NULLABLE) != 0) {
                continue;
            }
            switch (bit) {
                case SENSOR_ID -> {
                    if (value != JsonToken.VALUE_STRING) {
                        throw wrongType("sensorId", "a string", value);
                    }
                    into.setSensorId(p.getText());
                }
                case ID -> {
                    String id = id(p, value);
                    into.setId(id);
                    if (field.equals(keyField)) {
                        into.setKeyFieldValue(id);
                    }
                }
                case TIMESTAMP -> into.setTimestamp(timestamp(p, value));
                case FEATURES -> {
                    if (value != JsonToken.START_OBJECT) {
                        throw wrongType("features", "an object of name: number", value);
                    }
                    readFeatures(p, into);
                }
                case LABEL -> into.setLabel(label(p, value));
                case TARGET -> into.setTarget(target(p, value));
                default -> {
                    if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                        throw new InvalidReadingException(RejectReason.WRONG_TYPE, "field '" + field + "': "
                                + (field.equals("features") ? "a label carries no features" : "unexpected nested value"));
                    }
                    if (bit == KEY_FIELD) {
                        into.setKeyFieldValue(p.getText());
                    }
                }
            }
        }
        return seenFields;
    }

    /**
     * The field's bit in the duplicate-field table, among the {@code known} fields of this kind of
     * record, else the model-key field's, else 0: a field that is ignored may repeat.
     */
    private int fieldBit(String field, int known) {
        int bit = known & switch (field) {
            case "sensorId" -> SENSOR_ID;
            case "timestamp" -> TIMESTAMP;
            case "features" -> FEATURES;
            case "label" -> LABEL;
            case "target" -> TARGET;
            case "id" -> ID;
            default -> 0;
        };
        return bit == 0 && field.equals(keyField) ? KEY_FIELD : bit;
    }

    private static String id(JsonParser p, JsonToken value) throws IOException, InvalidReadingException {
        if (value != JsonToken.VALUE_STRING) {
            throw wrongType("id", "a string", value);
        }
        return p.getText();
    }

    private static long timestamp(JsonParser p, JsonToken value) throws IOException, InvalidReadingException {
        if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.LONG
                && p.getNumberType() != JsonParser.NumberType.INT || p.getLongValue() < 0) {
            throw wrongType("timestamp", "epoch milliseconds (a non-negative integer)", value);
        }
        return p.getLongValue();
    }

    private int label(JsonParser p, JsonToken value) throws IOException, InvalidReadingException {
        if (regression) {
            throw new InvalidReadingException(RejectReason.WRONG_TYPE,
                    "field 'label': a regression reading has a numeric 'target', not a label");
        }
        if (value != JsonToken.VALUE_STRING) {
            throw wrongType("label", "a class name", value);
        }
        return classIndex(p);
    }

    private double target(JsonParser p, JsonToken value) throws IOException, InvalidReadingException {
        if (!regression) {
            throw new InvalidReadingException(RejectReason.WRONG_TYPE,
                    "field 'target': a classification reading has a 'label', not a target");
        }
        if (!value.isNumeric()) {
            throw wrongType("target", "a number", value);
        }
        double t = p.getDoubleValue();
        if (!Double.isFinite(t)) {
            throw new InvalidReadingException(RejectReason.NON_FINITE_TARGET,
                    "target " + p.getText() + " is not a finite number");
        }
        return t;
    }

    private void readFeatures(JsonParser p, Reading into) throws IOException, InvalidReadingException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            int index = featureIndex(name);
            if (index < 0) {
                throw new InvalidReadingException(RejectReason.UNKNOWN_FEATURE, "unknown feature '" + name + "'");
            }
            if (seen[index]) {
                throw new InvalidReadingException(RejectReason.DUPLICATE_FIELD, "duplicate feature '" + name + "'");
            }
            JsonToken value = p.nextToken();
            if (value != JsonToken.VALUE_NUMBER_INT && value != JsonToken.VALUE_NUMBER_FLOAT) {
                if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                    throw new InvalidReadingException(RejectReason.NON_NUMERIC_FEATURE,
                            "feature '" + name + "' must be a number, got a nested value");
                }
                throw new InvalidReadingException(RejectReason.NON_NUMERIC_FEATURE,
                        "feature '" + name + "' must be a number, got " + describe(value, p));
            }
            double v = p.getDoubleValue();
            if (!Double.isFinite(v)) {
                throw new InvalidReadingException(RejectReason.NON_FINITE_FEATURE,
                        "feature '" + name + "' is not finite: " + p.getText());
            }
            into.setFeature(index, v);
            seen[index] = true;
        }
    }

    private int featureIndex(String name) {
        for (int i = 0; i < featureNames.length; i++) {
            if (featureNames[i] == name) {
                return i;
            }
        }
        for (int i = 0; i < featureNames.length; i++) {
            if (featureNames[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private int classIndex(JsonParser p) throws IOException, InvalidReadingException {
        // Compare the parser's own character buffer with the class names: no String per label.
        char[] text = p.getTextCharacters();
        int offset = p.getTextOffset();
        int length = p.getTextLength();
        outer:
        for (int c = 0; c < classNames.length; c++) {
            char[] name = classNames[c];
            if (name.length != length) {
                continue;
            }
            for (int i = 0; i < length; i++) {
                if (name[i] != text[offset + i]) {
                    continue outer;
                }
            }
            return c;
        }
        throw new InvalidReadingException(RejectReason.UNKNOWN_LABEL, "unknown label '" + p.getText() + "'");
    }

    private static InvalidReadingException wrongType(String field, String expected, JsonToken got) {
        return new InvalidReadingException(RejectReason.WRONG_TYPE,
                "field '" + field + "' must be " + expected + ", got " + tokenName(got));
    }

    private static String describe(JsonToken token, JsonParser p) throws IOException {
        return token == JsonToken.VALUE_STRING ? "the string \"" + abbreviate(p.getText()) + "\"" : tokenName(token);
    }

    private static String tokenName(JsonToken token) {
        if (token == null) {
            return "nothing";
        }
        return switch (token) {
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            default -> token.name();
        };
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
