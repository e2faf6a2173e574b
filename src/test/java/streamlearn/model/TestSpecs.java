package streamlearn.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import streamlearn.format.SpecJson;

/** Specs the tests share. */
public final class TestSpecs {
    private TestSpecs() {
    }

    /**
     * The built-in default's network alone (no candidates, no selection), whatever the default
     * becomes: the single-network learner whose drift reaction docs/QUALITY.md measured. A pool
     * often follows a change through a faster candidate without its error ever rising enough for a
     * drift, so tests of the drift machinery use this.
     */
    public static String singleNetworkJson() {
        try {
            ObjectNode root = (ObjectNode) new ObjectMapper().readTree(SpecJson.defaultSpec().json());
            root.remove("candidates");
            root.remove("selection");
            return root.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static ModelSpec singleNetwork() {
        return SpecJson.parse(singleNetworkJson());
    }

    /** The pool of candidates users can choose, {@code specs/pool.json}: the default's network beside two challengers. */
    public static String poolJson() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("specs/pool.json"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static ModelSpec pool() {
        return SpecJson.parse(poolJson());
    }
}
