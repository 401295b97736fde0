import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import Logging
import CairnProtocol
import CairnKeyspace
import CairnConfig
import CairnCommands
import CairnLog

/// What a background load hands to the event loop: only values.
struct LoadedLog: Sendable {
    var keyspace: Keyspace
    /// The function libraries' code, in load order (FUNCTION LOAD in the log).
    var functionLibraries: [[UInt8]]
    var commands: Int
    var truncation: String?
    var milliseconds: Int64
}

/// Progress of the start-up load, shared between the loading thread and INFO.
struct LoadProgress: Sendable {
    var startTime: Int64
    var totalBytes = 0
    var loadedBytes = 0
    /// Set by a shutdown during loading: the loader stops at the next check.
    var cancelled = false

    /// INFO persistence's loading fields, as Redis names them.
    func fields(now: Int64) -> [(String, String)] {
        let percent = totalBytes == 0 ? 0 : Double(loadedBytes) * 100 / Double(totalBytes)
        let elapsed = Double(now - startTime) / 1000
        let eta = loadedBytes == 0 ? 1 : Int(elapsed * Double(totalBytes - loadedBytes) / Double(loadedBytes))
        return [
            ("loading", "1"), ("async_loading", "0"),
            ("loading_start_time", String(startTime / 1000)),
            ("loading_total_bytes", String(totalBytes)),
            ("loading_loaded_bytes", String(loadedBytes)),
            ("loading_loaded_perc", String(Double(Int(percent * 100)) / 100)),
            ("loading_eta_seconds", String(eta)),
        ]
    }
}

extension CairnServer {
    static let loadCancelled = "loading cancelled by a shutdown"

    static func layout(_ settings: Settings) -> LogLayout {
        LogLayout(workingDirectory: settings.dir, directoryName: settings.appenddirname, fileName: settings.appendfilename)
    }

    /// Replays the append-only file into a private engine, on the calling thread, and
    /// returns the resulting keyspace. Throws, with the loader's message naming the file,
    /// offset and repair command, when the log cannot be trusted.
    static func loadLog(settings: Settings, progress: NIOLockedValueBox<LoadProgress>, logger: Logger) throws -> LoadedLog {
        let began = UnixClock.milliseconds()
        let files = try LogFiles.open(fs: PosixFileSystem(), layout: layout(settings))
        let engine = Engine(settings: settings)
        let loader = engine.connect(address: "aof-loader", localAddress: "")
        var reply = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 256))
        var lastLogged = 0
        var sinceCheck = 0
        let report = try files.load(truncateTail: settings.aofLoadTruncated, progress: { done, total in
            progress.withLockedValue { $0.loadedBytes = done; $0.totalBytes = total }
            if total > 64 << 20 && done - lastLogged > total / 10 {
                lastLogged = done
                logger.notice("Loading the append-only file: \(done * 100 / max(total, 1))%")
            }
        }) { (args: Arguments) throws(LogReader.ApplyError) in
            sinceCheck += 1
            if sinceCheck >= 4096 {
                sinceCheck = 0
                if progress.withLockedValue({ $0.cancelled }) { throw LogReader.ApplyError(Self.loadCancelled) }
            }
            reply.buffer.clear()
            engine.execute(args, client: loader, into: &reply)
            if reply.buffer.readableBytesView.first == UInt8(ascii: "-") {
                throw LogReader.ApplyError("'\(args.string(0))' failed while loading: \(String(buffer: reply.buffer).dropFirst().dropLast(2))")
            }
        }
        files.close()
        let truncation = report.truncation.map {
            "the append-only file \($0.file) ended in a torn write (\($0.reason)); cut at offset \($0.offset), \($0.bytes) bytes removed"
        }
        return LoadedLog(keyspace: engine.keyspace, functionLibraries: engine.functionLibraryCodes,
                         commands: report.commands, truncation: truncation,
                         milliseconds: UnixClock.milliseconds() - began)
    }

    /// Opens the (loaded) log for appending and returns the coordinator; on the loop.
    /// `appending: false` leaves every old file closed (turning the log on at runtime).
    static func openPersistence(settings: Settings, engine: Engine, loop: any EventLoop, logger: Logger,
                                appending: Bool = true) throws -> Persistence {
        let files = try LogFiles.open(fs: PosixFileSystem(), layout: layout(settings))
        if appending { try files.openForAppending() }
        let policy = FsyncPolicy(rawValue: settings.appendfsync.rawValue) ?? .everysec
        let writer = LogWriter(files: files, policy: policy, interval: Int64(settings.appendfsyncInterval))
        return Persistence(writer: writer, engine: engine, loop: loop, logger: logger)
    }
}

extension CairnServer {
    /// CONFIG SET appendonly. Off: a final fsync, then the files are closed and writes are
    /// no longer logged. On: the log starts with a rewrite from memory whose new increment
    /// is published only with the new base (as Redis 7 does), so a crash before that loads
    /// the previous log, consistent if old; `always` replies wait for that base.
    static func switchAppendOnly(on: Bool, settings: Settings, engine: Engine, runtime: ServerRuntime,
                                 flusher: ReplyFlusher, loop: any EventLoop, logger: Logger) {
        runtime.appendOnly = on
        if !on {
            runtime.persistence?.stop()
            runtime.persistence = nil
            flusher.persistence = nil
            engine.propagation.isEnabled = false
            _ = engine.propagation.take()
            engine.writeRefusal = nil
            logger.notice("The append-only file is off")
            return
        }
        guard runtime.persistence == nil else { return }
        do {
            let persistence = try openPersistence(settings: settings, engine: engine, loop: loop, logger: logger,
                                                  appending: false)
            persistence.writer.holdingDurability = true
            runtime.persistence = persistence
            flusher.persistence = persistence
            persistence.onEnableFailed = { [unowned runtime] in
                runtime.persistence?.stop()
                runtime.persistence = nil
                flusher.persistence = nil
                runtime.appendOnly = false
                engine.propagation.isEnabled = false
            }
            if let error = persistence.startRewrite(publish: false) {
                logger.error("Turning the append-only file on failed to start its rewrite: \(error)")
            } else {
                logger.notice("The append-only file is on; writing its base from memory")
            }
        } catch {
            logger.error("Turning the append-only file on failed: \(error)")
        }
    }
}
