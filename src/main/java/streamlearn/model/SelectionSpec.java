package streamlearn.model;

/**
 * The spec's {@code "selection"}: how a model with candidates predicts from them.
 *
 * @param method   {@link Method#MIXTURE} (Hedge: the candidates' probabilities weighted by
 *                 exp(-eta x recent cumulative loss)) or {@link Method#CHAMPION} (the candidate
 *                 with the lowest recent loss alone)
 * @param halfLife readings after which a loss counts half in a candidate's recent loss
 * @param eta      the mixture's learning rate: 1 is the Bayesian mixture for the log loss
 */
public record SelectionSpec(Method method, double halfLife, double eta) {
    public static final double DEFAULT_HALF_LIFE = 2000;
    public static final double DEFAULT_ETA = 1.0;
    public static final Method DEFAULT_METHOD = Method.MIXTURE;

    public enum Method {
        MIXTURE("mixture"), CHAMPION("champion");

        public final String id;

        Method(String id) {
            this.id = id;
        }

        public static Method byId(String id) {
            for (Method m : values()) {
                if (m.id.equals(id)) {
                    return m;
                }
            }
            return null;
        }
    }

    /** The defaults, for a spec with candidates and no {@code "selection"}. */
    public static SelectionSpec defaults() {
        return new SelectionSpec(DEFAULT_METHOD, DEFAULT_HALF_LIFE, DEFAULT_ETA);
    }

    /** Per reading, what a recent loss keeps of its past: 2^(-1 / halfLife). */
    public double discount() {
        return Math.pow(2.0, -1.0 / halfLife);
    }

    @Override
    public String toString() {
        return method.id + " halfLife " + halfLife + (method == Method.MIXTURE ? " eta " + eta : "");
    }
}
