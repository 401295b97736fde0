import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import CairnCommands
import CairnLog

/// The thread that fsyncs the append-only file.
///
/// The event loop asks for "everything up to batch N"; the syncer fsyncs and reports back.
/// Requests that arrive while an fsync runs are merged and served by the next one, which
/// starts at once — under load the thread goes from fsync to fsync without sleeping, so
/// one fsync covers every batch written meanwhile (group commit) and the loop never waits.
final class Syncer: Sendable {
    struct Request {
        var covers: UInt64 = 0
        var job: SyncJob?
        var stopping = false
    }

    /// 1 while a request is waiting to be taken, else 0.
    private let signal = ConditionLock(value: 0)
    private let request = NIOLockedValueBox(Request())
    private let pool = NIOThreadPool(numberOfThreads: 1)
    private let finished: EventLoopFuture<Void>

    /// `completed(covers, error, micros)` runs on `loop` after each fsync.
    init(loop: any EventLoop, completed: @escaping @Sendable (UInt64, FileSystemError?, Int64) -> Void) {
        pool.start()
        let signal = self.signal
        let request = self.request
        finished = pool.runIfActive(eventLoop: loop) {
            var done: UInt64 = 0
            while true {
                signal.lock(whenValue: 1)
                let next = request.withLockedValue { $0 }
                signal.unlock(withValue: 0)
                guard let job = next.job, next.covers > done else {
                    if next.stopping { return }
                    continue
                }
                let began = UnixClock.microseconds()
                var failure: FileSystemError?
                do throws(FileSystemError) { try job.run() } catch { failure = error }
                let micros = UnixClock.microseconds() - began
                done = next.covers
                let outcome = failure
                loop.execute { completed(next.covers, outcome, micros) }
                // Never fsync the file again after a failure: a "successful" retry proves nothing.
                if failure != nil { return }
            }
        }
    }

    /// Asks for an fsync covering batch `covers` (merged with any pending request).
    func request(covers: UInt64, job: SyncJob) {
        signal.lock()
        request.withLockedValue { r in
            if covers > r.covers { r.covers = covers }
            r.job = job
        }
        signal.unlock(withValue: 1)
    }

    /// Points a request not yet taken at `job` (a rewrite switched files), without asking
    /// for anything new.
    func retarget(_ job: SyncJob) {
        request.withLockedValue { r in if r.job != nil { r.job = job } }
    }

    /// Lets the pending fsync finish, then ends the thread.
    func stop() -> EventLoopFuture<Void> {
        signal.lock()
        request.withLockedValue { $0.stopping = true }
        signal.unlock(withValue: 1)
        let pool = self.pool
        return finished.always { _ in pool.shutdownGracefully { _ in } }
    }
}
