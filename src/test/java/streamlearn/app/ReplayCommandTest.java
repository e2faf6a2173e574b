package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static streamlearn.model.SeedExamples.PRINTED_4;
import static streamlearn.model.SeedExamples.SEED_000_LOSSES;
import static streamlearn.model.SeedExamples.SEED_000_PREDICTIONS;
import static streamlearn.model.SeedExamples.SEED_000_READING;
import static streamlearn.model.SeedExamples.SEED_000_SPEC;
import static streamlearn.model.SeedExamples.SEED_002_SPEC;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;


/** The replay command through Main.run: the seeds end to end, bad lines, and usage errors. */
class ReplayCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Exit code, stdout and stderr of one run. */
    record Run(int code, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }

        List<String> errLines() {
            return err.lines().toList();
        }

        JsonNode summary() throws IOException {
            List<String> lines = outLines();
            assertFalse(lines.isEmpty(), "no stdout");
            return JSON.readTree(lines.get(lines.size() - 1));
        }
    }

    static Run main(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, o, e);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static List<JsonNode> jsonLines(Path file) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            nodes.add(JSON.readTree(line));
        }
        return nodes;
    }

    private static OnlineModel inProcess(ModelSpec spec, List<String> lines) {
        OnlineModel model = OnlineModel.create(spec);
        ReadingParser parser = new ReadingParser(spec);
        Reading reading = new Reading(spec.features().size());
        for (String line : lines) {
            try {
                parser.parse(line.getBytes(StandardCharsets.UTF_8), reading);
            } catch (InvalidReadingException e) {
                throw new AssertionError(line, e);
            }
            model.step(reading);
        }
        return model;
    }

    // ------------------------------------------------------------ the seeds, end to end

    @Test
    void seed000TenReadingsReproduceTheSeed() throws Exception {
        Path spec = write("seed000.json", SEED_000_SPEC);
        Path input = write("in.jsonl", (SEED_000_READING + "\n").repeat(10));
        Path output = dir.resolve("out.jsonl");
        Path model = dir.resolve("model.json");
        Run run = main("replay", "--spec", spec.toString(), "--input", input.toString(),
                "--output", output.toString(), "--model", model.toString());
        assertEquals(0, run.code(), run.err());
        assertEquals("", run.err());

        List<JsonNode> predictions = jsonLines(output);
        assertEquals(10, predictions.size());
        OnlineModel reference = OnlineModel.create(SpecJson.parse(SEED_000_SPEC));
        Reading reading = new Reading(2);
        new ReadingParser(reference.spec()).parse(SEED_000_READING.getBytes(StandardCharsets.UTF_8), reading);
        double lossSum = 0;
        for (int i = 0; i < 10; i++) {
            JsonNode p = predictions.get(i);
            StepResult step = reference.step(reading);
            assertEquals("s", p.get("sensorId").asText());
            assertEquals("default", p.get("model").asText());
            assertEquals(i, p.get("modelVersion").asLong(), "modelVersion of prediction " + i);
            assertTrue(p.get("predicted").isNumber());
            assertEquals(SEED_000_PREDICTIONS[i], p.get("predicted").asDouble(), PRINTED_4, "predicted " + i);
            assertEquals(SEED_000_LOSSES[i], p.get("loss").asDouble(), PRINTED_4, "loss " + i);
            // The same code path as in process: the same doubles, written so they read back exactly.
            assertEquals(step.predictedValue(), p.get("predicted").asDouble(), "predicted " + i);
            assertEquals(step.loss(), p.get("loss").asDouble(), "loss " + i);
            assertEquals(3.0, p.get("target").asDouble());
            assertFalse(p.has("probabilities"), "a regression prediction has no probabilities");
            // Without a timestamp in the reading, offline replay uses the line number.
            assertEquals(i + 1, p.get("timestamp").asLong());
            lossSum += step.loss();
        }
        assertEquals(21.0, predictions.get(0).get("predicted").asDouble());
        assertEquals(162.0, predictions.get(0).get("loss").asDouble());

        JsonNode summary = run.summary();
        assertEquals(10, summary.get("records").asLong());
        assertEquals(10, summary.get("labeled").asLong());
        assertEquals(0, summary.get("rejected").asLong());
        assertEquals(10, summary.get("modelVersion").asLong());
        assertEquals(lossSum / 10, summary.get("meanLoss").asDouble(), 1e-12);
        assertTrue(summary.get("accuracy").isNull(), "no accuracy for regression: " + summary);

        JsonNode snapshot = JSON.readTree(Files.readString(model));
        assertEquals(10, snapshot.get("modelVersion").asLong());
        JsonNode expected = JSON.readTree(ModelSnapshot.toJsonString(reference));
        assertEquals(expected.get("weights"), snapshot.get("weights"));
        assertEquals(expected, snapshot);
        assertArrayEquals(ModelSnapshot.toBytes(reference),
                ModelSnapshot.toBytes(ModelSnapshot.fromJson(Files.readString(model))));
    }

    @Test
    void seed002OneReadingReproducesTheSeed() throws Exception {
        Path spec = write("seed002.json", SEED_002_SPEC);
        Path input = write("in.jsonl",
                "{\"sensorId\":\"s\",\"timestamp\":1795334400000,\"features\":{\"x1\":0.5,\"x2\":0.5},\"label\":\"c1\"}\n");
        Path output = dir.resolve("out.jsonl");
        Path model = dir.resolve("model.json");
        Run run = main("replay", "--spec", spec.toString(), "--input", input.toString(),
                "--output", output.toString(), "--model", model.toString(), "--model-id", "seed002");
        assertEquals(0, run.code(), run.err());

        List<JsonNode> predictions = jsonLines(output);
        assertEquals(1, predictions.size());
        JsonNode p = predictions.get(0);
        double p0 = 1.0 / (1.0 + Math.exp(-1.79));
        assertEquals("seed002", p.get("model").asText());
        assertEquals(1795334400000L, p.get("timestamp").asLong());
        assertEquals(0, p.get("modelVersion").asLong());
        assertEquals("c0", p.get("predicted").asText());
        assertEquals("c1", p.get("label").asText());
        assertEquals(0.857, p.get("probabilities").get("c0").asDouble(), 0.5e-3);
        assertEquals(0.143, p.get("probabilities").get("c1").asDouble(), 0.5e-3);
        assertEquals(p0, p.get("probabilities").get("c0").asDouble(), 1e-12);
        assertEquals(1.944, p.get("loss").asDouble(), 0.5e-3);
        assertEquals(-Math.log(1 - p0), p.get("loss").asDouble(), 1e-12);

        JsonNode summary = run.summary();
        assertEquals(1, summary.get("records").asLong());
        assertEquals(1, summary.get("labeled").asLong());
        assertEquals(0, summary.get("rejected").asLong());
        assertEquals(0.0, summary.get("accuracy").asDouble());
        assertEquals(1, summary.get("modelVersion").asLong());

        // W1 after one step, rows = neurons; the seed (transposed): [[-0.6,-0.6],[0.59315,0.69315],[0.39572,0.49572]].
        JsonNode w1 = JSON.readTree(Files.readString(model)).get("weights").get(0).get("W");
        double[][] seed = {{-0.6, -0.6}, {0.59315, 0.69315}, {0.39572, 0.49572}};
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 2; j++) {
                assertEquals(seed[i][j], w1.get(i).get(j).asDouble(), 1e-5, "W1[" + i + "][" + j + "]");
            }
        }
    }

    // ------------------------------------------------------------ bad lines

    static List<String> goodLines(int n) {
        SensorReadingGenerator gen = new SensorReadingGenerator(21, 4, 0.2);
        Reading r = new Reading(2);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            gen.next(r, 1_700_000_000_000L + i);
            String label = r.label() == Reading.UNLABELED ? "" : ",\"label\":\"" + SensorReadingGenerator.CLASSES[r.label()] + "\"";
            lines.add(String.format(Locale.ROOT,
                    "{\"sensorId\":\"%s\",\"timestamp\":%d,\"features\":{\"temperature\":%s,\"vibration\":%s}%s}",
                    r.sensorId(), r.timestamp(), Double.toString(r.features()[0]), Double.toString(r.features()[1]), label));
        }
        return lines;
    }

    @Test
    void badLinesAreReportedCountedAndSkipped() throws Exception {
        List<String> good = goodLines(300);
        Map<Integer, String> bad = new TreeMap<>(); // line number (1-based, in the mixed file) -> reason id
        List<String> mixed = new ArrayList<>();
        String[][] badReadings = {
                {"{\"sensorId\":\"s\",\"features\":{\"temperature\":41.2", "malformed_json"},
                {"{\"sensorId\":\"s\",\"features\":{\"temperature\":41.2,\"vibration\":2.3},\"label\":\"broken\"}", "unknown_label"},
                {"{\"sensorId\":\"s\",\"features\":{\"temperature\":41.2}}", "missing_feature"},
                {"{\"sensorId\":\"s\",\"features\":{\"temperature\":\"NaN\",\"vibration\":2.3}}", "non_numeric_feature"},
                {"{\"sensorId\":\"s\",\"features\":{\"temperature\":1e400,\"vibration\":2.3},\"label\":\"normal\"}", "non_finite_feature"},
                {"[1,2,3]", "wrong_type"},
                {"{\"features\":{\"temperature\":41.2,\"vibration\":2.3}}", "missing_field"},
                {"{\"sensorId\":\"s\",\"sensorId\":\"t\",\"features\":{\"temperature\":41.2,\"vibration\":2.3}}", "duplicate_field"},
                {"{\"sensorId\":\"s\",\"features\":{\"temperature\":41.2,\"vibration\":2.3,\"rpm\":3}}", "unknown_feature"},
                {"{\"sensorId\":\"s\",\"features\":{\"temperature\":41.2,\"vibration\":2.3}} trailing", "malformed_json"}};
        int next = 0;
        for (int i = 0; i < good.size(); i++) {
            mixed.add(good.get(i));
            if (i % 29 == 5 && next < badReadings.length) {
                mixed.add(badReadings[next][0]);
                bad.put(mixed.size(), badReadings[next][1]);
                next++;
            }
        }
        assertEquals(badReadings.length, next);

        Path spec = write("spec.json", SpecJson.defaultSpec().json());
        Path mixedFile = write("mixed.jsonl", String.join("\n", mixed) + "\n");
        Path goodFile = write("good.jsonl", String.join("\n", good) + "\n");
        Path mixedModel = dir.resolve("mixed-model.json");
        Path goodModel = dir.resolve("good-model.json");
        Path mixedOut = dir.resolve("mixed-out.jsonl");
        Path goodOut = dir.resolve("good-out.jsonl");

        Run run = main("replay", "--spec", spec.toString(), "--input", mixedFile.toString(),
                "--output", mixedOut.toString(), "--model", mixedModel.toString());
        assertEquals(0, run.code(), run.err());
        List<String> errors = run.errLines();
        assertEquals(bad.size(), errors.size(), run.err());
        int k = 0;
        for (Map.Entry<Integer, String> e : bad.entrySet()) {
            String line = errors.get(k++);
            assertTrue(line.contains("line " + e.getKey() + " "), "line number " + e.getKey() + " in: " + line);
            assertTrue(line.contains(e.getValue()), "reason " + e.getValue() + " in: " + line);
        }
        JsonNode summary = run.summary();
        assertEquals(mixed.size(), summary.get("records").asLong());
        assertEquals(bad.size(), summary.get("rejected").asLong());
        long labeled = good.stream().filter(l -> l.contains("\"label\"")).count();
        assertEquals(labeled, summary.get("labeled").asLong());
        assertEquals(labeled, summary.get("modelVersion").asLong());

        Run goodRun = main("replay", "--spec", spec.toString(), "--input", goodFile.toString(),
                "--output", goodOut.toString(), "--model", goodModel.toString());
        assertEquals(0, goodRun.code(), goodRun.err());
        assertEquals("", goodRun.err());
        assertEquals(0, goodRun.summary().get("rejected").asLong());
        assertEquals(Files.readString(goodModel), Files.readString(mixedModel), "the bad lines touched the model");
        // One prediction per good reading, the same ones.
        assertEquals(Files.readAllLines(goodOut), Files.readAllLines(mixedOut));
        // And the in-process learner agrees.
        assertArrayEquals(ModelSnapshot.toBytes(inProcess(SpecJson.defaultSpec(), good)),
                ModelSnapshot.toBytes(ModelSnapshot.fromJson(Files.readString(mixedModel))));
    }

    @Test
    void blankLinesAreSkippedAndTheDefaultSpecIsUsedWithoutSpec() throws Exception {
        List<String> good = goodLines(20);
        Path input = write("in.jsonl", String.join("\n\n", good) + "\n   \n");
        Path model = dir.resolve("model.json");
        Run run = main("replay", "--input", input.toString(), "--model", model.toString());
        assertEquals(0, run.code(), run.err());
        assertEquals("", run.err());
        assertEquals(20, run.summary().get("records").asLong());
        JsonNode snapshot = JSON.readTree(Files.readString(model));
        assertEquals(JSON.readTree(SpecJson.defaultSpec().json()), snapshot.get("spec"));
        assertArrayEquals(ModelSnapshot.toBytes(inProcess(SpecJson.defaultSpec(), good)),
                ModelSnapshot.toBytes(ModelSnapshot.fromJson(snapshot)));
    }

    @Test
    void aLineThatIsNotUtf8IsRejectedAndTheRunGoesOn() throws Exception {
        List<String> good = goodLines(10);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < good.size(); i++) {
            bytes.writeBytes((good.get(i) + "\n").getBytes(StandardCharsets.UTF_8));
            if (i == 4) {
                // {"sensorId":"a<C3 28>b",...}: an invalid UTF-8 sequence inside a string (line 6).
                bytes.writeBytes("{\"sensorId\":\"a".getBytes(StandardCharsets.UTF_8));
                bytes.writeBytes(new byte[] {(byte) 0xC3, 0x28});
                bytes.writeBytes("b\",\"features\":{\"temperature\":30,\"vibration\":1}}\n".getBytes(StandardCharsets.UTF_8));
            }
        }
        Path input = Files.write(dir.resolve("in.jsonl"), bytes.toByteArray());
        Run run = main("replay", "--input", input.toString());
        assertEquals(0, run.code(), "a bad reading must not stop the run; stderr: " + run.err());
        assertEquals(1, run.errLines().size(), run.err());
        assertTrue(run.err().contains("line 6"), run.err());
        JsonNode summary = run.summary();
        assertEquals(11, summary.get("records").asLong());
        assertEquals(1, summary.get("rejected").asLong());
    }

    /** The seeds' stream as replay lines; from reading {@code changeAt} on, 15 C hotter (-1: never). */
    private static List<String> sensorLines(int count, int changeAt) {
        SensorReadingGenerator generator = new SensorReadingGenerator(7, 16, 0.1);
        Reading r = new Reading(2);
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            generator.next(r, 1_795_334_400_000L + i);
            if (changeAt >= 0 && i >= changeAt) {
                r.setFeature(0, r.features()[0] + 15);
            }
            lines.add(new String(SensorReadingGenerator.json(r), StandardCharsets.UTF_8));
        }
        return lines;
    }

    @Test
    void theSummaryCountsTheDriftsDetected() throws Exception {
        List<String> changing = sensorLines(12_000, 6_000);
        // The single network detects the change (a pool may follow it through a faster candidate
        // with no rise of its error worth a drift).
        String single = streamlearn.model.TestSpecs.singleNetworkJson();
        Run run = main("replay", "--spec", write("single.json", single).toString(), "--input",
                write("change.jsonl", String.join("\n", changing) + "\n").toString());
        assertEquals(0, run.code(), run.err());
        JsonNode summary = run.summary();
        long drifts = inProcess(SpecJson.parse(single), changing).drifts();
        assertEquals(1, drifts, "the in-process learner detects the change, once");
        assertEquals(drifts, summary.get("drifts").asLong(), summary.toString());
        List<String> fields = new ArrayList<>();
        summary.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("records", "labeled", "matchedLabels", "unmatchedLabels", "rejected", "diverged", "drifts",
                "meanLoss", "accuracy", "balancedAccuracy", "kappa", "perClass", "modelVersion"), fields);

        // A pool: the same drift count as in process, and the champion named.
        Run pool = main("replay", "--spec", write("pool.json", streamlearn.model.TestSpecs.poolJson()).toString(),
                "--input", dir.resolve("change.jsonl").toString());
        assertEquals(0, pool.code(), pool.err());
        OnlineModel poolModel = inProcess(streamlearn.model.TestSpecs.pool(), changing);
        JsonNode poolSummary = pool.summary();
        assertEquals(poolModel.drifts(), poolSummary.get("drifts").asLong(), poolSummary.toString());
        assertEquals(poolModel.champion(), poolSummary.get("champion").asText(), poolSummary.toString());
        assertTrue(poolSummary.get("championChanges").asLong() >= 0, poolSummary.toString());

        Run stationary = main("replay", "--input",
                write("stationary.jsonl", String.join("\n", sensorLines(12_000, -1)) + "\n").toString());
        assertEquals(0, stationary.summary().get("drifts").asLong(), stationary.out());

        // Without drift detection in the spec, the same change is no drift.
        String off = SpecJson.defaultSpec().json().replace("\"drift\":{\"detector\":\"adwin\",\"delta\":0.002}", "\"drift\":null");
        assertTrue(off.contains("\"drift\":null"), off);
        Run withoutDetector = main("replay", "--spec", write("off.json", off).toString(), "--input",
                dir.resolve("change.jsonl").toString());
        assertEquals(0, withoutDetector.code(), withoutDetector.err());
        assertEquals(0, withoutDetector.summary().get("drifts").asLong());
    }

    // ------------------------------------------------------------ usage errors

    private static void assertUsageError(Run run, String... mentions) {
        assertEquals(2, run.code(), "exit code; stderr: " + run.err());
        List<String> lines = run.errLines();
        assertEquals(1, lines.size(), "exactly one line on stderr: " + run.err());
        for (String m : mentions) {
            assertTrue(lines.get(0).contains(m), "'" + m + "' in: " + lines.get(0));
        }
    }

    @Test
    void missingInput() throws Exception {
        Path spec = write("spec.json", SEED_000_SPEC);
        assertUsageError(main("replay", "--spec", spec.toString()), "--input");
        assertUsageError(main("replay"), "--input");
    }

    @Test
    void inputFileThatDoesNotExist() {
        Path missing = dir.resolve("nope.jsonl");
        assertUsageError(main("replay", "--input", missing.toString()), missing.toString());
    }

    @Test
    void unknownOption() throws Exception {
        Path input = write("in.jsonl", SEED_000_READING + "\n");
        assertUsageError(main("replay", "--input", input.toString(), "--frobnicate", "3"), "--frobnicate");
        assertUsageError(main("replay", "--input", input.toString(), "stray"), "stray");
    }

    @Test
    void optionWithoutItsValue() throws Exception {
        Path input = write("in.jsonl", SEED_000_READING + "\n");
        assertUsageError(main("replay", "--input", input.toString(), "--spec"), "--spec");
    }

    @Test
    void specFileThatDoesNotExist() throws Exception {
        Path input = write("in.jsonl", SEED_000_READING + "\n");
        Path missing = dir.resolve("missing-spec.json");
        assertUsageError(main("replay", "--spec", missing.toString(), "--input", input.toString()), missing.toString());
    }

    @Test
    void invalidSpec() throws Exception {
        Path input = write("in.jsonl", SEED_000_READING + "\n");
        Path spec = write("bad.json", SEED_000_SPEC.replace("\"relu\"", "\"swish\""));
        assertUsageError(main("replay", "--spec", spec.toString(), "--input", input.toString()),
                "layers[0].activation", "swish");
        Path malformed = write("malformed.json", SEED_000_SPEC.substring(0, 40));
        assertUsageError(main("replay", "--spec", malformed.toString(), "--input", input.toString()),
                malformed.toString());
        Path wrongShape = write("shape.json", SEED_000_SPEC.replace("{\"W\":[[1,2,3]],\"b\":[1]}", "{\"W\":[[1,2]],\"b\":[1]}"));
        assertUsageError(main("replay", "--spec", wrongShape.toString(), "--input", input.toString()),
                "init.weights[1].W[0]");
    }

    @Test
    void noOutputFileIsWrittenForAUsageError() throws Exception {
        Path spec = write("bad.json", "{}");
        Path input = write("in.jsonl", SEED_000_READING + "\n");
        Path output = dir.resolve("out.jsonl");
        Run run = main("replay", "--spec", spec.toString(), "--input", input.toString(), "--output", output.toString());
        assertUsageError(run, "spec");
        assertFalse(Files.exists(output));
        assertEquals("", run.out());
    }

    @Test
    void outputOrModelInADirectoryThatDoesNotExistIsABadFile() throws Exception {
        // docs/DESIGN.md: "a bad option or file gets one clear line on stderr and exit code 2".
        Path input = write("in.jsonl", SEED_000_READING + "\n");
        Path spec = write("spec.json", SEED_000_SPEC);
        Path output = dir.resolve("no-such-dir").resolve("out.jsonl");
        assertUsageError(main("replay", "--spec", spec.toString(), "--input", input.toString(),
                "--output", output.toString()), output.toString());
        Path model = dir.resolve("no-such-dir").resolve("model.json");
        assertUsageError(main("replay", "--spec", spec.toString(), "--input", input.toString(),
                "--model", model.toString()), model.toString());
    }

    @Test
    void help() {
        Run run = main("replay", "--help");
        assertEquals(0, run.code());
        assertTrue(run.out().contains("--input"), run.out());
        assertTrue(run.out().contains("--spec"), run.out());
        assertEquals("", run.err());
        Run top = main("--help");
        assertEquals(0, top.code());
        assertTrue(top.out().contains("replay"));
    }

    @Test
    void unknownCommand() {
        assertUsageError(main("frobnicate"), "frobnicate");
    }

    @Test
    void modelInGivenSomethingThatIsNoSnapshotSaysSoInOneLine() throws IOException {
        String reading = "{\"sensorId\":\"s\",\"timestamp\":1795334400000,"
                + "\"features\":{\"temperature\":41.2,\"vibration\":1.1},\"label\":\"normal\"}";
        Path input = write("in.jsonl", reading + "\n");
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("readings.jsonl", reading + "\n" + reading + "\n");
        cases.put("reading.json", reading + "\n");
        cases.put("spec.json", SpecJson.defaultSpec().json());
        cases.put("random.json", "{\"hello\":[1,2,3]}");
        cases.put("array.json", "[1,2,3]");
        cases.put("text.txt", "this is not JSON at all");
        cases.put("empty.json", "");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path file = write(c.getKey(), c.getValue());
            Run run = main("replay", "--model-in", file.toString(), "--input", input.toString());
            assertEquals(2, run.code(), c.getKey() + ": " + run.err());
            assertEquals(List.of(), run.outLines(), c.getKey());
            assertEquals(1, run.errLines().size(), c.getKey() + ": " + run.err());
            String prefix = "streamlearn: replay: --model-in " + file + ": not a model snapshot (";
            assertTrue(run.err().startsWith(prefix) && run.err().strip().endsWith(")"), c.getKey() + ": " + run.err());
        }
        Run readings = main("replay", "--model-in", dir.resolve("readings.jsonl").toString(), "--input", input.toString());
        assertTrue(readings.err().contains("several JSON values, one per line, the first a reading"), readings.err());
        Run spec = main("replay", "--model-in", dir.resolve("spec.json").toString(), "--input", input.toString());
        assertTrue(spec.err().contains("not a model snapshot (a model spec)"), spec.err());
    }
}
