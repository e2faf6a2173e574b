package streamlearn.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.LateLabel;
import streamlearn.model.ModelSpec;
import streamlearn.model.Reading;
import streamlearn.model.RejectReason;

/** ReadingParser on labels: the label JSON of docs/DESIGN.md, and bad labels with the readings' reasons. */
class ReadingParserLabelTest {
    private static LateLabel parse(ReadingParser parser, String json) throws InvalidReadingException {
        LateLabel label = new LateLabel();
        parser.parse(json.getBytes(StandardCharsets.UTF_8), label);
        return label;
    }

    @Test
    void aLabelNamesItsReadingByIdOrBySensorAndTimestamp() throws Exception {
        ReadingParser parser = new ReadingParser(ReadingParserTest.SPEC);
        LateLabel byId = parse(parser, "{\"sensorId\":\"press-04\",\"id\":\"r-000182\",\"label\":\"warning\"}");
        assertEquals("press-04", byId.sensorId());
        assertEquals("r-000182", byId.readingId());
        assertFalse(byId.hasTimestamp());
        assertEquals(1, byId.label());
        LateLabel byTime = parse(parser, "{\"label\":\"critical\",\"timestamp\":1795334400000,\"sensorId\":\"press-04\","
                + "\"note\":\"confirmed by J.\",\"id\":null}");
        assertNull(byTime.readingId());
        assertEquals(1_795_334_400_000L, byTime.timestamp());
        assertEquals(2, byTime.label());
        LateLabel both = parse(parser, "{\"sensorId\":\"s\",\"id\":\"r-1\",\"timestamp\":5,\"label\":\"normal\"}");
        assertEquals("r-1", both.readingId(), "with both, the id names the reading");
    }

    @Test
    void aRegressionLabelCarriesItsTargetAndTheModelKeyFieldIsCaptured() throws Exception {
        LateLabel t = parse(new ReadingParser(ReadingParserTest.REGRESSION), "{\"sensorId\":\"s\",\"id\":\"r-1\",\"target\":41.7}");
        assertTrue(t.hasTarget());
        assertEquals(41.7, t.target());
        assertEquals(Reading.UNLABELED, t.label());
        ReadingParser keyed = new ReadingParser(ReadingParserTest.SPEC, "site", ReadingParser.DEFAULT_MAX_BYTES);
        assertEquals("north", parse(keyed, "{\"sensorId\":\"s\",\"site\":\"north\",\"id\":\"r-1\",\"label\":\"normal\"}")
                .keyFieldValue());
        assertNull(parse(keyed, "{\"sensorId\":\"s\",\"id\":\"r-1\",\"label\":\"normal\"}").keyFieldValue());
    }

    static Stream<Arguments> badLabels() {
        return Stream.of(
                Arguments.of("empty", "", RejectReason.EMPTY),
                Arguments.of("not JSON", "{label", RejectReason.MALFORMED_JSON),
                Arguments.of("an array", "[1]", RejectReason.WRONG_TYPE),
                Arguments.of("no sensorId", "{\"id\":\"r-1\",\"label\":\"normal\"}", RejectReason.MISSING_FIELD),
                Arguments.of("neither id nor timestamp", "{\"sensorId\":\"s\",\"label\":\"normal\"}", RejectReason.MISSING_FIELD),
                Arguments.of("no label", "{\"sensorId\":\"s\",\"id\":\"r-1\"}", RejectReason.MISSING_FIELD),
                Arguments.of("null label", "{\"sensorId\":\"s\",\"id\":\"r-1\",\"label\":null}", RejectReason.MISSING_FIELD),
                Arguments.of("unknown label", "{\"sensorId\":\"s\",\"id\":\"r-1\",\"label\":\"broken\"}", RejectReason.UNKNOWN_LABEL),
                Arguments.of("target on a classifier", "{\"sensorId\":\"s\",\"id\":\"r-1\",\"target\":1}", RejectReason.WRONG_TYPE),
                Arguments.of("id a number", "{\"sensorId\":\"s\",\"id\":182,\"label\":\"normal\"}", RejectReason.WRONG_TYPE),
                Arguments.of("negative timestamp", "{\"sensorId\":\"s\",\"timestamp\":-1,\"label\":\"normal\"}", RejectReason.WRONG_TYPE),
                Arguments.of("duplicated label", "{\"sensorId\":\"s\",\"id\":\"r\",\"label\":\"normal\",\"label\":\"warning\"}",
                        RejectReason.DUPLICATE_FIELD),
                Arguments.of("with features", "{\"sensorId\":\"s\",\"id\":\"r\",\"label\":\"normal\",\"features\":{\"temperature\":1}}",
                        RejectReason.WRONG_TYPE),
                Arguments.of("trailing garbage", "{\"sensorId\":\"s\",\"id\":\"r\",\"label\":\"normal\"} x", RejectReason.MALFORMED_JSON));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("badLabels")
    void aBadLabelIsRejectedWithItsReason(String kind, String json, RejectReason reason) {
        ReadingParser parser = new ReadingParser(ReadingParserTest.SPEC);
        InvalidReadingException e = assertThrows(InvalidReadingException.class, () -> parse(parser, json), kind);
        assertEquals(reason, e.reason(), kind + ": " + e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void aRegressionLabelWithoutAFiniteTargetIsRejected() {
        ReadingParser parser = new ReadingParser(ReadingParserTest.REGRESSION);
        assertEquals(RejectReason.NON_FINITE_TARGET, assertThrows(InvalidReadingException.class,
                () -> parse(parser, "{\"sensorId\":\"s\",\"id\":\"r\",\"target\":1e400}")).reason());
        assertEquals(RejectReason.MISSING_FIELD, assertThrows(InvalidReadingException.class,
                () -> parse(parser, "{\"sensorId\":\"s\",\"id\":\"r\"}")).reason());
        assertEquals(RejectReason.WRONG_TYPE, assertThrows(InvalidReadingException.class,
                () -> parse(parser, "{\"sensorId\":\"s\",\"id\":\"r\",\"label\":\"a\"}")).reason());
    }

    @Test
    void anOversizedLabelIsRejected() {
        ReadingParser parser = new ReadingParser(ReadingParserTest.SPEC, null, 64);
        assertEquals(RejectReason.OVERSIZED, assertThrows(InvalidReadingException.class,
                () -> parse(parser, "{\"sensorId\":\"s\",\"id\":\"" + "r".repeat(60) + "\",\"label\":\"normal\"}")).reason());
    }

    /**
     * Readings and labels share one duplicate-field table: each field it names is refused twice in
     * a label as in a reading (null or not), a field it does not name may repeat, and to a label
     * {@code features} is such a field.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\"sensorId\":\"t\"", "\"id\":\"q\"", "\"timestamp\":7", "\"label\":\"warning\"",
            "\"label\":null", "\"site\":\"south\"", "\"target\":2"})
    void aRepeatedFieldOfTheTableIsRefusedInALabelAsInAReading(String again) {
        boolean target = again.startsWith("\"target\"");
        ModelSpec spec = target ? ReadingParserTest.REGRESSION : ReadingParserTest.SPEC;
        String fields = "\"sensorId\":\"s\",\"id\":\"r\",\"timestamp\":5,\"site\":\"north\","
                + (target ? "\"target\":1" : "\"label\":\"normal\"");
        String features = target ? "\"features\":{\"x1\":1,\"x2\":2}" : "\"features\":{\"temperature\":1,\"vibration\":2}";
        ReadingParser parser = new ReadingParser(spec, "site", ReadingParser.DEFAULT_MAX_BYTES);
        InvalidReadingException inLabel = assertThrows(InvalidReadingException.class,
                () -> parse(parser, "{" + fields + "," + again + "}"));
        assertEquals(RejectReason.DUPLICATE_FIELD, inLabel.reason(), inLabel.getMessage());
        InvalidReadingException inReading = assertThrows(InvalidReadingException.class,
                () -> parser.parse(("{" + fields + "," + features + "," + again + "}").getBytes(StandardCharsets.UTF_8),
                        new Reading(spec.features().size())));
        assertEquals(RejectReason.DUPLICATE_FIELD, inReading.reason(), inReading.getMessage());
        assertEquals(inLabel.getMessage(), inReading.getMessage());
    }

    @Test
    void aFieldOutsideTheTableMayRepeatAndToALabelFeaturesIsSuch() throws Exception {
        ReadingParser parser = new ReadingParser(ReadingParserTest.SPEC, "site", ReadingParser.DEFAULT_MAX_BYTES);
        LateLabel label = parse(parser, "{\"sensorId\":\"s\",\"id\":\"r\",\"label\":\"normal\",\"note\":1,\"note\":2,"
                + "\"features\":1,\"features\":null,\"site\":\"north\"}");
        assertEquals("r", label.readingId());
        assertEquals("north", label.keyFieldValue());
        Reading reading = new Reading(2);
        parser.parse("{\"sensorId\":\"s\",\"note\":1,\"note\":2,\"features\":{\"temperature\":1,\"vibration\":2}}"
                .getBytes(StandardCharsets.UTF_8), reading);
        assertEquals("s", reading.sensorId());
        assertEquals(RejectReason.DUPLICATE_FIELD, assertThrows(InvalidReadingException.class, () -> parser.parse(
                "{\"sensorId\":\"s\",\"features\":{\"temperature\":1,\"vibration\":2},\"features\":{}}"
                        .getBytes(StandardCharsets.UTF_8), reading)).reason(), "to a reading, features is in the table");
    }

    @Test
    void oneParserReadsReadingsAndLabelsInTurnWithoutOneLeakingIntoTheOther() throws Exception {
        ReadingParser parser = new ReadingParser(ReadingParserTest.SPEC, "site", ReadingParser.DEFAULT_MAX_BYTES);
        Reading reading = new Reading(2);
        parser.parse(("{\"sensorId\":\"a\",\"id\":\"r-1\",\"timestamp\":9,\"site\":\"north\",\"label\":\"critical\","
                + "\"features\":{\"temperature\":1,\"vibration\":2}}").getBytes(StandardCharsets.UTF_8), reading);
        LateLabel label = parse(parser, "{\"sensorId\":\"b\",\"id\":\"r-2\",\"label\":\"normal\"}");
        assertEquals("b", label.sensorId());
        assertFalse(label.hasTimestamp(), "the reading's timestamp stays the reading's");
        assertNull(label.keyFieldValue());
        assertEquals(0, label.label());
        assertEquals("a", reading.sensorId(), "a label leaves the last reading as it was");
        assertEquals(9, reading.timestamp());
        assertEquals(2, reading.label());
        assertEquals(RejectReason.MISSING_FIELD, assertThrows(InvalidReadingException.class,
                () -> parser.parse("{\"sensorId\":\"b\",\"id\":\"r-2\",\"label\":\"normal\"}".getBytes(StandardCharsets.UTF_8),
                        reading)).reason());
        assertTrue(parser.lackedFeatures(), "a label read as a reading lacks only its features");
        parse(parser, "{\"sensorId\":\"b\",\"id\":\"r-2\",\"label\":\"normal\"}");
        assertTrue(parser.lackedFeatures(), "reading a label leaves the reading's verdict alone");
    }
}
