package streamlearn.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Learning quality beside MOA's adaptive learners: streamlearn's default model, MOA's
 * HoeffdingAdaptiveTree (HAT) and AdaptiveRandomForest (ARF), on the same readings in the same
 * run, prequentially (each reading predicted first, then trained on with its label). Prints a
 * Markdown report to standard output; progress goes to standard error.
 *
 * <pre>
 * mvn -B -q -Pbench -DskipTests package &amp;&amp; java -cp target/benchmarks.jar streamlearn.bench.QualityHarness \
 *     [--only NAME[,NAME]] [--seeds 3] [--threads N] [--arf-trees N] [--no-fork] [--commit HASH]
 * </pre>
 *
 * The first build needs the network for MOA (nz.ac.waikato.cms.moa:moa, GPL-3.0, only in the
 * {@code bench} profile, never in the app jar). {@code --commit} (or {@code -Dharness.commit=})
 * names the commit in the report; without it the harness asks {@code git rev-parse --short HEAD}
 * in the working directory and flags uncommitted changes under src/main.
 *
 * <p>Scenarios ({@code --only} takes these names, comma-separated; default all):
 * <ul>
 * <li>{@code stationary}: the seeds' stream, 200,000 readings, accuracy over the last 100,000, per
 *     stream seed 1..N and their mean (no classifier can beat 0.9754 here).
 * <li>{@code hotter}: every temperature +15 °C from reading 100,000; accuracy before, in 1,000-reading
 *     windows after the change, and over the last 50,000.
 * <li>{@code boundary}: from reading 100,000 the labels warning and critical swap (readings drawn
 *     from the warning box are labeled critical and the other way round).
 * <li>{@code glitch}: the default spec without {@code ranges}: (a) one temperature 1e200 at reading
 *     50,000, (b) one 65535 there, (c) 1% of readings glitched by the simulator's SensorGlitches;
 *     each beside the clean run. MOA's learners get the same glitched values.
 * <li>{@code sea}, {@code hyperplane}, {@code rbf}, {@code agrawal}: MOA's drift generators,
 *     100,000 instances each ({@link #moaCli}); streamlearn runs the default spec with MOA's
 *     attributes as features, its class values as classes and the output layer sized to them.
 * </ul>
 * The seeds' scenarios run stream seeds 1..{@code --seeds} (default 3) and report the mean; the
 * MOA streams run once, every seed fixed.
 *
 * <p>Cost: every run is a task on {@code --threads} threads (default: the CPU count), longest
 * first, each learner single-threaded; results do not depend on the thread count. ARF with MOA's
 * default 100 trees is by far the slowest learner (0.3 to 0.5 ms a reading on the seeds' stream,
 * 1 to 7 ms on the MOA streams, on a 2-core EPYC; streamlearn and HAT take a few µs), so it sets
 * the run time: the full default run took 23 minutes on 2 cores, 99% of it ARF's. To cut it, every
 * learner on a tampered seeds' stream continues from a copy of itself on the clean stream at the
 * first tampered reading ({@link QualityJob}; {@code --no-fork} runs them from scratch, with the
 * same results); {@code --arf-trees N} trades fidelity for time with a smaller forest (the report
 * says so).
 */
public final class QualityHarness {
    static final int SENSOR_READINGS = 200_000;
    static final int CHANGE_AT = 100_000;
    static final int GLITCH_AT = 50_000;
    static final int MOA_INSTANCES = 100_000;
    static final double BAYES_BOUND = 0.9754;
    static final List<String> SCENARIOS = List.of("stationary", "hotter", "boundary", "glitch",
            "sea", "hyperplane", "rbf", "agrawal", "led", "waveform");
    static final QualityLearner[] LEARNERS = QualityLearner.values();

    private final int seeds;
    private final boolean fork;
    private final ThreadPoolExecutor pool;
    /** Every run the chosen scenarios need, by run key: a run two scenarios need is made once. */
    private final Map<String, QualityJob> jobs = new LinkedHashMap<>();
    private final List<String> timing = new ArrayList<>();
    /** The MOA streams' results, printed together after the last of them (see footer). */
    private final List<String[]> moaRows = new ArrayList<>();
    private final List<String> agrawalRows = new ArrayList<>();
    private final long t0 = System.nanoTime();

    /** A scenario: the runs it reads and the tables it prints from them. */
    private record Scenario(String name, List<QualityJob> jobs, Runnable report) {
    }

    private QualityHarness(int seeds, int threads, boolean fork) {
        this.seeds = seeds;
        this.fork = fork;
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new PriorityBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "quality");
            t.setDaemon(true);
            return t;
        });
    }

    public static void main(String[] args) throws Exception {
        Set<String> only = new LinkedHashSet<>(SCENARIOS);
        int seeds = 3;
        int threads = Runtime.getRuntime().availableProcessors();
        boolean fork = true;
        String commit = System.getProperty("harness.commit");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (arg) {
                case "--only" -> {
                    only.clear();
                    for (String name : required(arg, value).split(",")) {
                        if (!SCENARIOS.contains(name.trim())) {
                            usage("unknown scenario '" + name + "' (expected " + String.join(", ", SCENARIOS) + ")");
                        }
                        only.add(name.trim());
                    }
                    i++;
                }
                case "--seeds" -> {
                    seeds = positive(arg, required(arg, value));
                    i++;
                }
                case "--threads" -> {
                    threads = positive(arg, required(arg, value));
                    i++;
                }
                case "--arf-trees" -> {
                    QualityLearner.arfTrees = positive(arg, required(arg, value));
                    i++;
                }
                case "--no-fork" -> fork = false;
                case "--commit" -> {
                    commit = required(arg, value);
                    i++;
                }
                case "-h", "--help" -> usage(null);
                default -> usage("unknown argument '" + arg + "'");
            }
        }
        QualityHarness harness = new QualityHarness(seeds, threads, fork);
        harness.header(commit, threads, only);
        List<Scenario> planned = new ArrayList<>();
        for (String name : SCENARIOS) {
            if (only.contains(name)) {
                planned.add(harness.plan(name));
            }
        }
        harness.start();
        for (Scenario scenario : planned) {
            harness.report(scenario);
        }
        harness.footer();
        harness.pool.shutdown();
    }

    private Scenario plan(String name) {
        return switch (name) {
            case "stationary" -> stationary();
            case "hotter" -> hotter();
            case "boundary" -> boundary();
            case "glitch" -> glitch();
            default -> moaStream(name);
        };
    }

    /** Links each forkable run on a tampered stream to the same learner's run on its clean stream, then starts the roots, longest first. */
    private void start() {
        List<QualityJob> roots = new ArrayList<>();
        for (QualityJob job : jobs.values()) {
            QualityJob trunk = null;
            if (fork && job.source.trunkKey() != null) {
                trunk = jobs.get(runKey(job.source.trunkKey(), job.learner, null));
            }
            if (trunk != null) {
                trunk.addBranch(job, job.source.sharedPrefix());
            } else {
                roots.add(job);
            }
        }
        roots.sort(null);
        System.err.printf(Locale.ROOT, "%d runs (%d continue another's learner), %d threads%n", jobs.size(),
                jobs.size() - roots.size(), pool.getCorePoolSize());
        pool.prestartAllCoreThreads();
        for (QualityJob job : roots) {
            job.submit(pool);
        }
    }

    /** Waits for the scenario's runs, prints its tables and notes its timing. */
    private void report(Scenario scenario) throws Exception {
        for (QualityJob job : scenario.jobs()) {
            try {
                job.result.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException(scenario.name() + ": " + job.learner.label + " on " + job.source.key()
                        + " failed", e.getCause());
            }
        }
        Map<String, Long> checksums = new HashMap<>();
        for (QualityJob job : scenario.jobs()) {
            Long other = checksums.putIfAbsent(job.source.key(), job.result.join().checksum());
            if (other != null && other != job.result.join().checksum()) {
                throw new IllegalStateException("the learners saw different readings on " + job.source.key());
            }
        }
        scenario.report().run();
        Map<QualityLearner, Double> seconds = new EnumMap<>(QualityLearner.class);
        int runs = 0;
        for (QualityJob job : jobs.values()) {
            if (job.scenario.equals(scenario.name())) {
                seconds.merge(job.learner, job.result.join().seconds(), Double::sum);
                runs++;
            }
        }
        double at = (System.nanoTime() - t0) / 1e9;
        timing.add(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.0f |", scenario.name(), runs,
                seconds.getOrDefault(QualityLearner.STREAMLEARN, 0.0), seconds.getOrDefault(QualityLearner.HAT, 0.0),
                seconds.getOrDefault(QualityLearner.ARF, 0.0), at));
        System.err.printf(Locale.ROOT, "== %s reported at %.0f s%n", scenario.name(), at);
    }

    private static String runKey(String sourceKey, QualityLearner learner, String specJson) {
        return sourceKey + "|" + learner + (learner == QualityLearner.STREAMLEARN ? "|" + specJson : "");
    }

    /** The runs of every learner on {@code sources} (streamlearn with {@code specJson}), made once however many scenarios need them. */
    private List<QualityJob> need(String scenario, List<? extends QualitySource> sources, String specJson) {
        List<QualityJob> needed = new ArrayList<>();
        for (QualitySource source : sources) {
            for (QualityLearner learner : LEARNERS) {
                needed.add(jobs.computeIfAbsent(runKey(source.key(), learner, specJson),
                        k -> new QualityJob(source, learner, specJson, scenario)));
            }
        }
        return needed;
    }

    /** The run of {@code learner} on {@code source} (already needed). */
    private QualityJob.Run run(QualitySource source, QualityLearner learner, String specJson) {
        return jobs.get(runKey(source.key(), learner, specJson)).result.join();
    }

    // ---------------------------------------------------------------- the seeds' stream

    private List<SensorSource> sensor(String variant, SensorSource.Tamper tamper, int untouched) {
        List<SensorSource> sources = new ArrayList<>();
        for (long seed = 1; seed <= seeds; seed++) {
            sources.add(tamper == null ? SensorSource.clean(seed, SENSOR_READINGS)
                    : SensorSource.tampered(variant, seed, SENSOR_READINGS, tamper, untouched));
        }
        return sources;
    }

    private Scenario stationary() {
        String spec = DefaultSpecJson.text();
        List<SensorSource> sources = sensor("clean", null, 0);
        return new Scenario("stationary", need("stationary", sources, spec), () -> {
            out("## stationary: the seeds' stream, accuracy over readings [100k, 200k) of 200,000");
            out("");
            out("Three overlapping classes, all readings labeled; no classifier can beat " + BAYES_BOUND + ".");
            out("");
            out("| stream seed | streamlearn | HAT | ARF |");
            out("|---|---|---|---|");
            double[] mean = new double[LEARNERS.length];
            for (int s = 0; s < sources.size(); s++) {
                StringBuilder row = new StringBuilder("| " + (s + 1) + " |");
                for (QualityLearner l : LEARNERS) {
                    double a = run(sources.get(s), l, spec).accuracy(SENSOR_READINGS - 100_000, SENSOR_READINGS);
                    mean[l.ordinal()] += a / sources.size();
                    row.append(' ').append(f4(a)).append(" |");
                }
                out(row.toString());
            }
            StringBuilder row = new StringBuilder("| **mean** |");
            for (double m : mean) {
                row.append(" **").append(f4(m)).append("** |");
            }
            out(row.toString());
            out("");
        });
    }

    private Scenario hotter() {
        String spec = DefaultSpecJson.text();
        List<SensorSource> sources = sensor("hotter15", SensorSource.hotter(CHANGE_AT, 15.0), CHANGE_AT);
        return new Scenario("hotter", need("hotter", sources, spec), () -> {
            out("## hotter: every temperature +15 °C from reading 100,000 (mean over stream seeds 1-" + seeds + ")");
            out("");
            windowTable(sources, spec, new int[][] {
                    {90_000, 100_000}, {100_000, 101_000}, {101_000, 102_000}, {102_000, 103_000},
                    {105_000, 106_000}, {120_000, 121_000}, {150_000, 200_000}},
                    new String[] {"before", "0-1k after", "1k-2k after", "2k-3k after", "5k-6k after", "20k-21k after", "last 50k"});
        });
    }

    private Scenario boundary() {
        String spec = DefaultSpecJson.text();
        List<SensorSource> sources = sensor("swap-warning-critical", SensorSource.swapLabels(CHANGE_AT, 1, 2), CHANGE_AT);
        return new Scenario("boundary", need("boundary", sources, spec), () -> {
            out("## boundary: labels warning and critical swapped from reading 100,000 (mean over stream seeds 1-" + seeds + ")");
            out("");
            windowTable(sources, spec, new int[][] {
                    {90_000, 100_000}, {100_000, 120_000}, {101_000, 102_000}, {105_000, 106_000}, {150_000, 200_000}},
                    new String[] {"before", "20k after", "1k-2k after", "5k-6k after", "last 50k"});
        });
    }

    private Scenario glitch() {
        String spec = DefaultSpecJson.withoutRanges();
        List<SensorSource> clean = sensor("clean", null, 0);
        List<SensorSource> spike = sensor("1e200@50000", SensorSource.oneValue(GLITCH_AT, 0, 1e200), GLITCH_AT);
        List<SensorSource> sentinel = sensor("65535@50000", SensorSource.oneValue(GLITCH_AT, 0, 65535), GLITCH_AT);
        List<SensorSource> glitched = new ArrayList<>();
        for (long seed = 1; seed <= seeds; seed++) {
            glitched.add(SensorSource.tampered("glitches1%", seed, SENSOR_READINGS, SensorSource.glitches(seed, 0.01), 0));
        }
        List<QualityJob> needed = new ArrayList<>();
        for (List<SensorSource> sources : List.of(clean, spike, sentinel, glitched)) {
            needed.addAll(need("glitch", sources, spec));
        }
        return new Scenario("glitch", needed, () -> {
            out("## glitch: the default spec without `ranges` (mean over stream seeds 1-" + seeds + ")");
            out("");
            out("| run | readings | streamlearn | HAT | ARF |");
            out("|---|---|---|---|---|");
            int[] next10k = {GLITCH_AT, GLITCH_AT + 10_000};
            int[] last50k = {SENSOR_READINGS - 50_000, SENSOR_READINGS};
            int[] last100k = {SENSOR_READINGS - 100_000, SENSOR_READINGS};
            meanRow("clean", "[50k, 60k)", clean, spec, next10k);
            meanRow("(a) temperature 1e200 at reading 50,000", "[50k, 60k)", spike, spec, next10k);
            meanRow("clean", "last 50k", clean, spec, last50k);
            meanRow("(a) temperature 1e200 at reading 50,000", "last 50k", spike, spec, last50k);
            meanRow("(b) temperature 65535 at reading 50,000", "[50k, 60k)", sentinel, spec, next10k);
            meanRow("(b) temperature 65535 at reading 50,000", "last 50k", sentinel, spec, last50k);
            meanRow("clean", "last 100k", clean, spec, last100k);
            meanRow("(c) 1% of readings glitched (SensorGlitches)", "last 100k", glitched, spec, last100k);
            out("");
        });
    }

    private void windowTable(List<SensorSource> sources, String spec, int[][] windows, String[] names) {
        out("| readings | | streamlearn | HAT | ARF |");
        out("|---|---|---|---|---|");
        for (int w = 0; w < windows.length; w++) {
            meanRow(window(windows[w]), names[w], sources, spec, windows[w]);
        }
        out("");
    }

    private void meanRow(String first, String second, List<SensorSource> sources, String spec, int[] window) {
        StringBuilder row = new StringBuilder("| " + first + " | " + second + " |");
        for (QualityLearner l : LEARNERS) {
            double mean = 0;
            for (SensorSource s : sources) {
                mean += run(s, l, spec).accuracy(window[0], window[1]) / sources.size();
            }
            row.append(' ').append(f4(mean)).append(" |");
        }
        out(row.toString());
    }

    // ---------------------------------------------------------------- MOA's drift streams

    /** The MOA streams: every seed fixed (instanceRandomSeed, ConceptDriftStream's randomSeed, modelRandomSeed). */
    /**
     * One of the harness's streams by name, for the probes: the seeds' stream {@code stationary},
     * {@code hotter} (+15 °C) or {@code boundary} (warning and critical swapped) of stream seed
     * {@code seed}, changed at {@link #CHANGE_AT}; otherwise the MOA stream of {@link #moaCli},
     * {@code instances} long.
     */
    static QualitySource stream(String name, long seed, int instances) {
        return switch (name) {
            case "stationary" -> SensorSource.clean(seed, SENSOR_READINGS);
            case "hotter" -> SensorSource.tampered("hotter15", seed, SENSOR_READINGS, SensorSource.hotter(CHANGE_AT, 15.0), CHANGE_AT);
            case "boundary" -> SensorSource.tampered("swap", seed, SENSOR_READINGS, SensorSource.swapLabels(CHANGE_AT, 1, 2), CHANGE_AT);
            default -> new MoaSource(name, moaCli(name), instances);
        };
    }

    static String moaCli(String name) {
        return switch (name) {
            // SEA functions 1 -> 2 -> 3 -> 4, abrupt changes at 25k, 50k, 75k (a nested stream counts
            // from its first instance, i.e. from its parent's change), 10% class noise (the default).
            case "sea" -> "ConceptDriftStream -s (generators.SEAGenerator -f 1 -i 1 -n 10)"
                    + " -d (ConceptDriftStream -s (generators.SEAGenerator -f 2 -i 2 -n 10)"
                    + " -d (ConceptDriftStream -s (generators.SEAGenerator -f 3 -i 3 -n 10)"
                    + " -d (generators.SEAGenerator -f 4 -i 4 -n 10) -p 25000 -w 1 -r 1)"
                    + " -p 25000 -w 1 -r 1) -p 25000 -w 1 -r 1";
            case "hyperplane" -> "generators.HyperplaneGenerator -i 1 -a 10 -t 0.001 -n 10";
            case "rbf" -> "generators.RandomRBFGeneratorDrift -r 1 -i 1 -n 50 -k 50 -s 0.001";
            // Agrawal function 1 -> 2, abrupt at 50k.
            case "agrawal" -> "ConceptDriftStream -s (generators.AgrawalGenerator -f 1 -i 1)"
                    + " -d (generators.AgrawalGenerator -f 2 -i 2) -p 50000 -w 1 -r 1";
            // LED (7 segments + 17 irrelevant attributes, 10% noise, 10 classes): 1 -> 7 attributes
            // drifted (swapped with irrelevant ones), abrupt at 50k.
            case "led" -> "ConceptDriftStream -s (generators.LEDGeneratorDrift -i 1 -d 1)"
                    + " -d (generators.LEDGeneratorDrift -i 2 -d 7) -p 50000 -w 1 -r 1";
            // Waveform: 21 attributes, 3 classes, stationary.
            case "waveform" -> "generators.WaveformGenerator -i 1";
            default -> throw new IllegalArgumentException(name);
        };
    }

    private Scenario moaStream(String name) {
        MoaSource source = new MoaSource(name, moaCli(name), MOA_INSTANCES);
        String spec = DefaultSpecJson.forStream(source.features(), source.classes());
        return new Scenario(name, need(name, List.of(source), spec), () -> {
            double[] all = new double[LEARNERS.length];
            double[] last = new double[LEARNERS.length];
            for (QualityLearner l : LEARNERS) {
                all[l.ordinal()] = run(source, l, spec).accuracy(0, MOA_INSTANCES);
                last[l.ordinal()] = run(source, l, spec).accuracy(MOA_INSTANCES - 50_000, MOA_INSTANCES);
            }
            moaRows.add(new String[] {name, source.features().size() + " / " + source.classes().size(),
                    f4(all[0]), f4(all[1]), f4(all[2]), gap(all),
                    f4(last[0]), f4(last[1]), f4(last[2]), gap(last), source.cli(),
                    "streamlearn features " + String.join(", ", source.features()) + "; classes "
                            + String.join(", ", source.classes()) + (DefaultSpecJson.outputResized(source.classes().size())
                            ? "; output layer " + source.classes().size() + " units" : "")});
            if (name.equals("agrawal")) {
                int[][] windows = {{40_000, 50_000}, {50_000, 51_000}, {51_000, 52_000}, {55_000, 56_000}, {50_000, 60_000}, {90_000, 100_000}};
                String[] names = {"before", "0-1k after", "1k-2k after", "5k-6k after", "10k after", "last 10k"};
                for (int w = 0; w < windows.length; w++) {
                    double[] a = new double[LEARNERS.length];
                    for (QualityLearner l : LEARNERS) {
                        a[l.ordinal()] = run(source, l, spec).accuracy(windows[w][0], windows[w][1]);
                    }
                    agrawalRows.add("| " + window(windows[w]) + " | " + names[w] + " | " + f4(a[0]) + " | " + f4(a[1]) + " | "
                            + f4(a[2]) + " | " + gap(a) + " |");
                }
            }
        });
    }

    static String abbreviate(String key, int length) {
        return key.length() > length ? key.substring(0, length - 3) + "..." : key;
    }

    // ---------------------------------------------------------------- report

    private void header(String commit, int threads, Set<String> only) {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
        out("# streamlearn beside MOA's adaptive learners: prequential accuracy");
        out("");
        out("- date: " + now);
        out("- commit: " + (commit != null ? commit : gitDescription()));
        out("- java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                + System.getProperty("java.vendor") + "); os.arch " + System.getProperty("os.arch") + "; CPUs "
                + Runtime.getRuntime().availableProcessors() + cpuModel() + "; harness threads " + threads);
        out("- scenarios: " + String.join(", ", only) + "; stream seeds 1-" + seeds + " for the seeds' stream");
        out("- streamlearn: `OnlineModel.create` of the default spec (default-spec.json); `glitch` without `ranges`"
                + " (it has none); on the MOA streams the same spec with MOA's attributes as features (a nominal one as"
                + " its value index) and MOA's class values as classes, no `ranges`, and the output layer as wide as"
                + " the classes (the spec's own check demands it)");
        out("- MOA " + moaVersion() + ": HAT `" + QualityLearner.HAT.moaCli() + "`, ARF `" + QualityLearner.ARF.moaCli()
                + "` (MOA's defaults" + (QualityLearner.arfTrees > 0 ? " EXCEPT ensembleSize " + QualityLearner.arfTrees
                + " (--arf-trees)" : "") + "; ARF numberOfJobs 1, randomSeed " + QualityLearner.MOA_RANDOM_SEED + ")");
        out("- prequential: each reading predicted first, then trained on with its label; accuracy over the readings named,"
                + " [from, to) counted from 0");
        out("- " + (fork ? "on a tampered seeds' stream, each learner continues from an exact copy (MOA's copy(),"
                + " streamlearn's snapshot) of itself on the clean stream, taken at the first tampered reading (the readings before are"
                + " checked to be the same); --no-fork runs them from scratch" : "every run from scratch (--no-fork)"));
        out("");
        System.out.flush();
    }

    private void footer() {
        if (!moaRows.isEmpty()) {
            out("## MOA drift streams, " + String.format(Locale.ROOT, "%,d", MOA_INSTANCES) + " instances each");
            out("");
            out("gap: streamlearn minus the better of HAT and ARF.");
            out("");
            out("| stream | features / classes | streamlearn, all | HAT, all | ARF, all | gap, all"
                    + " | streamlearn, last 50k | HAT, last 50k | ARF, last 50k | gap, last 50k |");
            out("|---|---|---|---|---|---|---|---|---|---|");
            for (String[] row : moaRows) {
                out("| " + String.join(" | ", List.of(row).subList(0, 10)) + " |");
            }
            out("");
            if (!agrawalRows.isEmpty()) {
                out("agrawal around its change (function 1 -> 2 at instance 50,000):");
                out("");
                out("| instances | | streamlearn | HAT | ARF | gap |");
                out("|---|---|---|---|---|---|");
                agrawalRows.forEach(QualityHarness::out);
                out("");
            }
            out("The streams, as MOA command lines (package moa.streams):");
            out("");
            for (String[] row : moaRows) {
                out("- " + row[0] + ": `" + row[10] + "` (" + row[11] + ")");
            }
            out("");
        }
        out("## timing");
        out("");
        out("Seconds spent by each learner's runs in each scenario (a run two scenarios share counts in the first;"
                + " a run continued from another's learner counts from there on); runs go in parallel on the harness"
                + " threads, so the last column, when the scenario's tables were ready, is the wall clock.");
        out("");
        out("| scenario | runs | streamlearn s | HAT s | ARF s | ready at s |");
        out("|---|---|---|---|---|---|");
        timing.forEach(QualityHarness::out);
        out(String.format(Locale.ROOT, "%nTotal: %.1f s wall.", (System.nanoTime() - t0) / 1e9));
        System.out.flush();
    }

    private static String window(int[] w) {
        return "[" + k(w[0]) + ", " + k(w[1]) + ")";
    }

    private static String k(int n) {
        return n % 1000 == 0 ? (n / 1000) + "k" : Integer.toString(n);
    }

    private static String gap(double[] a) {
        return String.format(Locale.ROOT, "%+.4f", a[0] - Math.max(a[1], a[2]));
    }

    private static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static void out(String line) {
        System.out.println(line);
    }

    /** {@code git rev-parse --short HEAD}, flagged when src/main has uncommitted changes; "unknown" without git. */
    private static String gitDescription() {
        String head = git("rev-parse", "--short", "HEAD");
        if (head == null || head.isBlank()) {
            return "unknown (pass --commit)";
        }
        String status = git("status", "--porcelain", "--", "src/main");
        return head.trim() + (status != null && !status.isBlank()
                ? " + uncommitted changes under src/main (" + status.strip().lines().count() + " files)" : "");
    }

    private static String git(String... args) {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String cpuModel() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return "";
        }
        try (BufferedReader in = Files.newBufferedReader(cpuinfo)) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("model name")) {
                    return " (" + line.substring(line.indexOf(':') + 1).trim() + ")";
                }
            }
        } catch (IOException e) {
            return "";
        }
        return "";
    }

    private static String moaVersion() {
        try (InputStream in = QualityHarness.class.getResourceAsStream("/META-INF/maven/nz.ac.waikato.cms.moa/moa/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
                return p.getProperty("version", "?");
            }
        } catch (IOException e) {
            // fall through
        }
        return "?";
    }

    private static String required(String option, String value) {
        if (value == null) {
            usage(option + " needs a value");
        }
        return value;
    }

    private static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        usage(option + " needs a positive integer, not '" + value + "'");
        return 0;
    }

    private static void usage(String error) {
        if (error != null) {
            System.err.println("error: " + error);
        }
        System.err.println("usage: java -cp target/benchmarks.jar streamlearn.bench.QualityHarness"
                + " [--only NAME[,NAME]] [--seeds N] [--threads N] [--arf-trees N] [--no-fork] [--commit HASH]");
        System.err.println("scenarios: " + String.join(", ", SCENARIOS));
        System.exit(error == null ? 0 : 2);
    }
}
