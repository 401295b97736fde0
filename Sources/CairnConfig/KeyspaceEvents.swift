/// `notify-keyspace-events`: which keyspace notifications are published, with Redis's
/// class characters (K E g $ l s h z x e t m d n, and A for g$lshzxetd).
public struct KeyspaceEvents: OptionSet, Sendable, Equatable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let keyspace = KeyspaceEvents(rawValue: 1 << 0)   // K
    public static let keyevent = KeyspaceEvents(rawValue: 1 << 1)   // E
    public static let generic = KeyspaceEvents(rawValue: 1 << 2)    // g
    public static let string = KeyspaceEvents(rawValue: 1 << 3)     // $
    public static let list = KeyspaceEvents(rawValue: 1 << 4)       // l
    public static let set = KeyspaceEvents(rawValue: 1 << 5)        // s
    public static let hash = KeyspaceEvents(rawValue: 1 << 6)       // h
    public static let zset = KeyspaceEvents(rawValue: 1 << 7)       // z
    public static let expired = KeyspaceEvents(rawValue: 1 << 8)    // x
    public static let evicted = KeyspaceEvents(rawValue: 1 << 9)    // e
    public static let stream = KeyspaceEvents(rawValue: 1 << 10)    // t
    public static let keyMiss = KeyspaceEvents(rawValue: 1 << 11)   // m
    public static let module = KeyspaceEvents(rawValue: 1 << 12)    // d
    public static let newKey = KeyspaceEvents(rawValue: 1 << 13)    // n
    /// `A`: every class but key misses and new keys.
    public static let all: KeyspaceEvents = [.generic, .string, .list, .set, .hash, .zset, .expired, .evicted, .stream, .module]

    private static let classes: [(Character, KeyspaceEvents)] = [
        ("g", .generic), ("$", .string), ("l", .list), ("s", .set), ("h", .hash), ("z", .zset), ("x", .expired),
        ("e", .evicted), ("t", .stream), ("d", .module), ("n", .newKey),
    ]

    /// Redis's `keyspaceEventsStringToFlags`: nil for an unknown character. O(n).
    public init?(parsing text: String) {
        var flags: KeyspaceEvents = []
        for ch in text {
            switch ch {
            case "A": flags.formUnion(.all)
            case "K": flags.insert(.keyspace)
            case "E": flags.insert(.keyevent)
            case "m": flags.insert(.keyMiss)
            default:
                guard let (_, flag) = Self.classes.first(where: { $0.0 == ch }) else { return nil }
                flags.insert(flag)
            }
        }
        self = flags
    }

    /// Redis's `keyspaceEventsFlagsToString` (CONFIG GET): `A` when every class of it is
    /// on (then `n` is not shown, as in Redis 7.0), else each class; then K, E, m. O(1).
    public var description: String {
        var text = ""
        if isSuperset(of: .all) {
            text = "A"
        } else {
            for (ch, flag) in Self.classes where contains(flag) { text.append(ch) }
        }
        if contains(.keyspace) { text += "K" }
        if contains(.keyevent) { text += "E" }
        if contains(.keyMiss) { text += "m" }
        return text
    }

    /// Whether notifications of class `type` are published at all. O(1).
    @inlinable public func publishes(_ type: KeyspaceEvents) -> Bool {
        !isDisjoint(with: [.keyspace, .keyevent]) && !isDisjoint(with: type)
    }
}
