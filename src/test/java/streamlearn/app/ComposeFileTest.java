package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml, the Dockerfile and prometheus/prometheus.yml agree with each other and with
 * the contract: the STREAMLEARN_* variables are configuration keys, the commands and options
 * exist, Prometheus scrapes the port the learner serves.
 */
class ComposeFileTest {
    private static final JsonNode COMPOSE = Dashboards.yaml(Path.of("docker-compose.yml"));

    private static JsonNode service(String name) {
        JsonNode s = COMPOSE.path("services").path(name);
        assertTrue(s.isObject(), "no service " + name);
        return s;
    }

    private static List<String> command(String service) {
        List<String> out = new ArrayList<>();
        service(service).path("command").forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void theServicesAreThere() {
        Set<String> names = new java.util.TreeSet<>();
        COMPOSE.path("services").fieldNames().forEachRemaining(names::add);
        assertEquals(Set.of("kafka", "topics", "streamlearn", "simulator", "prometheus", "grafana"), names);
        assertTrue(service("kafka").path("image").asText().startsWith("apache/kafka:"));
        assertEquals("broker,controller", service("kafka").path("environment").path("KAFKA_PROCESS_ROLES").asText());
        assertTrue(service("kafka").path("healthcheck").isObject(), "kafka needs a healthcheck for depends_on");
        for (String s : List.of("topics", "streamlearn", "simulator")) {
            assertEquals("streamlearn:local", service(s).path("image").asText(), s);
            assertEquals(".", service(s).path("build").asText(), s);
        }
    }

    @Test
    void topicsRunsOnceAfterKafkaIsHealthyAndTheOthersAfterIt() {
        assertEquals(List.of("topics", "create", "--bootstrap", "kafka:9092"), command("topics"));
        assertEquals("service_healthy", service("topics").path("depends_on").path("kafka").path("condition").asText());
        for (String s : List.of("streamlearn", "simulator")) {
            assertEquals("service_completed_successfully",
                    service(s).path("depends_on").path("topics").path("condition").asText(), s);
        }
    }

    @Test
    void theLearnerIsConfiguredThroughKnownKeys() {
        assertEquals(List.of("run"), command("streamlearn"));
        JsonNode env = service("streamlearn").path("environment");
        assertEquals("kafka:9092", env.path("STREAMLEARN_BOOTSTRAP_SERVERS").asText());
        env.fieldNames().forEachRemaining(name -> {
            assertTrue(name.startsWith(StreamlearnConfig.ENV_PREFIX), name);
            String key = name.substring(StreamlearnConfig.ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
            assertTrue(StreamlearnConfig.KEYS.containsKey(key) || key.startsWith(StreamlearnConfig.KAFKA_PREFIX),
                    name + " is no configuration key");
        });
        String port = env.path("STREAMLEARN_METRICS_PORT").asText(StreamlearnConfig.KEYS.get("metrics.port")[0]);
        assertTrue(service("streamlearn").path("ports").toString().contains(port + ":" + port), "port " + port + " not published");
        String stateDir = env.path("STREAMLEARN_STATE_DIR").asText();
        assertTrue(service("streamlearn").path("volumes").toString().contains(":" + stateDir + "\""),
                "the state dir " + stateDir + " is not on a volume");
    }

    @Test
    void theSimulatorUsesTheDocumentedOptions() {
        List<String> cmd = command("simulator");
        assertEquals("simulate", cmd.get(0));
        Set<String> options = Set.of("--bootstrap", "--rate", "--count", "--seed", "--unlabeled-fraction", "--drift-at");
        for (int i = 1; i < cmd.size(); i += 2) {
            assertTrue(options.contains(cmd.get(i)), "unknown simulate option " + cmd.get(i));
        }
        assertTrue(cmd.contains("kafka:9092") && cmd.contains("--rate"), cmd.toString());
    }

    @Test
    void prometheusScrapesTheLearnerWithTheRepositoryConfig() {
        assertTrue(service("prometheus").path("volumes").toString().contains("./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml"));
        JsonNode prom = Dashboards.yaml(Path.of("prometheus/prometheus.yml"));
        String port = service("streamlearn").path("environment").path("STREAMLEARN_METRICS_PORT").asText();
        JsonNode job = prom.path("scrape_configs").get(0);
        assertEquals("/metrics", job.path("metrics_path").asText("/metrics"));
        assertEquals("streamlearn:" + port, job.path("static_configs").get(0).path("targets").get(0).asText());
        assertTrue(service("grafana").path("volumes").toString().contains("./grafana/provisioning:/etc/grafana/provisioning"));
    }

    @Test
    void theImageIsBuiltAndRunAsDocumented() throws Exception {
        String docker = Files.readString(Path.of("Dockerfile"));
        assertTrue(docker.contains("FROM maven:3.9-eclipse-temurin-17 AS build"), "build stage");
        assertTrue(docker.contains("mvn -B -DskipTests package"), "package");
        assertTrue(docker.contains("FROM eclipse-temurin:17-jre"), "runtime stage");
        assertTrue(docker.contains("COPY --from=build /build/target/streamlearn.jar /app/streamlearn.jar"), "jar");
        assertTrue(docker.contains("\"-jar\", \"/app/streamlearn.jar\"]"), "entrypoint");
        // The build copies topics/ (the jar carries topics.json for `topics create`): .dockerignore must not drop it.
        String ignore = Files.readString(Path.of(".dockerignore"));
        for (String needed : List.of("pom.xml", "src", "topics")) {
            assertTrue(ignore.lines().noneMatch(l -> l.trim().equals(needed) || l.trim().equals(needed + "/")), needed + " ignored");
        }
    }
}
