import CairnProtocol

/// Every command Cairn serves, found by name without allocating.
public struct CommandTable: Sendable {
    private let byName: [CommandName: CommandSpec]
    /// Recently found commands, by a few bits of their name: a client's usual handful of
    /// commands (a pipeline of SETs, a script's INCR and GET) are found without hashing
    /// the name with SipHash and probing the table (~2% of a script call at `-P 16`).
    private var recent: [(name: CommandName, spec: CommandSpec)?] = Array(repeating: nil, count: CommandTable.recentSlots)
    static let recentSlots = 8
    /// Top-level commands, in table order.
    public let all: [CommandSpec]

    init(_ specs: [CommandSpec]) {
        all = specs
        var map: [CommandName: CommandSpec] = [:]
        for spec in specs {
            if let name = CommandName(spec.name) { map[name] = spec }
        }
        byName = map
    }

    /// The command named by argument 0 of `args`. O(1).
    func lookup(_ args: Arguments) -> CommandSpec? {
        guard !args.isEmpty else { return nil }
        return args.withUnsafeBytes(0) { raw in
            CommandName(lowercasing: raw).flatMap { byName[$0] }
        }
    }

    /// Like `lookup(_:)`, remembering recent answers. O(1).
    mutating func lookupCaching(_ args: Arguments) -> CommandSpec? {
        guard !args.isEmpty, let name = args.withUnsafeBytes(0, { CommandName(lowercasing: $0) }) else { return nil }
        let slot = name.slot(of: Self.recentSlots)
        if let hit = recent[slot], hit.name == name { return hit.spec }
        guard let spec = byName[name] else { return nil }
        recent[slot] = (name, spec)
        return spec
    }

    /// The command called `name`, case-insensitively. O(1).
    public func lookup(name: String) -> CommandSpec? {
        CommandName(name).flatMap { byName[$0] }
    }

    /// Cairn's full table.
    public static let standard = CommandTable(
        StringCommands.specs + HashCommands.specs + ListCommands.specs + SetCommands.specs + SortedSetCommands.specs + KeyCommands.specs + SortCommand.specs + BlockingCommands.specs + PubSubCommands.specs + ExpireCommands.specs
            + ConnectionCommands.specs + ServerCommands.specs + TransactionCommands.specs + WatchCommands.specs + ScriptingCommands.specs + FunctionCommands.specs + StreamCommands.specs + StreamReadCommands.specs
            + StreamGroupCommands.specs + StreamInfoCommand.specs + Authentication.specs + ACLCommand.specs + SlowlogCommand.specs + LatencyCommand.specs
    )
}

extension CommandSpec {
    /// The subcommand named by argument 1, for container commands.
    func subcommand(_ args: Arguments) -> CommandSpec? {
        guard args.count > 1 else { return nil }
        let wanted = args.string(1).lowercased()
        return subcommands.first { $0.name.hasSuffix("|" + wanted) }
    }
}
