/// A file-system operation that failed: which, on what path, and the `errno` it returned.
public struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let code: Int32

    public init(_ operation: String, _ path: String, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    public var description: String { "\(operation) \(path): \(ErrorText.describe(code))" }
}

/// An open file, as the file system that opened it knows it.
public struct FileHandle: Sendable, Hashable {
    public let raw: Int32
    public let path: String
    public init(raw: Int32, path: String) {
        self.raw = raw
        self.path = path
    }
}

/// Every file operation the append-only file makes, behind one narrow seam.
///
/// `PosixFileSystem` calls the kernel; `SimulatedFileSystem` (in CairnLogTesting) keeps
/// what was fsynced apart from what was only written, and can lose, tear or zero-fill the
/// unsynced part on a simulated power loss, or fail a write or an fsync on request.
/// Implementations are `Sendable` because fsyncs run on a thread of their own.
public protocol FileSystem: Sendable {
    /// Opens `path` for appending, creating it if absent (the caller fsyncs the directory).
    func openForAppend(_ path: String) throws(FileSystemError) -> FileHandle
    /// Writes `bytes` at the end; returns how many were written (fewer on a short write).
    func write(_ file: FileHandle, _ bytes: UnsafeRawBufferPointer) throws(FileSystemError) -> Int
    /// Makes the file's data durable (fdatasync/fsync).
    func sync(_ file: FileHandle) throws(FileSystemError)
    /// Cuts the file to `size` bytes.
    func truncate(_ file: FileHandle, to size: Int) throws(FileSystemError)
    func close(_ file: FileHandle)
    /// The whole content of `path`.
    func read(_ path: String) throws(FileSystemError) -> [UInt8]
    /// Calls `body` with the whole content of `path`, mapped rather than copied where the
    /// file system can: loading a log larger than memory pages it in and lets the kernel
    /// drop what was read, instead of holding it all.
    func withContents<R>(of path: String, _ body: (UnsafeRawBufferPointer) -> R) throws(FileSystemError) -> R
    /// The size of `path`, or nil if it does not exist.
    func size(_ path: String) -> Int?
    /// Cuts `path` to `size` bytes and fsyncs it.
    func truncateFile(_ path: String, to size: Int) throws(FileSystemError)
    func rename(_ from: String, to: String) throws(FileSystemError)
    func remove(_ path: String) throws(FileSystemError)
    func makeDirectory(_ path: String) throws(FileSystemError)
    /// Makes the directory's entries (creates, renames, deletes) durable.
    func syncDirectory(_ path: String) throws(FileSystemError)
    /// Names in a directory, or nil if it does not exist.
    func list(_ directory: String) -> [String]?
    /// A hint: start writing what `file` holds to the disk now, without waiting for it.
    func startWriteback(_ file: FileHandle)
}

extension FileSystem {
    /// No hint taken (simulated file systems).
    public func startWriteback(_ file: FileHandle) {}

    /// Read, then lent (simulated file systems, whose files are arrays already).
    public func withContents<R>(of path: String, _ body: (UnsafeRawBufferPointer) -> R) throws(FileSystemError) -> R {
        try read(path).withUnsafeBytes(body)
    }

    /// Writes all of `bytes`, retrying short writes; throws on the first error.
    /// Returns the number of bytes written before the error, with it.
    public func writeAll(_ file: FileHandle, _ bytes: UnsafeRawBufferPointer) -> (written: Int, error: FileSystemError?) {
        var done = 0
        while done < bytes.count {
            do {
                let n = try write(file, UnsafeRawBufferPointer(rebasing: bytes[done...]))
                if n <= 0 { return (done, FileSystemError("write", file.path, code: ErrorText.shortWrite)) }
                done += n
            } catch {
                return (done, error)
            }
        }
        return (done, nil)
    }

    /// Replaces `path` atomically with `contents`: write a temporary file beside it, fsync
    /// it, rename it over `path`, fsync the directory.
    public func replaceAtomically(_ path: String, with contents: [UInt8], directory: String) throws(FileSystemError) {
        let temporary = path + ".tmp"
        if size(temporary) != nil { try remove(temporary) }
        let file = try openForAppend(temporary)
        let (_, error) = contents.withUnsafeBytes { writeAll(file, $0) }
        if let error { close(file); throw error }
        do { try sync(file) } catch { close(file); throw error }
        close(file)
        try rename(temporary, to: path)
        try syncDirectory(directory)
    }
}

/// Human text for an errno.
public enum ErrorText {
    /// Not an errno: a write that made no progress.
    public static let shortWrite: Int32 = -1

    public static func describe(_ code: Int32) -> String {
        if code == shortWrite { return "short write" }
        #if canImport(Glibc)
        return String(cString: strerror(code))
        #else
        return "error \(code)"
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
