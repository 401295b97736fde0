import CairnProtocol

extension Engine {
    /// One `redis.call` from the running script: Redis's checks for scripts (unknown
    /// command, arity, `noscript`, writes from read-only scripts or while writes are
    /// refused), then the command as the script's client. Errors are replies, which
    /// the script receives as `{err = …}`. O(the command's cost).
    func runFromScript(_ args: Arguments, run: Scripting.Run, into out: inout ReplyWriter) {
        out.resp3 = run.resp3
        guard var spec = table.lookup(args) else {
            refuseFromScript("ERR Unknown Redis command called from script", into: &out)
            return
        }
        if !spec.subcommands.isEmpty, args.count > 1 {
            guard let sub = spec.subcommand(args) else {
                refuseFromScript("ERR Unknown Redis command called from script", into: &out)
                return
            }
            spec = sub
        }
        guard spec.accepts(argumentCount: args.count) else {
            refuseFromScript("ERR Wrong number of args calling Redis command from script", into: &out)
            return
        }
        guard !spec.flags.contains(.noscript) else {
            refuseFromScript("ERR This Redis command is not allowed from script", into: &out)
            return
        }
        if let caller = run.caller, let user = caller.user, !user.isUnrestricted,
           let denial = AccessControl.check(user, spec, args) {
            recordDenial(denial, spec: spec, args: args, user: user, client: caller, context: .lua)
            refuseFromScript(Self.scriptRefusal(denial), into: &out)
            return
        }
        if spec.flags.contains(.write) {
            if run.readOnly {
                refuseFromScript("ERR Write commands are not allowed from read-only scripts.", into: &out)
                return
            }
            if let refusal = writeRefusal {
                refuseFromScript(refusal, into: &out)
                return
            }
        }
        if outOfMemory, spec.flags.contains(.denyOOM), !run.allowsOOM {
            refuseFromScript(Self.outOfMemoryError, into: &out)
            return
        }
        if spec.flags.contains(.write) { run.wrote = true }
        perform(spec, args, client: run.session, now: run.startedAtTime, into: &out)
    }

    /// A command the script may not run: the error is its reply, counted as one of the
    /// script's commands' errors (INFO errorstats).
    private func refuseFromScript(_ message: String, into out: inout ReplyWriter) {
        let mark = out.buffer.writerIndex
        out.writeError(message)
        countErrorReply(out, from: mark, byScriptCommand: true)
    }

    /// Stops any script running longer than this, as SCRIPT KILL would (nil: never).
    /// For fuzzing: Redis itself has no such limit.
    public var scriptKillAfterMilliseconds: Int64? {
        get { scripting.killAfterMilliseconds }
        set { scripting.killAfterMilliseconds = newValue }
    }

    /// The function libraries' code in load order: what a rewrite writes as FUNCTION LOAD
    /// commands and what start-up hands from the loading engine to the serving one. O(libraries).
    public var functionLibraryCodes: [[UInt8]] { scripting.libraries.values.map(\.code) }

    /// Installs libraries (replacing any of the same name); nil, or the error. O(code).
    public func installFunctionLibraries(_ codes: [[UInt8]]) -> String? {
        guard !codes.isEmpty else { return nil }
        if case .failure(let error) = scripting.install(codes, policy: .replace) { return error.message }
        return nil
    }

    /// Lua's memory for INFO (`used_memory_lua`). O(1).
    public var scriptMemory: Int { scripting.memoryUsed }

    /// Scripts cached (INFO's `number_of_cached_scripts`). O(1).
    public var cachedScriptCount: Int { scripting.scripts.count }
}
