package streamlearn.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.ModelSpec;
import streamlearn.model.Reading;
import streamlearn.model.RejectReason;

/** ReadingParser: good readings, and a corpus of bad ones, each with its RejectReason. */
class ReadingParserTest {
    static final ModelSpec SPEC = SpecJson.parse("""
            {"features":["temperature","vibration"],"classes":["normal","warning","critical"],
             "layers":[{"units":4,"activation":"relu"},{"units":3,"activation":"softmax"}],
             "loss":"cross_entropy","optimizer":{"type":"sgd","learningRate":0.05}}""");
    static final ModelSpec REGRESSION = SpecJson.parse("""
            {"task":"regression","features":["x1","x2"],
             "layers":[{"units":3,"activation":"relu"},{"units":1,"activation":"identity"}],
             "loss":"mse","optimizer":{"type":"sgd","learningRate":0.01},"standardize":false}""");

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Reading parse(ReadingParser parser, byte[] bytes) throws InvalidReadingException {
        Reading reading = new Reading(parser.featureCount());
        parser.parse(bytes, reading);
        return reading;
    }

    private static Reading parse(String json) throws InvalidReadingException {
        return parse(new ReadingParser(SPEC), utf8(json));
    }

    /**
     * Features are parsed by Jackson's fast double parser, which must give exactly the double
     * that Double.parseDouble gives: every finite feature the simulator writes (shortest and
     * 17-digit forms), random bit patterns across every exponent, random decimal strings of 1 to
     * 30 digits, integers beyond 2^53, and the classic hard cases.
     */
    @Test
    void featuresParseToTheSameBitsAsDoubleParseDouble() throws Exception {
        ReadingParser parser = new ReadingParser(SPEC);
        java.util.Random random = new java.util.Random(11);
        List<String> numbers = new java.util.ArrayList<>(List.of(
                "0.1", "-0.0", "0", "4.9e-324", "2.4703282292062327e-324", "2.2250738585072011e-308",
                "2.2250738585072012e-308", "2.225073858507201136057409796709131975934819546351645648e-308",
                "1.7976931348623157e308", "1.7976931348623158e308", "9007199254740993", "-9007199254740993",
                "123456789012345678901234567890", "1e-400", "0.30000000000000004", "1E5", "1.5e+10",
                "0." + "0".repeat(330) + "1", "1" + "0".repeat(300)));
        for (int i = 0; i < 20_000; i++) {
            double v = Double.longBitsToDouble(random.nextLong());
            if (Double.isFinite(v)) {
                numbers.add(Double.toString(v));
                numbers.add(String.format("%.17g", v));
            }
            double reading = 20 + 60 * random.nextDouble();
            numbers.add(Double.toString(reading));
            numbers.add(String.format("%.20f", reading));
            StringBuilder digits = new StringBuilder(random.nextBoolean() ? "-" : "");
            int n = 1 + random.nextInt(30);
            for (int d = 0; d < n; d++) {
                digits.append((char) ('0' + random.nextInt(10)));
                if (d == 0 && n > 1) {
                    digits.append('.');
                }
            }
            numbers.add(digits.append('e').append(random.nextInt(620) - 310).toString());
        }
        Reading reading = new Reading(parser.featureCount());
        for (String number : numbers) {
            double expected = Double.parseDouble(number);
            if (!Double.isFinite(expected)) {
                continue;
            }
            parser.parse(utf8("{\"sensorId\":\"s\",\"features\":{\"temperature\":" + number + ",\"vibration\":1}}"),
                    reading);
            assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(reading.features()[0]), number);
        }
    }

    @Test
    void goodReadingParsesWithFeaturesInSpecOrder() throws Exception {
        Reading r = parse("""
                {"sensorId":"press-04","timestamp":1795334400000,
                 "features":{"vibration":2.31,"temperature":41.2},"label":"warning"}""");
        assertEquals("press-04", r.sensorId());
        assertTrue(r.hasTimestamp());
        assertEquals(1795334400000L, r.timestamp());
        // JSON order was vibration, temperature; the spec's order is temperature, vibration.
        assertArrayEquals(new double[] {41.2, 2.31}, r.features());
        assertEquals(1, r.label());
        assertTrue(r.isLabeled());
        assertFalse(r.hasTarget());
        assertNull(r.keyFieldValue());
    }

    @Test
    void fieldOrderDoesNotMatterAndEveryClassIsFound() throws Exception {
        String[] classes = {"normal", "warning", "critical"};
        for (int c = 0; c < classes.length; c++) {
            Reading r = parse("{\"label\":\"" + classes[c] + "\",\"features\":{\"temperature\":20,\"vibration\":-1.5e-3},"
                    + "\"sensorId\":\"s\"}");
            assertEquals(c, r.label());
            assertArrayEquals(new double[] {20.0, -1.5e-3}, r.features());
            assertFalse(r.hasTimestamp());
        }
    }

    /** A value outside the spec's range for its feature is not a measurement: rejected, naming it. */
    @Test
    void readingsOutsideTheSpecsRangesAreRejected() throws Exception {
        ModelSpec ranged = SpecJson.parse("""
                {"features":["temperature","vibration"],"classes":["normal","warning","critical"],
                 "layers":[{"units":4,"activation":"relu"},{"units":3,"activation":"softmax"}],
                 "loss":"cross_entropy","optimizer":{"type":"sgd","learningRate":0.05},
                 "ranges":{"temperature":[-60,400]}}""");
        ReadingParser parser = new ReadingParser(ranged);
        for (double ok : new double[] {-60, 25.5, 400}) {
            Reading r = parse(parser, utf8("{\"sensorId\":\"s\",\"features\":{\"temperature\":" + ok
                    + ",\"vibration\":1e9}}"));
            assertEquals(ok, r.features()[0], "the bounds are inside; vibration has no range");
        }
        for (String bad : new String[] {"65535", "-999", "400.0001", "-273.15"}) {
            InvalidReadingException e = assertThrows(InvalidReadingException.class, () -> parse(parser,
                    utf8("{\"sensorId\":\"s\",\"features\":{\"temperature\":" + bad + ",\"vibration\":1}}")));
            assertEquals(RejectReason.OUT_OF_RANGE, e.reason(), bad);
            assertTrue(e.getMessage().contains("'temperature'") && e.getMessage().contains("[-60.0, 400.0]"), e.getMessage());
        }
    }

    @Test
    void unlabeledReading() throws Exception {
        Reading r = parse("{\"sensorId\":\"s\",\"features\":{\"temperature\":30,\"vibration\":1}}");
        assertEquals(Reading.UNLABELED, r.label());
        assertFalse(r.isLabeled());
        assertFalse(r.hasTimestamp());
        r.defaultTimestamp(1234L);
        assertEquals(1234L, r.timestamp());
        Reading nullLabel = parse("{\"sensorId\":\"s\",\"features\":{\"temperature\":30,\"vibration\":1},"
                + "\"label\":null,\"timestamp\":null}");
        assertFalse(nullLabel.isLabeled());
        assertFalse(nullLabel.hasTimestamp());
    }

    @Test
    void timestampOfTheReadingWinsOverTheRecordTimestamp() throws Exception {
        Reading r = parse("{\"sensorId\":\"s\",\"timestamp\":0,\"features\":{\"temperature\":30,\"vibration\":1}}");
        assertTrue(r.hasTimestamp());
        r.defaultTimestamp(99L);
        assertEquals(0L, r.timestamp());
    }

    @Test
    void regressionTarget() throws Exception {
        ReadingParser parser = new ReadingParser(REGRESSION);
        Reading r = parse(parser, utf8("{\"sensorId\":\"s\",\"features\":{\"x2\":2,\"x1\":1},\"target\":3}"));
        assertArrayEquals(new double[] {1.0, 2.0}, r.features());
        assertTrue(r.hasTarget());
        assertEquals(3.0, r.target());
        assertTrue(r.isLabeled());
        Reading unlabeled = parse(parser, utf8("{\"sensorId\":\"s\",\"features\":{\"x2\":2,\"x1\":1}}"));
        assertFalse(unlabeled.isLabeled());
    }

    @Test
    void modelKeyFieldIsCaptured() throws Exception {
        ReadingParser parser = new ReadingParser(SPEC, "site", ReadingParser.DEFAULT_MAX_BYTES);
        Reading r = parse(parser, utf8("{\"site\":\"plant-7\",\"sensorId\":\"s\","
                + "\"features\":{\"temperature\":30,\"vibration\":1},\"label\":\"normal\"}"));
        assertEquals("plant-7", r.keyFieldValue());
        assertEquals("s", r.sensorId());
        // Other unknown scalar fields are ignored, and the key field is absent when absent.
        Reading other = parse(parser, utf8("{\"sensorId\":\"s\",\"line\":3,\"ok\":true,\"note\":null,"
                + "\"features\":{\"temperature\":30,\"vibration\":1}}"));
        assertNull(other.keyFieldValue());
        assertEquals(Reading.UNLABELED, other.label());
    }

    @Test
    void theReadingsIdIsCapturedForItsLateLabel() throws Exception {
        Reading r = parse("{\"sensorId\":\"s\",\"id\":\"r-000182\",\"features\":{\"temperature\":30,\"vibration\":1}}");
        assertEquals("r-000182", r.id());
        assertNull(parse("{\"sensorId\":\"s\",\"id\":null,\"features\":{\"temperature\":30,\"vibration\":1}}").id());
        assertNull(parse("{\"sensorId\":\"s\",\"features\":{\"temperature\":30,\"vibration\":1}}").id());
        // model.key=field:id: the id is the model key too.
        Reading keyed = parse(new ReadingParser(SPEC, "id", ReadingParser.DEFAULT_MAX_BYTES),
                utf8("{\"sensorId\":\"s\",\"id\":\"r-1\",\"features\":{\"temperature\":30,\"vibration\":1}}"));
        assertEquals("r-1", keyed.id());
        assertEquals("r-1", keyed.keyFieldValue());
    }

    @Test
    void aLineWithoutFeaturesIsToldApartForReplay() throws Exception {
        ReadingParser parser = new ReadingParser(SPEC);
        Reading r = new Reading(2);
        assertThrows(InvalidReadingException.class, () -> parser.parse(utf8("{\"sensorId\":\"s\",\"id\":\"r-1\",\"label\":\"normal\"}"), r));
        assertTrue(parser.lackedFeatures());
        assertThrows(InvalidReadingException.class, () -> parser.parse(utf8("{\"sensorId\":\"s\",\"features\":{}}"), r));
        assertFalse(parser.lackedFeatures(), "lacking a feature is not lacking the features");
        assertThrows(InvalidReadingException.class, () -> parser.parse(utf8("{\"id\":\"r-1\",\"label\":\"normal\"}"), r));
        assertFalse(parser.lackedFeatures(), "no sensorId either: a bad line, whatever it meant to be");
    }

    @Test
    void readingIsResetBetweenParses() throws Exception {
        ReadingParser parser = new ReadingParser(SPEC, "site", ReadingParser.DEFAULT_MAX_BYTES);
        Reading r = new Reading(2);
        parser.parse(utf8("{\"site\":\"a\",\"sensorId\":\"s1\",\"id\":\"r-1\",\"timestamp\":5,"
                + "\"features\":{\"temperature\":30,\"vibration\":1},\"label\":\"critical\"}"), r);
        assertEquals(2, r.label());
        // A rejected reading in between must not leave state behind (e.g. features seen).
        assertThrows(InvalidReadingException.class,
                () -> parser.parse(utf8("{\"sensorId\":\"s\",\"features\":{\"temperature\":30}}"), r));
        InvalidReadingException e = assertThrows(InvalidReadingException.class,
                () -> parser.parse(utf8("{\"sensorId\":\"s\",\"features\":{\"vibration\":2}}"), r));
        assertEquals(RejectReason.MISSING_FEATURE, e.reason());
        parser.parse(utf8("{\"sensorId\":\"s2\",\"features\":{\"temperature\":31,\"vibration\":2}}"), r);
        assertEquals("s2", r.sensorId());
        assertEquals(Reading.UNLABELED, r.label());
        assertFalse(r.hasTimestamp());
        assertNull(r.keyFieldValue());
        assertNull(r.id());
        assertArrayEquals(new double[] {31.0, 2.0}, r.features());
    }

    @Test
    void maxBytesIsInclusive() throws Exception {
        byte[] good = utf8("{\"sensorId\":\"s\",\"features\":{\"temperature\":30,\"vibration\":1}}");
        ReadingParser exact = new ReadingParser(SPEC, null, good.length);
        assertEquals("s", parse(exact, good).sensorId());
        ReadingParser smaller = new ReadingParser(SPEC, null, good.length - 1);
        InvalidReadingException e = assertThrows(InvalidReadingException.class, () -> parse(smaller, good));
        assertEquals(RejectReason.OVERSIZED, e.reason());
    }

    private static final String OK_FEATURES = "\"features\":{\"temperature\":41.2,\"vibration\":2.31}";

    private static byte[] withBytes(String before, byte[] middle, String after) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(utf8(before));
        out.writeBytes(middle);
        out.writeBytes(utf8(after));
        return out.toByteArray();
    }

    static Stream<Arguments> badReadings() {
        String deep = "[".repeat(2000) + "]".repeat(2000);
        String deepObject = "{\"a\":".repeat(50) + "1" + "}".repeat(50);
        String oversized = "{\"sensorId\":\"s\",\"pad\":\"" + "x".repeat(ReadingParser.DEFAULT_MAX_BYTES) + "\"," + OK_FEATURES + "}";
        byte[] badUtf8 = {(byte) 0xC3, 0x28};
        return Stream.of(
                bad("empty bytes", new byte[0], RejectReason.EMPTY),
                bad("null bytes", null, RejectReason.EMPTY),
                bad("oversized", utf8(oversized), RejectReason.OVERSIZED),
                bad("non-UTF-8 in sensorId", withBytes("{\"sensorId\":\"a", badUtf8, "b\"," + OK_FEATURES + "}"),
                        RejectReason.INVALID_ENCODING),
                bad("non-UTF-8 in an ignored field", withBytes("{\"sensorId\":\"s\",\"note\":\"a", badUtf8, "b\","
                        + OK_FEATURES + "}"), RejectReason.INVALID_ENCODING),
                bad("non-UTF-8 in the label", withBytes("{\"sensorId\":\"s\"," + OK_FEATURES + ",\"label\":\"warn",
                        badUtf8, "\"}"), RejectReason.INVALID_ENCODING),
                bad("lone 0xFF byte in a string", withBytes("{\"sensorId\":\"", new byte[] {(byte) 0xFF}, "\","
                        + OK_FEATURES + "}"), RejectReason.INVALID_ENCODING),
                bad("malformed JSON", "{\"sensorId\":\"s\" " + OK_FEATURES + "}", RejectReason.MALFORMED_JSON),
                bad("truncated JSON", "{\"sensorId\":\"s\",\"features\":{\"temperature\":41.2", RejectReason.MALFORMED_JSON),
                bad("truncated after the object opens", "{", RejectReason.MALFORMED_JSON),
                bad("single-quoted", "{'sensorId':'s'," + OK_FEATURES + "}", RejectReason.MALFORMED_JSON),
                bad("trailing comma", "{\"sensorId\":\"s\"," + OK_FEATURES + ",}", RejectReason.MALFORMED_JSON),
                bad("array", "[1,2]", RejectReason.WRONG_TYPE),
                bad("number", "42", RejectReason.WRONG_TYPE),
                bad("string", "\"reading\"", RejectReason.WRONG_TYPE),
                bad("null", "null", RejectReason.WRONG_TYPE),
                bad("missing sensorId", "{" + OK_FEATURES + ",\"label\":\"normal\"}", RejectReason.MISSING_FIELD),
                bad("sensorId a number", "{\"sensorId\":4," + OK_FEATURES + "}", RejectReason.WRONG_TYPE),
                bad("sensorId null", "{\"sensorId\":null," + OK_FEATURES + "}", RejectReason.WRONG_TYPE),
                bad("missing features", "{\"sensorId\":\"s\",\"label\":\"normal\"}", RejectReason.MISSING_FIELD),
                bad("features an array", "{\"sensorId\":\"s\",\"features\":[41.2,2.31]}", RejectReason.WRONG_TYPE),
                bad("features a number", "{\"sensorId\":\"s\",\"features\":41.2}", RejectReason.WRONG_TYPE),
                bad("missing feature", "{\"sensorId\":\"s\",\"features\":{\"temperature\":41.2}}", RejectReason.MISSING_FEATURE),
                bad("empty features", "{\"sensorId\":\"s\",\"features\":{}}", RejectReason.MISSING_FEATURE),
                bad("unknown extra feature", "{\"sensorId\":\"s\",\"features\":{\"temperature\":41.2,\"vibration\":2.31,"
                        + "\"humidity\":0.4}}", RejectReason.UNKNOWN_FEATURE),
                bad("feature name differs in case", "{\"sensorId\":\"s\",\"features\":{\"Temperature\":41.2,"
                        + "\"vibration\":2.31}}", RejectReason.UNKNOWN_FEATURE),
                bad("feature as string \"41.2\"", "{\"sensorId\":\"s\",\"features\":{\"temperature\":\"41.2\","
                        + "\"vibration\":2.31}}", RejectReason.NON_NUMERIC_FEATURE),
                bad("feature as string \"NaN\"", "{\"sensorId\":\"s\",\"features\":{\"temperature\":\"NaN\","
                        + "\"vibration\":2.31}}", RejectReason.NON_NUMERIC_FEATURE),
                bad("bare NaN token", "{\"sensorId\":\"s\",\"features\":{\"temperature\":NaN,\"vibration\":2.31}}",
                        RejectReason.MALFORMED_JSON),
                bad("bare Infinity token", "{\"sensorId\":\"s\",\"features\":{\"temperature\":-Infinity,"
                        + "\"vibration\":2.31}}", RejectReason.MALFORMED_JSON),
                bad("1e400 (overflows to infinity)", "{\"sensorId\":\"s\",\"features\":{\"temperature\":1e400,"
                        + "\"vibration\":2.31}}", RejectReason.NON_FINITE_FEATURE),
                bad("-1e400", "{\"sensorId\":\"s\",\"features\":{\"temperature\":41.2,\"vibration\":-1e400}}",
                        RejectReason.NON_FINITE_FEATURE),
                bad("350-digit integer (overflows to infinity)", "{\"sensorId\":\"s\",\"features\":{\"temperature\":"
                        + "9".repeat(350) + ",\"vibration\":2.31}}", RejectReason.NON_FINITE_FEATURE),
                bad("null feature", "{\"sensorId\":\"s\",\"features\":{\"temperature\":null,\"vibration\":2.31}}",
                        RejectReason.NON_NUMERIC_FEATURE),
                bad("boolean feature", "{\"sensorId\":\"s\",\"features\":{\"temperature\":true,\"vibration\":2.31}}",
                        RejectReason.NON_NUMERIC_FEATURE),
                bad("nested object feature", "{\"sensorId\":\"s\",\"features\":{\"temperature\":{\"value\":41.2},"
                        + "\"vibration\":2.31}}", RejectReason.NON_NUMERIC_FEATURE),
                bad("array feature", "{\"sensorId\":\"s\",\"features\":{\"temperature\":[41.2],\"vibration\":2.31}}",
                        RejectReason.NON_NUMERIC_FEATURE),
                bad("unknown label", "{\"sensorId\":\"s\"," + OK_FEATURES + ",\"label\":\"broken\"}", RejectReason.UNKNOWN_LABEL),
                bad("label differs in case", "{\"sensorId\":\"s\"," + OK_FEATURES + ",\"label\":\"Normal\"}",
                        RejectReason.UNKNOWN_LABEL),
                bad("label a prefix of a class", "{\"sensorId\":\"s\"," + OK_FEATURES + ",\"label\":\"warn\"}",
                        RejectReason.UNKNOWN_LABEL),
                bad("label as number", "{\"sensorId\":\"s\"," + OK_FEATURES + ",\"label\":1}", RejectReason.WRONG_TYPE),
                bad("target on a classification reading", "{\"sensorId\":\"s\"," + OK_FEATURES + ",\"target\":1}",
                        RejectReason.WRONG_TYPE),
                bad("duplicated top-level field", "{\"sensorId\":\"s\",\"sensorId\":\"t\"," + OK_FEATURES + "}",
                        RejectReason.DUPLICATE_FIELD),
                bad("duplicated label", "{\"sensorId\":\"s\"," + OK_FEATURES + ",\"label\":\"normal\",\"label\":\"critical\"}",
                        RejectReason.DUPLICATE_FIELD),
                bad("duplicated feature", "{\"sensorId\":\"s\",\"features\":{\"temperature\":41.2,\"vibration\":2.31,"
                        + "\"temperature\":99}}", RejectReason.DUPLICATE_FIELD),
                bad("deeply nested array in an extra field", "{\"sensorId\":\"s\"," + OK_FEATURES + ",\"meta\":" + deep + "}",
                        RejectReason.WRONG_TYPE),
                bad("nested object in an extra field", "{\"sensorId\":\"s\",\"meta\":" + deepObject + "," + OK_FEATURES + "}",
                        RejectReason.WRONG_TYPE),
                bad("deeply nested document", deep, RejectReason.WRONG_TYPE),
                bad("trailing garbage after the object", "{\"sensorId\":\"s\"," + OK_FEATURES + "} garbage",
                        RejectReason.MALFORMED_JSON),
                bad("two objects", "{\"sensorId\":\"s\"," + OK_FEATURES + "}{\"sensorId\":\"s\"," + OK_FEATURES + "}",
                        RejectReason.MALFORMED_JSON),
                bad("trailing closing brace", "{\"sensorId\":\"s\"," + OK_FEATURES + "}}", RejectReason.MALFORMED_JSON),
                bad("negative timestamp", "{\"sensorId\":\"s\",\"timestamp\":-1," + OK_FEATURES + "}", RejectReason.WRONG_TYPE),
                bad("timestamp as string", "{\"sensorId\":\"s\",\"timestamp\":\"1795334400000\"," + OK_FEATURES + "}",
                        RejectReason.WRONG_TYPE),
                bad("fractional timestamp", "{\"sensorId\":\"s\",\"timestamp\":1.5," + OK_FEATURES + "}", RejectReason.WRONG_TYPE),
                bad("timestamp beyond long", "{\"sensorId\":\"s\",\"timestamp\":99999999999999999999," + OK_FEATURES + "}",
                        RejectReason.WRONG_TYPE),
                bad("id a number", "{\"sensorId\":\"s\",\"id\":182," + OK_FEATURES + "}", RejectReason.WRONG_TYPE),
                bad("duplicated id", "{\"sensorId\":\"s\",\"id\":\"a\",\"id\":\"b\"," + OK_FEATURES + "}",
                        RejectReason.DUPLICATE_FIELD));
    }

    private static Arguments bad(String kind, Object value, RejectReason reason) {
        byte[] bytes = value == null ? null : value instanceof byte[] b ? b : utf8((String) value);
        return Arguments.of(kind, bytes, reason);
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("badReadings")
    void badReadingIsRejectedWithItsReason(String kind, byte[] bytes, RejectReason reason) {
        ReadingParser parser = new ReadingParser(SPEC);
        InvalidReadingException e = assertThrows(InvalidReadingException.class,
                () -> parser.parse(bytes, new Reading(2)), kind);
        assertEquals(reason, e.reason(), kind + ": " + e.getMessage());
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), kind + " has a message");
        assertFalse(e.getMessage().contains("\n"), kind + ": one-line message: " + e.getMessage());
    }

    @Test
    void theCorpusCoversAtLeast25KindsAndMostReasons() {
        List<Arguments> corpus = badReadings().toList();
        assertTrue(corpus.size() >= 25, "corpus size " + corpus.size());
        Set<RejectReason> covered = corpus.stream().map(a -> (RejectReason) a.get()[2])
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(RejectReason.class)));
        // Every reason the parser itself gives (NON_FINITE_TARGET is a regression reason, tested
        // below; the key reasons belong to the stream's routing, not to the parser).
        EnumSet<RejectReason> expected = EnumSet.of(RejectReason.EMPTY, RejectReason.OVERSIZED,
                RejectReason.INVALID_ENCODING, RejectReason.MALFORMED_JSON, RejectReason.DUPLICATE_FIELD,
                RejectReason.WRONG_TYPE, RejectReason.MISSING_FIELD, RejectReason.MISSING_FEATURE,
                RejectReason.UNKNOWN_FEATURE, RejectReason.NON_NUMERIC_FEATURE, RejectReason.NON_FINITE_FEATURE,
                RejectReason.UNKNOWN_LABEL);
        assertEquals(expected, covered);
    }

    static Stream<Arguments> badRegressionReadings() {
        return Stream.of(
                bad("non-finite target", "{\"sensorId\":\"s\",\"features\":{\"x1\":1,\"x2\":2},\"target\":1e400}",
                        RejectReason.NON_FINITE_TARGET),
                bad("target as string", "{\"sensorId\":\"s\",\"features\":{\"x1\":1,\"x2\":2},\"target\":\"3\"}",
                        RejectReason.WRONG_TYPE),
                bad("label on a regression reading", "{\"sensorId\":\"s\",\"features\":{\"x1\":1,\"x2\":2},\"label\":\"a\"}",
                        RejectReason.WRONG_TYPE),
                bad("duplicated target", "{\"sensorId\":\"s\",\"features\":{\"x1\":1,\"x2\":2},\"target\":3,\"target\":4}",
                        RejectReason.DUPLICATE_FIELD));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("badRegressionReadings")
    void badRegressionReadingIsRejectedWithItsReason(String kind, byte[] bytes, RejectReason reason) {
        ReadingParser parser = new ReadingParser(REGRESSION);
        InvalidReadingException e = assertThrows(InvalidReadingException.class,
                () -> parser.parse(bytes, new Reading(2)), kind);
        assertEquals(reason, e.reason(), kind + ": " + e.getMessage());
    }

    @Test
    void rejectReasonIdsAreTheDeadLetterHeaderValues() {
        Set<String> ids = Stream.of(RejectReason.values()).map(RejectReason::id).collect(Collectors.toSet());
        assertEquals(RejectReason.values().length, ids.size());
        assertEquals("malformed_json", RejectReason.MALFORMED_JSON.id());
        assertEquals("non_finite_feature", RejectReason.NON_FINITE_FEATURE.id());
        assertEquals("unknown_label", RejectReason.UNKNOWN_LABEL.id());
        for (String id : ids) {
            assertTrue(id.matches("[a-z_]+"), id);
        }
    }
}
