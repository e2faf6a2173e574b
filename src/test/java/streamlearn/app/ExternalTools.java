package streamlearn.app;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Programs an integration test runs (Debian packages that .ci/run installs). */
final class ExternalTools {
    private ExternalTools() {
    }

    /**
     * The path of {@code name} on the PATH: wherever it is installed the test runs, on CI or not.
     * Missing: on CI (CI set, and not "false") the test fails, since .ci/run installs it; on a
     * developer's machine the test is skipped, saying how to install it.
     */
    static String require(String name, String install) {
        return require(name, install, System.getenv());
    }

    static String require(String name, String install, Map<String, String> env) {
        String path = env.getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        String message = name + " is not installed (" + install + ")";
        if (onCi(env)) {
            fail(message + "; .ci/run must install it");
        }
        assumeTrue(false, message + "; skipped outside CI");
        return null;
    }

    static boolean onCi(Map<String, String> env) {
        String ci = env.get("CI");
        return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
    }
}
