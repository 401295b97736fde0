public import NIOCore

/// `appendfsync`: how much durability a write pays for.
public enum FsyncPolicy: String, Sendable, CaseIterable {
    /// No reply to a write before the fsync that covers it returned successfully.
    case always
    /// Written to the kernel at once, fsynced in the background about once per interval.
    case everysec
    /// Written to the kernel; the operating system decides when it reaches the disk.
    case no
}

/// The rules that make each `appendfsync` promise true, as a state machine with no I/O of
/// its own except through `LogFiles`: what to write, when to fsync, which replies may be
/// sent, and when writes must be refused. The server drives it from its event loop and
/// runs the fsyncs it asks for on another thread; the crash simulation drives the very
/// same code synchronously.
///
/// Batches are numbered in order. `syncedSeq` is the last batch known durable; a reply may
/// be sent once every batch written before it was produced is durable (`always`), or at
/// once (`everysec`, `no`) unless the background fsync has fallen so far behind that
/// more than `maxLag` would be lost.
public final class LogWriter {
    public let files: LogFiles
    public var policy: FsyncPolicy
    /// The everysec period, in ms.
    public var interval: Int64
    /// Most unsynced time everysec may acknowledge over (Redis's "about two seconds").
    public var maxLag: Int64 { 2 * interval }

    /// Batches written to the file.
    public private(set) var writtenSeq: UInt64 = 0
    /// Batches known durable.
    public private(set) var syncedSeq: UInt64 = 0
    /// The batch the fsync in flight covers, if one is running.
    public private(set) var syncInFlight: UInt64?
    /// When the oldest batch not yet durable was written (ms), if any.
    public private(set) var oldestUnsynced: Int64?
    /// A batch that could not be written yet (after a write error), waiting for a retry.
    public private(set) var unwritten: ByteBuffer?
    /// Why writes are refused, if they are.
    public private(set) var refusal: String?
    /// Set after a failed fsync: the file may have lost data the kernel said it had.
    public private(set) var fsyncBroken = false
    /// While the log is being turned on at runtime, nothing on disk can honour an
    /// acknowledgement yet: `always` replies wait until the first rewrite is installed.
    public var holdingDurability = false
    /// When the fsync failed (ms).
    public private(set) var brokenAt: Int64?

    // Statistics for INFO persistence.
    public private(set) var fsyncCount = 0
    public private(set) var fsyncTotalMicros: Int64 = 0
    public private(set) var fsyncMaxMicros: Int64 = 0
    public private(set) var delayedFsyncs = 0
    public private(set) var bytesWritten = 0
    public private(set) var lastFsyncTime: Int64 = 0
    public private(set) var lastWriteError: String?

    public init(files: LogFiles, policy: FsyncPolicy, interval: Int64 = 1000) {
        self.files = files
        self.policy = policy
        self.interval = interval
    }

    // MARK: Writing

    /// What replies must wait for before they are sent.
    public enum Barrier: Equatable, Sendable {
        /// Until batch `seq` is written to the file (it failed to write and waits for a retry).
        case written(UInt64)
        /// Until batch `seq` is durable.
        case synced(UInt64)
    }

    /// Writes what the commands of one loop turn logged. Returns what replies produced in
    /// this turn must wait for (nil: they may go now). O(payload).
    @discardableResult
    public func commit(_ payload: ByteBuffer, now: Int64) -> Barrier? {
        if payload.readableBytes > 0 {
            if var pending = unwritten {
                // Keep order: what failed earlier goes first.
                var copy = payload
                pending.writeBuffer(&copy)
                unwritten = pending
            } else {
                write(payload, now: now)
            }
        }
        return replyBarrier(now: now)
    }

    private func write(_ payload: ByteBuffer, now: Int64) {
        if let error = files.append(payload, now: now) {
            unwritten = payload
            lastWriteError = error.description
            if !fsyncBroken { refusal = "MISCONF Errors writing to the AOF file: \(ErrorText.describe(error.code))" }
            return
        }
        writtenSeq += 1
        bytesWritten += payload.readableBytes
        if oldestUnsynced == nil { oldestUnsynced = now }
        if !fsyncBroken && lastWriteError != nil {
            lastWriteError = nil
            refusal = nil
        }
    }

    /// Retries a batch that failed to write (call periodically). Returns true when it is
    /// written and writes are accepted again.
    @discardableResult
    public func retryUnwritten(now: Int64) -> Bool {
        guard let pending = unwritten else { return refusal == nil }
        unwritten = nil
        write(pending, now: now)
        return unwritten == nil && refusal == nil
    }

    /// What replies produced now must wait for, or nil if they may go now.
    public func replyBarrier(now: Int64) -> Barrier? {
        let target = writtenSeq + (unwritten == nil ? 0 : 1)
        guard target > syncedSeq else { return nil }
        switch policy {
        case .always:
            return .synced(target)
        case .everysec:
            // Acknowledge over unsynced data only while it is younger than maxLag.
            if let oldest = oldestUnsynced, now - oldest > maxLag { return .synced(target) }
            return unwritten == nil ? nil : .written(target)
        case .no:
            return unwritten == nil ? nil : .written(target)
        }
    }

    /// Whether replies that waited for `barrier` may go now.
    public func isReleased(_ barrier: Barrier) -> Bool {
        switch barrier {
        case .written(let seq): return writtenSeq >= seq
        case .synced(let seq): return !holdingDurability && syncedSeq >= seq
        }
    }

    // MARK: Fsync

    /// For a syncer that runs fsyncs back to back: the job and the batch an fsync started
    /// now would cover, whether or not one is already running. nil when nothing is unsynced
    /// or after a failed fsync. (`always` only; everysec goes through `tick`.)
    public func syncTarget() -> (job: SyncJob, covers: UInt64)? {
        guard policy == .always, !fsyncBroken, writtenSeq > syncedSeq, let job = files.syncJob() else { return nil }
        syncInFlight = writtenSeq
        return (job, writtenSeq)
    }

    /// The everysec ticker: starts an fsync when something is unsynced and none runs; if
    /// one is still running, counts a delayed fsync (Redis's aof_delayed_fsync).
    public func tick(now: Int64) -> (job: SyncJob, covers: UInt64)? {
        guard policy == .everysec, writtenSeq > syncedSeq, !fsyncBroken else { return nil }
        if syncInFlight != nil {
            delayedFsyncs += 1
            return nil
        }
        guard let job = files.syncJob() else { return nil }
        syncInFlight = writtenSeq
        return (job, writtenSeq)
    }

    /// Records the end of an fsync. A failure is never retried and trusted: after it the
    /// kernel may have dropped the pages, and a later fsync could report success for data
    /// that is gone. Writes are refused from then on, and nothing the failed fsync covered
    /// is ever acknowledged.
    public func syncFinished(covering seq: UInt64, error: FileSystemError?, micros: Int64, now: Int64) {
        syncInFlight = nil
        fsyncCount += 1
        fsyncTotalMicros += micros
        fsyncMaxMicros = max(fsyncMaxMicros, micros)
        if let error {
            fsyncBroken = true
            brokenAt = now
            lastWriteError = error.description
            refusal = "MISCONF Errors writing to the AOF file: fsync failed (\(ErrorText.describe(error.code))); "
                + "writes are refused until the append-only file is rewritten"
            return
        }
        syncedSeq = max(syncedSeq, seq)
        lastFsyncTime = now
        oldestUnsynced = writtenSeq > syncedSeq ? now : nil
    }

    // MARK: Rewrite

    /// A rewrite installed a new base that holds every batch up to `switchSeq` (written to
    /// files it replaced): those are durable now. A failed fsync is behind us too: the
    /// suspect files are gone, and the fresh base and increment were fsynced on their own.
    public func rewriteInstalled(upTo switchSeq: UInt64, now: Int64) {
        syncedSeq = max(syncedSeq, switchSeq)
        holdingDurability = false
        if syncedSeq >= writtenSeq { oldestUnsynced = nil }
        if fsyncBroken {
            fsyncBroken = false
            brokenAt = nil
            lastWriteError = nil
            refusal = unwritten == nil ? nil : refusal
        }
    }

    /// The file a rewrite switched away from was fsynced: its batches (up to `seq`) are
    /// durable.
    public func retiredFileSynced(upTo seq: UInt64) {
        syncedSeq = max(syncedSeq, seq)
        if syncedSeq >= writtenSeq { oldestUnsynced = nil }
    }

    /// Makes everything written durable before a stronger policy takes over or the
    /// server stops. Runs the fsync on the calling thread. Returns false on failure.
    @discardableResult
    public func syncNow(now: Int64) -> Bool {
        guard writtenSeq > syncedSeq, !fsyncBroken, let job = files.syncJob() else { return !fsyncBroken }
        let covers = writtenSeq
        var failure: FileSystemError?
        do { try job.run() } catch { failure = error }
        syncFinished(covering: covers, error: failure, micros: 0, now: now)
        return failure == nil
    }
}
