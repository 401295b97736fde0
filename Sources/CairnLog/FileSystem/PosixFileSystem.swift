#if canImport(Glibc)
import Glibc
import CCairnShims
#endif

/// The real file system, through POSIX calls. Stateless, so it is freely shared with the
/// thread that runs fsyncs.
public struct PosixFileSystem: FileSystem {
    public init() {}

    public func openForAppend(_ path: String) throws(FileSystemError) -> FileHandle {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystemError("open", path, code: errno) }
        return FileHandle(raw: fd, path: path)
    }

    public func write(_ file: FileHandle, _ bytes: UnsafeRawBufferPointer) throws(FileSystemError) -> Int {
        while true {
            let n = Glibc.write(file.raw, bytes.baseAddress, bytes.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw FileSystemError("write", file.path, code: errno)
        }
    }

    public func sync(_ file: FileHandle) throws(FileSystemError) {
        // fdatasync: the data and the size, which is all an append needs.
        guard fdatasync(file.raw) == 0 else { throw FileSystemError("fsync", file.path, code: errno) }
    }

    public func startWriteback(_ file: FileHandle) {
        // A hint: an error (EINVAL on a file system without it) changes nothing.
        _ = cairn_start_writeback(file.raw)
    }

    public func truncate(_ file: FileHandle, to size: Int) throws(FileSystemError) {
        guard ftruncate(file.raw, off_t(size)) == 0 else { throw FileSystemError("ftruncate", file.path, code: errno) }
    }

    public func close(_ file: FileHandle) {
        _ = Glibc.close(file.raw)
    }

    public func read(_ path: String) throws(FileSystemError) -> [UInt8] {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("open", path, code: errno) }
        defer { _ = Glibc.close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return out }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("read", path, code: errno)
            }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    public func withContents<R>(of path: String, _ body: (UnsafeRawBufferPointer) -> R) throws(FileSystemError) -> R {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("open", path, code: errno) }
        defer { _ = Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileSystemError("fstat", path, code: errno) }
        let size = Int(info.st_size)
        guard size > 0 else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        // Shared and read-only: the pages are the page cache's own, so the mapping costs
        // no memory of the process's and the kernel reclaims pages already read.
        guard let base = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            throw FileSystemError("mmap", path, code: errno)
        }
        defer { _ = munmap(base, size) }
        _ = madvise(base, size, MADV_SEQUENTIAL)
        return body(UnsafeRawBufferPointer(start: base, count: size))
    }

    public func size(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    public func truncateFile(_ path: String, to size: Int) throws(FileSystemError) {
        let fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("open", path, code: errno) }
        defer { _ = Glibc.close(fd) }
        guard ftruncate(fd, off_t(size)) == 0 else { throw FileSystemError("ftruncate", path, code: errno) }
        guard fsync(fd) == 0 else { throw FileSystemError("fsync", path, code: errno) }
    }

    public func rename(_ from: String, to: String) throws(FileSystemError) {
        guard Glibc.rename(from, to) == 0 else { throw FileSystemError("rename", from, code: errno) }
    }

    public func remove(_ path: String) throws(FileSystemError) {
        guard unlink(path) == 0 else { throw FileSystemError("unlink", path, code: errno) }
    }

    public func makeDirectory(_ path: String) throws(FileSystemError) {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw FileSystemError("mkdir", path, code: errno) }
    }

    public func syncDirectory(_ path: String) throws(FileSystemError) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("open", path, code: errno) }
        defer { _ = Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw FileSystemError("fsync", path, code: errno) }
    }

    public func list(_ directory: String) -> [String]? {
        guard let dir = opendir(directory) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
