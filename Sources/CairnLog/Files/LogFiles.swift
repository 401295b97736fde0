public import NIOCore
public import CairnProtocol

/// The log's files on disk: creating the layout, replaying it at start-up, appending
/// batches, and replacing the manifest. Everything goes through the `FileSystem` seam.
///
/// Owned by one thread (the server's event loop); fsyncs run elsewhere through a
/// `SyncJob`, which carries only `Sendable` values.
public final class LogFiles {
    public let fs: any FileSystem
    public let layout: LogLayout
    public private(set) var manifest: Manifest
    /// The increment file being appended to.
    private var current: FileHandle?
    /// Bytes of complete batches in the current increment file.
    public private(set) var currentSize = 0
    /// Bytes in the base file and the increments before the current one.
    public private(set) var baseSize = 0
    /// Size of every file in the manifest together.
    public var totalSize: Int { baseSize + currentSize }
    /// Second of the last `#TS:` annotation written.
    private var lastTimestamp: Int64 = -1
    /// Set when a failed write could not be cut back; nothing may be appended until it is.
    private var needsTruncation = false
    /// The framed batch being written, kept between appends (one allocation less per
    /// turn); let go after a batch larger than `framedCapacityKept`.
    private var framed = ByteBufferAllocator().buffer(capacity: 0)
    private static let framedCapacityKept = 64 * 1024
    /// Files appended to before a rewrite switched to a new one; closed when it ends.
    private var retired: [FileHandle] = []

    init(fs: any FileSystem, layout: LogLayout, manifest: Manifest) {
        self.fs = fs
        self.layout = layout
        self.manifest = manifest
    }

    // MARK: Opening

    /// Opens the log in `layout`, creating it (or upgrading a Redis single-file AOF) when
    /// there is none. Every create and rename is followed by a directory fsync.
    public static func open(fs: any FileSystem, layout: LogLayout) throws(LogError) -> LogFiles {
        do {
            if let size = fs.size(layout.manifestPath) {
                guard size <= Manifest.maxSize else {
                    throw LogError("The manifest \(layout.manifestPath) is \(size) bytes, more than any manifest holds (\(Manifest.maxSize)): it is damaged. Restore it from a backup; run cairn-check-aof \(layout.directory) to inspect the files.")
                }
                let bytes = try fs.read(layout.manifestPath)
                let manifest: Manifest
                do { manifest = try Manifest.parse(String(decoding: bytes, as: UTF8.self)) } catch {
                    throw LogError("Invalid manifest \(layout.manifestPath), \(error). Repair it or restore it from a backup; run cairn-check-aof \(layout.manifestPath) to inspect the files.")
                }
                guard !manifest.loadOrder.isEmpty else {
                    throw LogError("The manifest \(layout.manifestPath) names no files.")
                }
                return LogFiles(fs: fs, layout: layout, manifest: manifest)
            }
            try fs.makeDirectory(layout.directory)
            guard fs.list(layout.directory) != nil else {
                throw LogError("\(layout.directory) exists and is not a directory: Cairn keeps its append-only files there. Move it away or set appenddirname.")
            }
            try fs.syncDirectory(layout.workingDirectory)
            var entries: [Manifest.Entry] = []
            if fs.size(layout.path(layout.fileName)) != nil {
                // An upgrade that crashed after moving the old file but before the manifest.
                entries.append(.init(name: layout.fileName, seq: 1, type: .base))
            } else if fs.size(layout.legacyPath) != nil {
                // Redis 7's upgrade: the old single file becomes the base, unchanged.
                try fs.rename(layout.legacyPath, to: layout.path(layout.fileName))
                try fs.syncDirectory(layout.workingDirectory)
                entries.append(.init(name: layout.fileName, seq: 1, type: .base))
            } else {
                let base = layout.baseName(1)
                try createEmpty(fs, layout.path(base))
                entries.append(.init(name: base, seq: 1, type: .base))
            }
            let increment = layout.incrementName(1)
            try createEmpty(fs, layout.path(increment))
            try fs.syncDirectory(layout.directory)
            entries.append(.init(name: increment, seq: 1, type: .incr))
            let files = LogFiles(fs: fs, layout: layout, manifest: Manifest(entries: entries))
            try files.writeManifest(files.manifest)
            return files
        } catch let error as LogError {
            throw error
        } catch {
            throw LogError("Cannot open the append-only file in \(layout.directory): \(error)")
        }
    }

    private static func createEmpty(_ fs: any FileSystem, _ path: String) throws(FileSystemError) {
        let file = try fs.openForAppend(path)
        defer { fs.close(file) }
        try fs.sync(file)
    }

    /// Replaces the manifest atomically and durably.
    public func writeManifest(_ new: Manifest) throws(LogError) {
        do {
            try fs.replaceAtomically(layout.manifestPath, with: Array(new.render().utf8), directory: layout.directory)
            manifest = new
        } catch {
            throw LogError("Cannot write the manifest \(layout.manifestPath): \(error)")
        }
    }

    // MARK: Loading

    /// What loading found.
    public struct LoadReport: Sendable {
        public var files: [(name: String, bytes: Int, commands: Int)] = []
        /// A torn tail that was cut: file, offset where valid data ended, bytes removed.
        public var truncation: (file: String, offset: Int, bytes: Int, reason: String)?
        public var commands: Int { files.reduce(0) { $0 + $1.commands } }
    }

    /// Replays every file the manifest names, in order, through `apply`. A torn tail of
    /// the last file is cut back (when `truncateTail`) and reported; anything else wrong
    /// throws, naming the file, the offset and the repair command. O(total size).
    public func load(truncateTail: Bool, progress: (Int, Int) -> Void = { _, _ in },
                     apply: (Arguments) throws(LogReader.ApplyError) -> Void) throws(LogError) -> LoadReport {
        var report = LoadReport()
        let order = manifest.loadOrder
        let sizes = order.map { fs.size(layout.path($0.name)) ?? 0 }
        let total = sizes.reduce(0, +)
        var loaded = 0
        for (index, entry) in order.enumerated() {
            let path = layout.path(entry.name)
            guard fs.size(path) != nil else {
                throw LogError("The manifest names \(entry.name), which does not exist in \(layout.directory). Restore the file or the manifest from a backup.")
            }
            var reported = 0
            let before = loaded
            let mapped: (result: LogReader.Result, size: Int)
            do {
                mapped = try fs.withContents(of: path) { bytes in
                    let result = LogReader(bytes).read { (args: Arguments, offset: Int) throws(LogReader.ApplyError) in
                        try apply(args)
                        if offset - reported >= 1 << 20 {
                            reported = offset
                            progress(before + offset, total)
                        }
                    }
                    return (result, bytes.count)
                }
            } catch {
                throw LogError("Cannot read \(path): \(error)")
            }
            let (result, size) = mapped
            // The tail of the whole log: every later file is empty (as after an upgrade).
            let isLast = sizes[(index + 1)...].allSatisfy { $0 == 0 }
            switch result.outcome {
            case .complete:
                break
            case .tornTail(let valid, let reason):
                guard isLast else {
                    throw LogError("Bad data in \(path) at offset \(valid): \(reason). Only the end of the log may be a torn write. Run cairn-check-aof \(layout.manifestPath) to inspect it.")
                }
                guard truncateTail else {
                    throw LogError("The append-only file \(path) ends in a torn write at offset \(valid) (\(size - valid) bytes: \(reason)). Start with aof-load-truncated yes to cut it, or run cairn-check-aof --fix \(layout.manifestPath).")
                }
                do { try fs.truncateFile(path, to: valid) } catch {
                    throw LogError("Cannot truncate \(path) to \(valid) bytes: \(error)")
                }
                report.truncation = (entry.name, valid, size - valid, reason)
            case .corrupt(let offset, let reason):
                throw LogError("Bad data in \(path) at offset \(offset): \(reason). Cairn will not drop data silently; run cairn-check-aof \(layout.manifestPath) to see where valid data ends.")
            }
            report.files.append((entry.name, size, result.commands))
            loaded += sizes[index]
            progress(loaded, total)
        }
        return report
    }

    // MARK: Appending

    /// Opens the last increment file for appending (after `load`, which may have cut it).
    public func openForAppending() throws(LogError) {
        guard let last = manifest.increments.last else { throw LogError("The manifest names no increment file.") }
        let path = layout.path(last.name)
        do { current = try fs.openForAppend(path) } catch { throw LogError("Cannot open \(path): \(error)") }
        currentSize = fs.size(path) ?? 0
        baseSize = manifest.loadOrder.dropLast().reduce(0) { $0 + (fs.size(layout.path($1.name)) ?? 0) }
        lastTimestamp = -1
    }

    /// Writes one framed batch. On failure the file is cut back to its last complete batch
    /// (so a later successful append never follows garbage) and the error is returned; the
    /// caller keeps the payload and retries. O(payload).
    public func append(_ payload: ByteBuffer, now: Int64) -> FileSystemError? {
        guard let file = current else { return FileSystemError("write", layout.directory, code: ErrorText.shortWrite) }
        if needsTruncation {
            do { try fs.truncate(file, to: currentSize) } catch { return error }
            needsTruncation = false
        }
        let second = now / 1000
        framed.clear()
        BatchEncoding.encode(payload, timestamp: second != lastTimestamp ? second : nil, into: &framed)
        let (written, error) = framed.withUnsafeReadableBytes { fs.writeAll(file, $0) }
        if framed.capacity > Self.framedCapacityKept { framed = ByteBufferAllocator().buffer(capacity: 0) }
        if let error {
            if written > 0 {
                do { try fs.truncate(file, to: currentSize) } catch { needsTruncation = true }
            }
            return error
        }
        currentSize += written
        lastTimestamp = second
        return nil
    }

    /// An fsync of the current file, to run on another thread.
    public func syncJob() -> SyncJob? {
        current.map { SyncJob(fs: fs, file: $0) }
    }

    public func close() {
        if let current { fs.close(current) }
        current = nil
        closeRetired()
    }

    /// Closes the files a rewrite switched away from.
    public func closeRetired() {
        for file in takeRetired() { fs.close(file) }
    }

    /// Hands over the files a rewrite switched away from, for the caller to close
    /// (elsewhere than the owning thread: see `Persistence.closeRetiredFiles`).
    public func takeRetired() -> [FileHandle] {
        defer { retired.removeAll() }
        return retired
    }

    // MARK: Rewriting

    /// A new increment file, created and durable, and the manifest that names it.
    public struct PreparedIncrement: Sendable {
        public let entry: Manifest.Entry
        public let handle: FileHandle
        public let manifest: Manifest
        public let base: Manifest.Entry
        public let replaced: [Manifest.Entry]
    }

    /// Step 1 of a rewrite, on any thread: creates a new increment file, fsyncs it and the
    /// directory, and (when `publish`) replaces the manifest by one that names it after
    /// the current files. Nothing is appended to it until `adoptIncrement`.
    /// With `publish: false` (turning the log on at runtime) the manifest is left alone
    /// until the base is installed: a crash before then loads the old log, never old files
    /// mixed with writes made after them.
    public static func prepareIncrement(fs: any FileSystem, layout: LogLayout, manifest: Manifest,
                                        publish: Bool) throws(LogError) -> PreparedIncrement {
        let baseSeq = (manifest.entries.filter { $0.type == .base }.map(\.seq).max() ?? 0) + 1
        let incrementSeq = (manifest.increments.map(\.seq).max() ?? 0) + 1
        let entry = Manifest.Entry(name: layout.incrementName(incrementSeq), seq: incrementSeq, type: .incr)
        let path = layout.path(entry.name)
        let handle: FileHandle
        do {
            if fs.size(path) != nil { try fs.remove(path) }   // an orphan of an interrupted rewrite
            handle = try fs.openForAppend(path)
            try fs.sync(handle)
            try fs.syncDirectory(layout.directory)
        } catch {
            throw LogError("Cannot create \(path): \(error)")
        }
        let next = publish ? Manifest(entries: manifest.entries + [entry]) : manifest
        if publish {
            do {
                try fs.replaceAtomically(layout.manifestPath, with: Array(next.render().utf8), directory: layout.directory)
            } catch {
                fs.close(handle)
                try? fs.remove(path)
                throw LogError("Cannot write the manifest \(layout.manifestPath): \(error)")
            }
        }
        return PreparedIncrement(entry: entry, handle: handle, manifest: next,
                                 base: .init(name: layout.baseName(baseSeq), seq: baseSeq, type: .base),
                                 replaced: manifest.loadOrder)
    }

    /// Step 2, on the owning thread, in the same turn as the snapshot: appends go to the
    /// prepared increment from now on. Returns the file appended to before, which the
    /// caller makes durable (and which is closed when the rewrite ends).
    @discardableResult
    public func adoptIncrement(_ prepared: PreparedIncrement) -> FileHandle? {
        let previous = current
        if let previous { retired.append(previous) }
        current = prepared.handle
        manifest = prepared.manifest
        baseSize += currentSize
        currentSize = 0
        lastTimestamp = -1
        needsTruncation = false
        return previous
    }

    /// What a rewrite replaces and installs.
    public struct RewritePlan: Sendable {
        public let base: Manifest.Entry
        public let increment: Manifest.Entry
        public let replaced: [Manifest.Entry]
        public init(base: Manifest.Entry, increment: Manifest.Entry, replaced: [Manifest.Entry]) {
            self.base = base
            self.increment = increment
            self.replaced = replaced
        }
    }

    /// Steps 1 and 2 together, on the owning thread.
    public func startRewrite(publish: Bool = true) throws(LogError) -> RewritePlan {
        let prepared = try Self.prepareIncrement(fs: fs, layout: layout, manifest: manifest, publish: publish)
        adoptIncrement(prepared)
        return RewritePlan(base: prepared.base, increment: prepared.entry, replaced: prepared.replaced)
    }

    /// The last step of a rewrite, on any thread, once the new base is durable under its
    /// name: the manifest becomes the new base plus the new increment; only after that
    /// manifest is durable are the replaced files deleted (then the directory fsynced).
    /// Returns the installed manifest.
    public static func install(_ plan: RewritePlan, fs: any FileSystem, layout: LogLayout) throws(LogError) -> Manifest {
        let installed = Manifest(entries: [plan.base, plan.increment])
        do {
            try fs.replaceAtomically(layout.manifestPath, with: Array(installed.render().utf8), directory: layout.directory)
        } catch {
            throw LogError("Cannot write the manifest \(layout.manifestPath): \(error)")
        }
        for entry in plan.replaced where entry.name != plan.increment.name { try? fs.remove(layout.path(entry.name)) }
        try? fs.syncDirectory(layout.directory)
        return installed
    }

    /// After `install`, on the owning thread: the new set is the log.
    public func adoptInstalled(_ installed: Manifest) {
        manifest = installed
        baseSize = installed.base.flatMap { fs.size(layout.path($0.name)) } ?? 0
    }

    /// `install` then `adoptInstalled`, on the owning thread.
    public func installBase(_ plan: RewritePlan) throws(LogError) {
        adoptInstalled(try Self.install(plan, fs: fs, layout: layout))
    }
}

/// An fsync to run off the event loop: only `Sendable` values.
public struct SyncJob: Sendable {
    public let fs: any FileSystem
    public let file: FileHandle
    public func run() throws(FileSystemError) { try fs.sync(file) }
}
