import NIOConcurrencyHelpers
import NIOCore
import CairnProtocol


/// What the server must know about a command before running it.
public struct CommandFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Changes data; refused while writes are refused.
    public static let write = CommandFlags(rawValue: 1 << 0)
    public static let readonly = CommandFlags(rawValue: 1 << 1)
    /// May allocate memory (Redis's `denyoom`).
    public static let denyOOM = CommandFlags(rawValue: 1 << 2)
    public static let admin = CommandFlags(rawValue: 1 << 3)
    public static let fast = CommandFlags(rawValue: 1 << 4)
    /// Allowed while the server is loading its data.
    public static let loading = CommandFlags(rawValue: 1 << 5)
    public static let stale = CommandFlags(rawValue: 1 << 6)
    public static let noscript = CommandFlags(rawValue: 1 << 7)
    /// Refused inside MULTI (Redis's `no_multi`: SHUTDOWN).
    public static let noMulti = CommandFlags(rawValue: 1 << 9)
    /// Runs at once inside MULTI instead of being queued (MULTI, EXEC, DISCARD, QUIT).
    /// Cairn's own flag; COMMAND INFO does not show it.
    public static let runsInTransaction = CommandFlags(rawValue: 1 << 8)
    /// May park its client until a key is ready (Redis's `blocking`).
    public static let blocking = CommandFlags(rawValue: 1 << 10)
    /// Not fed to MONITOR after it runs (EVAL and its kind feed themselves first).
    public static let skipMonitor = CommandFlags(rawValue: 1 << 11)
    /// May be called without keys though it takes some (EVAL with numkeys 0).
    public static let noMandatoryKeys = CommandFlags(rawValue: 1 << 12)
    /// Its keys are found by parsing its arguments (numkeys), not at fixed positions.
    public static let movableKeys = CommandFlags(rawValue: 1 << 13)
    /// Runs while a script is busy (Redis's `allow_busy`): the kill commands, SHUTDOWN,
    /// and those that only change the client's own state.
    public static let allowBusy = CommandFlags(rawValue: 1 << 14)
    /// Runs before the connection has authenticated (AUTH, HELLO, QUIT, RESET).
    public static let noAuth = CommandFlags(rawValue: 1 << 15)
    /// Takes part in pub/sub (Redis's `pubsub`).
    public static let pubsub = CommandFlags(rawValue: 1 << 16)
    /// Not recorded by the slow log (EXEC: its commands are, one by one).
    public static let skipSlowlog = CommandFlags(rawValue: 1 << 17)
    /// Refused while a replica loads asynchronously (Redis's `no_async_loading`; shown only).
    public static let noAsyncLoading = CommandFlags(rawValue: 1 << 18)

    var names: [String] {
        var out: [String] = []
        if contains(.write) { out.append("write") }
        if contains(.readonly) { out.append("readonly") }
        if contains(.denyOOM) { out.append("denyoom") }
        if contains(.admin) { out.append("admin") }
        if contains(.pubsub) { out.append("pubsub") }
        if contains(.noscript) { out.append("noscript") }
        if contains(.loading) { out.append("loading") }
        if contains(.stale) { out.append("stale") }
        if contains(.skipMonitor) { out.append("skip_monitor") }
        if contains(.skipSlowlog) { out.append("skip_slowlog") }
        if contains(.noMandatoryKeys) { out.append("no_mandatory_keys") }
        if contains(.noAsyncLoading) { out.append("no_async_loading") }
        if contains(.noMulti) { out.append("no_multi") }
        if contains(.fast) { out.append("fast") }
        if contains(.noAuth) { out.append("no_auth") }
        if contains(.blocking) { out.append("blocking") }
        if contains(.movableKeys) { out.append("movablekeys") }
        if contains(.allowBusy) { out.append("allow_busy") }
        return out
    }
}

/// Documentation shown by COMMAND DOCS (and so by redis-cli's help and hints).
public struct CommandDoc: Sendable {
    public var summary: String
    public var since: String
    public var group: String
    public var complexity: String
    /// Argument syntax in Redis's documentation notation, e.g. `key value [NX | XX]`.
    public var syntax: String
}

/// One entry of the command table. A class, so that finding a command hands out one
/// reference instead of copying a struct full of strings and closures per request.
public final class CommandSpec: Sendable {
    /// Lowercase name; for a subcommand, `container|sub` (as Redis names it in errors).
    public let name: String
    /// Argument count including the name; negative means "at least -arity".
    public let arity: Int
    public let flags: CommandFlags
    /// Positions of keys: first, last (negative counts from the end), step.
    public let keys: (first: Int, last: Int, step: Int)
    public let doc: CommandDoc
    /// Redis's ACL categories (ACL SETUSER `+@read`, COMMAND INFO).
    public let categories: ACLCategories
    /// Where its keys are and how it uses them (Redis 7.0's key specifications).
    public let keySpecs: [KeySpec]
    let run: @Sendable (CommandContext, inout ReplyWriter) -> Void
    /// Subcommands by lowercase name, for container commands (CONFIG, CLIENT, COMMAND).
    let subcommands: [CommandSpec]
    /// A number no other spec has, small and dense: where this command's statistics live
    /// in the engine's arrays, so counting a call costs no hashing.
    let serial: Int

    private static let serials = NIOLockedValueBox(0)

    init(_ name: String, arity: Int, flags: CommandFlags, keys: (Int, Int, Int) = (0, 0, 0),
         group: String, since: String = "1.0.0", categories: ACLCategories? = nil, complexity: String = "O(1)",
         summary: String, syntax: String = "",
         subcommands: [CommandSpec] = [],
         run: @escaping @Sendable (CommandContext, inout ReplyWriter) -> Void) {
        self.name = name
        self.arity = arity
        let keySpecs = KeySpec.table[name] ?? []
        self.keySpecs = keySpecs
        // As Redis: keys found other than by a fixed index and range are "movable".
        let movable = keySpecs.contains { spec in
            if case .index = spec.begin, case .range = spec.find { return false }
            return true
        }
        self.flags = movable ? flags.union(.movableKeys) : flags
        self.keys = keys
        self.doc = CommandDoc(summary: summary, since: since, group: group, complexity: complexity, syntax: syntax)
        self.subcommands = subcommands
        self.categories = .of(flags: flags, group: group, own: categories, isContainer: !subcommands.isEmpty)
        self.run = run
        self.serial = Self.serials.withLockedValue { next in
            defer { next += 1 }
            return next
        }
    }

    /// Whether `count` arguments (the name included) satisfy the arity.
    func accepts(argumentCount count: Int) -> Bool {
        arity >= 0 ? count == arity : count >= -arity
    }
}
