import NIOConcurrencyHelpers
public import CairnLog
#if canImport(Glibc)
import Glibc
#endif

/// An in-memory file system that knows what a power loss would keep.
///
/// For every file it keeps the bytes written and, apart, the bytes as of the last fsync;
/// for every directory entry, whether it was fsynced. `powerLoss` builds the file system a
/// machine would find after losing power: directory entries not fsynced may be undone, and
/// each file's unsynced bytes may be dropped, kept in part, torn at any byte, zero-filled
/// or turned to garbage. Faults can be injected: an fsync failing with EIO (after which,
/// as on Linux, the unsynced pages are dropped and a later fsync still succeeds), and a
/// disk that fills up at a chosen byte (a short write, then ENOSPC).
public final class SimulatedFileSystem: FileSystem {
    struct Inode {
        var data: [UInt8] = []
        var durable: [UInt8] = []
        /// Byte ranges lost by a failed fsync: they never reach the disk.
        var lost: [Range<Int>] = []
    }

    struct State {
        var inodes: [Int: Inode] = [:]
        var names: [String: Int] = [:]
        var durableNames: [String: Int] = [:]
        var directories: Set<String> = []
        var durableDirectories: Set<String> = []
        var open: [Int32: Int] = [:]
        var nextInode = 1
        var nextDescriptor: Int32 = 3
        /// Fail the fsync after this many more successful ones (nil: never).
        var failSyncAfter: Int?
        /// Total bytes all files may hold; writes past it are short, then ENOSPC.
        var capacity: Int?
        var syncCount = 0
        /// When recording: the state after every operation that changes anything.
        var recording: [State]?
    }

    private let state: NIOLockedValueBox<State>

    public init() {
        state = NIOLockedValueBox(State())
    }

    init(state: State) {
        self.state = NIOLockedValueBox(state)
    }

    // MARK: Faults

    /// The fsync after `count` more successful ones fails with EIO.
    public func failSync(after count: Int) { state.withLockedValue { $0.failSyncAfter = count } }
    /// The disk holds at most `bytes` in all files together.
    public func setCapacity(_ bytes: Int?) { state.withLockedValue { $0.capacity = bytes } }
    public var syncCount: Int { state.withLockedValue { $0.syncCount } }

    // MARK: Recording

    /// From now on, keep the machine's state after every write, fsync, truncate, create,
    /// rename, delete and directory fsync, so a test can crash "between any two steps".
    public func startRecording() { state.withLockedValue { $0.recording = [] } }

    /// Steps recorded so far.
    public var recordedSteps: Int { state.withLockedValue { $0.recording?.count ?? 0 } }

    /// The file system as it was after recorded step `index` (power loss not yet applied).
    public func recordedState(_ index: Int) -> SimulatedFileSystem {
        var s = state.withLockedValue { $0.recording?[index] ?? $0 }
        s.recording = nil
        s.open = [:]
        return SimulatedFileSystem(state: s)
    }

    private func record() {
        state.withLockedValue { s in
            guard s.recording != nil else { return }
            var copy = s
            copy.recording = nil
            s.recording?.append(copy)
        }
    }

    // MARK: Power loss

    /// The file system as found after a power loss at this instant. Deterministic for a
    /// given generator. Faults are not carried over.
    public func powerLoss(using rng: inout some RandomNumberGenerator) -> SimulatedFileSystem {
        let s = state.withLockedValue { $0 }
        var after = State()
        after.nextInode = s.nextInode
        // Directory entries: each one not yet durable is kept or undone at random.
        var names = s.durableNames
        for (path, inode) in s.names where s.durableNames[path] != inode {
            if Bool.random(using: &rng) { names[path] = inode }
        }
        for (path, _) in s.durableNames where s.names[path] == nil {
            if Bool.random(using: &rng) { names[path] = nil }
        }
        after.names = names
        after.durableNames = names
        after.directories = s.durableDirectories.union(s.directories.filter { _ in Bool.random(using: &rng) })
        after.durableDirectories = after.directories
        for (id, inode) in s.inodes {
            var content = inode.durable
            if inode.data != inode.durable {
                content = Self.survivor(of: inode, using: &rng)
            }
            for range in inode.lost where range.lowerBound < content.count {
                for i in range.clamped(to: 0..<content.count) { content[i] = 0 }
            }
            after.inodes[id] = Inode(data: content, durable: content, lost: [])
        }
        return SimulatedFileSystem(state: after)
    }

    /// What survives of a file's unsynced bytes.
    static func survivor(of inode: Inode, using rng: inout some RandomNumberGenerator) -> [UInt8] {
        let data = inode.data, durable = inode.durable
        var common = 0
        while common < min(data.count, durable.count) && data[common] == durable[common] { common += 1 }
        if data.count < durable.count && common == data.count {
            // A truncation that may or may not have reached the disk.
            return Bool.random(using: &rng) ? data : durable
        }
        var out = Array(data[0..<common])
        let unsynced = data.count - common
        switch Int.random(in: 0..<5, using: &rng) {
        case 0:
            out = durable                                      // nothing new reached the disk
        case 1:
            out = data                                         // everything did
        case 2:
            out += data[common..<(common + Int.random(in: 0...unsynced, using: &rng))]   // a prefix
        case 3:
            let kept = Int.random(in: 0...unsynced, using: &rng)                          // torn, then zeros
            out += data[common..<(common + kept)]
            out += [UInt8](repeating: 0, count: Int.random(in: 0...(unsynced - kept), using: &rng))
        default:
            let kept = Int.random(in: 0...unsynced, using: &rng)                          // torn, then garbage
            out += data[common..<(common + kept)]
            out += (0..<Int.random(in: 0...(unsynced - kept), using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        return out
    }

    // MARK: FileSystem

    public func openForAppend(_ path: String) throws(FileSystemError) -> FileHandle {
        let result: Result<FileHandle, FileSystemError> = state.withLockedValue { s in
            guard s.directories.contains(Self.parent(path)) else { return .failure(FileSystemError("open", path, code: ENOENT)) }
            let id: Int
            if let existing = s.names[path] {
                id = existing
            } else {
                id = s.nextInode
                s.nextInode += 1
                s.inodes[id] = Inode()
                s.names[path] = id
            }
            let fd = s.nextDescriptor
            s.nextDescriptor += 1
            s.open[fd] = id
            return .success(FileHandle(raw: fd, path: path))
        }
        defer { record() }
        return try result.get()
    }

    public func write(_ file: FileHandle, _ bytes: UnsafeRawBufferPointer) throws(FileSystemError) -> Int {
        let result: Result<Int, FileSystemError> = state.withLockedValue { s in
            guard let id = s.open[file.raw] else { return .failure(FileSystemError("write", file.path, code: EBADF)) }
            var n = bytes.count
            if let capacity = s.capacity {
                let used = s.inodes.values.reduce(0) { $0 + $1.data.count }
                let room = max(0, capacity - used)
                if room == 0 && n > 0 { return .failure(FileSystemError("write", file.path, code: ENOSPC)) }
                n = min(n, room)
            }
            s.inodes[id]?.data.append(contentsOf: bytes.prefix(n))
            return .success(n)
        }
        defer { record() }
        return try result.get()
    }

    public func sync(_ file: FileHandle) throws(FileSystemError) {
        let failure: FileSystemError? = state.withLockedValue { s in
            guard let id = s.open[file.raw], var inode = s.inodes[id] else { return FileSystemError("fsync", file.path, code: EBADF) }
            s.syncCount += 1
            if let remaining = s.failSyncAfter {
                if remaining == 0 {
                    s.failSyncAfter = nil
                    // Like Linux: the dirty pages are marked clean and their data is gone.
                    if inode.data.count > inode.durable.count {
                        inode.lost.append(inode.durable.count..<inode.data.count)
                    }
                    inode.durable = inode.data
                    s.inodes[id] = inode
                    return FileSystemError("fsync", file.path, code: EIO)
                }
                s.failSyncAfter = remaining - 1
            }
            inode.durable = inode.data
            s.inodes[id] = inode
            return nil
        }
        record()
        if let failure { throw failure }
    }

    public func truncate(_ file: FileHandle, to size: Int) throws(FileSystemError) {
        let ok: Bool = state.withLockedValue { s in
            guard let id = s.open[file.raw], let inode = s.inodes[id] else { return false }
            s.inodes[id]?.data = Array(inode.data.prefix(size))
            return true
        }
        record()
        if !ok { throw FileSystemError("ftruncate", file.path, code: EBADF) }
    }

    public func close(_ file: FileHandle) {
        state.withLockedValue { _ = $0.open.removeValue(forKey: file.raw) }
    }

    public func read(_ path: String) throws(FileSystemError) -> [UInt8] {
        let data: [UInt8]? = state.withLockedValue { s in s.names[path].flatMap { s.inodes[$0]?.data } }
        guard let data else { throw FileSystemError("open", path, code: ENOENT) }
        return data
    }

    public func size(_ path: String) -> Int? {
        state.withLockedValue { s in s.names[path].flatMap { s.inodes[$0]?.data.count } }
    }

    public func truncateFile(_ path: String, to size: Int) throws(FileSystemError) {
        let ok: Bool = state.withLockedValue { s in
            guard let id = s.names[path], let inode = s.inodes[id] else { return false }
            let cut = Array(inode.data.prefix(size))
            s.inodes[id]?.data = cut
            s.inodes[id]?.durable = cut
            return true
        }
        record()
        if !ok { throw FileSystemError("open", path, code: ENOENT) }
    }

    public func rename(_ from: String, to: String) throws(FileSystemError) {
        let ok: Bool = state.withLockedValue { s in
            guard let id = s.names.removeValue(forKey: from) else { return false }
            s.names[to] = id
            return true
        }
        record()
        if !ok { throw FileSystemError("rename", from, code: ENOENT) }
    }

    public func remove(_ path: String) throws(FileSystemError) {
        let ok: Bool = state.withLockedValue { s in s.names.removeValue(forKey: path) != nil }
        record()
        if !ok { throw FileSystemError("unlink", path, code: ENOENT) }
    }

    public func makeDirectory(_ path: String) throws(FileSystemError) {
        state.withLockedValue { _ = $0.directories.insert(path) }
        record()
    }

    public func syncDirectory(_ path: String) throws(FileSystemError) {
        state.withLockedValue { s in
            if s.directories.contains(path) { s.durableDirectories.insert(path) }
            for (name, id) in s.names where Self.parent(name) == path { s.durableNames[name] = id }
            for name in s.durableNames.keys where Self.parent(name) == path && s.names[name] == nil {
                s.durableNames[name] = nil
            }
        }
        record()
    }

    public func list(_ directory: String) -> [String]? {
        state.withLockedValue { s in
            guard s.directories.contains(directory) else { return nil }
            return s.names.keys.filter { Self.parent($0) == directory }.map { String($0.dropFirst(directory.count + 1)) }.sorted()
        }
    }

    /// Creates a directory that is already durable (the machine's existing `dir`).
    public func makeDurableDirectory(_ path: String) {
        state.withLockedValue { s in
            s.directories.insert(path)
            s.durableDirectories.insert(path)
        }
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}
