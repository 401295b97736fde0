import NIOCore
import NIOPosix
import Logging
import CairnConfig
import CairnCommands
import CairnLog
import CairnKeyspace
import NIOConcurrencyHelpers
import CoreMetrics

/// Runs the append-only file for a live server: the write path's last step
/// (… → propagation → **log** → reply).
///
/// At the end of every event-loop turn the effects the commands logged are written as one
/// batch (`commit`). `LogWriter` says what the replies of that turn must wait for; this
/// class holds them and releases them when the batch is written or durable. Fsyncs run on
/// a thread of their own, so the loop keeps parsing and executing while one is in flight:
/// replies wait, work does not. Lives on the engine's event loop.
final class Persistence {
    let writer: LogWriter
    let engine: Engine
    private let loop: any EventLoop
    private var syncer: Syncer?
    /// Highest batch already asked of the syncer.
    private var requested: UInt64 = 0
    private var logger: Logger
    private var ticker: RepeatedTask?
    private var retrier: RepeatedTask?
    /// Connections holding replies, in the order they began to wait.
    private var waiting: [ConnectionHandler] = []
    private var stopped = false
    /// The rewrite in progress, if any.
    private(set) var rewrite: (plan: LogFiles.RewritePlan, switchSeq: UInt64, startedAt: Int64, holdUntilInstalled: Bool)?
    /// Close the file a rewrite switched away from after the next fsync completes.
    private var closeRetiredAfterSync = false
    /// A rewrite is creating its new increment file (before `rewrite` is set).
    private(set) var rewriteStarting = false
    /// Called when turning the log on at runtime failed (its first rewrite did not finish).
    var onEnableFailed: () -> Void = {}
    private let rewritePool = NIOThreadPool(numberOfThreads: 1)
    private(set) var rewriteCount = 0
    private(set) var rewritesStarted = 0
    private(set) var rewritesFailed = 0
    /// Durations as metrics (swift-metrics; nothing unless the server exports metrics).
    private let fsyncTimer = CoreMetrics.Timer(label: "cairn_aof_fsync_duration_seconds")
    private let rewriteTimer = CoreMetrics.Timer(label: "cairn_aof_rewrite_duration_seconds")
    private(set) var lastRewriteStatus = "ok"
    private(set) var lastRewriteSeconds: Int64 = -1
    /// Automatic rewrites.
    var trigger: RewriteTrigger
    private var sizeAfterLastRewrite: Int
    private var lastRewriteFinished: Int64
    private var consecutiveFailures = 0
    private var lastFailure: Int64?

    init(writer: LogWriter, engine: Engine, loop: any EventLoop, logger: Logger) {
        self.writer = writer
        self.engine = engine
        self.loop = loop
        self.logger = logger
        let s = engine.settings
        trigger = RewriteTrigger(percentage: s.autoAofRewritePercentage, minSize: s.autoAofRewriteMinSize,
                                 minAge: Int64(s.autoAofRewriteMinAge))
        sizeAfterLastRewrite = writer.files.totalSize
        lastRewriteFinished = engine.clock()
        engine.propagation.isEnabled = true
        startTicker()
        rewritePool.start()
        let bound = NIOLoopBound(self, eventLoop: loop)
        syncer = Syncer(loop: loop) { covers, error, micros in
            bound.value.syncCompleted(covers: covers, error: error, micros: micros)
        }
        let weak = LoopBoundWeak(self, eventLoop: loop)
        retrier = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in
            weak.object?.retryFailedWrites()
            weak.object?.rewriteIfDue()
        }
    }

    // MARK: The write path

    /// Writes this turn's effects; returns what its replies must wait for (nil: nothing).
    /// `now`: the engine's clock, read once for the turn by the caller.
    func commit(now: Int64) -> LogWriter.Barrier? {
        let payload = engine.propagation.take()
        // Timed only while the latency monitor is on: nothing extra on the write path otherwise.
        let timed = payload.readableBytes > 0 && engine.settings.latencyMonitorThreshold > 0
        let began = timed ? UnixClock.monotonicMicroseconds() : 0
        let barrier = writer.commit(payload, now: now)
        if timed { noteWriteLatency(UnixClock.monotonicMicroseconds() - began) }
        engine.propagation.reuse(consume payload)
        followRefusal()
        startSyncIfDue()
        return barrier
    }

    /// LATENCY's write events, as Redis names them: every write is `aof-write`, and also
    /// says what else was going on — an fsync running, a rewrite running, or neither.
    private func noteWriteLatency(_ micros: Int64) {
        engine.recordLatency("aof-write", microseconds: micros)
        let context = writer.syncInFlight != nil ? "aof-write-pending-fsync" : (rewrite != nil ? "aof-write-active-child" : "aof-write-alone")
        engine.recordLatency(context, microseconds: micros)
    }

    /// Mirrors the writer's refusal into the engine (write commands get it: Redis's
    /// `-MISCONF`), logging when refusing starts and when it ends.
    private func followRefusal() {
        let before = engine.writeRefusal
        engine.writeRefusal = writer.refusal
        if before == nil, writer.refusal != nil {
            logger.warning("Error writing to the append-only file: \(writer.lastWriteError ?? "unknown error"). Write commands are refused (MISCONF) until it can be written again")
        } else if before != nil, writer.refusal == nil {
            logger.notice("The append-only file accepts writes again; write commands are no longer refused")
        }
    }

    /// `handler` holds replies until `writer.isReleased` says they may go.
    func hold(_ handler: ConnectionHandler) {
        waiting.append(handler)
    }

    private func releaseWaiting() {
        guard !waiting.isEmpty else { return }
        let handlers = waiting
        waiting.removeAll(keepingCapacity: true)
        for handler in handlers where handler.releaseHeldReplies(writer) {
            waiting.append(handler)
        }
    }

    // MARK: Fsync

    /// appendfsync always: ask the syncer to cover everything written so far.
    private func startSyncIfDue() {
        guard !stopped, let target = writer.syncTarget(), target.covers > requested else { return }
        requested = target.covers
        syncer?.request(covers: target.covers, job: target.job)
    }

    private func startTicker() {
        ticker?.cancel()
        let period = TimeAmount.milliseconds(writer.interval)
        let weak = LoopBoundWeak(self, eventLoop: loop)
        ticker = loop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
            weak.object?.everysecTick()
        }
    }

    /// The everysec ticker: an fsync when something is unsynced and none runs.
    private func everysecTick() {
        guard !stopped, let start = writer.tick(now: engine.clock()) else {
            releaseWaiting()
            return
        }
        requested = max(requested, start.covers)
        syncer?.request(covers: start.covers, job: start.job)
    }

    /// An fsync finished (on the loop, reported by the syncer).
    private func syncCompleted(covers: UInt64, error: FileSystemError?, micros: Int64) {
        writer.syncFinished(covering: covers, error: error, micros: micros, now: engine.clock())
        // Fsyncs run on their own thread whatever the policy; under `always` replies wait
        // for them (Redis's `aof-fsync-always`), under `everysec` nothing does, but a slow
        // disk shows here first.
        engine.recordLatency(writer.policy == .always ? "aof-fsync-always" : "aof-fsync-everysec", microseconds: micros)
        fsyncTimer.recordMicroseconds(micros)
        if closeRetiredAfterSync && rewrite == nil {
            closeRetiredAfterSync = false
            closeRetiredFiles()
        }
        if let error { fsyncFailed(error) }
        releaseWaiting()
        startSyncIfDue()
    }

    /// A failed fsync: nothing it covered may ever be acknowledged. Connections still
    /// waiting for it are closed without their replies; writes are refused from now on.
    private func fsyncFailed(_ error: FileSystemError) {
        engine.writeRefusal = writer.refusal
        logger.critical("Fsync of the append-only file failed: \(error). Writes are refused; data not acknowledged yet may be lost. Check the disk, then rewrite the append-only file or restart.")
        let handlers = waiting
        waiting.removeAll()
        for handler in handlers { handler.abandonHeldReplies() }
    }

    private func retryFailedWrites() {
        guard writer.unwritten != nil else { return }
        _ = writer.retryUnwritten(now: engine.clock())
        followRefusal()
        startSyncIfDue()
        releaseWaiting()
    }

    // MARK: Rewrite

    /// BGREWRITEAOF. All file work runs on the rewrite thread; the loop only switches
    /// files and snapshots (both O(1)) in one turn:
    /// 1. thread: create the new increment (fsynced) and name it in the manifest;
    /// 2. loop: commit this turn's effects to the old file, switch appends to the new one,
    ///    snapshot the keyspace — so the snapshot holds exactly what precedes the new file;
    /// 3. thread: fsync the old file (until then `always` replies wait), write the base
    ///    from the snapshot, install the manifest, delete the old files;
    /// 4. loop: adopt the installed manifest.
    /// Returns nil when started, else Redis's error text.
    func startRewrite(publish: Bool = true) -> String? {
        guard !stopped else { return "ERR the server is shutting down" }
        guard rewrite == nil && !rewriteStarting else { return "ERR Background append only file rewriting already in progress" }
        guard writer.unwritten == nil else { return "ERR Can't rewrite the append-only file while writes to it are failing" }
        let fs = writer.files.fs
        let layout = writer.files.layout
        let manifest = writer.files.manifest
        let startedAt = engine.clock()
        rewritesStarted += 1
        if !publish {
            // Turning the log on: switch before anything is appended, so no write ever
            // lands in an old file the old manifest still names (a rare admin step; the
            // file creation runs here, on the loop).
            do {
                let prepared = try LogFiles.prepareIncrement(fs: fs, layout: layout, manifest: manifest, publish: false)
                switchAndSnapshot(prepared, publish: false, startedAt: startedAt)
                return nil
            } catch {
                rewriteFailed(error, startedAt: startedAt)
                return "ERR Can't rewrite the append-only file: \(error)"
            }
        }
        rewriteStarting = true
        rewritePool.runIfActive(eventLoop: loop) { () throws -> LogFiles.PreparedIncrement in
            return try LogFiles.prepareIncrement(fs: fs, layout: layout, manifest: manifest, publish: publish)
        }.assumeIsolated().whenComplete { [unowned self] result in
            self.rewriteStarting = false
            switch result {
            case .success(let prepared): self.switchAndSnapshot(prepared, publish: publish, startedAt: startedAt)
            case .failure(let error): self.rewriteFailed(error, startedAt: startedAt)
            }
        }
        logger.notice("Background append only file rewriting started")
        return nil
    }

    private func switchAndSnapshot(_ prepared: LogFiles.PreparedIncrement, publish: Bool, startedAt: Int64) {
        // The one turn a rewrite takes from the loop (Cairn's counterpart of Redis's
        // `aof-rewrite-diff-write`: there is no diff to write).
        let began = UnixClock.monotonicMicroseconds()
        defer { engine.recordLatency("aof-rewrite-switch", microseconds: UnixClock.monotonicMicroseconds() - began) }
        // What the commands of this turn logged belongs to the old file, like the snapshot.
        writer.commit(engine.propagation.take(), now: engine.clock())
        guard !stopped, writer.unwritten == nil else {
            writer.files.fs.close(prepared.handle)
            rewriteFailed(LogError("writes to the append-only file are failing"), startedAt: startedAt)
            return
        }
        let old = writer.files.adoptIncrement(prepared)
        // A file is read on top of the base, which ends in whatever database it wrote
        // last: the new file's first effect must carry its own SELECT.
        engine.propagation.resetSelectedDatabase()
        if let job = writer.files.syncJob() { syncer?.retarget(job) }
        let switchSeq = writer.writtenSeq
        let broken = writer.fsyncBroken
        if old != nil && !broken { writer.holdingDurability = true }
        let plan = LogFiles.RewritePlan(base: prepared.base, increment: prepared.entry, replaced: prepared.replaced)
        rewrite = (plan, switchSeq, startedAt, !publish)
        // The snapshot, O(1), handed over through a box the rewriter empties, so the
        // encoder holds the only reference and releases each segment once written.
        engine.keyspace.freezeAccessClocks(true)
        let walk = SnapshotWalk()
        engine.snapshotWalk = walk
        let handover = NIOLockedValueBox<Keyspace?>(engine.keyspace)
        let libraries = engine.functionLibraryCodes
        let fs = writer.files.fs
        let layout = writer.files.layout
        let now = engine.clock()
        let bound = NIOLoopBound(self, eventLoop: loop)
        let loop = self.loop
        rewritePool.runIfActive(eventLoop: loop) { () throws -> (bytes: Int, keys: Int, manifest: Manifest, renameMicros: Int64) in
            if let old, !broken {
                var failure: FileSystemError?
                do throws(FileSystemError) { try fs.sync(old) } catch { failure = error }
                let outcome = failure
                loop.execute { bound.value.oldFileSynced(upTo: switchSeq, error: outcome) }
            }
            let base = try BaseFileWriter(fs: fs, directory: layout.directory, name: plan.base.name)
            var encoder = SnapshotEncoder()
            let snapshot = handover.withLockedValue { box in
                defer { box = nil }
                return box ?? Keyspace(databaseCount: 1)
            }
            do {
                try encoder.encode(consume snapshot, functionLibraries: libraries, now: now, walk: walk) { chunk in
                    try base.append(chunk)
                    BackgroundWork.yieldCPU()
                }
                try base.finish()
            } catch {
                base.abandon()
                throw error
            }
            let renameBegan = UnixClock.monotonicMicroseconds()
            let installed = try LogFiles.install(plan, fs: fs, layout: layout)
            return (base.bytesWritten, encoder.keysWritten, installed, UnixClock.monotonicMicroseconds() - renameBegan)
        }.assumeIsolated().whenComplete { [unowned self] result in
            self.finishRewrite(result)
        }
    }

    /// Closes the increment files a finished rewrite switched away from, on the rewrite
    /// thread. The rewrite has deleted them, so this close is their last reference: the
    /// kernel frees their cached pages and disk blocks in it, which took the event loop
    /// 1–6 ms per rewrite when the loop closed them itself.
    private func closeRetiredFiles() {
        let files = writer.files.takeRetired()
        guard !files.isEmpty else { return }
        let fs = writer.files.fs
        rewritePool.runIfActive(eventLoop: loop) {
            for file in files { fs.close(file) }
        }.whenFailure { _ in
            // The pool is stopping (shutdown): close them here.
            for file in files { fs.close(file) }
        }
    }

    /// The old file's final fsync (on the rewrite thread) ended.
    private func oldFileSynced(upTo seq: UInt64, error: FileSystemError?) {
        if let error {
            writer.syncFinished(covering: seq, error: error, micros: 0, now: engine.clock())
            fsyncFailed(error)
        } else {
            writer.retiredFileSynced(upTo: seq)
        }
        if rewrite?.holdUntilInstalled != true { writer.holdingDurability = false }
        releaseWaiting()
    }

    private func rewriteFailed(_ error: any Error, startedAt: Int64) {
        rewritesFailed += 1
        rewriteTimer.recordMilliseconds(max(engine.clock() - startedAt, 0))
        consecutiveFailures += 1
        lastFailure = engine.clock()
        lastRewriteStatus = "err"
        lastRewriteSeconds = (engine.clock() - startedAt) / 1000
        logger.warning("Background AOF rewrite failed: \(error); the next automatic attempt waits \(RewriteTrigger.backoff(failures: consecutiveFailures)) ms")
    }

    /// The automatic triggers, checked ten times a second.
    private func rewriteIfDue() {
        guard !stopped, rewrite == nil else { return }
        let now = engine.clock()
        guard trigger.shouldRewrite(currentSize: writer.files.totalSize, sizeAfterLastRewrite: sizeAfterLastRewrite,
                                    lastRewrite: lastRewriteFinished, now: now,
                                    failures: consecutiveFailures, lastFailure: lastFailure) else { return }
        logger.notice("Starting automatic rewriting of AOF: \(writer.files.totalSize) bytes, \(sizeAfterLastRewrite) after the last rewrite")
        if let error = startRewrite() {
            logger.warning("Automatic AOF rewrite could not start: \(error)")
            consecutiveFailures += 1
            lastFailure = now
        }
    }

    private func finishRewrite(_ result: Result<(bytes: Int, keys: Int, manifest: Manifest, renameMicros: Int64), any Error>) {
        guard let current = rewrite else { return }
        rewrite = nil
        engine.keyspace.freezeAccessClocks(false)
        engine.snapshotWalk = nil
        // Close the old file only when no fsync can still be running on it.
        if writer.syncInFlight == nil { closeRetiredFiles() } else { closeRetiredAfterSync = true }
        switch result {
        case .success(let written):
            // Installing the new manifest (rename + directory fsync), on the rewrite thread.
            engine.recordLatency("aof-rename", microseconds: written.renameMicros)
            writer.files.adoptInstalled(written.manifest)
            writer.rewriteInstalled(upTo: current.switchSeq, now: engine.clock())
            followRefusal()
            rewriteCount += 1
            rewriteTimer.recordMilliseconds(max(engine.clock() - current.startedAt, 0))
            consecutiveFailures = 0
            lastFailure = nil
            sizeAfterLastRewrite = writer.files.totalSize
            lastRewriteFinished = engine.clock()
            lastRewriteStatus = "ok"
            lastRewriteSeconds = (engine.clock() - current.startedAt) / 1000
            logger.notice("Background AOF rewrite finished successfully: \(written.keys) keys, \(written.bytes) bytes in \(current.plan.base.name), \(engine.clock() - current.startedAt) ms; the log is now \(writer.files.totalSize) bytes")
            releaseWaiting()
            startSyncIfDue()
        case .failure(let error):
            // The old files and the new increment still form a loadable log.
            rewriteFailed(error, startedAt: current.startedAt)
            if current.holdUntilInstalled {
                logger.error("The append-only file could not be turned on; it stays off")
                onEnableFailed()
            }
        }
    }

    // MARK: Settings

    /// CONFIG SET appendfsync / appendfsync-interval. Moving to a stronger policy first
    /// makes everything already written durable.
    func apply(_ settings: Settings) {
        let policy = FsyncPolicy(rawValue: settings.appendfsync.rawValue) ?? .everysec
        if policy != writer.policy {
            if policy == .always || (policy == .everysec && writer.policy == .no) {
                writer.syncNow(now: engine.clock())
                releaseWaiting()
            }
            writer.policy = policy
            logger.notice("appendfsync is now \(policy.rawValue)")
        }
        trigger = RewriteTrigger(percentage: settings.autoAofRewritePercentage, minSize: settings.autoAofRewriteMinSize,
                                 minAge: Int64(settings.autoAofRewriteMinAge))
        if Int64(settings.appendfsyncInterval) != writer.interval {
            writer.interval = Int64(settings.appendfsyncInterval)
            startTicker()
        }
        engine.writeRefusal = writer.refusal
    }

    // MARK: Stopping

    /// Before connections are closed for a shutdown: one last try to write and fsync what
    /// waits, then replies that can still never be acknowledged are dropped (their
    /// connections closed without them), so a full disk cannot hang the shutdown.
    func drainForShutdown() {
        writer.commit(engine.propagation.take(), now: engine.clock())
        writer.retryUnwritten(now: engine.clock())
        writer.syncNow(now: engine.clock())
        releaseWaiting()
        if !waiting.isEmpty {
            logger.warning("Shutting down with \(waiting.count) connections waiting for writes the append-only file could not take; they get no reply")
            for handler in waiting { handler.abandonHeldReplies() }
            waiting.removeAll()
        }
    }

    /// Final fsync and close: on shutdown (after connections are quiesced) and on
    /// CONFIG SET appendonly no. What was logged but not written yet is written first, and
    /// every held reply is released once the final fsync covers it.
    func stop() {
        guard !stopped else { return }
        writer.commit(engine.propagation.take(), now: engine.clock())
        stopped = true
        ticker?.cancel()
        retrier?.cancel()
        if writer.unwritten != nil { writer.retryUnwritten(now: engine.clock()) }
        if !writer.syncNow(now: engine.clock()) {
            logger.critical("The final fsync of the append-only file failed")
        } else if writer.unwritten != nil {
            logger.critical("Writes that could not be written to the append-only file are lost: \(writer.lastWriteError ?? "")")
        }
        writer.holdingDurability = false
        releaseWaiting()
        for handler in waiting { handler.abandonHeldReplies() }
        waiting.removeAll()
        rewritePool.shutdownGracefully { _ in }
        // Let a running fsync end before the file is closed under it.
        let syncer = self.syncer
        self.syncer = nil
        let files = writer.files
        _ = syncer?.stop().assumeIsolated().always { _ in files.close() }
    }
}
