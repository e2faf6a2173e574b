package streamlearn.bench;

import com.yahoo.labs.samoa.instances.Instance;
import moa.classifiers.AbstractClassifier;
import moa.classifiers.Classifier;
import moa.classifiers.meta.AdaptiveRandomForest;
import moa.classifiers.trees.HoeffdingAdaptiveTree;
import moa.core.Utils;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.SpecJson;
import streamlearn.model.OnlineModel;

/**
 * The learners side by side, each stepped prequentially over a {@link QualitySource.Cursor}:
 * every reading is predicted first, then trained on with its label.
 *
 * <p>MOA's learners take MOA's defaults, except ARF's {@code numberOfJobs} set to 1 (one thread a
 * learner: the harness runs learners in parallel instead) and the seed of their random behaviour
 * set to {@link #MOA_RANDOM_SEED} (HAT takes none: it is not randomizable, its nodes seed
 * themselves with a constant). A MOA prediction is the index of the largest vote, as MOA's own
 * evaluators take it ({@code Utils.maxIndex}; no votes yet is class 0).
 */
enum QualityLearner {
    STREAMLEARN("streamlearn"),
    HAT("HAT"),
    ARF("ARF");

    static final int MOA_RANDOM_SEED = 1;

    /** ARF's ensemble size; 0 keeps MOA's default (--arf-trees). */
    static int arfTrees = 0;

    final String label;

    QualityLearner(String label) {
        this.label = label;
    }

    /** One learner's state, stepping reading by reading. */
    interface Stepper {
        /** Predicts the cursor's current reading, then trains on it; true when the prediction was right. */
        boolean step(QualitySource.Cursor cursor);

        /** An exact, independent copy of the learner's state. */
        Stepper copy();
    }

    /** A fresh learner for the stream that {@code cursor} reads; {@code specJson} is streamlearn's spec. */
    Stepper start(QualitySource.Cursor cursor, String specJson) {
        if (this == STREAMLEARN) {
            return new ModelStepper(OnlineModel.create(SpecJson.parse(specJson)));
        }
        AbstractClassifier learner = moaLearner();
        learner.setModelContext(cursor.header());
        return new MoaStepper(learner);
    }

    private record ModelStepper(OnlineModel model) implements Stepper {
        @Override
        public boolean step(QualitySource.Cursor cursor) {
            return model.step(cursor.reading()).correct();
        }

        /** A snapshot restores a model that continues bit for bit (ModelSnapshotTest). */
        @Override
        public Stepper copy() {
            return new ModelStepper(ModelSnapshot.fromBytes(ModelSnapshot.toBytes(model)));
        }
    }

    private record MoaStepper(Classifier learner) implements Stepper {
        @Override
        public boolean step(QualitySource.Cursor cursor) {
            Instance instance = cursor.instance();
            int predicted = Utils.maxIndex(learner.getVotesForInstance(instance));
            learner.trainOnInstance(instance);
            return predicted == (int) instance.classValue();
        }

        /** MOA's deep copy (serialization): random generators, drift detectors and all. */
        @Override
        public Stepper copy() {
            return new MoaStepper(learner.copy());
        }
    }

    /** A fresh, prepared MOA learner (HAT or ARF). */
    AbstractClassifier moaLearner() {
        AbstractClassifier learner;
        switch (this) {
            case HAT -> learner = new HoeffdingAdaptiveTree();
            case ARF -> {
                AdaptiveRandomForest arf = new AdaptiveRandomForest();
                arf.numberOfJobsOption.setValue(1);
                if (arfTrees > 0) {
                    arf.ensembleSizeOption.setValue(arfTrees);
                }
                learner = arf;
            }
            default -> throw new IllegalStateException(this + " is not a MOA learner");
        }
        learner.setRandomSeed(MOA_RANDOM_SEED);
        learner.prepareForUse();
        return learner;
    }

    /** The MOA learner as MOA's command line would create it (MOA prints only what is not a default). */
    String moaCli() {
        return moaLearner().getCLICreationString(Classifier.class).trim();
    }

    /** Relative cost of one reading, for scheduling the longest runs first. */
    double costPerReading(int features) {
        return switch (this) {
            case STREAMLEARN -> 1;
            case HAT -> 1 + features;
            case ARF -> (arfTrees > 0 ? arfTrees : 100) * (1 + features);
        };
    }
}
