package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * When PrometheusIT and ComposeIT run: always when their tool is installed; when it is missing,
 * skipped outside CI and failed on CI.
 */
class ExternalToolsTest {

    @Test
    void anInstalledToolIsUsedOnCiAndOff(@TempDir Path bin) throws Exception {
        Path tool = Files.createFile(bin.resolve("some-tool"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        String path = "/nonexistent:" + bin;
        // assertDoesNotThrow: a skip (TestAbortedException) here must fail this test, not skip it.
        assertEquals(tool.toString(), assertDoesNotThrow(
                () -> ExternalTools.require("some-tool", "install it", Map.of("PATH", path)), "outside CI"));
        assertEquals(tool.toString(), assertDoesNotThrow(
                () -> ExternalTools.require("some-tool", "install it", Map.of("PATH", path, "CI", "true")), "on CI"));
    }

    @Test
    void aMissingToolIsSkippedOutsideCiWithHowToInstallIt(@TempDir Path bin) {
        for (Map<String, String> env : new Map[] {Map.of("PATH", bin.toString()), Map.of("PATH", bin.toString(), "CI", "false")}) {
            TestAbortedException e = assertThrows(TestAbortedException.class,
                    () -> ExternalTools.require("some-tool", "apt-get install -y some-tool", env));
            assertTrue(e.getMessage().contains("some-tool is not installed (apt-get install -y some-tool)"), e.getMessage());
        }
    }

    @Test
    void aMissingToolFailsOnCi(@TempDir Path bin) throws Exception {
        // Not executable: not installed either.
        Files.createFile(bin.resolve("some-tool"));
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> ExternalTools.require("some-tool", "apt-get install -y some-tool", Map.of("PATH", bin.toString(), "CI", "true")));
        assertTrue(e.getMessage().contains(".ci/run must install it"), e.getMessage());
    }
}
