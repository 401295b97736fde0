import NIOCore
import CairnProtocol

/// COMMAND, COMMAND COUNT / INFO / DOCS / LIST: the command table described to clients
/// (redis-cli learns commands and their help from it, client libraries their key positions).
enum CommandCommand {
    static let spec = CommandSpec(
        "command", arity: -1, flags: [.loading, .stale], group: "server", since: "2.8.13",
        complexity: "O(N) where N is the total number of Redis commands",
        summary: "Returns detailed information about all commands.",
        subcommands: [
            CommandSpec("command|count", arity: 2, flags: [.loading, .stale], group: "server", since: "2.8.13",
                        summary: "Returns a count of commands.", run: { c, o in o.writeIntegerReply(Int64(c.engine.table.all.count)) }),
            CommandSpec("command|info", arity: -2, flags: [.loading, .stale], group: "server", since: "2.8.13",
                        complexity: "O(N) where N is the number of commands to look up",
                        summary: "Returns information about one, multiple or all commands.", syntax: "[command-name [command-name ...]]", run: info),
            CommandSpec("command|docs", arity: -2, flags: [.loading, .stale], group: "server", since: "7.0.0",
                        complexity: "O(N) where N is the number of commands to look up",
                        summary: "Returns documentary information about one, multiple or all commands.", syntax: "[command-name [command-name ...]]", run: docs),
            CommandSpec("command|list", arity: -2, flags: [.loading, .stale], group: "server", since: "7.0.0",
                        complexity: "O(N) where N is the total number of Redis commands",
                        summary: "Returns a list of command names.", run: list),
        ],
        run: { c, o in
            o.writeArrayHeader(c.engine.table.all.count)
            for spec in c.engine.table.all { writeInfo(spec, &o) }
        })

    static func info(_ c: CommandContext, _ out: inout ReplyWriter) {
        if c.args.count == 2 {
            out.writeArrayHeader(c.engine.table.all.count)
            for spec in c.engine.table.all { writeInfo(spec, &out) }
            return
        }
        out.writeArrayHeader(c.args.count - 2)
        for i in 2..<c.args.count {
            if let spec = find(c.args.string(i), in: c.engine.table) { writeInfo(spec, &out) } else { out.writeNullArray() }
        }
    }

    static func docs(_ c: CommandContext, _ out: inout ReplyWriter) {
        let specs: [CommandSpec]
        if c.args.count == 2 {
            specs = c.engine.table.all
        } else {
            specs = (2..<c.args.count).compactMap { find(c.args.string($0), in: c.engine.table) }
        }
        out.writeMapHeader(specs.count)
        for spec in specs {
            out.writeBulk(spec.name)
            writeDoc(spec, &out)
        }
    }

    static func list(_ c: CommandContext, _ out: inout ReplyWriter) {
        let names = c.engine.table.all.flatMap { [$0.name] + $0.subcommands.map(\.name) }
        out.writeArrayHeader(names.count)
        for name in names { out.writeBulk(name) }
    }

    /// A command or `container|sub` by name.
    static func find(_ name: String, in table: CommandTable) -> CommandSpec? {
        let lower = name.lowercased()
        if let bar = lower.firstIndex(of: "|") {
            return table.lookup(name: String(lower[..<bar]))?.subcommands.first { $0.name == lower }
        }
        return table.lookup(name: lower)
    }

    /// Redis 7's ten-element command description.
    static func writeInfo(_ spec: CommandSpec, _ out: inout ReplyWriter) {
        out.writeArrayHeader(10)
        out.writeBulk(spec.name)
        out.writeIntegerReply(Int64(spec.arity))
        let flags = spec.flags.names
        out.writeSetHeader(flags.count)
        for flag in flags { out.writeSimpleString(flag) }
        out.writeIntegerReply(Int64(spec.keys.first))
        out.writeIntegerReply(Int64(spec.keys.last))
        out.writeIntegerReply(Int64(spec.keys.step))
        let categories = aclCategories(spec)
        out.writeSetHeader(categories.count)
        for category in categories { out.writeSimpleString(category) }
        out.writeArrayHeader(0)  // tips
        out.writeArrayHeader(0)  // key specifications
        out.writeArrayHeader(spec.subcommands.count)
        for sub in spec.subcommands { writeInfo(sub, &out) }
    }

    /// Redis's ACL categories for `spec`, in Redis's own order (its category table's).
    static func aclCategories(_ spec: CommandSpec) -> [String] {
        // Containers (CLIENT, SCRIPT, FUNCTION…) are only @slow; their subcommands say more.
        if !spec.subcommands.isEmpty { return ["@slow"] }
        var found: Set<String> = []
        if spec.flags.contains(.write) { found.insert("@write") }
        // Scripting commands are not @read even when read-only (EVAL_RO), as in Redis.
        if spec.flags.contains(.readonly) && spec.doc.group != "scripting" { found.insert("@read") }
        switch spec.doc.group {
        case "string": found.insert("@string")
        case "hash": found.insert("@hash")
        case "list": found.insert("@list")
        case "set": found.insert("@set")
        case "sorted_set": found.insert("@sortedset")
        case "generic": found.insert("@keyspace")
        case "connection": found.insert("@connection")
        case "transactions": found.insert("@transaction")
        case "scripting": found.insert("@scripting")
        case "stream": found.insert("@stream")
        case "pubsub": found.insert("@pubsub")
        default: break
        }
        if spec.flags.contains(.blocking) { found.insert("@blocking") }
        if spec.flags.contains(.admin) { found.formUnion(["@admin", "@dangerous"]) }
        found.insert(spec.flags.contains(.fast) ? "@fast" : "@slow")
        return categoryOrder.filter(found.contains)
    }

    static let categoryOrder = ["@keyspace", "@read", "@write", "@set", "@sortedset", "@list", "@hash", "@string",
                                "@stream", "@pubsub", "@admin", "@fast", "@slow", "@blocking", "@dangerous", "@connection",
                                "@transaction", "@scripting"]

    /// The documentation map (flattened for RESP2): summary, since, group, complexity,
    /// the argument syntax as Cairn's own `syntax` field, and subcommands.
    static func writeDoc(_ spec: CommandSpec, _ out: inout ReplyWriter) {
        let hasSyntax = !spec.doc.syntax.isEmpty
        let hasSubs = !spec.subcommands.isEmpty
        out.writeMapHeader(4 + (hasSyntax ? 1 : 0) + (hasSubs ? 1 : 0))
        out.writeBulk("summary"); out.writeBulk(spec.doc.summary)
        out.writeBulk("since"); out.writeBulk(spec.doc.since)
        out.writeBulk("group"); out.writeBulk(spec.doc.group)
        out.writeBulk("complexity"); out.writeBulk(spec.doc.complexity)
        if hasSyntax { out.writeBulk("syntax"); out.writeBulk(spec.doc.syntax) }
        if hasSubs {
            out.writeBulk("subcommands")
            out.writeMapHeader(spec.subcommands.count)
            for sub in spec.subcommands {
                out.writeBulk(sub.name)
                writeDoc(sub, &out)
            }
        }
    }
}
