import CairnKeyspace
import CairnProtocol

/// FCALL, FCALL_RO and FUNCTION: Redis 7.0's function libraries. FUNCTION LOAD, DELETE,
/// FLUSH and RESTORE are logged as received, so the log rebuilds the libraries; a
/// rewrite writes each library's FUNCTION LOAD at the start of the base.
enum FunctionCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("fcall", arity: -3, flags: ScriptingCommands.evalFlags, group: "scripting", since: "7.0.0",
                    complexity: "Depends on the function that is executed.",
                    summary: "Invokes a function.", syntax: "function numkeys [key [key ...]] [arg [arg ...]]",
                    run: { c, o in fcall(c, &o, readOnly: false) }),
        CommandSpec("fcall_ro", arity: -3, flags: ScriptingCommands.evalFlags.union(.readonly), group: "scripting", since: "7.0.0",
                    complexity: "Depends on the function that is executed.",
                    summary: "Invokes a read-only function.", syntax: "function numkeys [key [key ...]] [arg [arg ...]]",
                    run: { c, o in fcall(c, &o, readOnly: true) }),
        CommandSpec("function", arity: -2, flags: [], group: "scripting", since: "7.0.0", complexity: "Depends on subcommand.",
                    summary: "A container for function commands.", subcommands: [
            CommandSpec("function|load", arity: -3, flags: [.write, .denyOOM, .noscript], group: "scripting", since: "7.0.0",
                        complexity: "O(1) (considering compilation time is redundant)",
                        summary: "Creates a library.", syntax: "[REPLACE] function-code", run: load),
            CommandSpec("function|delete", arity: 3, flags: [.write, .noscript], group: "scripting", since: "7.0.0",
                        summary: "Deletes a library and its functions.", syntax: "library-name", run: delete),
            CommandSpec("function|flush", arity: -2, flags: [.write, .noscript], group: "scripting", since: "7.0.0",
                        complexity: "O(N) where N is the number of functions deleted",
                        summary: "Deletes all libraries and functions.", syntax: "[ASYNC | SYNC]", run: flush),
            CommandSpec("function|list", arity: -2, flags: [.noscript], group: "scripting", since: "7.0.0",
                        complexity: "O(N) where N is the number of functions",
                        summary: "Returns information about all libraries.", syntax: "[LIBRARYNAME library-name-pattern] [WITHCODE]", run: list),
            CommandSpec("function|stats", arity: 2, flags: [.noscript, .allowBusy], group: "scripting", since: "7.0.0",
                        summary: "Returns information about a function during execution.", run: stats),
            CommandSpec("function|kill", arity: 2, flags: [.noscript, .allowBusy], group: "scripting", since: "7.0.0",
                        summary: "Terminates a function during execution.", run: kill),
            CommandSpec("function|dump", arity: 2, flags: [.noscript], group: "scripting", since: "7.0.0",
                        complexity: "O(N) where N is the number of functions",
                        summary: "Dumps all libraries into a serialized binary payload.", run: dump),
            CommandSpec("function|restore", arity: -3, flags: [.write, .denyOOM, .noscript], group: "scripting", since: "7.0.0",
                        complexity: "O(N) where N is the number of functions on the payload",
                        summary: "Restores all libraries from a payload.", syntax: "serialized-value [FLUSH | APPEND | REPLACE]", run: restore),
            CommandSpec("function|help", arity: 2, flags: [.loading, .stale], group: "scripting", since: "7.0.0",
                        summary: "Returns helpful text about the different subcommands.", run: help),
        ], run: { _, _ in }),
    ]

    /// FCALL and FCALL_RO, checked in Redis's order: the function, then numkeys.
    static func fcall(_ c: CommandContext, _ out: inout ReplyWriter, readOnly: Bool) {
        // As for EVAL: the keys' storage loads while the function is found and set up
        // (only a numkeys that will pass the checks below is used).
        if let numkeys = c.args.int64(2), numkeys >= 0, numkeys <= Int64(c.args.count - 3) {
            c.prefetchKeys(3..<3 + Int(numkeys))
        }
        let scripting = c.engine.scripting
        guard let function = scripting.functions[c.key(1)] else {
            out.writeError("ERR Function not found"); return
        }
        guard let numkeys = c.args.int64(2) else { out.writeError("ERR Bad number of keys provided"); return }
        guard numkeys <= Int64(c.args.count - 3) else {
            out.writeError("ERR Number of keys can't be greater than number of args"); return
        }
        guard numkeys >= 0 else { out.writeError("ERR Number of keys can't be negative"); return }
        if readOnly && !function.flags.contains(.noWrites) {
            out.writeError("ERR Can not execute a script with write flag using *_ro command."); return
        }
        scripting.callFunction(function, engine: c.engine, caller: c.client, args: c.args,
                               firstKey: 3, keyCount: Int(numkeys), readOnly: readOnly, into: &out)
    }

    /// FUNCTION LOAD [REPLACE] code: the library's name.
    static func load(_ c: CommandContext, _ out: inout ReplyWriter) {
        var replace = false
        for i in 2..<(c.args.count - 1) {
            guard c.args.equals(i, lowercase: "replace") else {
                out.writeError("ERR Unknown option given: \(c.args.string(i))"); return
            }
            replace = true
        }
        switch c.engine.scripting.install([c.args.bytes(c.args.count - 1)], policy: replace ? .replace : .append) {
        case .success(let names):
            c.recordVerbatim()
            out.writeBulk(names.first ?? "")
        case .failure(let error):
            out.writeError(error.message)
        }
    }

    static func delete(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.engine.scripting.deleteLibrary(c.args.string(2)) else {
            out.writeError("ERR Library not found"); return
        }
        c.recordVerbatim()
        out.writeOK()
    }

    static func flush(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.args.count == 2 || (c.args.count == 3 && (c.args.equals(2, lowercase: "sync") || c.args.equals(2, lowercase: "async"))) else {
            out.writeError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"); return
        }
        c.engine.scripting.flushLibraries()
        c.recordVerbatim()
        out.writeOK()
    }

    /// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: libraries in load order, each
    /// function in registration order.
    static func list(_ c: CommandContext, _ out: inout ReplyWriter) {
        var withCode = false
        var pattern: [UInt8]?
        var i = 2
        while i < c.args.count {
            if c.args.equals(i, lowercase: "withcode") && !withCode {
                withCode = true
            } else if c.args.equals(i, lowercase: "libraryname") && pattern == nil {
                guard i + 1 < c.args.count else { out.writeError("ERR library name argument was not given"); return }
                pattern = c.args.bytes(i + 1)
                i += 1
            } else {
                out.writeError("ERR Unknown argument \(c.args.string(i))"); return
            }
            i += 1
        }
        let libraries = c.engine.scripting.libraries.values.filter { library in
            pattern.map { GlobPattern.matches($0[...], Array(library.name.utf8)) } ?? true
        }
        out.writeArrayHeader(libraries.count)
        for library in libraries {
            out.writeMapHeader(withCode ? 4 : 3)
            out.writeBulk("library_name"); out.writeBulk(library.name)
            out.writeBulk("engine"); out.writeBulk("LUA")
            out.writeBulk("functions")
            out.writeArrayHeader(library.functions.count)
            for function in library.functions {
                out.writeMapHeader(3)
                out.writeBulk("name"); out.writeBulk(function.name)
                out.writeBulk("description")
                if let description = function.description { out.writeBulk(description) } else { out.writeNull() }
                out.writeBulk("flags")
                let names = ScriptFlags.names.filter { function.flags.contains($0.1) }
                out.writeSetHeader(names.count)
                for (name, _) in names { out.writeSimpleString(name) }
            }
            if withCode {
                out.writeBulk("library_code"); out.writeBulk(library.code)
            }
        }
    }

    /// FUNCTION STATS: the running function (answered while one is busy), and counts.
    static func stats(_ c: CommandContext, _ out: inout ReplyWriter) {
        let scripting = c.engine.scripting
        out.writeMapHeader(2)
        out.writeBulk("running_script")
        if let run = scripting.running, run.isFunction, let command = run.command {
            out.writeMapHeader(3)
            out.writeBulk("name"); out.writeBulk(run.sha)
            out.writeBulk("command")
            out.writeArrayHeader(command.count)
            for i in 0..<command.count { command.withUnsafeBytes(i) { out.writeBulk(raw: $0) } }
            out.writeBulk("duration_ms"); out.writeIntegerReply(Scripting.monotonicMilliseconds() - run.startedAt)
        } else {
            out.writeNull()
        }
        out.writeBulk("engines")
        out.writeMapHeader(1)
        out.writeBulk("LUA")
        out.writeMapHeader(2)
        out.writeBulk("libraries_count"); out.writeIntegerReply(Int64(scripting.libraries.count))
        out.writeBulk("functions_count"); out.writeIntegerReply(Int64(scripting.functions.count))
    }

    static func kill(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeError("NOTBUSY No scripts in execution right now.")
    }

    static func dump(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeBulk(FunctionPayload.encode(c.engine.scripting.libraries.values.map(\.code)))
    }

    /// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: all libraries or none.
    static func restore(_ c: CommandContext, _ out: inout ReplyWriter) {
        var policy = Scripting.RestorePolicy.append
        if c.args.count > 3 {
            guard c.args.count == 4 else { out.writeError(ErrorReplies.syntax); return }
            if c.args.equals(3, lowercase: "flush") { policy = .flush }
            else if c.args.equals(3, lowercase: "append") { policy = .append }
            else if c.args.equals(3, lowercase: "replace") { policy = .replace }
            else { out.writeError("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."); return }
        }
        let codes: [[UInt8]]
        switch FunctionPayload.decode(c.args.bytes(2)) {
        case .success(let decoded): codes = decoded
        case .failure(.versionOrChecksum): out.writeError("ERR DUMP payload version or checksum are wrong"); return
        case .failure(.notAFunction): out.writeError("ERR given type is not a function"); return
        case .failure(.malformed): out.writeError("ERR Failed loading library from payload"); return
        }
        switch c.engine.scripting.install(codes, policy: policy) {
        case .success:
            c.recordVerbatim()
            out.writeOK()
        case .failure(let error):
            out.writeError(error.message)
        }
    }

    static func help(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeHelp([
            "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
            "HELP",
            "    Prints this help.",
        ])
    }
}
