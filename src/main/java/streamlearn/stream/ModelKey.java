package streamlearn.stream;

/**
 * Which readings share one model ({@code model.key}): all of them ({@code global}), those of one
 * sensor ({@code sensor}), or those with the same value of a reading field ({@code field:<name>}).
 */
public record ModelKey(Kind kind, String field) {
    public enum Kind { GLOBAL, SENSOR, FIELD }

    /** The model id of the single model of {@code model.key=global}. */
    public static final String GLOBAL_MODEL_ID = "default";

    public static ModelKey parse(String text) {
        if (text.equals("global")) {
            return new ModelKey(Kind.GLOBAL, null);
        }
        if (text.equals("sensor")) {
            return new ModelKey(Kind.SENSOR, null);
        }
        if (text.startsWith("field:") && text.length() > "field:".length()) {
            String field = text.substring("field:".length());
            if (field.equals("sensorId") || field.equals("features") || field.equals("label")
                    || field.equals("timestamp") || field.equals("target")) {
                throw new IllegalArgumentException("model.key=field:" + field + " names a reserved reading field");
            }
            return new ModelKey(Kind.FIELD, field);
        }
        throw new IllegalArgumentException("model.key must be global, sensor or field:<name>, got '" + text + "'");
    }

    /** The reading field the parser must capture, or null. */
    public String capturedField() {
        return kind == Kind.FIELD ? field : null;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case GLOBAL -> "global";
            case SENSOR -> "sensor";
            case FIELD -> "field:" + field;
        };
    }
}
