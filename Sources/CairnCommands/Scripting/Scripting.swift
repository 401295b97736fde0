import CairnKeyspace
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import CairnLua
import CairnProtocol
import NIOCore
import OrderedCollections

/// The scripting engine: one Lua interpreter, the scripts it has compiled (by SHA-1 of
/// their body, as EVALSHA names them), and the script running now.
///
/// Scripts run on the engine's event loop, between other clients' commands, so each is
/// atomic like a command. What a script changes reaches the log as the commands it ran
/// (wrapped in MULTI … EXEC when there are several), never as the script: a replay gives
/// the same state whatever the script did with time or random numbers.
final class Scripting {
    /// A compiled script.
    struct Script {
        let body: [UInt8]
        /// Its SHA-1 in lowercase hex, as error messages name it.
        let sha: String
        let function: LuaInterpreter.FunctionReference
        let flags: ScriptFlags
    }

    /// The script running now and what it may do. One instance, reused by every run
    /// (its buffers keep their storage), in use while `running` points to it.
    final class Run {
        /// Set for the run's duration only (the engine owns this object).
        var engine: Engine?
        var caller: ClientSession?
        /// The client the script's commands run as (Redis's "lua" client): it starts in
        /// the caller's database, and its SELECTs do not change the caller's.
        let session = ClientSession(id: 0, address: "lua", localAddress: "", now: 0)
        var sha = ""
        var readOnly = false
        /// Declared `allow-oom`: its writes run even while memory is over `maxmemory`.
        var allowsOOM = false
        /// The protocol `redis.call` replies come in (`redis.setresp`).
        var resp3 = false
        /// Monotonic milliseconds when it started.
        var startedAt: Int64 = 0
        /// The engine's clock when it started: the time every command it runs sees.
        var startedAtTime: Int64 = 0
        /// SCRIPT KILL asked it to stop: it raises an error at the next hook.
        var killRequested = false
        /// A SHUTDOWN came while it ran: stopped, and its effects are not logged.
        var abortedForShutdown = false
        /// Past busy-reply-threshold: other clients are answered -BUSY.
        var isBusy = false
        /// It ran a write command (SCRIPT KILL can then no longer stop it).
        var wrote = false
        /// A function (FCALL) rather than an EVAL script.
        var isFunction = false
        /// The command that started it (FUNCTION STATS shows it).
        var command: Arguments?
        /// Reused for each `redis.call`: its arguments and its reply.
        var arguments = Arguments()
        var reply = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 256))

        func start(engine: Engine, caller: ClientSession, sha: String, readOnly: Bool, isFunction: Bool, command: Arguments) {
            self.engine = engine
            self.caller = caller
            self.sha = sha
            self.readOnly = readOnly
            self.isFunction = isFunction
            self.command = command
            resp3 = false
            killRequested = false
            abortedForShutdown = false
            isBusy = false
            wrote = false
            startedAt = Scripting.monotonicMilliseconds()
            // The time the EVAL or FCALL running the script read.
            startedAtTime = engine.commandNow
            session.db = caller.db
            session.protocolVersion = 2
            session.noTouch = caller.noTouch
        }

        /// The -BUSY text for this kind of script.
        var busyMessage: String {
            "BUSY Redis is busy running a script. You can only call \(isFunction ? "FUNCTION" : "SCRIPT") KILL or SHUTDOWN NOSAVE."
        }

        func end() {
            engine = nil
            caller = nil
            command = nil
            if reply.buffer.capacity > 64 * 1024 { reply.buffer = ByteBufferAllocator().buffer(capacity: 256) }
        }
    }

    /// Milliseconds of a clock that never goes back (script run times).
    static func monotonicMilliseconds() -> Int64 {
        UnixClock.monotonicMicroseconds() / 1000
    }

    /// How often (in Lua instructions) a running script checks whether it must stop.
    static let hookInstructions = 100_000
    /// Scripts running longer are stopped as if by SCRIPT KILL. Redis has no such limit
    /// (it answers -BUSY and waits for SCRIPT KILL); Cairn's fuzzers set one so a
    /// generated endless loop ends.
    var killAfterMilliseconds: Int64?

    private var interpreter: LuaInterpreter?
    /// Function libraries (FUNCTION LOAD) by name, in load order, run by their own
    /// interpreter as Redis runs them; their functions by name (Scripting+Functions).
    var libraries = OrderedDictionary<String, Library>()
    /// Keyed by the name's bytes with their stored hash: FCALL finds its function without
    /// making a String of the name and hashing it (1.8% of an FCALL's CPU at `-P 16`).
    var functions: [Key: RegisteredFunction] = [:]
    var functionsInterpreter: LuaInterpreter?
    /// While a library's code runs: what it registered so far, and since when it runs.
    var registering: [RegisteredFunction]?
    var loadStartedAt: Int64 = 0
    private(set) var scripts: [ScriptDigest: Script] = [:]
    /// The script EVALSHA found last, under the name as it was spelled.
    private var recentScript: (name: ScriptDigest.Spelling, script: Script)?
    private(set) var running: Run?
    private let run = Run()
    /// `math.random`'s state: one sequence for the engine's life, as Redis's.
    private let randomState: UnsafeMutablePointer<UInt64> = {
        let state = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        state.initialize(to: LuaInterpreter.initialRandomState)
        return state
    }()

    deinit {
        // Both interpreters point at the random state: they close first.
        interpreter = nil
        functionsInterpreter = nil
        randomState.deallocate()
    }

    /// Bytes of the cached scripts' bodies (INFO's `used_memory_scripts_eval`). O(1).
    private(set) var cachedScriptBytes = 0

    /// Lua's memory in bytes (0 before the first script). O(1).
    var memoryUsed: Int { interpreter?.memoryUsed ?? 0 }

    /// The SHA-1 of `bytes` in lowercase hex (redis.sha1hex). O(bytes).
    static func sha1Hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { ScriptDigest(of: $0).hex }
    }

    // MARK: The interpreter

    /// The interpreter for EVAL, created on first use.
    private func loadedInterpreter() -> LuaInterpreter? {
        if let interpreter { return interpreter }
        interpreter = makeInterpreter(forFunctions: false)
        return interpreter
    }

    /// A new interpreter with the `redis` host functions; for function libraries, also
    /// the globals a library sees while it loads. Nil if Lua could not allocate one.
    func makeInterpreter(forFunctions: Bool) -> LuaInterpreter? {
        guard let lua = LuaInterpreter(version: ConnectionCommands.redisCompatibleVersion,
                                       versionNumber: ConnectionCommands.redisCompatibleVersionNumber) else { return nil }
        lua.setHost({ state, context, id in
            guard let state, let context else { return 0 }
            let scripting = Unmanaged<Scripting>.fromOpaque(context).takeUnretainedValue()
            return scripting.hostCall(LuaStack(state), HostFunction(rawValue: id))
        }, context: Unmanaged.passUnretained(self).toOpaque())
        lua.setRandomState(randomState)
        lua.setCountHook(every: Self.hookInstructions)
        for function in HostFunction.allCases where function.isScriptAPI {
            lua.register(function.luaName, id: function.rawValue)
        }
        guard lua.lock() else { return nil }
        if forFunctions {
            guard lua.buildLoadGlobals(registerFunctionID: HostFunction.registerFunction.rawValue,
                                       logID: HostFunction.log.rawValue) else { return nil }
        }
        return lua
    }

    /// SCRIPT FLUSH: a new interpreter and no scripts, as Redis resets its Lua. O(scripts).
    func flush() {
        scripts = [:]
        recentScript = nil
        cachedScriptBytes = 0
        interpreter = nil
    }

    // MARK: Compiling

    /// The cached script named by `hex` (40 hex digits, either case), if any. O(1).
    func script(hex: UnsafeRawBufferPointer) -> Script? {
        // Clients call the same script over and over: the last one found is compared
        // byte for byte before the name is parsed and hashed.
        if let recent = recentScript, recent.name.matches(hex) { return recent.script }
        guard let script = ScriptDigest(hex: hex).flatMap({ scripts[$0] }) else { return nil }
        recentScript = (ScriptDigest.Spelling(hex), script)
        return script
    }

    /// Compiles and caches `body` (EVAL, SCRIPT LOAD): the script, or Redis's error text.
    /// O(body) to hash, plus compiling a new script.
    func load(_ body: UnsafeRawBufferPointer) -> Result<Script, ScriptError> {
        let digest = ScriptDigest(of: body)
        if let script = scripts[digest] { return .success(script) }
        let body = Array(body)
        let flags: ScriptFlags
        let codeStart: Int
        switch ScriptFlags.parse(body) {
        case .success(let parsed): (flags, codeStart) = parsed
        case .failure(let error): return .failure(ScriptError(message: error.message))
        }
        guard let lua = loadedInterpreter() else { return .failure(ScriptError(message: "ERR Lua could not be started (out of memory)")) }
        let compiled = body[codeStart...].withUnsafeBytes { lua.compile($0, chunkName: "@user_script") }
        switch compiled {
        case .success(let function):
            let script = Script(body: body, sha: digest.hex, function: function, flags: flags)
            scripts[digest] = script
            cachedScriptBytes += body.count
            return .success(script)
        case .failure(let error):
            return .failure(ScriptError(message: "ERR Error compiling script (new function): \(error.message)"))
        }
    }

    struct ScriptError: Error {
        let message: String
    }

    // MARK: Running

    /// Runs a cached script for `caller` with KEYS and ARGV from `args` (keys start at
    /// `firstKey`), writing its reply to `out`. O(the script's work).
    func run(_ script: Script, engine: Engine, caller: ClientSession, args: Arguments,
             firstKey: Int, keyCount: Int, readOnly: Bool, into out: inout ReplyWriter) {
        guard let lua = loadedInterpreter() else {
            out.writeError("ERR Lua could not run the script")
            return
        }
        // A script with a shebang that may write is refused at once while memory is over
        // the limit, unless it declares allow-oom (as Redis does); one without a shebang
        // finds out at its first command that may grow memory.
        if script.flags.contains(.declared), engine.outOfMemory, script.flags.isDisjoint(with: [.noWrites, .allowOOM]) {
            out.writeError(Engine.outOfMemoryError)
            return
        }
        execute(in: lua, name: script.sha, engine: engine, caller: caller, command: args, isFunction: false,
                readOnly: readOnly || script.flags.contains(.noWrites), allowsOOM: script.flags.contains(.allowOOM), into: &out) {
            lua.setGlobalArray("KEYS", count: keyCount) { i, push in args.withUnsafeBytes(firstKey + i, push) }
            lua.setGlobalArray("ARGV", count: max(0, args.count - firstKey - keyCount)) { i, push in
                args.withUnsafeBytes(firstKey + keyCount + i, push)
            }
            lua.push(script.function)
            return 0
        }
    }

    /// Runs what `prepare` pushes (a function, then the argument count it returns) as the
    /// running script named `name` (its SHA-1, or a function's name, in error messages).
    /// Its commands' effects are logged as one transaction; blocking commands in it
    /// answer at once. O(the script's work).
    func execute(in lua: LuaInterpreter, name: String, engine: Engine, caller: ClientSession, command: Arguments,
                 isFunction: Bool, readOnly: Bool, allowsOOM: Bool, into out: inout ReplyWriter, prepare: () -> Int32) {
        guard running == nil else {
            out.writeError("ERR a script is already running")
            return
        }
        run.start(engine: engine, caller: caller, sha: name, readOnly: readOnly, isFunction: isFunction, command: command)
        run.allowsOOM = allowsOOM
        running = run
        defer {
            running = nil
            let wasBusy = run.isBusy
            run.end()
            if wasBusy { engine.hooks?.busyScriptEnded() }
        }
        let argumentCount = prepare()
        let blocking = engine.blockingMode
        engine.blockingMode = .refused
        let mark = engine.propagation.beginTransaction()
        let outcome = lua.call(argumentCount: argumentCount)
        if run.abortedForShutdown {
            // Stopped by SHUTDOWN: none of it was acknowledged, none of it is logged.
            engine.propagation.discardTransaction(mark)
        } else {
            engine.propagation.endTransaction(mark)
        }
        engine.blockingMode = blocking

        let stack = lua.stack
        switch outcome {
        case .returned:
            LuaToRESP.writeTop(stack, into: &out, scriptResp3: run.resp3)
        case .failed:
            out.writeError(Self.errorMessage(stack, sha: name))
            stack.pop()
        }
        stack.setTop(0)
    }

    /// A script error as Redis 7.0 words it: the error's text, then where it happened
    /// (`… script: <sha>, on @user_script:<line>.`). The error is on top of `stack`.
    static func errorMessage(_ stack: LuaStack, sha: String) -> String {
        guard stack.type(at: -1) == .table else {
            return "ERR \(stack.string(at: -1) ?? "unknown error") script: \(sha)"
        }
        stack.rawField("err", of: -1)
        let text = stack.string(at: -1) ?? "ERR unknown error"
        stack.rawField("source", of: -2)
        let source = stack.string(at: -1)
        stack.rawField("line", of: -3)
        let line = stack.type(at: -1) == .number ? String(Int(stack.number(at: -1))) : nil
        stack.pop(3)
        if let source, let line {
            return "\(text) script: \(sha), on \(source):\(line)."
        }
        return "\(text) script: \(sha)"
    }
}
