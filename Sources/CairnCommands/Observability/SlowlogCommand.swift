import CairnProtocol

/// SLOWLOG GET [count] / LEN / RESET / HELP, as Redis 7.0 answers.
enum SlowlogCommand {
    static let specs: [CommandSpec] = [
        CommandSpec(
            "slowlog", arity: -2, flags: [], group: "server", since: "2.2.12", complexity: "Depends on subcommand.",
            summary: "A container for slow log commands.",
            subcommands: [
                CommandSpec("slowlog|get", arity: -2, flags: [.admin, .loading, .stale], group: "server", since: "2.2.12",
                            complexity: "O(N) where N is the number of entries returned",
                            summary: "Returns the slow log's entries.", syntax: "[count]", run: get),
                CommandSpec("slowlog|len", arity: 2, flags: [.admin, .loading, .stale], group: "server", since: "2.2.12",
                            summary: "Returns the number of entries in the slow log.",
                            run: { c, o in o.writeIntegerReply(Int64(c.engine.slowlog.entries.count)) }),
                CommandSpec("slowlog|reset", arity: 2, flags: [.admin, .loading, .stale], group: "server", since: "2.2.12",
                            complexity: "O(N) where N is the number of entries in the slowlog",
                            summary: "Clears all entries from the slow log.",
                            run: { c, o in c.engine.slowlog.reset(); o.writeOK() }),
                CommandSpec("slowlog|help", arity: 2, flags: [.loading, .stale], group: "server", since: "6.2.0",
                            summary: "Show helpful text about the different subcommands", run: help),
            ],
            run: { _, _ in }),
    ]

    static func get(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.args.count <= 3 else {
            out.writeError("ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")
            return
        }
        var count = 10
        if c.args.count == 3 {
            guard let given = c.args.int64(2), given >= -1 else {
                out.writeError("ERR count should be greater than or equal to -1")
                return
            }
            count = given == -1 ? c.engine.slowlog.entries.count : Int(clamping: given)
        }
        let entries = c.engine.slowlog.entries.prefix(count)
        out.writeArrayHeader(entries.count)
        for entry in entries {
            out.writeArrayHeader(6)
            out.writeIntegerReply(entry.id)
            out.writeIntegerReply(entry.time)
            out.writeIntegerReply(entry.microseconds)
            out.writeArrayHeader(entry.arguments.count)
            for argument in entry.arguments { out.writeBulk(argument) }
            out.writeBulk(entry.address)
            out.writeBulk(entry.name)
        }
    }

    static func help(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeHelp([
            "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
            "HELP",
            "    Prints this help.",
        ])
    }
}
