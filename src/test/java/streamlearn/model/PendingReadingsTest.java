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

    private final List<String> labelDrops = new ArrayList<>();

    private PendingReadings pending(long maxDelay, long maxPending) {
        return pending(SPEC, maxDelay, maxPending);
    }

    private PendingReadings pending(ModelSpec spec, long maxDelay, long maxPending) {
        PendingReadings p = new PendingReadings(spec, storage, maxDelay, maxPending,
                (m, reason) -> drops.add(m + ":" + reason.id()),
                (m, reason, message, deadLetter) -> labelDrops.add(m + ":" + reason + ":"
                        + new String(deadLetter, java.nio.charset.StandardCharsets.UTF_8) + ":" + message));
        p.open();
        return p;
    }

    private static Reading unlabeled(String sensor, String id, long timestamp) {
        Reading r = new Reading(2).set(sensor, timestamp, new double[] {30, 2.0}, Reading.UNLABELED);
        r.setId(id);
        return r;
    }

    private static byte[] letter(String text) {
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

    private static LateLabel byId(String sensor, String id) {
        return new LateLabel().set(sensor, id, 1);
    }

    private static LateLabel byTimestamp(String sensor, long timestamp) {
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

    // Labels that come before their reading.

    @Test
    void aLabelBeforeItsReadingWaitsForItAndTheReadingTakesItAsAnInlineLabel() {
        PendingReadings p = pending(HOUR, 1_000);
        LateLabel critical = new LateLabel().set("press-01", "r-1", 2);
        assertEquals(PendingReadings.Match.NOT_WAITING, p.match("default", critical, 1_000, into));
        assertTrue(p.awaitReading("default", critical, 1_000, 1_000, letter("r-1's label")));
        LateLabel byTime = byTimestamp("press-01", 500);
        assertTrue(p.awaitReading("default", byTime, 1_001, 1_001, letter("t-500's label")));
        assertEquals(2, p.waitingLabels("default"));
        assertEquals(2, p.waitingLabels());
        assertEquals(0, p.waiting(), "labels are not waiting readings");

        assertFalse(p.labelReading("default", unlabeled("press-02", "r-1", 0), 1_100), "another sensor's r-1");
        assertFalse(p.labelReading("other", unlabeled("press-01", "r-1", 0), 1_100), "another model");
        assertFalse(p.labelReading("default", unlabeled("press-01", "r-1x", 500), 1_100),
                "a reading with an id is named by its id only");
        Reading r1 = unlabeled("press-01", "r-1", 0);
        assertTrue(p.labelReading("default", r1, 1_100));
        assertEquals(2, r1.label(), "the label, as if inline");
        assertFalse(p.labelReading("default", unlabeled("press-01", "r-1", 0), 1_100), "taken once");
        Reading t500 = unlabeled("press-01", null, 500);
        assertTrue(p.labelReading("default", t500, 1_100));
        assertEquals(1, t500.label());
        assertEquals(0, p.waitingLabels());
        assertEquals(List.of(), labelDrops);
    }

    @Test
    void aWaitingLabelIsUnmatchedWhenItsTimeIsUpOrItsReadingCameLabeledOrTheInputEnds() {
        PendingReadings p = pending(HOUR, 1_000);
        assertTrue(p.awaitReading("a", byId("s", "r-1"), 1_000, 1_000, letter("L1")));
        assertTrue(p.awaitReading("a", byId("s", "r-2"), 2_000, 2_000, letter("L2")));
        assertTrue(p.awaitReading("b", byId("s", "r-3"), 3_000, 3_000, letter("L3")));
        assertTrue(p.awaitReading("b", byId("s", "r-4"), Long.MIN_VALUE, 3_000, letter("L4")));
        assertTrue(p.awaitReading("b", byId("s", "r-5"), 3_000, 3_000, letter("L5")));
        // At the limit its reading still takes it; a millisecond later it is unmatched, found or swept.
        Reading r1 = unlabeled("s", "r-1", 0);
        assertTrue(p.labelReading("a", r1, 1_000 + HOUR));
        Reading r2 = unlabeled("s", "r-2", 0);
        assertFalse(p.labelReading("a", r2, 2_001 + HOUR));
        assertFalse(r2.isLabeled(), "a reading whose label expired is stepped unlabeled");
        assertEquals(1, labelDrops.size());
        assertTrue(labelDrops.get(0).startsWith("a:EXPIRED:L2:the label for reading 'r-2' of sensor 's' for model 'a' is "
                + "unmatched: its reading did not come within label.max.delay"), labelDrops.get(0));
        Reading labeled = new Reading(2).set("s", 0, new double[] {30, 2}, 0);
        labeled.setId("r-5");
        assertFalse(p.labelReading("b", labeled, 3_000));
        assertEquals(0, labeled.label(), "a reading labeled inline keeps its own label");
        assertTrue(labelDrops.get(1).startsWith("b:LABELED_INLINE:L5:"), labelDrops.get(1));
        p.expire(3_000 + HOUR);
        assertEquals(2, p.waitingLabels("b"), "not older than the limit yet");
        p.expire(3_001 + HOUR);
        assertEquals(1, p.waitingLabels("b"), "r-4's label came before any stream time: it never expires by time");
        assertTrue(labelDrops.get(2).startsWith("b:EXPIRED:L3:"), labelDrops.get(2));
        p.endOfInput();
        assertEquals(0, p.waitingLabels());
        assertTrue(labelDrops.get(3).startsWith("b:END_OF_INPUT:L4:"), labelDrops.get(3));
        assertEquals(4, labelDrops.size());
        assertEquals(List.of(), drops, "no reading was dropped");
    }

    @Test
    void aSecondLabelForAReadingWaitsOnlyWhenTheFirstHasExpired() {
        PendingReadings p = pending(HOUR, 1_000);
        assertTrue(p.awaitReading("a", byId("s", "r-1"), 1_000, 1_000, letter("first")));
        assertFalse(p.awaitReading("a", new LateLabel().set("s", "r-1", 2), 1_100, 1_100, letter("second")),
                "the first stays; the second is unmatched now");
        assertEquals(List.of(), labelDrops);
        // Expired but not swept yet: as if swept, the new label waits (the outcome must not depend on a sweep).
        assertTrue(p.awaitReading("a", new LateLabel().set("s", "r-1", 2), 1_001 + HOUR, 1_001 + HOUR, letter("third")));
        assertTrue(labelDrops.get(0).startsWith("a:EXPIRED:first:"), labelDrops.get(0));
        Reading r = unlabeled("s", "r-1", 0);
        assertTrue(p.labelReading("a", r, 1_002 + HOUR));
        assertEquals(2, r.label());
    }

    @Test
    void waitingLabelsAreBoundedApartFromWaitingReadingsAndTheOldestMakesRoom() {
        PendingReadings p = pending(HOUR, 2);
        remember(p, "a", "s", "r-1", 0, 1, 30);
        remember(p, "a", "s", "r-2", 0, 2, 30);
        assertTrue(p.awaitReading("a", byId("s", "x-1"), 20, 20, letter("X1")));
        assertTrue(p.awaitReading("b", byId("s", "x-2"), 10, 20, letter("X2"))); // older by its record timestamp
        assertEquals(List.of(), labelDrops);
        assertTrue(p.awaitReading("a", byId("s", "x-3"), 30, 30, letter("X3")));
        assertEquals(1, labelDrops.size());
        assertTrue(labelDrops.get(0).startsWith("b:EVICTED:X2:"), labelDrops.get(0));
        assertTrue(labelDrops.get(0).contains("label.max.pending"), labelDrops.get(0));
        assertEquals(2, p.waitingLabels());
        assertEquals(2, p.waiting(), "the readings keep their own room");
        assertEquals(List.of(), drops);
    }

    @Test
    void reopeningCountsTheWaitingLabelsAndAClassIsKeptByName() throws Exception {
        PendingReadings p = pending(HOUR, 1_000);
        remember(p, "a", "s", "r-1", 0, 1, 30);
        assertTrue(p.awaitReading("a", new LateLabel().set("s", "x-1", 2), 10, 10, letter("X1")));
        assertTrue(p.awaitReading("b", new LateLabel().set("s", "x-2", 0), 10, 10, letter("X2")));
        String json = new String(PendingReadingsTest.class.getResourceAsStream("/default-spec.json").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        ModelSpec reordered = SpecJson.parse(json.replaceFirst("\"normal\",\\s*\"warning\",\\s*\"critical\"",
                "\"critical\", \"warning\", \"normal\""));
        assertEquals(List.of("critical", "warning", "normal"), reordered.classes());
        PendingReadings reopened = pending(reordered, HOUR, 1_000);
        assertEquals(2, reopened.waitingLabels());
        assertEquals(1, reopened.waitingLabels("a"));
        assertEquals(1, reopened.waiting());
        Reading r = unlabeled("s", "x-1", 0);
        assertTrue(reopened.labelReading("a", r, 20));
        assertEquals(0, r.label(), "'critical', first in the reordered spec");
    }

    @Test
    void withNoDelayNoLabelWaits() {
        PendingReadings p = pending(0, 1_000);
        assertFalse(p.awaitReading("a", byId("s", "r-1"), 10, 10, letter("L")));
        assertEquals(0, p.waitingLabels());
        assertFalse(p.labelReading("a", unlabeled("s", "r-1", 0), 10));
    }
}
