#if canImport(Glibc)
import Glibc
#endif

/// How a rewrite stays out of the event loop's way: by giving up its CPU after every
/// piece of work, not by running at a lower priority.
///
/// Linux's scheduler (EEVDF) lets a running thread keep its CPU until its slice ends at a
/// timer tick (4 ms at HZ=250); `perf sched timehist` showed the loop runnable for that
/// long behind the rewriter while the other CPU idled. Yielding after each 64 KB chunk of
/// the base file caps that wait at one chunk (a fraction of a millisecond).
///
/// A lower priority was measured and dropped: at nice 10 the rewriter, sharing a CPU with
/// a busy loop, got about a tenth of it, so some rewrites took 4–8 times longer; the
/// snapshot lived that much longer, writers copied more of the keyspace, and peak memory
/// rose to 1.28–1.34× steady state (1.10–1.16× at nice 0) for no gain in p99.9.
enum BackgroundWork {
    /// Lets a thread waiting for this CPU run first; about a microsecond when none waits.
    static func yieldCPU() {
        sched_yield()
    }
}
