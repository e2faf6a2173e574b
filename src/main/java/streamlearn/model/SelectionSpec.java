package streamlearn.model;

/**
 * The spec's {@code "selection"}: how a model with candidates predicts from them.
 *
 * @param method         {@link Method#MIXTURE} (Hedge: the candidates' probabilities weighted by
 *                       exp(-eta x recent cumulative loss)) or {@link Method#CHAMPION} (the candidate
 *                       with the lowest recent loss alone)
 * @param halfLife       readings after which a loss counts half in a candidate's recent loss
 * @param eta            the mixture's learning rate: 1 is the Bayesian mixture for the log loss
 * @param maxLoss        the most one reading's loss counts in a recent loss: a candidate confidently
 *                       wrong for a few readings at a change is not shut out for thousands after
 * @param restartOnDrift whether the recent losses start over (uniform weights) when {@code main}'s
 *                       drift detector fires: what was learnt of the candidates before a change
 *                       says little about which follows it best
 */
public record SelectionSpec(Method method, double halfLife, double eta, double maxLoss, boolean restartOnDrift) {
    public static final double DEFAULT_HALF_LIFE = 2000;
    public static final double DEFAULT_ETA = 1.0;
    public static final Method DEFAULT_METHOD = Method.MIXTURE;
    /** A probability underflowed to 0 is a loss of at most this much; also the largest {@code maxLoss}. */
    public static final double DEFAULT_MAX_LOSS = 50.0;
    public static final boolean DEFAULT_RESTART_ON_DRIFT = false;

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
        return new SelectionSpec(DEFAULT_METHOD, DEFAULT_HALF_LIFE, DEFAULT_ETA, DEFAULT_MAX_LOSS, DEFAULT_RESTART_ON_DRIFT);
    }

    /** Per reading, what a recent loss keeps of its past: 2^(-1 / halfLife). */
    public double discount() {
        return Math.pow(2.0, -1.0 / halfLife);
    }

    @Override
    public String toString() {
        return method.id + " halfLife " + halfLife + (method == Method.MIXTURE ? " eta " + eta : "") + " maxLoss " + maxLoss
                + (restartOnDrift ? " restartOnDrift" : "");
    }
}
