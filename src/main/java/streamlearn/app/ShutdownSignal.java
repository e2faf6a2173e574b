package streamlearn.app;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT (Ctrl-C) into a latch the main thread waits on, so that shutdown runs
 * on the main thread, in order, and the process exits 0. A JVM shutdown hook could close too,
 * but the process would then end with 143/130 however cleanly it closed.
 */
final class ShutdownSignal {
    private final CountDownLatch latch = new CountDownLatch(1);
    private volatile String received;

    static ShutdownSignal install() {
        ShutdownSignal s = new ShutdownSignal();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), sig -> {
                s.received = "SIG" + sig.getName();
                s.latch.countDown();
            });
        }
        return s;
    }

    /** Waits up to {@code millis}; true once a signal has arrived. */
    boolean await(long millis) throws InterruptedException {
        return latch.await(millis, TimeUnit.MILLISECONDS);
    }

    String received() {
        return received;
    }
}
