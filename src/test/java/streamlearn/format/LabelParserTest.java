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
import streamlearn.model.InvalidReadingException;
import streamlearn.model.LateLabel;
import streamlearn.model.Reading;
import streamlearn.model.RejectReason;

/** LabelParser: the label JSON of docs/DESIGN.md, and bad labels with the readings' reasons. */
class LabelParserTest {
    private static LateLabel parse(LabelParser parser, String json) throws InvalidReadingException {
        LateLabel label = new LateLabel();
        parser.parse(json.getBytes(StandardCharsets.UTF_8), label);
        return label;
    }

    @Test
    void aLabelNamesItsReadingByIdOrBySensorAndTimestamp() throws Exception {
        LabelParser parser = new LabelParser(ReadingParserTest.SPEC);
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
        LateLabel t = parse(new LabelParser(ReadingParserTest.REGRESSION), "{\"sensorId\":\"s\",\"id\":\"r-1\",\"target\":41.7}");
        assertTrue(t.hasTarget());
        assertEquals(41.7, t.target());
        assertEquals(Reading.UNLABELED, t.label());
        LabelParser keyed = new LabelParser(ReadingParserTest.SPEC, "site", ReadingParser.DEFAULT_MAX_BYTES);
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
        LabelParser parser = new LabelParser(ReadingParserTest.SPEC);
        InvalidReadingException e = assertThrows(InvalidReadingException.class, () -> parse(parser, json), kind);
        assertEquals(reason, e.reason(), kind + ": " + e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void aRegressionLabelWithoutAFiniteTargetIsRejected() {
        LabelParser parser = new LabelParser(ReadingParserTest.REGRESSION);
        assertEquals(RejectReason.NON_FINITE_TARGET, assertThrows(InvalidReadingException.class,
                () -> parse(parser, "{\"sensorId\":\"s\",\"id\":\"r\",\"target\":1e400}")).reason());
        assertEquals(RejectReason.MISSING_FIELD, assertThrows(InvalidReadingException.class,
                () -> parse(parser, "{\"sensorId\":\"s\",\"id\":\"r\"}")).reason());
        assertEquals(RejectReason.WRONG_TYPE, assertThrows(InvalidReadingException.class,
                () -> parse(parser, "{\"sensorId\":\"s\",\"id\":\"r\",\"label\":\"a\"}")).reason());
    }

    @Test
    void anOversizedLabelIsRejected() {
        LabelParser parser = new LabelParser(ReadingParserTest.SPEC, null, 64);
        assertEquals(RejectReason.OVERSIZED, assertThrows(InvalidReadingException.class,
                () -> parse(parser, "{\"sensorId\":\"s\",\"id\":\"" + "r".repeat(60) + "\",\"label\":\"normal\"}")).reason());
    }
}
