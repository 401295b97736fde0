import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// A socket's own and its peer's address as SwiftNIO's `SocketAddress`.
enum SocketAddresses {
    static func local(of fd: CInt) throws -> SocketAddress {
        try address(of: fd, reason: "getsockname") { getsockname($0, $1, $2) }
    }

    static func remote(of fd: CInt) throws -> SocketAddress {
        try address(of: fd, reason: "getpeername") { getpeername($0, $1, $2) }
    }

    private static func address(
        of fd: CInt, reason: String,
        _ call: (CInt, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> CInt
    ) throws -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, &length) }
        }
        guard result == 0 else { throw IOError(errnoCode: errno, reason: reason) }
        switch CInt(storage.ss_family) {
        case AF_INET:
            return SocketAddress(withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in.self) })
        case AF_INET6:
            return SocketAddress(withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in6.self) })
        case AF_UNIX:
            return SocketAddress(withUnsafeBytes(of: storage) { $0.load(as: sockaddr_un.self) })
        default:
            throw IOError(errnoCode: EAFNOSUPPORT, reason: reason)
        }
    }
}
