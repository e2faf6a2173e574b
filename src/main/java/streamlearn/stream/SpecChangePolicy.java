package streamlearn.stream;

import java.util.Locale;

/** {@code model.on.spec.change}: what a stored model whose spec is not the configured one does. */
public enum SpecChangePolicy {
    /** The learner stops, with one line naming the model and what differs. */
    FAIL,
    /** The model starts afresh from the configured spec; a {@code spec_changed} event says so. */
    RESET,
    /** The stored spec wins (features and classes matched by name); one warning per model. */
    KEEP;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException for anything but fail, reset or keep */
    public static SpecChangePolicy parse(String value) {
        for (SpecChangePolicy p : values()) {
            if (p.id().equals(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException("model.on.spec.change must be fail, reset or keep, got '" + value + "'");
    }
}
