package streamlearn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;

/**
 * The default spec (the classpath's {@code /default-spec.json}, the one {@link SpecJson#defaultSpec()}
 * reads) as JSON text, and variants of it that change only what a stream forces: never a
 * hard-coded copy of the rest.
 */
final class DefaultSpecJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DefaultSpecJson() {
    }

    /** The default spec's JSON (re-written compactly by Jackson: the same fields and values). */
    static String text() {
        return tree().toString();
    }

    /** The resource's text, verbatim. */
    private static String resource() {
        try (InputStream in = SpecJson.class.getResourceAsStream("/default-spec.json")) {
            if (in == null) {
                throw new IllegalStateException("default-spec.json missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The default spec without {@code "ranges"} (it has none today; this makes sure). */
    static String withoutRanges() {
        ObjectNode root = tree();
        root.remove("ranges");
        return checkedNoRanges(root.toString());
    }

    /**
     * The default spec for another stream: {@code "features"} and {@code "classes"} replaced, and
     * no {@code "ranges"} (they would name the seeds' features). The output layer's units follow
     * the number of classes, because the spec's own check demands it (a softmax output of three
     * units cannot be trained on two classes); every other field is the default's.
     */
    static String forStream(List<String> features, List<String> classes) {
        ObjectNode root = tree();
        ArrayNode f = root.putArray("features");
        features.forEach(f::add);
        ArrayNode c = root.putArray("classes");
        classes.forEach(c::add);
        root.remove("ranges");
        ArrayNode layers = (ArrayNode) root.get("layers");
        ((ObjectNode) layers.get(layers.size() - 1)).put("units", classes.size());
        if (root.has("candidates")) {
            for (var candidate : root.get("candidates")) {
                ArrayNode l = (ArrayNode) candidate.get("layers");
                ((ObjectNode) l.get(l.size() - 1)).put("units", classes.size());
            }
        }
        return checkedNoRanges(root.toString());
    }

    /** The default spec's candidates' names, "main" first. */
    static List<String> candidates() {
        return SpecJson.parse(text()).candidateNames();
    }

    /**
     * {@code spec} (the default or a variant of it) with only its candidate {@code name}: that
     * candidate's network, optimizer, L2, clipping and average as the spec's own, and no
     * candidates; "main" is the spec's own network alone. Scaler, drift detection and the rest
     * stay.
     */
    static String alone(String spec, String name) {
        ObjectNode root;
        try {
            root = (ObjectNode) JSON.readTree(spec);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ArrayNode candidates = (ArrayNode) root.remove("candidates");
        root.remove("selection");
        if (!name.equals("main")) {
            ObjectNode c = null;
            for (var node : candidates) {
                if (node.get("name").asText().equals(name)) {
                    c = (ObjectNode) node;
                }
            }
            if (c == null) {
                throw new IllegalArgumentException("no candidate " + name);
            }
            root.set("layers", c.get("layers"));
            root.set("optimizer", c.get("optimizer"));
            root.put("l2", c.has("l2") ? c.get("l2").asDouble() : 0.0);
            root.put("clipNorm", c.has("clipNorm") ? c.get("clipNorm").asDouble() : 0.0);
            root.remove("averaging");
            if (c.has("averaging") && !c.get("averaging").isNull()) {
                root.set("averaging", c.get("averaging"));
            }
            root.remove("init");
            if (c.has("init")) {
                root.set("init", c.get("init"));
            }
        }
        SpecJson.parse(root.toString());
        return root.toString();
    }

    /** True when the default spec's output layer had to be resized for {@code classes}. */
    static boolean outputResized(int classes) {
        ArrayNode layers = (ArrayNode) tree().get("layers");
        return layers.get(layers.size() - 1).get("units").asInt() != classes;
    }

    private static ObjectNode tree() {
        try {
            return (ObjectNode) JSON.readTree(resource());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses the spec (so a bad one fails before any run) and checks no feature has a range. */
    private static String checkedNoRanges(String json) {
        ModelSpec spec = SpecJson.parse(json);
        for (int i = 0; i < spec.features().size(); i++) {
            double[] range = spec.ranges().range(i);
            if (range[0] != Double.NEGATIVE_INFINITY || range[1] != Double.POSITIVE_INFINITY) {
                throw new IllegalStateException("spec still has a range on " + spec.features().get(i));
            }
        }
        return json;
    }
}
