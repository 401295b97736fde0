import CairnConfig
import CairnLua
import CairnProtocol
import NIOCore

/// The `redis.*` functions that need the server. Each is called from C (see
/// CCairnLua), finds its arguments on the stack, pushes its results, and returns
/// `LuaInterpreter.raise` to have the value it pushed raised as the script's error.
enum HostFunction: Int32, CaseIterable {
    case hook = -1
    case call = 1, pcall, sha1hex, log, setresp, setRepl, aclCheckCommand
    /// Only while a function library loads (not in scripts' `redis` table).
    case registerFunction

    /// Whether scripts' `redis` table has it.
    var isScriptAPI: Bool { self != .hook && self != .registerFunction }

    var luaName: String {
        switch self {
        case .hook: return ""
        case .call: return "call"
        case .pcall: return "pcall"
        case .sha1hex: return "sha1hex"
        case .log: return "log"
        case .setresp: return "setresp"
        case .setRepl: return "set_repl"
        case .aclCheckCommand: return "acl_check_cmd"
        case .registerFunction: return "register_function"
        }
    }
}

extension Scripting {
    /// Entry from C. Never raises itself: errors are pushed and `raise` returned.
    func hostCall(_ stack: LuaStack, _ function: HostFunction?) -> Int32 {
        switch function {
        case .call: return redisCall(stack, raising: true)
        case .pcall: return redisCall(stack, raising: false)
        case .sha1hex: return sha1hex(stack)
        case .log: return log(stack)
        case .setresp: return setResp(stack)
        case .setRepl: return setRepl(stack)
        case .aclCheckCommand: return aclCheckCommand(stack)
        case .registerFunction: return registerFunction(stack)
        case .hook: return hook(stack)
        case nil: return 0
        }
    }

    /// Every `Scripting.hookInstructions` instructions: stops a script SCRIPT KILL (or
    /// the engine's own limit) asked to stop.
    private func hook(_ stack: LuaStack) -> Int32 {
        if registering != nil, Scripting.monotonicMilliseconds() - loadStartedAt > Self.loadTimeLimit {
            return fail(stack, "ERR FUNCTION LOAD timeout", raising: true)
        }
        guard let run = running, let engine = run.engine else { return 0 }
        let elapsed = Scripting.monotonicMilliseconds() - run.startedAt
        if let limit = killAfterMilliseconds, elapsed > limit { run.killRequested = true }
        if !run.killRequested, elapsed >= Int64(engine.settings.busyReplyThreshold) {
            if !run.isBusy {
                run.isBusy = true
                engine.hooks?.log(.warning, "Slow script detected: still in execution after \(elapsed) milliseconds. You can try killing the script using the \(run.isFunction ? "FUNCTION" : "SCRIPT") KILL command. Script name is: \(run.sha).")
            }
            // Other clients are read and answered (-BUSY, SCRIPT KILL…) from here.
            engine.hooks?.scriptIsBusy()
        }
        guard run.killRequested else { return 0 }
        return fail(stack, "ERR Script killed by user with SCRIPT KILL...", raising: true)
    }

    /// Raises a plain message (the error handler makes it `ERR <message>`).
    private func raise(_ stack: LuaStack, _ message: String) -> Int32 {
        stack.pushString(message)
        return LuaInterpreter.raise
    }

    /// Raises (call) or returns (pcall) `{err = message}`.
    func fail(_ stack: LuaStack, _ message: String, raising: Bool) -> Int32 {
        stack.pushErrorTable(message)
        return raising ? LuaInterpreter.raise : 1
    }

    /// Fills `arguments` from the stack: strings as they are, numbers as Redis formats
    /// them ("%.17g"); false if any is another type.
    private func readArguments(_ stack: LuaStack, into arguments: inout Arguments) -> Bool {
        arguments.removeAll()
        for i in 1...stack.top {
            switch stack.type(at: i) {
            case .string:
                guard let bytes = stack.stringBytes(at: i) else { return false }
                arguments.append(bytes)
            case .number:
                arguments.append(Array(LuaInterpreter.formatNumber(stack.number(at: i)).utf8))
            default:
                return false
            }
        }
        return true
    }

    /// redis.call / redis.pcall: runs one command as the script's client and pushes its
    /// reply converted to Lua. An error reply is raised by call, returned by pcall.
    private func redisCall(_ stack: LuaStack, raising: Bool) -> Int32 {
        guard let run = running, let engine = run.engine else {
            return fail(stack, "ERR redis.call/pcall can only be called inside a script invocation", raising: true)
        }
        guard stack.top > 0 else {
            return fail(stack, "ERR Please specify at least one argument for this redis lib call", raising: raising)
        }
        guard readArguments(stack, into: &run.arguments) else {
            stack.setTop(0)
            return fail(stack, "ERR Lua redis lib command arguments must be strings or integers", raising: raising)
        }
        stack.setTop(0)
        run.reply.buffer.clear()
        engine.runFromScript(run.arguments, run: run, into: &run.reply)
        let kind = RESPToLua.push(run.reply.buffer, onto: stack)
        return kind == .error && raising ? LuaInterpreter.raise : 1
    }

    /// redis.sha1hex(string)
    private func sha1hex(_ stack: LuaStack) -> Int32 {
        guard stack.top == 1 else { return raise(stack, "wrong number of arguments") }
        let text: [UInt8]
        switch stack.type(at: 1) {
        case .string: text = stack.stringBytes(at: 1).map(Array.init) ?? []
        case .number: text = Array(LuaInterpreter.formatNumber(stack.number(at: 1)).utf8)
        default: text = []
        }
        stack.pushString(Self.sha1Hex(text))
        return 1
    }

    /// redis.log(level, message, ...): to the server's log, the parts joined by spaces.
    private func log(_ stack: LuaStack) -> Int32 {
        let count = stack.top
        guard count >= 2 else { return raise(stack, "redis.log() requires two arguments or more.") }
        guard stack.type(at: 1) == .number else { return raise(stack, "First argument must be a number (log level).") }
        let levels: [Settings.LogLevel] = [.debug, .verbose, .notice, .warning]
        let number = stack.number(at: 1)
        guard number >= 0, number < Double(levels.count) else { return raise(stack, "Invalid debug level.") }
        var parts: [String] = []
        for i in 2...count {
            switch stack.type(at: i) {
            case .string: parts.append(stack.string(at: i) ?? "")
            case .number: parts.append(LuaInterpreter.formatNumber(stack.number(at: i)))
            default: continue
            }
        }
        running?.engine?.hooks?.log(levels[Int(number)], parts.joined(separator: " "))
        return 0
    }

    /// redis.setresp(2|3): the protocol redis.call replies come in.
    private func setResp(_ stack: LuaStack) -> Int32 {
        guard stack.top == 1 else { return raise(stack, "redis.setresp() requires one argument.") }
        let version = stack.type(at: 1) == .number ? stack.number(at: 1) : 0
        guard version == 2 || version == 3 else { return raise(stack, "RESP version must be 2 or 3.") }
        running?.resp3 = version == 3
        running?.session.protocolVersion = Int(version)
        return 0
    }

    /// redis.set_repl(flags): accepted with Redis's checks. Cairn logs every effect of
    /// every script whatever it asks: the log must always rebuild what clients read.
    private func setRepl(_ stack: LuaStack) -> Int32 {
        guard stack.top == 1 else { return raise(stack, "redis.set_repl() requires one argument.") }
        let flags = stack.type(at: 1) == .number ? stack.number(at: 1) : -1
        guard flags >= 0, flags <= 3, flags == flags.rounded() else {
            return raise(stack, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
        }
        return 0
    }

    /// redis.acl_check_cmd(command, ...): whether the script's caller may run it with
    /// those arguments (its user's command, key and channel rules).
    private func aclCheckCommand(_ stack: LuaStack) -> Int32 {
        guard stack.top >= 1 else {
            return fail(stack, "ERR Please specify at least one argument for this redis lib call", raising: true)
        }
        guard let run = running, let engine = run.engine,
              readArguments(stack, into: &run.arguments), var spec = engine.table.lookup(run.arguments) else {
            return fail(stack, "ERR Invalid command passed to redis.acl_check_cmd()", raising: true)
        }
        // As Redis: no arity check; arguments too few to hold a key name no key.
        if !spec.subcommands.isEmpty, run.arguments.count > 1, let sub = spec.subcommand(run.arguments) { spec = sub }
        let allowed = run.caller?.user.map { AccessControl.check($0, spec, run.arguments) == nil } ?? true
        stack.setTop(0)
        stack.pushBoolean(allowed)
        return 1
    }
}
