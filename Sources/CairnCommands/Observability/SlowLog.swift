import CairnProtocol
import DequeModule

/// Commands that took longer than `slowlog-log-slower-than` microseconds, newest first,
/// at most `slowlog-max-len` of them (Redis's slow log). Arguments are kept as Redis
/// keeps them: at most 32 (the last saying how many more), each at most 128 bytes (saying
/// how many more), and passwords replaced by `(redacted)`.
struct SlowLog {
    struct Entry {
        let id: Int64
        let time: Int64           // Unix seconds
        let microseconds: Int64
        let arguments: [[UInt8]]
        let address: String
        let name: String
    }

    /// Newest first. A deque, so a new entry goes in front in O(1) however long the log is
    /// (`slowlog-max-len` may be large, and with a threshold of 0 every command adds one).
    private(set) var entries = Deque<Entry>()
    private var nextID: Int64 = 0

    static let maxArguments = 32
    static let maxArgumentLength = 128

    mutating func add(_ args: Arguments, spec: CommandSpec, microseconds: Int64, time: Int64,
                      address: String, name: String, maxLength: Int) {
        guard maxLength > 0 else { return }
        let count = min(args.count, Self.maxArguments)
        var kept: [[UInt8]] = []
        kept.reserveCapacity(count)
        for i in 0..<count {
            if i == Self.maxArguments - 1 && args.count > Self.maxArguments {
                kept.append(Array("... (\(args.count - Self.maxArguments + 1) more arguments)".utf8))
            } else if Self.redacts(i, args, spec) {
                kept.append(Array("(redacted)".utf8))
            } else {
                let bytes = args.bytes(i)
                if bytes.count > Self.maxArgumentLength {
                    kept.append(Array(bytes.prefix(Self.maxArgumentLength)) + Array("... (\(bytes.count - Self.maxArgumentLength) more bytes)".utf8))
                } else {
                    kept.append(bytes)
                }
            }
        }
        entries.prepend(Entry(id: nextID, time: time, microseconds: microseconds, arguments: kept, address: address, name: name))
        nextID += 1
        if entries.count > maxLength { entries.removeLast(entries.count - maxLength) }
    }

    /// Shortens the log to `maxLength` (CONFIG SET slowlog-max-len).
    mutating func trim(to maxLength: Int) {
        if entries.count > max(maxLength, 0) { entries.removeLast(entries.count - max(maxLength, 0)) }
    }

    mutating func reset() { entries = [] }

    /// Whether argument `i` is a secret: AUTH's, HELLO AUTH's, ACL SETUSER's rules and
    /// name, CONFIG SET's value of a password setting — as Redis redacts them.
    static func redacts(_ i: Int, _ args: Arguments, _ spec: CommandSpec) -> Bool {
        switch spec.name {
        case "auth", "hello":
            return Engine.redactedArguments(args, spec: spec).contains(i)
        case "acl|setuser":
            return i >= 2
        case "config|set":
            guard i >= 3, i % 2 == 1 else { return false }
            let name = args.string(i - 1).lowercased()
            return name == "requirepass" || name == "masterauth" || name == "tls-key-file-pass"
        default:
            return false
        }
    }
}
