import CairnProtocol

/// Every command Cairn serves, found by name without allocating.
///
/// The names live in a fixed open-addressed table (linear probing, at most a quarter
/// full) keyed by a multiplicative mix of the folded name's three words: a lookup is one
/// multiplication chain and usually one comparison. A `Dictionary` hashed every name with
/// SipHash, and the eight-slot cache of recent names put in front of it missed whenever
/// two of a client's commands shared a slot (EVALSHA, INCR and GET did: ~2% of a script
/// call at `-P 16` went to SipHash).
public struct CommandTable: Sendable {
    private let entries: [(name: CommandName, spec: CommandSpec)]
    /// Position + 1 in `entries` of the name in each bucket; 0: empty.
    private let buckets: [Int32]
    /// Top-level commands, in table order.
    public let all: [CommandSpec]

    init(_ specs: [CommandSpec]) {
        all = specs
        var entries: [(name: CommandName, spec: CommandSpec)] = []
        for spec in specs {
            guard let name = CommandName(spec.name) else { continue }
            // A later spec of the same name replaces the earlier one.
            if let i = entries.firstIndex(where: { $0.name == name }) { entries[i].spec = spec } else { entries.append((name, spec)) }
        }
        var size = 16
        while size < 4 * entries.count { size *= 2 }
        var buckets = [Int32](repeating: 0, count: size)
        for (i, entry) in entries.enumerated() {
            var b = entry.name.bucket(of: size)
            while buckets[b] != 0 { b = (b + 1) & (size - 1) }
            buckets[b] = Int32(i + 1)
        }
        self.entries = entries
        self.buckets = buckets
    }

    /// The command called `name`. O(1) average; at worst a probe run, bounded by the
    /// number of commands.
    private func find(_ name: CommandName) -> CommandSpec? {
        let mask = buckets.count - 1
        var b = name.bucket(of: buckets.count)
        while true {
            let stored = Int(buckets[b])
            if stored == 0 { return nil }
            if entries[stored - 1].name == name { return entries[stored - 1].spec }
            b = (b + 1) & mask
        }
    }

    /// The command named by argument 0 of `args`, case-insensitively. O(1).
    func lookup(_ args: Arguments) -> CommandSpec? {
        guard !args.isEmpty else { return nil }
        return args.withUnsafeBytes(0) { raw in
            CommandName(lowercasing: raw).flatMap { find($0) }
        }
    }

    /// The command called `name`, case-insensitively. O(1).
    public func lookup(name: String) -> CommandSpec? {
        CommandName(name).flatMap { find($0) }
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
