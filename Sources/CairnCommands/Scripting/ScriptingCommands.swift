import CairnProtocol

/// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT: Lua scripts as Redis 7.0 runs them.
enum ScriptingCommands {
    static let evalFlags: CommandFlags = [.noscript, .stale, .skipMonitor, .noMandatoryKeys, .movableKeys]

    static let specs: [CommandSpec] = [
        CommandSpec("eval", arity: -3, flags: evalFlags, group: "scripting", since: "2.6.0",
                    complexity: "Depends on the script that is executed.",
                    summary: "Executes a server-side Lua script.", syntax: "script numkeys [key [key ...]] [arg [arg ...]]",
                    run: { c, o in eval(c, &o, bySHA: false, readOnly: false) }),
        CommandSpec("evalsha", arity: -3, flags: evalFlags, group: "scripting", since: "2.6.0",
                    complexity: "Depends on the script that is executed.",
                    summary: "Executes a server-side Lua script by SHA1 digest.", syntax: "sha1 numkeys [key [key ...]] [arg [arg ...]]",
                    run: { c, o in eval(c, &o, bySHA: true, readOnly: false) }),
        CommandSpec("eval_ro", arity: -3, flags: evalFlags.union(.readonly), group: "scripting", since: "7.0.0",
                    complexity: "Depends on the script that is executed.",
                    summary: "Executes a read-only server-side Lua script.", syntax: "script numkeys [key [key ...]] [arg [arg ...]]",
                    run: { c, o in eval(c, &o, bySHA: false, readOnly: true) }),
        CommandSpec("evalsha_ro", arity: -3, flags: evalFlags.union(.readonly), group: "scripting", since: "7.0.0",
                    complexity: "Depends on the script that is executed.",
                    summary: "Executes a read-only server-side Lua script by SHA1 digest.", syntax: "sha1 numkeys [key [key ...]] [arg [arg ...]]",
                    run: { c, o in eval(c, &o, bySHA: true, readOnly: true) }),
        CommandSpec("script", arity: -2, flags: [], group: "scripting", since: "2.6.0", complexity: "Depends on subcommand.",
                    summary: "A container for Lua scripts management commands.", subcommands: [
            CommandSpec("script|load", arity: 3, flags: [.noscript, .stale], group: "scripting", since: "2.6.0",
                        complexity: "O(N) with N being the length in bytes of the script body.",
                        summary: "Loads a server-side Lua script to the script cache.", syntax: "script", run: load),
            CommandSpec("script|exists", arity: -3, flags: [.noscript], group: "scripting", since: "2.6.0",
                        complexity: "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
                        summary: "Determines whether server-side Lua scripts exist in the script cache.", syntax: "sha1 [sha1 ...]", run: exists),
            CommandSpec("script|flush", arity: -2, flags: [.noscript], group: "scripting", since: "2.6.0",
                        complexity: "O(N) with N being the number of scripts in cache",
                        summary: "Removes all server-side Lua scripts from the script cache.", syntax: "[ASYNC | SYNC]", run: flush),
            CommandSpec("script|kill", arity: 2, flags: [.noscript, .allowBusy], group: "scripting", since: "2.6.0",
                        summary: "Terminates a server-side Lua script during execution.", run: kill),
            CommandSpec("script|help", arity: 2, flags: [.loading, .stale], group: "scripting", since: "5.0.0",
                        summary: "Returns helpful text about the different subcommands.", run: help),
        ], run: { _, _ in }),
    ]

    /// EVAL and its kind: `numkeys` checked as Redis checks it, the script found (by
    /// SHA-1) or compiled and cached, then run. O(the script's work).
    static func eval(_ c: CommandContext, _ out: inout ReplyWriter, bySHA: Bool, readOnly: Bool) {
        // EVALSHA refuses a name of the wrong length before looking at numkeys (Redis's order).
        if bySHA && c.args.length(1) != 40 {
            out.writeError("NOSCRIPT No matching script. Please use EVAL."); return
        }
        guard let numkeys = c.args.int64(2) else { out.writeError(ErrorReplies.notInteger); return }
        guard numkeys <= Int64(c.args.count - 3) else {
            out.writeError("ERR Number of keys can't be greater than number of args"); return
        }
        guard numkeys >= 0 else { out.writeError("ERR Number of keys can't be negative"); return }
        // The script's keys are known now and touched only once it runs: their storage
        // loads while the script is found and its interpreter set up.
        let keys = 3..<3 + Int(numkeys)
        c.prefetchKeys(keys)
        let scripting = c.engine.scripting
        let found: Scripting.Script
        if bySHA {
            guard let script = c.args.withUnsafeBytes(1, { scripting.script(hex: $0) }) else {
                out.writeError("NOSCRIPT No matching script. Please use EVAL."); return
            }
            found = script
        } else {
            switch c.args.withUnsafeBytes(1, { scripting.load($0) }) {
            case .success(let script): found = script
            case .failure(let error): out.writeError(error.message); return
            }
        }
        scripting.run(found, engine: c.engine, caller: c.client, args: c.args,
                      firstKey: 3, keyCount: Int(numkeys), readOnly: readOnly, into: &out)
    }

    static func load(_ c: CommandContext, _ out: inout ReplyWriter) {
        switch c.args.withUnsafeBytes(2, { c.engine.scripting.load($0) }) {
        case .success(let script): out.writeBulk(script.sha)
        case .failure(let error): out.writeError(error.message)
        }
    }

    static func exists(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeArrayHeader(c.args.count - 2)
        for i in 2..<c.args.count {
            out.writeIntegerReply(c.args.withUnsafeBytes(i, { c.engine.scripting.script(hex: $0) }) == nil ? 0 : 1)
        }
    }

    /// SCRIPT FLUSH [ASYNC|SYNC]: both drop the cache at once (Cairn's cache is small and
    /// freeing it takes no noticeable time).
    static func flush(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.args.count == 2 || (c.args.count == 3 && (c.args.equals(2, lowercase: "sync") || c.args.equals(2, lowercase: "async"))) else {
            out.writeError("ERR SCRIPT FLUSH only support SYNC|ASYNC option"); return
        }
        c.engine.scripting.flush()
        out.writeOK()
    }

    /// SCRIPT KILL: a command reaches the engine only between scripts, so none is running.
    static func kill(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeError("NOTBUSY No scripts in execution right now.")
    }

    static func help(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeHelp([
            "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
            "HELP",
            "    Prints this help.",
        ])
    }
}
