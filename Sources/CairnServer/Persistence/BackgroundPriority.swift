#if canImport(Glibc)
import Glibc
#endif

/// Lowers the calling thread's CPU priority (nice 10), for work that must not compete
/// with the event loop: a rewrite is slower, clients are not. On Linux, PRIO_PROCESS with
/// id 0 applies to the calling thread only (a documented departure from POSIX).
enum BackgroundPriority {
    static func lower() {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }
}
