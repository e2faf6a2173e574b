package streamlearn.app;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import streamlearn.format.MetricsJson;
import streamlearn.format.ModelSeed;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.LateLabel;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.PendingReadings;
import streamlearn.model.PrequentialMetrics;
import streamlearn.model.Reading;
import streamlearn.model.RejectReason;
import streamlearn.model.SpecException;
import streamlearn.model.StepResult;
import streamlearn.model.WaitingLabels;
import streamlearn.stream.Learner;
import streamlearn.stream.LearnerSettings;
import streamlearn.stream.RejectedReadingException;

/**
 * {@code replay}: the streaming learner's exact code path, offline, over a file of readings in
 * order. Useful to evaluate a spec, to reproduce what the stream did, and to train a model to
 * seed a deployment with.
 *
 * <p>A line without {@code features} but with a {@code label} (or {@code target}) is a late label
 * for an earlier reading, handled as the stream handles one from the labels topic: the unlabeled
 * readings wait in {@link PendingReadings} ({@code label.max.delay} and {@code label.max.pending}
 * at their defaults), and a matched label scores the prediction made then and takes
 * {@link OnlineModel#learnLate}'s step. A label line before its reading waits for it, and the
 * reading takes it as an inline label; labels still waiting when the file ends are unmatched. A
 * file has no record timestamps: a reading's timestamp (else its line number) stands for it, the
 * stream time is the largest so far, and a label line's record timestamp is that stream time.
 */
public final class ReplayCommand {
    static final String HELP = """
            Usage: streamlearn replay [--spec FILE] [--model-in FILE] --input FILE.jsonl [--output FILE.jsonl] [--model FILE]

            Runs the learner over a file of readings (one JSON reading per line) in order, test then
            train, exactly as the stream does, without Kafka. A line without "features" but with a
            "label" (or "target") is a late label for an earlier reading, named by its "id" or by
            "sensorId" and "timestamp": the reading's prediction is scored and the model trains on it,
            as with the stream's labels topic. A label line before its reading waits for it, and the
            reading is then predicted and trained as if labeled inline; a label whose reading does not
            come within label.max.delay (or not at all: reported when the file ends) is reported.

              --spec FILE     model spec JSON (default: the built-in sensor classifier, or with
                              --model-in the snapshot's spec)
              --model-in FILE start from this model snapshot (as model.init.snapshot does): the whole
                              model when its spec is the spec, its weights only (with a warning on
                              stderr) when only the networks' shapes match
              --input FILE    readings, one JSON object per line
              --output FILE   write one prediction JSON per reading (same format as the topic)
              --model FILE    write the final model snapshot JSON
              --model-id ID   the model name in predictions (default: default)

            Bad readings are reported on stderr and counted as rejected; the run goes on.
            The last line of stdout is a JSON summary:
              {"records":N,"labeled":N,"matchedLabels":N,"unmatchedLabels":N,"rejected":N,"diverged":N,"drifts":N,
               "meanLoss":X,"accuracy":X,"balancedAccuracy":X,"kappa":X,
               "perClass":{"<class>":{"precision":X,"recall":X,"f1":X,"support":N},...},"modelVersion":N}
              plus, for a spec with candidates, "champion":NAME (the one leading at the end) and
              "championChanges":N
            (records: every non-blank line; labeled: readings labeled inline, or by a label line before
            them, plus late labels matched; matchedLabels: label lines that found their reading, before
            or after it;
            drifts: the changes the spec's drift detector found in the model's error; a regression spec
            reports "mae" and "rmse" instead of balancedAccuracy, kappa and perClass; a figure nothing
            defines is null: a class without labels has no recall, one never predicted no precision).
            """;

    private ReplayCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        CliOptions options = CliOptions.parse("replay", args, 1,
                Set.of("spec", "input", "output", "model", "model-id", "model-in"), Set.of());
        if (options.help()) {
            out.print(HELP);
            return 0;
        }
        String modelIn = options.string("model-in", null);
        ModelSpec spec = modelIn != null && !options.has("spec")
                ? readSnapshot("replay: --model-in", modelIn).spec() : loadSpec(options.string("spec", null));
        ModelSeed seed = modelIn == null ? null : loadSeed("replay: --model-in", modelIn, spec);
        if (seed != null && seed.warning() != null) {
            err.println("replay: warning: " + seed.warning());
        }
        Path input = Path.of(options.required("replay", "input"));
        if (!Files.isReadable(input)) {
            throw new UsageException("replay: --input " + input + ": no such readable file");
        }
        String modelId = options.string("model-id", "default");
        for (String file : new String[] {"output", "model"}) {
            if (options.has(file)) {
                Path parent = Path.of(options.string(file, null)).toAbsolutePath().getParent();
                if (parent != null && !Files.isDirectory(parent)) {
                    throw new UsageException("replay: --" + file + " " + options.string(file, null)
                            + ": directory " + parent + " does not exist");
                }
            }
        }

        ReadingParser parser = new ReadingParser(spec);
        Reading reading = new Reading(spec.features().size());
        LateLabel label = new LateLabel();
        long[] waitedInVain = {0};
        PendingReadings.Storage waitingStore = PendingReadings.inMemory();
        PendingReadings pending = new PendingReadings(spec, waitingStore, LearnerSettings.DEFAULT_LABEL_MAX_DELAY.toMillis(),
                LearnerSettings.DEFAULT_LABEL_MAX_PENDING, (m, r) -> { });
        WaitingLabels labels = new WaitingLabels(spec, waitingStore, LearnerSettings.DEFAULT_LABEL_MAX_DELAY.toMillis(),
                LearnerSettings.DEFAULT_LABEL_MAX_PENDING, (m, reason, message, line) -> {
                    // A label line that waited for its reading in vain: its dead letter is its line number.
                    waitedInVain[0]++;
                    err.println("replay: line " + ByteBuffer.wrap(line).getLong() + ": late label unmatched ("
                            + RejectReason.UNMATCHED_LABEL.id() + "): " + message);
                });
        long streamTime = Long.MIN_VALUE;
        long rejected = 0;
        long unmatched = 0;
        long lineNumber = 0;
        OnlineModel lastModel;

        try (InputStream lines = new BufferedInputStream(Files.newInputStream(input), 1 << 16);
             OutputStream predictionOut = options.has("output")
                     ? new BufferedOutputStream(Files.newOutputStream(Path.of(options.string("output", null))), 1 << 16)
                     : OutputStream.nullOutputStream()) {
            Summary summary = new Summary(spec, predictionOut);
            Learner learner = Learner.offline(spec, seed != null ? seed::newModel : () -> OnlineModel.create(spec),
                    LearnerSettings.DEFAULT_METRICS_WINDOW, pending, labels, summary);
            // Lines are handed to the parser as bytes, undecoded, so that a line that is not
            // UTF-8 is rejected like any other bad reading instead of failing the whole read.
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            while (readLine(lines, line)) {
                lineNumber++;
                byte[] bytes = line.toByteArray();
                if (isBlank(bytes)) {
                    continue;
                }
                try {
                    parser.parse(bytes, reading);
                } catch (InvalidReadingException e) {
                    InvalidReadingException why = e;
                    if (parser.lackedFeatures()) {
                        try {
                            parser.parse(bytes, label);
                            long at = lineNumber;
                            learner.label(modelId, label, streamTime, streamTime,
                                    () -> ByteBuffer.allocate(Long.BYTES).putLong(at).array());
                            continue;
                        } catch (InvalidReadingException notALabel) {
                            why = notALabel;
                        } catch (RejectedReadingException unmatchedLabel) {
                            unmatched++;
                            err.println("replay: line " + lineNumber + ": late label unmatched ("
                                    + unmatchedLabel.reason().id() + "): " + unmatchedLabel.getMessage());
                            continue;
                        }
                    }
                    rejected++;
                    err.println("replay: line " + lineNumber + " rejected (" + why.reason().id() + "): " + why.getMessage());
                    continue;
                }
                // Offline there is no record timestamp; a reading without one keeps its line number,
                // and the reading's timestamp stands for the record's.
                reading.defaultTimestamp(lineNumber);
                streamTime = Math.max(streamTime, reading.timestamp());
                // Offline, expiry is checked at each reading rather than on a stream-time schedule.
                learner.expireWaiting(streamTime);
                learner.reading(modelId, reading, reading.timestamp(), streamTime);
            }
            // The labels still waiting for their reading: the file did not have it.
            labels.endOfInput();
            unmatched += waitedInVain[0];
            lastModel = learner.model(modelId);
            if (lastModel == null) {
                lastModel = seed != null ? seed.newModel() : OnlineModel.create(spec);
            }
            out.println(summary(summary.metrics, summary.matched, unmatched, rejected, lastModel, summary.championChanges));
        }
        if (options.has("model")) {
            Files.writeString(Path.of(options.string("model", null)), ModelSnapshot.toJsonString(lastModel) + "\n");
        }
        return 0;
    }

    /** Replay's outputs: the predictions to the output file, their quality to the summary. */
    private static final class Summary implements Learner.Outputs {
        final PrequentialMetrics metrics;
        final OutputStream predictions;
        long matched;
        long championChanges;

        Summary(ModelSpec spec, OutputStream predictions) {
            this.metrics = new PrequentialMetrics(spec);
            this.predictions = predictions;
        }

        @Override
        public void prediction(String sensorId, byte[] json, long timestamp, StepResult result, long modelVersion) {
            metrics.add(result, modelVersion);
            if (result.championBefore() != null) {
                championChanges++;
            }
            try {
                predictions.write(json);
                predictions.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void lateLabel(StepResult result, long modelVersion) {
            matched++;
            metrics.addLate(result, modelVersion);
            if (result.championBefore() != null) {
                championChanges++;
            }
        }

        @Override
        public void earlyLabel() {
            matched++;
        }



    }

    /** Reads up to the next newline (dropped, with a preceding CR) into {@code line}; false at end of input. */
    private static boolean readLine(InputStream in, ByteArrayOutputStream line) throws IOException {
        line.reset();
        int b = in.read();
        if (b < 0) {
            return false;
        }
        while (b >= 0 && b != '\n') {
            line.write(b);
            b = in.read();
        }
        return true;
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    static String summary(PrequentialMetrics metrics, long matched, long unmatched, long rejected, OnlineModel model,
                          long championChanges) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(text)) {
            g.writeStartObject();
            g.writeNumberField("records", metrics.records() + matched + unmatched + rejected);
            g.writeNumberField("labeled", metrics.labeled());
            g.writeNumberField("matchedLabels", matched);
            g.writeNumberField("unmatchedLabels", unmatched);
            g.writeNumberField("rejected", rejected);
            g.writeNumberField("diverged", metrics.diverged());
            g.writeNumberField("drifts", metrics.drifts());
            MetricsJson.quality(g, metrics);
            g.writeNumberField("modelVersion", model.modelVersion());
            if (model.spec().hasCandidates()) {
                g.writeStringField("champion", model.champion());
                g.writeNumberField("championChanges", championChanges);
            }
            g.writeEndObject();
        }
        return text.toString();
    }

    /** The snapshot JSON in {@code file}, as a seed for models of {@code spec}; {@code what} names the option. */
    static ModelSeed loadSeed(String what, String file, ModelSpec spec) {
        try {
            return ModelSeed.of(spec, readSnapshot(what, file), file);
        } catch (SpecException e) {
            throw new UsageException(what + " " + e.getMessage());
        }
    }

    private static OnlineModel readSnapshot(String what, String file) {
        try {
            return ModelSnapshot.fromJson(Files.readString(Path.of(file)));
        } catch (NoSuchFileException e) {
            throw new UsageException(what + " " + file + ": no such file");
        } catch (IOException e) {
            throw new UsageException(what + " " + file + ": " + e.getMessage());
        } catch (SpecException e) {
            // "not a model snapshot (...)" says itself what the file is not; other errors name the field.
            throw new UsageException(what + " " + file + ": " + (e.reason().startsWith(ModelSnapshot.NOT_A_SNAPSHOT)
                    ? e.reason() : e.getMessage()));
        }
    }

    /** The spec in {@code file}, or the built-in default when file is null. */
    static ModelSpec loadSpec(String file) {
        if (file == null) {
            return SpecJson.defaultSpec();
        }
        try {
            return SpecJson.parse(Files.readString(Path.of(file)));
        } catch (NoSuchFileException e) {
            throw new UsageException("spec file " + file + ": no such file");
        } catch (IOException e) {
            throw new UsageException("spec file " + file + ": " + e.getMessage());
        } catch (SpecException e) {
            throw new UsageException("spec file " + file + ": " + e.getMessage());
        }
    }
}
