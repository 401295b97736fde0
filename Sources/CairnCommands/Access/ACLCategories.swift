/// Redis 7.0's ACL command categories (`@read`, `@write`, `@dangerous` …): what
/// `ACL SETUSER +@category` grants, what `ACL CAT` lists and what COMMAND INFO shows.
///
/// Most of a command's categories follow from its flags and group, as in Redis
/// (`write` → `@write`, `admin` → `@admin @dangerous`, not `fast` → `@slow`, the group
/// → the data type); a command can name its own instead of the group's (SORT touches
/// lists, sets and sorted sets and is `@dangerous`).
public struct ACLCategories: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let keyspace = ACLCategories(rawValue: 1 << 0)
    public static let read = ACLCategories(rawValue: 1 << 1)
    public static let write = ACLCategories(rawValue: 1 << 2)
    public static let set = ACLCategories(rawValue: 1 << 3)
    public static let sortedset = ACLCategories(rawValue: 1 << 4)
    public static let list = ACLCategories(rawValue: 1 << 5)
    public static let hash = ACLCategories(rawValue: 1 << 6)
    public static let string = ACLCategories(rawValue: 1 << 7)
    public static let bitmap = ACLCategories(rawValue: 1 << 8)
    public static let hyperloglog = ACLCategories(rawValue: 1 << 9)
    public static let geo = ACLCategories(rawValue: 1 << 10)
    public static let stream = ACLCategories(rawValue: 1 << 11)
    public static let pubsub = ACLCategories(rawValue: 1 << 12)
    public static let admin = ACLCategories(rawValue: 1 << 13)
    public static let fast = ACLCategories(rawValue: 1 << 14)
    public static let slow = ACLCategories(rawValue: 1 << 15)
    public static let blocking = ACLCategories(rawValue: 1 << 16)
    public static let dangerous = ACLCategories(rawValue: 1 << 17)
    public static let connection = ACLCategories(rawValue: 1 << 18)
    public static let transaction = ACLCategories(rawValue: 1 << 19)
    public static let scripting = ACLCategories(rawValue: 1 << 20)

    /// Every category with its name, in Redis's order (ACL CAT's, COMMAND INFO's).
    public static let named: [(name: String, category: ACLCategories)] = [
        ("keyspace", .keyspace), ("read", .read), ("write", .write), ("set", .set), ("sortedset", .sortedset),
        ("list", .list), ("hash", .hash), ("string", .string), ("bitmap", .bitmap), ("hyperloglog", .hyperloglog),
        ("geo", .geo), ("stream", .stream), ("pubsub", .pubsub), ("admin", .admin), ("fast", .fast), ("slow", .slow),
        ("blocking", .blocking), ("dangerous", .dangerous), ("connection", .connection),
        ("transaction", .transaction), ("scripting", .scripting),
    ]

    /// The category called `name` (without `@`), case-insensitively. O(categories).
    public init?(name: String) {
        let lower = name.lowercased()
        guard let found = Self.named.first(where: { $0.name == lower }) else { return nil }
        self = found.category
    }

    /// Names with `@`, in Redis's order.
    var names: [String] {
        Self.named.filter { contains($0.category) }.map { "@" + $0.name }
    }

    /// The data-type or purpose category a command group implies when the command names
    /// none of its own.
    static func implied(byGroup group: String) -> ACLCategories {
        switch group {
        case "string": return .string
        case "hash": return .hash
        case "list": return .list
        case "set": return .set
        case "sorted_set": return .sortedset
        case "generic": return .keyspace
        case "connection": return .connection
        case "transactions": return .transaction
        case "scripting": return .scripting
        case "stream": return .stream
        case "pubsub": return .pubsub
        default: return []
        }
    }

    /// A command's categories: `own` (or its group's) plus what its flags imply. O(1).
    static func of(flags: CommandFlags, group: String, own: ACLCategories?, isContainer: Bool) -> ACLCategories {
        // Containers (CLIENT, SCRIPT, FUNCTION…) are only @slow (or their own); their
        // subcommands say more.
        if isContainer { return (own ?? []).union(.slow) }
        var found = own ?? implied(byGroup: group)
        if flags.contains(.write) { found.insert(.write) }
        // Scripting commands are not @read even when read-only (EVAL_RO), as in Redis.
        if flags.contains(.readonly) && group != "scripting" { found.insert(.read) }
        if flags.contains(.blocking) { found.insert(.blocking) }
        if flags.contains(.admin) { found.formUnion([.admin, .dangerous]) }
        found.insert(flags.contains(.fast) ? .fast : .slow)
        return found
    }
}
