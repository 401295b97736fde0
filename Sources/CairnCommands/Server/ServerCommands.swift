import NIOCore
import CairnProtocol
import CairnKeyspace

/// Commands about the server and whole databases.
enum ServerCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("dbsize", arity: 1, flags: [.readonly, .fast], group: "server", categories: .keyspace,
                    summary: "Returns the number of keys in the database.",
                    run: { c, o in o.writeIntegerReply(Int64(c.engine.keyspace.databases[c.db].count)) }),
        CommandSpec("flushdb", arity: -1, flags: [.write], group: "server", categories: [.keyspace, .dangerous], complexity: "O(N) where N is the number of keys in the selected database",
                    summary: "Remove all keys from the current database.", syntax: "[ASYNC | SYNC]", run: flushdb),
        CommandSpec("flushall", arity: -1, flags: [.write], group: "server", categories: [.keyspace, .dangerous], complexity: "O(N) where N is the total number of keys in all databases",
                    summary: "Removes all keys from all databases.", syntax: "[ASYNC | SYNC]", run: flushall),
        CommandSpec("time", arity: 1, flags: [.loading, .stale, .fast], group: "server", since: "2.6.0",
                    summary: "Returns the server time.", run: time),
        CommandSpec("shutdown", arity: -1, flags: [.admin, .noscript, .loading, .stale, .noMulti, .allowBusy], group: "server",
                    complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
                    summary: "Synchronously saves the database(s) to disk and shuts down the Redis server.",
                    syntax: "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]", run: shutdown),
        CommandSpec("bgrewriteaof", arity: 1, flags: [.admin, .noscript, .noAsyncLoading], group: "server",
                    complexity: "O(1)", summary: "Asynchronously rewrites the append-only file to disk.",
                    run: bgrewriteaof),
        InfoCommand.spec,
        ConfigCommand.spec,
        ObjectCommand.spec,
        CommandCommand.spec,
    ]

    /// FLUSHDB/FLUSHALL take at most one flag, ASYNC or SYNC.
    static func validFlushFlags(_ c: CommandContext) -> Bool {
        if c.args.count > 2 { return false }
        if c.args.count == 2 { return c.args.equals(1, lowercase: "async") || c.args.equals(1, lowercase: "sync") }
        return true
    }

    static func flushdb(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard validFlushFlags(c) else { out.writeError(ErrorReplies.syntax); return }
        c.engine.keyspace.databases[c.db].removeAll()
        out.writeOK()
        c.record([.word("FLUSHDB")])
    }

    static func flushall(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard validFlushFlags(c) else { out.writeError(ErrorReplies.syntax); return }
        c.engine.keyspace.removeAll()
        out.writeOK()
        c.record([.word("FLUSHALL")])
    }

    static func time(_ c: CommandContext, _ out: inout ReplyWriter) {
        let micros = UnixClock.microseconds()
        out.writeArrayHeader(2)
        out.writeBulkDecimal(micros / 1_000_000)
        out.writeBulkDecimal(micros % 1_000_000)
    }

    static func bgrewriteaof(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let hooks = c.engine.hooks else { out.writeError("ERR the append-only file is not available"); return }
        if let error = hooks.requestRewrite() {
            out.writeError(error)
        } else {
            out.writeSimpleString("Background append only file rewriting started")
        }
    }

    static func shutdown(_ c: CommandContext, _ out: inout ReplyWriter) {
        var abort = false
        for i in 1..<c.args.count {
            if c.args.equals(i, lowercase: "abort") { abort = true }
            else if c.args.equals(i, lowercase: "nosave") || c.args.equals(i, lowercase: "save")
                        || c.args.equals(i, lowercase: "now") || c.args.equals(i, lowercase: "force") { continue }
            else { out.writeError(ErrorReplies.syntax); return }
        }
        if abort {
            guard c.args.count == 2 else { out.writeError(ErrorReplies.syntax); return }
            out.writeError("ERR No shutdown in progress."); return
        }
        // Like Redis, no reply on success: the connection closes as the server stops.
        c.engine.hooks?.requestShutdown()
    }
}
