package streamlearn.app;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} and {@code --flag} options of one command, checked against the options
 * the command declares so that a typo is an error rather than silently ignored.
 */
public final class CliOptions {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final boolean help;

    private CliOptions(boolean help) {
        this.help = help;
    }

    /**
     * @param withValue options that take a value
     * @param flags     options that take none
     */
    public static CliOptions parse(String command, String[] args, int from, Set<String> withValue, Set<String> flags) {
        boolean help = false;
        CliOptions options = null;
        Map<String, String> parsed = new LinkedHashMap<>();
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                help = true;
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new UsageException(command + ": unexpected argument '" + arg + "' (see " + command + " --help)");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name)) {
                parsed.put(name, "true");
            } else if (withValue.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException(command + ": option --" + name + " needs a value");
                    }
                    value = args[++i];
                }
                parsed.put(name, value);
            } else {
                throw new UsageException(command + ": unknown option --" + name + " (see " + command + " --help)");
            }
        }
        options = new CliOptions(help);
        options.values.putAll(parsed);
        return options;
    }

    public boolean help() {
        return help;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public String required(String command, String name) {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException(command + ": missing required option --" + name);
        }
        return v;
    }

    public long longValue(String name, long fallback, long min) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v);
            if (n < min) {
                throw new UsageException("--" + name + " must be at least " + min + ", got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
        }
    }

    public double doubleValue(String name, double fallback, double min, double max) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            double d = Double.parseDouble(v);
            if (!(d >= min && d <= max)) {
                throw new UsageException("--" + name + " must be between " + min + " and " + max + ", got " + v);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + v + "'");
        }
    }

    /** A duration such as 500ms, 30s, 5m, 1h (a bare number is seconds). */
    public Duration duration(String name, Duration fallback) {
        String v = values.get(name);
        return v == null ? fallback : parseDuration("--" + name, v);
    }

    public static Duration parseDuration(String what, String v) {
        try {
            String s = v.trim();
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            long n = Long.parseLong(s.replaceAll("[smh]$", ""));
            Duration d = s.endsWith("m") ? Duration.ofMinutes(n) : s.endsWith("h") ? Duration.ofHours(n) : Duration.ofSeconds(n);
            if (d.isNegative()) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException(what + " must be a duration like 500ms, 30s, 5m or 1h, got '" + v + "'");
        }
    }
}
