package streamlearn.format;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.LateLabel;
import streamlearn.model.ModelSpec;
import streamlearn.model.RejectReason;

/**
 * Reads a late label's JSON ({@code sensor-labels}, or a replay line without features) into a
 * reused {@link LateLabel}, as strictly as {@link ReadingParser} reads a reading, with the same
 * reasons: a label that does not say clearly which reading it is for and what it is would train
 * the model on a guess.
 * <pre>
 *   {"sensorId":"press-04","id":"r-000182","label":"warning"}
 *   {"sensorId":"press-04","timestamp":1795334400000,"label":"warning"}
 *   {"sensorId":"press-04","id":"r-000182","target":41.7}              (regression)
 * </pre>
 * {@code sensorId} is required; {@code id} or {@code timestamp} names the reading (with both, the
 * id); {@code label} (a class of the spec) or, for regression, {@code target} (a finite number) is
 * required. Other top-level scalars are ignored, except the {@code field:<name>} model key, which
 * is captured; a nested value, {@code features} included, is {@code wrong_type}.
 */
public final class LabelParser {
    private final ReadingParser readings;
    private final String keyField;
    private final boolean regression;

    /** @param keyField name of a top-level field whose value is captured for the model key, or null */
    public LabelParser(ModelSpec spec, String keyField, int maxBytes) {
        this.readings = new ReadingParser(spec, keyField, maxBytes);
        this.keyField = keyField;
        this.regression = !spec.isClassification();
    }

    public LabelParser(ModelSpec spec) {
        this(spec, null, ReadingParser.DEFAULT_MAX_BYTES);
    }

    /** Parses {@code bytes} (UTF-8 JSON) into {@code into}; on failure {@code into} is undefined. */
    public void parse(byte[] bytes, LateLabel into) throws InvalidReadingException {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidReadingException(RejectReason.EMPTY, "empty value");
        }
        if (bytes.length > readings.maxBytes()) {
            throw new InvalidReadingException(RejectReason.OVERSIZED,
                    "value of " + bytes.length + " bytes exceeds the limit of " + readings.maxBytes());
        }
        into.clear();
        try (JsonParser p = readings.json().createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidReadingException(RejectReason.WRONG_TYPE, "a label must be a JSON object");
            }
            readFields(p, into);
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new InvalidReadingException(RejectReason.MALFORMED_JSON, "trailing content after the label");
            }
        } catch (JsonParseException e) {
            String message = e.getOriginalMessage();
            if (message.contains("UTF-8") || message.contains("UTF8")) {
                throw new InvalidReadingException(RejectReason.INVALID_ENCODING, ReadingParser.firstLine(message));
            }
            throw new InvalidReadingException(RejectReason.MALFORMED_JSON, ReadingParser.firstLine(message));
        } catch (IOException e) {
            throw new InvalidReadingException(RejectReason.MALFORMED_JSON,
                    ReadingParser.firstLine(String.valueOf(e.getMessage())));
        }
        if (into.sensorId() == null) {
            throw new InvalidReadingException(RejectReason.MISSING_FIELD, "missing field 'sensorId'");
        }
        if (into.readingId() == null && !into.hasTimestamp()) {
            throw new InvalidReadingException(RejectReason.MISSING_FIELD,
                    "missing field 'id' (or 'timestamp'): a label names its reading by one of them");
        }
        if (regression ? !into.hasTarget() : into.label() < 0) {
            throw new InvalidReadingException(RejectReason.MISSING_FIELD,
                    regression ? "missing field 'target'" : "missing field 'label'");
        }
    }

    private void readFields(JsonParser p, LateLabel into) throws IOException, InvalidReadingException {
        int seen = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            int bit = switch (field) {
                case "sensorId" -> 1;
                case "id" -> 2;
                case "timestamp" -> 4;
                case "label" -> 8;
                case "target" -> 16;
                default -> field.equals(keyField) ? 32 : 0;
            };
            if ((seen & bit) != 0) {
                throw new InvalidReadingException(RejectReason.DUPLICATE_FIELD, "duplicate field '" + field + "'");
            }
            seen |= bit;
            if (value == JsonToken.VALUE_NULL && (bit & (2 | 4 | 8 | 16)) != 0) {
                continue;
            }
            switch (field) {
                case "sensorId" -> {
                    if (value != JsonToken.VALUE_STRING) {
                        throw ReadingParser.wrongType("sensorId", "a string", value);
                    }
                    into.setSensorId(p.getText());
                }
                case "id" -> {
                    into.setReadingId(ReadingParser.id(p, value));
                    if (field.equals(keyField)) {
                        into.setKeyFieldValue(into.readingId());
                    }
                }
                case "timestamp" -> into.setTimestamp(ReadingParser.timestamp(p, value));
                case "label" -> into.setLabel(readings.label(p, value));
                case "target" -> into.setTarget(readings.target(p, value));
                default -> {
                    if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                        throw new InvalidReadingException(RejectReason.WRONG_TYPE, "field '" + field + "': "
                                + (field.equals("features") ? "a label carries no features" : "unexpected nested value"));
                    }
                    if (field.equals(keyField)) {
                        into.setKeyFieldValue(p.getText());
                    }
                }
            }
        }
    }
}
