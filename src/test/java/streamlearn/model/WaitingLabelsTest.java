package streamlearn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static streamlearn.model.PendingReadingsTest.byId;
import static streamlearn.model.PendingReadingsTest.byTimestamp;
import static streamlearn.model.PendingReadingsTest.letter;
import static streamlearn.model.PendingReadingsTest.unlabeled;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import streamlearn.format.SpecJson;

/**
 * Labels that come before their reading: what a reading takes, what expires and when, what is
 * unmatched and why, the count limit apart from the waiting readings', and the counts and the
 * classes after a reopen.
 */
class WaitingLabelsTest {
    private static final ModelSpec SPEC = SpecJson.defaultSpec();
    private static final long HOUR = 3_600_000;

    private final PendingReadings.Storage storage = PendingReadings.inMemory();
    private final List<String> drops = new ArrayList<>();
    private final List<String> labelDrops = new ArrayList<>();
    private final OnlineModel model = OnlineModel.create(SPEC);
    private final PendingReading into = new PendingReading(SPEC);
    /** The waiting readings over the same store as the labels {@link #open} returns. */
    private PendingReadings readings;

    private WaitingLabels open(long maxDelay, long maxWaiting) {
        return open(SPEC, maxDelay, maxWaiting);
    }

    private WaitingLabels open(ModelSpec spec, long maxDelay, long maxWaiting) {
        readings = new PendingReadings(spec, storage, maxDelay, maxWaiting, (m, reason) -> drops.add(m + ":" + reason.id()));
        readings.open();
        WaitingLabels labels = new WaitingLabels(spec, storage, maxDelay, maxWaiting,
                (m, reason, message, deadLetter) -> labelDrops.add(m + ":" + reason + ":"
                        + new String(deadLetter, StandardCharsets.UTF_8) + ":" + message));
        labels.open();
        return labels;
    }

    private void remember(PendingReadings p, String model, String sensor, String id, long timestamp, long arrival,
                          double temperature) {
        Reading r = new Reading(2).set(sensor, timestamp, new double[] {temperature, 2.0}, Reading.UNLABELED);
        r.setId(id);
        p.remember(model, r, this.model.step(r), arrival);
    }

    @Test
    void aLabelBeforeItsReadingWaitsForItAndTheReadingTakesItAsAnInlineLabel() {
        WaitingLabels p = open(HOUR, 1_000);
        LateLabel critical = new LateLabel().set("press-01", "r-1", 2);
        assertEquals(PendingReadings.Match.NOT_WAITING, readings.match("default", critical, 1_000, into));
        assertTrue(p.awaitReading("default", critical, 1_000, 1_000, letter("r-1's label")));
        LateLabel byTime = byTimestamp("press-01", 500);
        assertTrue(p.awaitReading("default", byTime, 1_001, 1_001, letter("t-500's label")));
        assertEquals(2, p.waiting("default"));
        assertEquals(2, p.waiting());
        assertEquals(0, readings.waiting(), "labels are not waiting readings");

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
        assertEquals(0, p.waiting());
        assertEquals(List.of(), labelDrops);
    }

    @Test
    void aWaitingLabelIsUnmatchedWhenItsTimeIsUpOrItsReadingCameLabeledOrTheInputEnds() {
        WaitingLabels p = open(HOUR, 1_000);
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
        assertEquals(2, p.waiting("b"), "not older than the limit yet");
        p.expire(3_001 + HOUR);
        assertEquals(1, p.waiting("b"), "r-4's label came before any stream time: it never expires by time");
        assertTrue(labelDrops.get(2).startsWith("b:EXPIRED:L3:"), labelDrops.get(2));
        p.endOfInput();
        assertEquals(0, p.waiting());
        assertTrue(labelDrops.get(3).startsWith("b:END_OF_INPUT:L4:"), labelDrops.get(3));
        assertEquals(4, labelDrops.size());
        assertEquals(List.of(), drops, "no reading was dropped");
    }

    @Test
    void aSecondLabelForAReadingWaitsOnlyWhenTheFirstHasExpired() {
        WaitingLabels p = open(HOUR, 1_000);
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
        WaitingLabels p = open(HOUR, 2);
        remember(readings, "a", "s", "r-1", 0, 1, 30);
        remember(readings, "a", "s", "r-2", 0, 2, 30);
        assertTrue(p.awaitReading("a", byId("s", "x-1"), 20, 20, letter("X1")));
        assertTrue(p.awaitReading("b", byId("s", "x-2"), 10, 20, letter("X2"))); // older by its record timestamp
        assertEquals(List.of(), labelDrops);
        assertTrue(p.awaitReading("a", byId("s", "x-3"), 30, 30, letter("X3")));
        assertEquals(1, labelDrops.size());
        assertTrue(labelDrops.get(0).startsWith("b:EVICTED:X2:"), labelDrops.get(0));
        assertTrue(labelDrops.get(0).contains("label.max.pending"), labelDrops.get(0));
        assertEquals(2, p.waiting());
        assertEquals(2, readings.waiting(), "the readings keep their own room");
        assertEquals(List.of(), drops);
    }

    @Test
    void reopeningCountsTheWaitingLabelsAndAClassIsKeptByName() throws Exception {
        WaitingLabels p = open(HOUR, 1_000);
        remember(readings, "a", "s", "r-1", 0, 1, 30);
        assertTrue(p.awaitReading("a", new LateLabel().set("s", "x-1", 2), 10, 10, letter("X1")));
        assertTrue(p.awaitReading("b", new LateLabel().set("s", "x-2", 0), 10, 10, letter("X2")));
        String json = new String(WaitingLabelsTest.class.getResourceAsStream("/default-spec.json").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        ModelSpec reordered = SpecJson.parse(json.replaceFirst("\"normal\",\\s*\"warning\",\\s*\"critical\"",
                "\"critical\", \"warning\", \"normal\""));
        assertEquals(List.of("critical", "warning", "normal"), reordered.classes());
        WaitingLabels reopened = open(reordered, HOUR, 1_000);
        assertEquals(2, reopened.waiting());
        assertEquals(1, reopened.waiting("a"));
        assertEquals(1, readings.waiting());
        Reading r = unlabeled("s", "x-1", 0);
        assertTrue(reopened.labelReading("a", r, 20));
        assertEquals(0, r.label(), "'critical', first in the reordered spec");
    }

    @Test
    void withNoDelayNoLabelWaits() {
        WaitingLabels p = open(0, 1_000);
        assertFalse(p.awaitReading("a", byId("s", "r-1"), 10, 10, letter("L")));
        assertEquals(0, p.waiting());
        assertFalse(p.labelReading("a", unlabeled("s", "r-1", 0), 10));
    }
}
