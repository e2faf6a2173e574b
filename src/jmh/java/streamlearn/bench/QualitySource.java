package streamlearn.bench;

import com.yahoo.labs.samoa.instances.Instance;
import com.yahoo.labs.samoa.instances.InstancesHeader;
import streamlearn.model.Reading;

/**
 * A labeled stream for {@link QualityHarness}: the same readings for every learner, each learner
 * on its own {@link Cursor} (one pass, confined to the thread that opened it), so learners can run
 * in parallel without sharing a mutable object.
 */
interface QualitySource {
    /** Names the stream: equal keys, equal readings. */
    String key();

    int length();

    /** The number of input features (the class not counted). */
    int featureCount();

    /**
     * The key of a stream whose first {@link #sharedPrefix()} readings are exactly this one's (the
     * clean stream a tampered one was made from), or null.
     */
    default String trunkKey() {
        return null;
    }

    /** How many first readings this stream shares with {@link #trunkKey()}'s. */
    default int sharedPrefix() {
        return 0;
    }

    /** A fresh pass over the stream from its first reading. */
    Cursor open();

    /** One pass: {@link #next()}, then either view of the current reading. */
    interface Cursor {
        /** The MOA header of the stream's instances (class attribute included). */
        InstancesHeader header();

        /** Moves to the next reading. */
        void next();

        /** The current reading as streamlearn takes it (a reused object). */
        Reading reading();

        /** The current reading as MOA takes it. */
        Instance instance();

        /** A hash of every value read so far, to check that two passes saw the same readings. */
        long checksum();
    }

    static long mix(long h, double v) {
        return h * 0x100000001B3L ^ Double.doubleToLongBits(v);
    }
}
