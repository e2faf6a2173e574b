package streamlearn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import streamlearn.format.SpecJson;

/**
 * The waiting room of unlabeled readings: what a label finds (by id, by sensor and timestamp,
 * nothing twice), what expires and when, the count limit, and the counts after a reopen.
 */
class PendingReadingsTest {
    private static final ModelSpec SPEC = SpecJson.defaultSpec();
    private static final long HOUR = 3_600_000;

    private final PendingReadings.Storage storage = PendingReadings.inMemory();
    private final List<String> drops = new ArrayList<>();
    private final OnlineModel model = OnlineModel.create(SPEC);
    private final PendingReading into = new PendingReading(SPEC);

    private PendingReadings pending(long maxDelay, long maxPending) {
        return pending(SPEC, maxDelay, maxPending);
    }

    private PendingReadings pending(ModelSpec spec, long maxDelay, long maxPending) {
        PendingReadings p = new PendingReadings(spec, storage, maxDelay, maxPending,
                (m, reason) -> drops.add(m + ":" + reason.id()));
        p.open();
        return p;
    }

    static Reading unlabeled(String sensor, String id, long timestamp) {
        Reading r = new Reading(2).set(sensor, timestamp, new double[] {30, 2.0}, Reading.UNLABELED);
        r.setId(id);
        return r;
    }

    static byte[] letter(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** An unlabeled reading predicted by the model and remembered; returns its prediction's output. */
    private double[] remember(PendingReadings p, String model, String sensor, String id, long timestamp, long arrival,
                              double temperature) {
        Reading r = new Reading(2).set(sensor, timestamp, new double[] {temperature, 2.0}, Reading.UNLABELED);
        r.setId(id);
        StepResult s = this.model.step(r);
        p.remember(model, r, s, arrival);
        return s.output().clone();
    }

    static LateLabel byId(String sensor, String id) {
        return new LateLabel().set(sensor, id, 1);
    }

    static LateLabel byTimestamp(String sensor, long timestamp) {
        LateLabel l = new LateLabel().set(sensor, null, 1);
        l.setTimestamp(timestamp);
        return l;
    }

    @Test
    void aLabelFindsItsReadingByIdOnceWithWhatThePredictionWas() {
        PendingReadings p = pending(HOUR, 1_000);
        double[] output = remember(p, "default", "press-01", "r-1", 500, 1_000, 41.5);
        remember(p, "default", "press-01", "r-2", 501, 1_001, 30);
        assertEquals(2, p.waiting("default"));

        assertEquals(PendingReadings.Match.MATCHED, p.match("default", byId("press-01", "r-1"), 2_000, into));
        assertArrayEquals(new double[] {41.5, 2.0}, into.features(), 0.0);
        assertArrayEquals(output, into.output(), 0.0);
        assertEquals(1_000, into.arrival());
        assertEquals(500, into.timestamp());
        assertEquals(0, into.modelVersion());
        assertEquals(1, p.waiting("default"));
        assertEquals(PendingReadings.Match.NOT_WAITING, p.match("default", byId("press-01", "r-1"), 2_000, into),
                "a second label for the same reading");
        assertEquals(PendingReadings.Match.NOT_WAITING, p.match("default", byId("press-02", "r-2"), 2_000, into),
                "the id belongs to another sensor's reading");
        assertEquals(PendingReadings.Match.NOT_WAITING, p.match("other", byId("press-01", "r-2"), 2_000, into),
                "another model");
        assertEquals(PendingReadings.Match.NOT_WAITING, p.match("default", byTimestamp("press-01", 501), 2_000, into),
                "a reading with an id is found by its id only");
        assertEquals(PendingReadings.Match.MATCHED, p.match("default", byId("press-01", "r-2"), 2_000, into));
        assertEquals(0, p.waiting());
        assertEquals(List.of(), drops);
    }

    @Test
    void aReadingWithoutIdIsFoundBySensorAndTimestamp() {
        PendingReadings p = pending(HOUR, 1_000);
        remember(p, "default", "press-01", null, 1_795_334_400_000L, 10, 30);
        remember(p, "default", "press-02", null, 1_795_334_400_000L, 11, 60);
        assertEquals(PendingReadings.Match.NOT_WAITING, p.match("default", byTimestamp("press-01", 1_795_334_400_001L), 20, into));
        assertEquals(PendingReadings.Match.MATCHED, p.match("default", byTimestamp("press-02", 1_795_334_400_000L), 20, into));
        assertEquals(60.0, into.features()[0]);
        assertEquals(PendingReadings.Match.MATCHED, p.match("default", byTimestamp("press-01", 1_795_334_400_000L), 20, into));
        assertEquals(30.0, into.features()[0]);
    }

    @Test
    void aReadingWaitsLabelMaxDelayOfStreamTimeAndNoLonger() {
        PendingReadings p = pending(HOUR, 1_000);
        remember(p, "a", "s", "r-1", 0, 1_000, 30);
        remember(p, "a", "s", "r-2", 0, 2_000, 30);
        remember(p, "b", "s", "r-3", 0, 3_000, 30);
        // At the limit it still matches; a millisecond later it has expired, found or not.
        assertEquals(PendingReadings.Match.MATCHED, p.match("a", byId("s", "r-1"), 1_000 + HOUR, into));
        assertEquals(PendingReadings.Match.EXPIRED, p.match("a", byId("s", "r-2"), 2_001 + HOUR, into));
        assertEquals(List.of("a:expired"), drops);
        assertEquals(PendingReadings.Match.NOT_WAITING, p.match("a", byId("s", "r-2"), 2_001 + HOUR, into),
                "an expired reading is gone");
        p.expire(3_000 + HOUR);
        assertEquals(1, p.waiting("b"), "not older than the limit yet");
        p.expire(3_001 + HOUR);
        assertEquals(0, p.waiting());
        assertEquals(List.of("a:expired", "b:expired"), drops);
        assertEquals(PendingReadings.Match.NOT_WAITING, p.match("b", byId("s", "r-3"), 3_001 + HOUR, into));
    }

    @Test
    void theOldestReadingMakesRoomWhenTheTaskHoldsLabelMaxPending() {
        PendingReadings p = pending(HOUR, 3);
        remember(p, "a", "s", "r-1", 0, 10, 30);
        remember(p, "b", "s", "r-2", 0, 5, 30); // older by its record timestamp
        remember(p, "a", "s", "r-3", 0, 20, 30);
        assertEquals(List.of(), drops);
        remember(p, "a", "s", "r-4", 0, 30, 30);
        assertEquals(List.of("b:evicted"), drops);
        assertEquals(3, p.waiting());
        assertEquals(3, p.waiting("a"));
        assertEquals(0, p.waiting("b"));
        assertEquals(PendingReadings.Match.NOT_WAITING, p.match("b", byId("s", "r-2"), 30, into));
        assertEquals(PendingReadings.Match.MATCHED, p.match("a", byId("s", "r-1"), 30, into));
    }

    @Test
    void aReadingUnderANameThatWaitsReplacesTheWaitingOne() {
        PendingReadings p = pending(HOUR, 1_000);
        remember(p, "a", "s", "r-1", 0, 10, 30);
        remember(p, "a", "s", "r-1", 0, 20, 70);
        assertEquals(List.of("a:replaced"), drops);
        assertEquals(1, p.waiting("a"));
        p.expire(15 + HOUR);
        assertEquals(1, p.waiting("a"), "the older one's place in the arrival order went with it");
        assertEquals(PendingReadings.Match.MATCHED, p.match("a", byId("s", "r-1"), 20, into));
        assertEquals(70.0, into.features()[0]);
    }

    @Test
    void reopeningCountsWhatTheStoreHolds() {
        PendingReadings p = pending(HOUR, 100_000);
        for (int i = 0; i < 25_000; i++) {
            remember(p, i % 5 == 0 ? "x" : "y", "s" + i % 7, "r-" + i, i, i, 30);
        }
        PendingReadings reopened = pending(HOUR, 100_000);
        assertEquals(25_000, reopened.waiting());
        assertEquals(5_000, reopened.waiting("x"));
        assertEquals(20_000, reopened.waiting("y"));
        reopened.expire(12_000 + HOUR);
        assertEquals(13_000, reopened.waiting(), "readings 0 to 11,999 expired");
        assertEquals(12_000, drops.size());
    }

    @Test
    void withNoDelayNothingWaits() {
        PendingReadings p = pending(0, 1_000);
        remember(p, "a", "s", "r-1", 0, 10, 30);
        assertEquals(0, p.waiting());
        assertEquals(PendingReadings.Match.NOT_WAITING, p.match("a", byId("s", "r-1"), 10, into));
        assertThrows(IllegalArgumentException.class, () -> new PendingReadings(SPEC, storage, -1, 1, (m, r) -> { }));
    }

    @Test
    void aWaitingReadingOfTheDefaultSpecTakesAFewHundredBytes() {
        // Entry key 'P' default 0xFF press-04 0xFF 'i' r-000182: 27 bytes; value 1 + 3 * 8 + 8 * (2 + 3) = 65;
        // index key 'T' + 8 + entry key = 36, empty value.
        assertEquals(27 + 65 + 36, PendingReadings.storedBytes(SPEC, "default", "press-04", "r-000182"));
    }
}
