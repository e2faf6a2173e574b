package streamlearn.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import streamlearn.format.SpecJson;

/** Specs the tests share. */
public final class TestSpecs {
    private TestSpecs() {
    }

    /**
     * The built-in default's network alone (no candidates, no selection), as {@code specs/single.json}
     * has it: the single-network learner whose drift reaction docs/QUALITY.md measured.
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

    /** The built-in default: a pool of candidates, its network ({@code main}) beside two challengers. */
    public static String poolJson() {
        return SpecJson.defaultSpec().json();
    }

    public static ModelSpec pool() {
        return SpecJson.defaultSpec();
    }
}
