package streamlearn.app;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Programs an integration test runs (Debian packages that .ci/run installs). */
final class ExternalTools {
    private ExternalTools() {
    }

    /**
     * The path of {@code name} on the PATH. Missing: on CI (CI set) the test fails, since .ci/run
     * installs it; on a developer's machine the test is skipped, saying how to install it.
     */
    static String require(String name, String install) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        String message = name + " is not installed (" + install + ")";
        if (System.getenv("CI") != null) {
            fail(message + "; .ci/run must install it");
        }
        assumeTrue(false, message);
        return null;
    }
}
