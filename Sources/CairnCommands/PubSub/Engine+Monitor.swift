import NIOCore
import OrderedCollections
import CairnProtocol
import CairnKeyspace

/// MONITOR: every command run (after it ran, in the order run; commands inside EXEC one
/// by one and then EXEC), except admin commands, as a line Redis 7.0 writes:
/// `+<seconds>.<micros> [<db> <address>] "arg" "arg" …`, passwords redacted.
extension Engine {
    /// MONITOR: the client receives the feed from now on; a second MONITOR answers nothing.
    /// O(1).
    func startMonitoring(_ client: ClientSession, _ out: inout ReplyWriter) {
        guard monitors.updateValue(client, forKey: client.id) == nil else { return }
        client.state = .monitoring
        out.writeOK()
    }

    /// RESET or disconnect. O(monitors).
    func stopMonitoring(_ client: ClientSession) {
        guard monitors.removeValue(forKey: client.id) != nil else { return }
        if case .monitoring = client.state { client.state = .normal }
    }

    /// Sends the line for a command just run to every monitor. O(monitors + arguments).
    func feedMonitors(_ args: Arguments, client: ClientSession, spec: CommandSpec) {
        var line = ByteBufferAllocator().buffer(capacity: 64 + args.byteCount * 2)
        let micros = UnixClock.microseconds()
        line.writeString("+\(micros / 1_000_000).\(Self.sixDigits(micros % 1_000_000)) [\(client.db) \(client.address)]")
        let redactFrom = Self.redactedArguments(args, spec: spec)
        for i in 0..<args.count {
            line.writeStaticString(" ")
            if i >= redactFrom.lowerBound && i < redactFrom.upperBound {
                line.writeStaticString("\"(redacted)\"")
            } else {
                args.withUnsafeBytes(i) { Self.writeQuoted($0, to: &line) }
            }
        }
        line.writeStaticString("\r\n")
        // The same bytes in either protocol: a status line.
        broadcast(to: monitors.values, toCaller: appendToCallerBacklog) { w in w.buffer.writeImmutableBuffer(line) }
    }

    /// Which arguments never appear in the feed: AUTH's, and HELLO's after AUTH.
    static func redactedArguments(_ args: Arguments, spec: CommandSpec) -> Range<Int> {
        switch spec.name {
        case "auth": return 1..<args.count
        case "hello":
            for i in 1..<max(args.count, 1) where args.equals(i, lowercase: "auth") {
                return (i + 1)..<min(i + 3, args.count)
            }
            return 0..<0
        default: return 0..<0
        }
    }

    static func sixDigits(_ n: Int64) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// Redis's `sdscatrepr`: in double quotes, with \\ \" \n \r \t \a \b escaped and other
    /// unprintable bytes as \xHH.
    static func writeQuoted(_ bytes: UnsafeRawBufferPointer, to line: inout ByteBuffer) {
        line.writeStaticString("\"")
        for b in bytes {
            switch b {
            case UInt8(ascii: "\\"): line.writeStaticString("\\\\")
            case UInt8(ascii: "\""): line.writeStaticString("\\\"")
            case 10: line.writeStaticString("\\n")
            case 13: line.writeStaticString("\\r")
            case 9: line.writeStaticString("\\t")
            case 7: line.writeStaticString("\\a")
            case 8: line.writeStaticString("\\b")
            case 32...126: line.writeInteger(b)
            default:
                let hex = Array("0123456789abcdef".utf8)
                line.writeBytes([UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(b >> 4)], hex[Int(b & 15)]])
            }
        }
        line.writeStaticString("\"")
    }
}
