package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import streamlearn.model.Reading;
import streamlearn.stream.Topics;

/**
 * The live page in a real browser (Debian's headless Chromium through its chromedriver): it loads
 * with no console error, its charts gain points while the learner runs, a drift marker appears
 * after the machine runs hotter (and its classes move), the chosen model's candidates' weights are charted and the
 * table names each model's champion (the default spec is a pool), and the models table (paged, searchable) shows every
 * model of a 100-sensor run. A screenshot goes to {@code target/page.png}. Without Chromium and chromedriver
 * installed it fails under CI ({@code .ci/run} installs them) and is skipped elsewhere.
 */
class PageIT {
    private static final int SENSORS = 100;
    private static final int RATE = 2_000;
    @RegisterExtension
    static final BrokerExtension broker = new BrokerExtension();

    @Test
    @Timeout(300)
    void thePageShowsTheLearnerLive(@TempDir Path tmp) throws Exception {
        Path chromium = Path.of(ExternalTools.require("chromium", "apt-get install chromium"));
        Path chromedriver = Path.of(ExternalTools.require("chromedriver", "apt-get install chromium-driver"));
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("page");
        KafkaTestSupport.createTopics(bootstrap, topics, 2);
        Map<String, String> config = KafkaTestSupport.learnerConfig(bootstrap, topics, "page-it", tmp.resolve("state"),
                KafkaTestSupport.freePort());
        config.put("model.key", "sensor");
        config.put("metrics.window", "1s");
        config.remove("kafka.session.timeout.ms");
        config.remove("kafka.heartbeat.interval.ms");
        AtomicBoolean hot = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        try (LearnerApp app = LearnerApp.start(StreamlearnConfig.of(config))) {
            Thread simulator = new Thread(() -> simulate(bootstrap, topics.readings(), hot, stop), "page-simulator");
            simulator.setDaemon(true);
            simulator.start();
            ChromeDriver browser = browser(chromium, chromedriver);
            try {
                String url = "http://127.0.0.1:" + app.metricsPort() + "/";
                browser.get(url);
                awaitPage(browser, "appPoints", 2, Duration.ofSeconds(60));
                long before = pageNumber(browser, "appPoints");
                Thread.sleep(4_000);
                long after = pageNumber(browser, "appPoints");
                assertTrue(after > before, "the charts gain points: " + before + " -> " + after);
                awaitPage(browser, "modelPoints", 2, Duration.ofSeconds(30));

                // The default spec is a pool: the chosen model's candidates' weights are charted, and
                // the table has a champion column naming one of them per model.
                awaitPage(browser, "weightPoints", 2, Duration.ofSeconds(30));
                assertEquals(3, pageNumber(browser, "candidates"), "main, linear and wide");
                WebElement weights = browser.findElement(By.id("model-weights-box"));
                assertTrue(weights.isDisplayed(), "the weights chart is shown");
                assertEquals(1, weights.findElements(By.cssSelector("canvas")).size(), "one chart");
                List<String> candidates = List.of("main", "linear", "wide");
                assertTrue(candidates.contains(pageString(browser, "champion")), pageString(browser, "champion"));
                List<String> head = columnTexts(browser, "#models thead th");
                assertEquals("champion", head.get(head.size() - 1), "the table's head: " + head);
                List<String> champions = columnTexts(browser, "#models tbody tr td:last-child");
                assertTrue(!champions.isEmpty() && champions.stream().allMatch(candidates::contains), "champions: " + champions);
                // What the page read: GET /models names each one's champion, /models/{id} each window's weights.
                JsonNode models = getJson(app.metricsPort(), "/models?size=5");
                for (JsonNode m : models.get("models")) {
                    assertTrue(candidates.contains(m.get("champion").asText()), m.toString());
                }
                String listedFirst = models.get("models").get(0).get("id").asText();
                JsonNode model = getJson(app.metricsPort(), "/models/" + listedFirst);
                for (JsonNode w : model.get("windows")) {
                    KafkaTestSupport.assertPoolWindow(w, candidates);
                }

                // Every model of the run, page by page, by id (worst first moves as the windows close).
                awaitPage(browser, "total", SENSORS, Duration.ofSeconds(60));
                new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("sort"))).selectByValue("id");
                long sortDeadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (!firstRow(browser).equals("press-00") && System.nanoTime() < sortDeadline) {
                    Thread.sleep(100);
                }
                assertEquals("press-00", firstRow(browser), "sorted by id");
                TreeSet<String> listed = new TreeSet<>();
                for (int page = 0; page < 10; page++) {
                    listed.addAll(rows(browser));
                    WebElement next = browser.findElement(By.id("next"));
                    if (!next.isEnabled()) {
                        break;
                    }
                    long updates = pageNumber(browser, "updates");
                    String first = firstRow(browser);
                    next.click();
                    awaitChange(browser, first, updates);
                }
                assertEquals(SENSORS, listed.size(), "models in the table: " + listed);
                // Searchable: one sensor's name finds it alone.
                WebElement search = browser.findElement(By.id("search"));
                search.sendKeys("press-42");
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                List<String> found = List.of();
                while (System.nanoTime() < deadline) {
                    found = rows(browser);
                    if (found.equals(List.of("press-42"))) {
                        break;
                    }
                    Thread.sleep(200);
                }
                assertEquals(List.of("press-42"), found);
                // Emptied as a person would, so that the page sees the input change: every model again.
                search.sendKeys(org.openqa.selenium.Keys.chord(org.openqa.selenium.Keys.CONTROL, "a"),
                        org.openqa.selenium.Keys.BACK_SPACE);
                deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (System.nanoTime() < deadline && rows(browser).size() <= 1) {
                    Thread.sleep(200);
                }
                assertTrue(rows(browser).size() > 1, "an empty search lists every model again: " + rows(browser));
                new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("sort"))).selectByValue("accuracy");

                // The machine runs 15 C hotter: drifts are detected and marked on the charts.
                hot.set(true);
                awaitPage(browser, "driftMarkers", 1, Duration.ofSeconds(120));
                Thread.sleep(3_000);
                Files.createDirectories(Path.of("target"));
                Files.write(Path.of("target", "page.png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

                List<String> errors = new ArrayList<>();
                for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
                    if (entry.getLevel().intValue() >= Level.WARNING.intValue()) {
                        errors.add(entry.getLevel() + " " + entry.getMessage());
                    }
                }
                assertEquals(List.of(), errors, "console errors and warnings");
                assertEquals(0, pageNumber(browser, "errors"), "failed refreshes");
            } finally {
                browser.quit();
                stop.set(true);
                simulator.join(10_000);
            }
        }
    }

    private static ChromeDriver browser(Path chromium, Path chromedriver) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1300", "--no-first-run", "--disable-extensions");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .withLogOutput(System.err).build();
        return new ChromeDriver(service, options);
    }

    private static long pageNumber(ChromeDriver browser, String field) {
        Object v = ((JavascriptExecutor) browser).executeScript(
                "return window.streamlearnPage ? window.streamlearnPage['" + field + "'] : -1;");
        return v == null ? -1 : ((Number) v).longValue();
    }

    private static String pageString(ChromeDriver browser, String field) {
        Object v = ((JavascriptExecutor) browser).executeScript(
                "return window.streamlearnPage ? window.streamlearnPage['" + field + "'] : null;");
        return v == null ? null : v.toString();
    }

    @SuppressWarnings("unchecked")
    private static List<String> columnTexts(ChromeDriver browser, String selector) {
        return (List<String>) ((JavascriptExecutor) browser).executeScript(
                "return Array.from(document.querySelectorAll('" + selector + "')).map(function (e) { return e.textContent; });");
    }

    private static JsonNode getJson(int port, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), path + ": " + response.body());
        return new ObjectMapper().readTree(response.body());
    }

    private static String firstRow(ChromeDriver browser) {
        List<String> rows = rows(browser);
        return rows.isEmpty() ? "" : rows.get(0);
    }

    /** The models of the table's rows now, read in one script (the table is redrawn at every refresh). */
    @SuppressWarnings("unchecked")
    private static List<String> rows(ChromeDriver browser) {
        return (List<String>) ((JavascriptExecutor) browser).executeScript(
                "return Array.from(document.querySelectorAll('#models tbody tr')).map(function (r) { return r.dataset.model; });");
    }

    private static void awaitChange(ChromeDriver browser, String first, long updates) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (!firstRow(browser).equals(first) && pageNumber(browser, "updates") > updates) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the table did not turn the page");
    }

    private static void awaitPage(ChromeDriver browser, String field, long atLeast, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = -1;
        while (System.nanoTime() < deadline) {
            last = pageNumber(browser, field);
            if (last >= atLeast) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the page's " + field + " stayed at " + last + " (wanted " + atLeast + ") for " + timeout);
    }

    /** 100 sensors at RATE readings/s, current timestamps; 15 C hotter, and the classes moved, once {@code hot} is set. */
    private static void simulate(String bootstrap, String topic, AtomicBoolean hot, AtomicBoolean stop) {
        SensorReadingGenerator generator = new SensorReadingGenerator(9, SENSORS, 0.1);
        Reading r = new Reading(2);
        try (KafkaProducer<String, byte[]> producer = KafkaTestSupport.producer(bootstrap)) {
            while (!stop.get()) {
                long tick = System.nanoTime();
                for (int i = 0; i < RATE / 10; i++) {
                    generator.next(r, System.currentTimeMillis());
                    if (hot.get()) {
                        // The machine runs hotter, and what each reading means moved with it:
                        // every model's error jumps, so every model soon detects the drift.
                        r.setFeature(0, r.features()[0] + 15);
                        if (r.label() >= 0) {
                            r.setLabel((r.label() + 1) % 3);
                        }
                    }
                    producer.send(new ProducerRecord<>(topic, r.sensorId(),
                            KafkaTestSupport.readingJson(r).getBytes(StandardCharsets.UTF_8)));
                }
                long sleep = 100 - (System.nanoTime() - tick) / 1_000_000;
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
