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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.PredictionJson;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.PrequentialMetrics;
import streamlearn.model.Reading;
import streamlearn.model.SpecException;
import streamlearn.model.StepResult;

/**
 * {@code replay}: the streaming learner's exact code path, offline, over a file of readings in
 * order. Useful to evaluate a spec, to reproduce what the stream did, and to train a model to
 * seed a deployment with.
 */
public final class ReplayCommand {
    static final String HELP = """
            Usage: streamlearn replay [--spec FILE] --input FILE.jsonl [--output FILE.jsonl] [--model FILE]

            Runs the learner over a file of readings (one JSON reading per line) in order, test then
            train, exactly as the stream does, without Kafka.

              --spec FILE     model spec JSON (default: the built-in sensor classifier)
              --input FILE    readings, one JSON object per line
              --output FILE   write one prediction JSON per reading (same format as the topic)
              --model FILE    write the final model snapshot JSON
              --model-id ID   the model name in predictions (default: default)

            Bad readings are reported on stderr and counted as rejected; the run goes on.
            The last line of stdout is a JSON summary:
              {"records":N,"labeled":N,"rejected":N,"diverged":N,"drifts":N,"meanLoss":X,"accuracy":X,"modelVersion":N}
            (drifts: the changes the spec's drift detector found in the model's error).
            """;

    private ReplayCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        CliOptions options = CliOptions.parse("replay", args, 1,
                Set.of("spec", "input", "output", "model", "model-id"), Set.of());
        if (options.help()) {
            out.print(HELP);
            return 0;
        }
        ModelSpec spec = loadSpec(options.string("spec", null));
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

        OnlineModel model = OnlineModel.create(spec);
        ReadingParser parser = new ReadingParser(spec);
        PredictionJson predictions = new PredictionJson(spec);
        PrequentialMetrics metrics = new PrequentialMetrics(spec);
        Reading reading = new Reading(spec.features().size());
        long rejected = 0;
        long lineNumber = 0;

        try (InputStream lines = new BufferedInputStream(Files.newInputStream(input), 1 << 16);
             OutputStream predictionOut = options.has("output")
                     ? new BufferedOutputStream(Files.newOutputStream(Path.of(options.string("output", null))), 1 << 16)
                     : OutputStream.nullOutputStream()) {
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
                    rejected++;
                    err.println("replay: line " + lineNumber + " rejected (" + e.reason().id() + "): " + e.getMessage());
                    continue;
                }
                // Offline there is no record timestamp; a reading without one keeps its line number.
                reading.defaultTimestamp(lineNumber);
                StepResult result = model.step(reading);
                metrics.add(result, model.modelVersion());
                predictionOut.write(predictions.write(modelId, reading, result));
                predictionOut.write('\n');
            }
        }
        if (options.has("model")) {
            Files.writeString(Path.of(options.string("model", null)), ModelSnapshot.toJsonString(model) + "\n");
        }
        out.println(summary(metrics, rejected, model.modelVersion()));
        return 0;
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

    static String summary(PrequentialMetrics metrics, long rejected, long modelVersion) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(text)) {
            g.writeStartObject();
            g.writeNumberField("records", metrics.records() + rejected);
            g.writeNumberField("labeled", metrics.labeled());
            g.writeNumberField("rejected", rejected);
            g.writeNumberField("diverged", metrics.diverged());
            g.writeNumberField("drifts", metrics.drifts());
            double loss = metrics.meanLoss();
            double accuracy = metrics.accuracy();
            if (Double.isFinite(loss)) {
                g.writeNumberField("meanLoss", loss);
            } else {
                g.writeNullField("meanLoss");
            }
            if (Double.isFinite(accuracy)) {
                g.writeNumberField("accuracy", accuracy);
            } else {
                g.writeNullField("accuracy");
            }
            g.writeNumberField("modelVersion", modelVersion);
            g.writeEndObject();
        }
        return text.toString();
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
