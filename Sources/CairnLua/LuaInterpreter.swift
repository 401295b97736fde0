import CLua
import CCairnLua

/// One Lua 5.1 interpreter, set up as Redis 7.0 sets up its scripting engine: the
/// base, string, table, math and coroutine libraries without files, printing or
/// environment changes; every global and library table read-only; reading a missing
/// global an error; `math.random` Redis's generator (one sequence for the server's life); and the
/// `redis` table, whose functions that need the server call back into the host.
///
/// Not thread-safe: owned by the engine's event loop, like everything the engine has.
public final class LuaInterpreter {
    /// A host function: receives the stack it was called on (a coroutine's, possibly)
    /// and returns how many results it pushed, or `.raise` after pushing an error value.
    public typealias HostFunction = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32) -> Int32

    /// What a host function returns to have the value on top raised as an error.
    public static let raise: Int32 = -1
    /// The function id the instruction-count hook calls the host with.
    public static let hookFunctionID: Int32 = CAIRN_LUA_HOOK_ID

    /// The main stack.
    public let stack: LuaStack
    public private(set) var isLocked = false

    /// A compiled script kept in Lua's registry.
    public struct FunctionReference: Sendable, Hashable {
        let value: Int32
    }

    /// What a call left on top of the stack.
    public enum CallOutcome {
        /// The function's result is on top.
        case returned
        /// The error is on top: a table with `err` (and `source`, `line` when known), or
        /// any value a non-script error left.
        case failed
    }

    /// Nil if Lua could not allocate an interpreter.
    public init?(version: String, versionNumber: Int) {
        guard let state = cairn_lua_open() else { return nil }
        stack = LuaStack(state)
        cairn_lua_register_redis_basics(state, version, Int32(clamping: versionNumber))
    }

    deinit {
        cairn_lua_close(stack.state)
    }

    /// Sets who `redis.*` host functions and the hook call back into. `context` must
    /// outlive every call into the interpreter.
    public func setHost(_ function: HostFunction, context: UnsafeMutableRawPointer) {
        cairn_lua_set_host(stack.state, function, context)
    }

    /// Defines `table.name` as a host function. Only before `lock()`.
    public func register(_ name: String, in table: String = "redis", id: Int32) {
        guard !isLocked else { return }
        cairn_lua_register(stack.state, table, name, id)
    }

    /// Makes the globals read-only and removes what set-up needed. Returns false if the
    /// interpreter could not finish setting up (out of memory).
    public func lock() -> Bool {
        guard !isLocked else { return true }
        isLocked = cairn_lua_lock(stack.state) == 0
        return isLocked
    }

    /// Compiles `body` as a chunk named `chunkName` (`@user_script` makes messages say
    /// `user_script:1:`), keeping it in the registry. O(body).
    public func compile(_ body: UnsafeRawBufferPointer, chunkName: String) -> Result<FunctionReference, CompileError> {
        let status: Int32
        if let base = body.baseAddress {
            status = cairn_lua_load(stack.state, base.assumingMemoryBound(to: CChar.self), body.count, chunkName)
        } else {
            status = cairn_lua_load(stack.state, "", 0, chunkName)
        }
        guard status == 0 else {
            let message = stack.string(at: -1) ?? "unknown error"
            stack.pop()
            return .failure(CompileError(message: message))
        }
        return .success(FunctionReference(value: luaL_ref(stack.state, LUA_REGISTRYINDEX)))
    }

    public struct CompileError: Error {
        public let message: String
    }

    /// Keeps the value on top of `stack` (a function a library registered) in the
    /// registry, popping it. O(1).
    public static func reference(top stack: LuaStack) -> FunctionReference {
        FunctionReference(value: luaL_ref(stack.state, LUA_REGISTRYINDEX))
    }

    /// For function libraries: builds the globals a library sees while it loads (only
    /// `redis.register_function`, `redis.log` and constants). False if out of memory.
    public func buildLoadGlobals(registerFunctionID: Int32, logID: Int32) -> Bool {
        cairn_lua_build_load_globals(stack.state, registerFunctionID, logID) == 0
    }

    /// Switches globals to the load-time set (true) or the full set (false).
    public func useLoadGlobals(_ loading: Bool) {
        cairn_lua_use_load_globals(stack.state, loading ? 1 : 0)
    }

    /// Forgets a compiled function. O(1).
    public func release(_ function: FunctionReference) {
        luaL_unref(stack.state, LUA_REGISTRYINDEX, function.value)
    }

    /// Pushes a compiled function. O(1).
    public func push(_ function: FunctionReference) {
        lua_rawgeti(stack.state, LUA_REGISTRYINDEX, function.value)
    }

    /// Sets a global array (KEYS, ARGV) from `values`. O(values).
    /// `name` is static: a `String` would be copied into a new C string on every script call.
    public func setGlobalArray(_ name: StaticString, count: Int, _ element: (Int, (UnsafeRawBufferPointer) -> Void) -> Void) {
        stack.pushTable(arrayCount: Int32(clamping: count))
        for i in 0..<count {
            element(i) { stack.pushString($0) }
            stack.setRawIndex(Int32(clamping: i + 1), of: -2)
        }
        UnsafeRawPointer(name.utf8Start).withMemoryRebound(to: CChar.self, capacity: name.utf8CodeUnitCount + 1) {
            cairn_lua_set_global(stack.state, $0)
        }
    }

    /// Calls the function pushed below `argumentCount` arguments, protected, with the
    /// error handler. One value is left on top.
    public func call(argumentCount: Int32 = 0) -> CallOutcome {
        cairn_lua_call(stack.state, argumentCount) == 0 ? .returned : .failed
    }

    /// Where `math.random` keeps its state; must outlive the interpreter's use of it.
    public func setRandomState(_ state: UnsafeMutablePointer<UInt64>) {
        cairn_lua_set_random_state(stack.state, state)
    }

    /// The state `math.random` starts from.
    public static var initialRandomState: UInt64 { cairn_lua_random_initial_state() }

    /// Calls the host with `hookFunctionID` every `instructions` instructions (0: never).
    public func setCountHook(every instructions: Int) {
        cairn_lua_set_count_hook(stack.state, Int32(clamping: instructions))
    }

    /// Memory the interpreter holds, in bytes (INFO's `used_memory_lua`). O(1).
    public var memoryUsed: Int {
        Int(lua_gc(stack.state, LUA_GCCOUNT, 0)) * 1024 + Int(lua_gc(stack.state, LUA_GCCOUNTB, 0))
    }

    /// Redis's text for a number passed to a command ("%.17g").
    public static func formatNumber(_ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let length = cairn_lua_format_number(value, &buffer, buffer.count)
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
