import NIOCore
import Logging
import CairnProtocol
import CairnConfig
import CairnCommands
import CairnLog

extension CairnServer {
    /// Opens the append-only file in `dir`, replays it into `engine`, and returns the
    /// coordinator that will append to it. Throws, with the loader's message naming the
    /// file, offset and repair command, when the log cannot be trusted.
    static func openLog(settings: Settings, engine: Engine, loop: any EventLoop, logger: Logger) throws -> Persistence {
        let layout = LogLayout(workingDirectory: settings.dir, directoryName: settings.appenddirname,
                               fileName: settings.appendfilename)
        let files = try LogFiles.open(fs: PosixFileSystem(), layout: layout)
        let loader = engine.connect(address: "aof-loader", localAddress: "")
        defer { engine.disconnect(loader) }
        var reply = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 256))
        let began = UnixClock.milliseconds()
        let report = try files.load(truncateTail: settings.aofLoadTruncated, progress: { done, total in
            if total > 64 << 20 { logger.notice("Loading the append-only file: \(done * 100 / max(total, 1))%") }
        }) { (args: Arguments) throws(LogReader.ApplyError) in
            reply.buffer.clear()
            engine.execute(args, client: loader, into: &reply)
            if reply.buffer.readableBytesView.first == UInt8(ascii: "-") {
                throw LogReader.ApplyError("'\(args.string(0))' failed while loading: \(String(buffer: reply.buffer).dropFirst().dropLast(2))")
            }
        }
        if let cut = report.truncation {
            logger.warning("!!! Warning: the append-only file \(cut.file) ended in a torn write (\(cut.reason)); cut at offset \(cut.offset), \(cut.bytes) bytes removed")
        }
        engine.stats = EngineStats()
        try files.openForAppending()
        let policy = FsyncPolicy(rawValue: settings.appendfsync.rawValue) ?? .everysec
        let writer = LogWriter(files: files, policy: policy, interval: Int64(settings.appendfsyncInterval))
        logger.notice("DB loaded from append only file: \(report.commands) commands, \(files.totalSize) bytes, \(UnixClock.milliseconds() - began) ms")
        return Persistence(writer: writer, engine: engine, loop: loop, logger: logger)
    }
}
