import NIOCore
import CairnProtocol

/// COMMAND, COMMAND COUNT / INFO / DOCS / LIST: the command table described to clients
/// (redis-cli learns commands and their help from it, client libraries their key positions).
enum CommandCommand {
    static let spec = CommandSpec(
        "command", arity: -1, flags: [.loading, .stale], group: "server", since: "2.8.13", categories: .connection,
        complexity: "O(N) where N is the total number of Redis commands",
        summary: "Returns detailed information about all commands.",
        subcommands: [
            CommandSpec("command|count", arity: 2, flags: [.loading, .stale], group: "server", since: "2.8.13", categories: .connection,
                        summary: "Returns a count of commands.", run: { c, o in o.writeIntegerReply(Int64(c.engine.table.all.count)) }),
            CommandSpec("command|info", arity: -2, flags: [.loading, .stale], group: "server", since: "2.8.13", categories: .connection,
                        complexity: "O(N) where N is the number of commands to look up",
                        summary: "Returns information about one, multiple or all commands.", syntax: "[command-name [command-name ...]]", run: info),
            CommandSpec("command|docs", arity: -2, flags: [.loading, .stale], group: "server", since: "7.0.0", categories: .connection,
                        complexity: "O(N) where N is the number of commands to look up",
                        summary: "Returns documentary information about one, multiple or all commands.", syntax: "[command-name [command-name ...]]", run: docs),
            CommandSpec("command|list", arity: -2, flags: [.loading, .stale], group: "server", since: "7.0.0", categories: .connection,
                        complexity: "O(N) where N is the total number of Redis commands",
                        summary: "Returns a list of command names.", run: list),
            CommandSpec("command|getkeys", arity: -4, flags: [.loading, .stale], group: "server", since: "2.8.13", categories: .connection,
                        complexity: "O(N) where N is the number of arguments to the command",
                        summary: "Extracts the key names from an arbitrary command.", syntax: "command [arg [arg ...]]",
                        run: { c, o in getKeys(c, &o, withFlags: false) }),
            CommandSpec("command|getkeysandflags", arity: -4, flags: [.loading, .stale], group: "server", since: "7.0.0", categories: .connection,
                        complexity: "O(N) where N is the number of arguments to the command",
                        summary: "Extracts the key names and access flags for an arbitrary command.", syntax: "command [arg [arg ...]]",
                        run: { c, o in getKeys(c, &o, withFlags: true) }),
            CommandSpec("command|help", arity: 2, flags: [.loading, .stale], group: "server", since: "5.0.0", categories: .connection,
                        summary: "Returns helpful text about the different subcommands.", run: help),
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

    /// COMMAND GETKEYS / GETKEYSANDFLAGS command arg…: the keys the command would use, by
    /// its key specifications (as Redis 7.0 answers, errors included).
    static func getKeys(_ c: CommandContext, _ out: inout ReplyWriter, withFlags: Bool) {
        let command = Arguments((2..<c.args.count).map { c.args.bytes($0) })
        guard var spec = c.engine.table.lookup(command) else { out.writeError("ERR Invalid command specified"); return }
        if !spec.subcommands.isEmpty {
            guard command.count > 1, let sub = spec.subcommand(command) else { out.writeError("ERR Invalid command specified"); return }
            spec = sub
        }
        guard spec.keySpecs.contains(where: { !$0.flags.contains(.notKey) }) else {
            out.writeError("ERR The command has no key arguments")
            return
        }
        guard spec.accepts(argumentCount: command.count) else {
            out.writeError("ERR Invalid number of arguments specified for command")
            return
        }
        guard let keys = spec.keyReferences(command), !keys.isEmpty else {
            if spec.flags.contains(.noMandatoryKeys) { out.writeArrayHeader(0) } else { out.writeError("ERR Invalid arguments specified for command") }
            return
        }
        out.writeArrayHeader(keys.count)
        for key in keys {
            if withFlags { out.writeArrayHeader(2) }
            command.withUnsafeBytes(key.position) { out.writeBulk(raw: $0) }
            if withFlags {
                let names = key.flags.names
                out.writeSetHeader(names.count)
                for name in names { out.writeSimpleString(name) }
            }
        }
    }

    static func help(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeHelp([
            "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
            "HELP",
            "    Prints this help.",
        ])
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
        let categories = spec.categories.names
        out.writeSetHeader(categories.count)
        for category in categories { out.writeSimpleString(category) }
        out.writeArrayHeader(0)  // tips
        out.writeArrayHeader(spec.keySpecs.count)
        for keySpec in spec.keySpecs { writeKeySpec(keySpec, &out) }
        out.writeArrayHeader(spec.subcommands.count)
        for sub in spec.subcommands { writeInfo(sub, &out) }
    }

    /// One key specification as Redis 7 describes it: notes, flags, begin_search, find_keys.
    static func writeKeySpec(_ spec: KeySpec, _ out: inout ReplyWriter) {
        out.writeMapHeader(spec.notes == nil ? 3 : 4)
        if let notes = spec.notes { out.writeBulk("notes"); out.writeBulk(notes) }
        out.writeBulk("flags")
        let flags = spec.flags.names
        out.writeSetHeader(flags.count)
        for flag in flags { out.writeSimpleString(flag) }
        out.writeBulk("begin_search")
        out.writeMapHeader(2)
        switch spec.begin {
        case .index(let index):
            out.writeBulk("type"); out.writeBulk("index")
            out.writeBulk("spec"); out.writeMapHeader(1)
            out.writeBulk("index"); out.writeIntegerReply(Int64(index))
        case .keyword(let keyword, let startFrom):
            out.writeBulk("type"); out.writeBulk("keyword")
            out.writeBulk("spec"); out.writeMapHeader(2)
            out.writeBulk("keyword"); out.writeBulk(keyword)
            out.writeBulk("startfrom"); out.writeIntegerReply(Int64(startFrom))
        case .unknown:
            out.writeBulk("type"); out.writeBulk("unknown")
            out.writeBulk("spec"); out.writeMapHeader(0)
        }
        out.writeBulk("find_keys")
        out.writeMapHeader(2)
        switch spec.find {
        case .range(let lastKey, let keyStep, let limit):
            out.writeBulk("type"); out.writeBulk("range")
            out.writeBulk("spec"); out.writeMapHeader(3)
            out.writeBulk("lastkey"); out.writeIntegerReply(Int64(lastKey))
            out.writeBulk("keystep"); out.writeIntegerReply(Int64(keyStep))
            out.writeBulk("limit"); out.writeIntegerReply(Int64(limit))
        case .keyNumber(let index, let firstKey, let keyStep):
            out.writeBulk("type"); out.writeBulk("keynum")
            out.writeBulk("spec"); out.writeMapHeader(3)
            out.writeBulk("keynumidx"); out.writeIntegerReply(Int64(index))
            out.writeBulk("firstkey"); out.writeIntegerReply(Int64(firstKey))
            out.writeBulk("keystep"); out.writeIntegerReply(Int64(keyStep))
        case .unknown:
            out.writeBulk("type"); out.writeBulk("unknown")
            out.writeBulk("spec"); out.writeMapHeader(0)
        }
    }

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
