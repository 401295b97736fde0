#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on `<dir>/cairn.lock`, held for the life of the process, so two
/// servers never append to the same log. The kernel drops the lock when the process
/// ends, however it ends, so a crash never leaves a stale lock behind.
///
/// The file holds the owner's pid, for the message a second server prints.
public final class DataDirectoryLock: Sendable {
    public static let fileName = "cairn.lock"

    private let descriptor: Int32
    public let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { _ = Glibc.close(descriptor) }

    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// Takes the lock on `directory`, or says why it cannot: another server holds it, or
    /// the directory cannot hold a file (missing, not a directory, read-only, no space).
    public static func acquire(in directory: String) throws(Refusal) -> DataDirectoryLock {
        let path = directory + "/" + fileName
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Refusal(description: "Can't create the lock file \(path): \(String(cString: strerror(errno))). "
                          + "The data directory '\(directory)' must exist and be writable by Cairn.")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let owner = readOwner(fd)
            _ = Glibc.close(fd)
            if code == EWOULDBLOCK {
                throw Refusal(description: "Another Cairn server\(owner.map { " (pid \($0))" } ?? "") is using the data directory '\(directory)' "
                              + "(it holds \(path)). Two servers appending to one log would corrupt it: stop the other server, or give this one another 'dir'.")
            }
            throw Refusal(description: "Can't lock \(path): \(String(cString: strerror(code)))")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return DataDirectoryLock(descriptor: fd, path: path)
    }

    /// The pid written by the lock's owner, if it reads as one.
    private static func readOwner(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int(String(decoding: buffer[0..<n], as: UTF8.self).trimmingTrailingNewline)
    }
}

private extension String {
    var trimmingTrailingNewline: Substring { self.prefix { $0 != "\n" } }
}
