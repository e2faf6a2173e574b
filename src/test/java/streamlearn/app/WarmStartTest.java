package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.format.ModelSeed;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.Reading;
import streamlearn.model.SpecException;
import streamlearn.model.SpecMapping;
import streamlearn.model.StepResult;

/** Warm starts ({@code replay --model-in}, {@link ModelSeed}) and features matched by name ({@link SpecMapping}). */
class WarmStartTest {
    @TempDir
    Path dir;

    private static List<String> stream(int count) {
        SensorReadingGenerator generator = new SensorReadingGenerator(11, 16, 0.1);
        Reading r = new Reading(2);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            generator.next(r, 1_795_334_400_000L + i);
            lines.add(KafkaTestSupport.readingJson(r));
        }
        return lines;
    }

    @Test
    void replayFromASnapshotContinuesExactlyAsOneUninterruptedReplay() throws Exception {
        List<String> lines = stream(6_000);
        Path all = Files.write(dir.resolve("all.jsonl"), lines);
        Path first = Files.write(dir.resolve("first.jsonl"), lines.subList(0, 2_500));
        Path rest = Files.write(dir.resolve("rest.jsonl"), lines.subList(2_500, lines.size()));
        ReplayCommandTest.Run whole = ReplayCommandTest.main("replay", "--input", all.toString(),
                "--output", dir.resolve("all-predictions.jsonl").toString(), "--model", dir.resolve("all-model.json").toString());
        assertEquals(0, whole.code(), whole.err());
        ReplayCommandTest.Run head = ReplayCommandTest.main("replay", "--input", first.toString(),
                "--model", dir.resolve("half.json").toString());
        assertEquals(0, head.code(), head.err());
        ReplayCommandTest.Run tail = ReplayCommandTest.main("replay", "--model-in", dir.resolve("half.json").toString(),
                "--input", rest.toString(), "--output", dir.resolve("rest-predictions.jsonl").toString(),
                "--model", dir.resolve("rest-model.json").toString());
        assertEquals(0, tail.code(), tail.err());
        assertEquals("", tail.err(), "the snapshot's own spec: no warning");

        List<String> expected = Files.readAllLines(dir.resolve("all-predictions.jsonl")).subList(2_500, lines.size());
        assertEquals(expected, Files.readAllLines(dir.resolve("rest-predictions.jsonl")), "predictions after the warm start");
        assertEquals(Files.readString(dir.resolve("all-model.json")), Files.readString(dir.resolve("rest-model.json")));
        assertEquals(whole.summary().get("modelVersion"), tail.summary().get("modelVersion"));
    }

    @Test
    void aSnapshotOfAnotherSpecOfTheSameShapeSeedsTheWeightsOnlyAndSaysSo() throws Exception {
        ModelSpec spec = SpecJson.defaultSpec();
        OnlineModel trained = OnlineModel.create(spec);
        ReadingParser parser = new ReadingParser(spec);
        Reading r = new Reading(2);
        for (String line : stream(500)) {
            parser.parse(line.getBytes(StandardCharsets.UTF_8), r);
            trained.step(r);
        }
        ModelSeed same = ModelSeed.of(spec, trained, "seed.json");
        assertNull(same.warning());
        assertArrayEquals(ModelSnapshot.toBytes(trained), ModelSnapshot.toBytes(same.newModel()), "the whole model");

        // Another learning rate and the features named the other way round: the same shape.
        ModelSpec other = SpecJson.parse(spec.json().replace("0.002", "0.001")
                .replace("[\"temperature\",\"vibration\"]", "[\"vibration\",\"temperature\"]"));
        ModelSeed weights = ModelSeed.of(other, trained, "seed.json");
        assertTrue(weights.warning().contains("weights only"), weights.warning());
        assertTrue(weights.warning().contains("features [temperature, vibration] -> [vibration, temperature]"), weights.warning());
        OnlineModel seeded = weights.newModel();
        assertEquals(0, seeded.modelVersion());
        // Matched by name: the first layer's columns follow the features.
        var from = ModelSnapshot.toJson(trained).get("weights");
        var to = ModelSnapshot.toJson(seeded).get("weights");
        for (int i = 0; i < from.get(0).get("W").size(); i++) {
            assertEquals(from.get(0).get("W").get(i).get(0), to.get(0).get("W").get(i).get(1), "temperature's column");
            assertEquals(from.get(0).get("W").get(i).get(1), to.get(0).get("W").get(i).get(0), "vibration's column");
        }
        assertEquals(from.get(1), to.get(1));
        assertEquals(from.get(2), to.get(2), "the same classes in the same order");

        ModelSpec bigger = SpecJson.parse(spec.json().replace("{\"units\":16,\"activation\":\"relu\"},{\"units\":16",
                "{\"units\":17,\"activation\":\"relu\"},{\"units\":16"));
        SpecException e = assertThrows(SpecException.class, () -> ModelSeed.of(bigger, trained, "seed.json"));
        assertTrue(e.getMessage().contains("another shape"), e.getMessage());
        ReplayCommandTest.Run refused = ReplayCommandTest.main("replay", "--spec",
                Files.writeString(dir.resolve("bigger.json"), bigger.json()).toString(), "--model-in",
                Files.writeString(dir.resolve("seed.json"), ModelSnapshot.toJsonString(trained)).toString(),
                "--input", Files.write(dir.resolve("x.jsonl"), stream(3)).toString());
        assertEquals(2, refused.code());
        assertEquals(1, refused.err().lines().count(), refused.err());
    }

    @Test
    void aModelOfSwappedFeaturesServesReadingsByName() throws Exception {
        ModelSpec stored = SpecJson.defaultSpec();
        ModelSpec configured = SpecJson.parse(stored.json()
                .replace("[\"temperature\",\"vibration\"]", "[\"vibration\",\"temperature\"]")
                .replace("[\"normal\",\"warning\",\"critical\"]", "[\"critical\",\"normal\",\"warning\"]"));
        SpecMapping mapping = SpecMapping.of(configured, stored);
        OnlineModel byName = OnlineModel.create(stored);
        OnlineModel reference = OnlineModel.create(stored);
        ReadingParser storedParser = new ReadingParser(stored);
        ReadingParser configuredParser = new ReadingParser(configured);
        Reading r = new Reading(2);
        Reading c = new Reading(2);
        Reading mapped = new Reading(2);
        for (String line : stream(2_000)) {
            storedParser.parse(line.getBytes(StandardCharsets.UTF_8), r);
            configuredParser.parse(line.getBytes(StandardCharsets.UTF_8), c);
            StepResult expected = reference.step(r);
            int predicted = expected.predicted();
            StepResult actual = byName.step(mapping.apply(c, mapped));
            assertEquals(predicted, actual.predicted());
            assertEquals(configured.classes().get(mapping.configuredClass(predicted)), stored.classes().get(predicted));
        }
        assertArrayEquals(ModelSnapshot.toBytes(reference), ModelSnapshot.toBytes(byName));
        assertNull(SpecMapping.of(stored, stored));
        ModelSpec added = SpecJson.parse(stored.json().replace("\"critical\"]", "\"critical\",\"failed\"]")
                .replace("{\"units\":3,", "{\"units\":4,"));
        SpecException e = assertThrows(SpecException.class, () -> SpecMapping.of(added, stored));
        assertTrue(e.getMessage().contains("classes"), e.getMessage());
        assertNotEquals("", SpecMapping.differences(stored, added));
    }
}
