#if canImport(Glibc)
import Glibc
#endif

/// Keeps background work (a rewrite) out of the event loop's way.
///
/// A lower nice value alone is not enough. Linux's scheduler (EEVDF) gives a nice-10
/// thread fewer turns, but each turn lasts until the next timer tick (4 ms at HZ=250), and
/// an event loop that shares the CPU waits for all of it: `perf sched timehist` showed the
/// loop runnable for 4 ms behind the rewriter while the other CPU idled. So the rewriter
/// also gives up the CPU after each piece of work (`pause`), which caps that wait at one
/// piece (a 64 KB chunk of the base file, about half a millisecond).
enum BackgroundPriority {
    /// Nice 10 for the calling thread. On Linux, PRIO_PROCESS with id 0 applies to the
    /// calling thread only (a documented departure from POSIX).
    static func lower() {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }

    /// Lets a thread waiting for this CPU run first; about a microsecond when none waits.
    static func pause() {
        sched_yield()
    }
}
