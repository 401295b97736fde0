import CairnLog

/// What the append-only file reports: INFO persistence and the metrics endpoint's figures.
extension Persistence {
    // MARK: INFO

    /// INFO persistence, with Redis's field names and Cairn's own.
    func info() -> [(String, String)] {
        let w = writer
        let average = w.fsyncCount == 0 ? 0 : w.fsyncTotalMicros / Int64(w.fsyncCount)
        return [
            ("aof_enabled", "1"),
            ("aof_rewrite_in_progress", rewrite == nil && !rewriteStarting ? "0" : "1"),
            ("aof_rewrite_scheduled", "0"),
            ("aof_last_rewrite_time_sec", String(lastRewriteSeconds)),
            ("aof_current_rewrite_time_sec", rewrite.map { String((engine.clock() - $0.startedAt) / 1000) } ?? "-1"),
            ("aof_last_bgrewrite_status", lastRewriteStatus),
            ("aof_rewrites", String(rewriteCount)),
            ("aof_last_write_status", w.lastWriteError == nil && !w.fsyncBroken ? "ok" : "err"),
            ("aof_current_size", String(w.files.totalSize)),
            ("aof_base_size", String(w.files.baseSize)),
            ("aof_pending_rewrite", "0"),
            ("aof_buffer_length", String(w.unwritten?.readableBytes ?? 0)),
            ("aof_pending_bio_fsync", w.syncInFlight == nil ? "0" : "1"),
            ("aof_delayed_fsync", String(w.delayedFsyncs)),
            ("cairn_aof_fsync_policy", w.policy.rawValue),
            ("cairn_aof_fsyncs", String(w.fsyncCount)),
            ("cairn_aof_fsync_avg_usec", String(average)),
            ("cairn_aof_fsync_max_usec", String(w.fsyncMaxMicros)),
            ("cairn_aof_bytes_written", String(w.bytesWritten)),
            ("cairn_aof_last_fsync_time", String(w.lastFsyncTime / 1000)),
            ("cairn_aof_batches_written", String(w.writtenSeq)),
            ("cairn_aof_batches_synced", String(w.syncedSeq)),
        ]
    }

    // MARK: Metrics

    /// The append-only file's figures for the metrics endpoint.
    struct Figures: Sendable {
        var bytesWritten: Int
        var fsyncs: Int
        var delayedFsyncs: Int
        var lastWriteOK: Bool
        /// Nil before the first fsync.
        var secondsSinceLastFsync: Double?
        var rewritesStarted: Int
        var rewritesSucceeded: Int
        var rewritesFailed: Int
        var rewriteInProgress: Bool
        var baseBytes: Int
        var incrementBytes: Int
    }

    var figures: Figures {
        let w = writer
        let now = engine.clock()
        return Figures(bytesWritten: w.bytesWritten, fsyncs: w.fsyncCount, delayedFsyncs: w.delayedFsyncs,
                       lastWriteOK: w.lastWriteError == nil && !w.fsyncBroken,
                       secondsSinceLastFsync: w.lastFsyncTime > 0 ? Double(max(now - w.lastFsyncTime, 0)) / 1000 : nil,
                       rewritesStarted: rewritesStarted, rewritesSucceeded: rewriteCount, rewritesFailed: rewritesFailed,
                       rewriteInProgress: rewrite != nil || rewriteStarting,
                       baseBytes: w.files.baseSize, incrementBytes: w.files.totalSize - w.files.baseSize)
    }
}
