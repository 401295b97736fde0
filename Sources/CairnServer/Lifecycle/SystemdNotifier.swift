#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd where the server is, for `Type=notify` units: `READY=1` once the data is
/// loaded and clients are served (so units ordered after Cairn start when its data is
/// there), `STOPPING=1` when a shutdown begins, and `STATUS=` lines for `systemctl
/// status`. The protocol is one datagram per message to the Unix socket named by
/// `NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace); without that variable
/// nothing is sent.
struct SystemdNotifier: Sendable {
    let socketPath: String?

    init(environment: [String: String] = SystemdNotifier.environment()) {
        let path = environment["NOTIFY_SOCKET"] ?? ""
        socketPath = path.isEmpty ? nil : path
    }

    static func environment() -> [String: String] {
        var values: [String: String] = [:]
        if let value = getenv("NOTIFY_SOCKET") { values["NOTIFY_SOCKET"] = String(cString: value) }
        return values
    }

    /// Sends `state` (e.g. "READY=1\nSTATUS=…"); failures are ignored, as sd_notify's are.
    func notify(_ state: String) {
        guard let path = socketPath else { return }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }            // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let message = Array(state.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, length) }
            }
        }
    }
}
