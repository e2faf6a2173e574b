package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** docker-compose.yml is a valid compose file for docker-compose itself ({@code config}: no Docker daemon needed). */
class ComposeIT {

    @Test
    @Timeout(60)
    void dockerComposeAcceptsTheFile(@TempDir Path tmp) throws Exception {
        String compose = ExternalTools.require("docker-compose", "apt-get install -y docker-compose");
        Path out = tmp.resolve("config.out");
        Process p = new ProcessBuilder(compose, "-f", "docker-compose.yml", "config")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(50, TimeUnit.SECONDS), "docker-compose config did not finish");
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "docker-compose config failed:\n" + text);
        // The resolved file still has every service (no merge key or anchor lost on the way).
        for (String service : List.of("kafka:", "topics:", "streamlearn:", "simulator:", "prometheus:", "grafana:")) {
            assertTrue(text.contains("\n  " + service), service + " missing from:\n" + text);
        }
        assertTrue(text.contains("STREAMLEARN_BOOTSTRAP_SERVERS: kafka:9092"), text);
    }
}
