package streamlearn.model;

import java.util.List;

/**
 * One challenger of the spec's {@code "candidates"}: a network of its own (layers, init,
 * optimizer, L2, clipping, weight average) that trains on the same standardised inputs, the same
 * labels and the same class weights as the spec's own network (the candidate {@value #MAIN}).
 * Features, classes, task and loss are the spec's.
 *
 * @param averagingDecay decay of the candidate's prediction weight average; 0 for none
 */
public record CandidateSpec(String name, List<ModelSpec.Layer> layers, InitSpec init, OptimizerSpec optimizer,
                            double l2, double clipNorm, double averagingDecay) {
    /** The name of the spec's own network (its top-level layers, optimizer, ...) among the candidates. */
    public static final String MAIN = "main";

    public CandidateSpec {
        layers = List.copyOf(layers);
    }

    @Override
    public String toString() {
        return name + " " + layers + " " + optimizer + (l2 > 0 ? " l2 " + l2 : "") + (clipNorm > 0 ? " clipNorm " + clipNorm : "")
                + (averagingDecay > 0 ? " averaging " + averagingDecay : "");
    }
}
