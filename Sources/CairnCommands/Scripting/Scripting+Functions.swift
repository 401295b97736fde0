import CairnKeyspace
import CairnLua
import CairnProtocol

/// Function libraries, as Redis 7.0 has them: code that begins `#!lua name=<library>`
/// and calls `redis.register_function` while it loads; FCALL then runs a registered
/// function with its keys and arguments as parameters. Libraries live in their own
/// interpreter; loading one runs its code with only `redis.register_function`,
/// `redis.log` and constants in reach, and at most `loadTimeLimit` ms.
extension Scripting {
    struct RegisteredFunction {
        let name: String
        let library: String
        let callback: LuaInterpreter.FunctionReference
        let flags: ScriptFlags
        let description: String?
    }

    struct Library {
        let name: String
        let code: [UInt8]
        var functions: [RegisteredFunction]
    }

    /// Redis's limit on running a library's code at FUNCTION LOAD.
    static let loadTimeLimit: Int64 = 500

    /// Letters, digits and underscores, at least one: library and function names.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 }
    }

    static let invalidNameMessage = "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

    /// The library's name and where its Lua code starts, from its shebang line.
    static func libraryHeader(_ code: [UInt8]) -> Result<(name: String, codeStart: Int), ScriptError> {
        guard code.starts(with: [UInt8(ascii: "#"), UInt8(ascii: "!")]) else {
            return .failure(ScriptError(message: "ERR Missing library metadata"))
        }
        let end = code.firstIndex(of: UInt8(ascii: "\n")) ?? code.endIndex
        let parts = String(decoding: code[..<end], as: UTF8.self).split(separator: " ")
        guard let first = parts.first, first == "#!lua" else {
            let engine = parts.first.map { String($0.dropFirst(2)) } ?? ""
            return .failure(ScriptError(message: "ERR Engine '\(engine)' not found"))
        }
        var name: String?
        for part in parts.dropFirst() {
            guard part.hasPrefix("name=") else {
                return .failure(ScriptError(message: "ERR Invalid metadata value given: \(part)"))
            }
            guard name == nil else {
                return .failure(ScriptError(message: "ERR Invalid metadata value, name argument was given multiple times"))
            }
            name = String(part.dropFirst(5))
        }
        guard let name else { return .failure(ScriptError(message: "ERR Library name was not given")) }
        guard isValidName(name) else { return .failure(ScriptError(message: invalidNameMessage)) }
        return .success((name, end))
    }

    /// The interpreter for libraries, created on first use.
    func librariesInterpreter() -> LuaInterpreter? {
        if let functionsInterpreter { return functionsInterpreter }
        functionsInterpreter = makeInterpreter(forFunctions: true)
        return functionsInterpreter
    }

    /// Compiles and runs a library's code, collecting what it registers; nothing is
    /// installed. Returns the library, or Redis's error text.
    func compileLibrary(_ code: [UInt8]) -> Result<Library, ScriptError> {
        let header: (name: String, codeStart: Int)
        switch Self.libraryHeader(code) {
        case .success(let parsed): header = parsed
        case .failure(let error): return .failure(error)
        }
        guard let lua = librariesInterpreter() else { return .failure(ScriptError(message: "ERR Lua could not be started (out of memory)")) }
        let compiled = code[header.codeStart...].withUnsafeBytes { lua.compile($0, chunkName: "@user_function") }
        guard case .success(let chunk) = compiled else {
            if case .failure(let error) = compiled {
                return .failure(ScriptError(message: "ERR Error compiling function: \(error.message)"))
            }
            return .failure(ScriptError(message: "ERR Error compiling function"))
        }
        defer { lua.release(chunk) }
        registering = []
        loadStartedAt = Self.monotonicMilliseconds()
        lua.useLoadGlobals(true)
        lua.push(chunk)
        let outcome = lua.call()
        lua.useLoadGlobals(false)
        let registered = registering ?? []
        registering = nil
        let stack = lua.stack
        defer { stack.setTop(0) }
        if case .failed = outcome {
            stack.rawField("err", of: -1)
            let text = stack.string(at: -1) ?? "ERR unknown error"
            for function in registered { lua.release(function.callback) }
            return .failure(ScriptError(message: "ERR Error registering functions: \(text)"))
        }
        guard !registered.isEmpty else { return .failure(ScriptError(message: "ERR No functions registered")) }
        let functions = registered.map {
            RegisteredFunction(name: $0.name, library: header.name, callback: $0.callback, flags: $0.flags, description: $0.description)
        }
        return .success(Library(name: header.name, code: code, functions: functions))
    }

    /// How FUNCTION RESTORE joins libraries with those present.
    enum RestorePolicy {
        case flush, append, replace
    }

    /// FUNCTION LOAD [REPLACE] and FUNCTION RESTORE: compiles every library, then installs
    /// all or none. Returns the names installed, or Redis's error text. O(code).
    func install(_ codes: [[UInt8]], policy: RestorePolicy) -> Result<[String], ScriptError> {
        var loaded: [Library] = []
        func discard() {
            for library in loaded { for function in library.functions { functionsInterpreter?.release(function.callback) } }
        }
        for code in codes {
            switch compileLibrary(code) {
            case .success(let library):
                if loaded.contains(where: { $0.name == library.name }) {
                    loaded.append(library)
                    discard()
                    return .failure(ScriptError(message: "ERR Library '\(library.name)' already exists"))
                }
                loaded.append(library)
            case .failure(let error):
                discard()
                return .failure(error)
            }
        }
        // Which existing libraries go away, and whether any name collides.
        let replaced: Set<String>
        switch policy {
        case .flush: replaced = Set(libraries.keys)
        case .replace: replaced = Set(loaded.map(\.name)).intersection(libraries.keys)
        case .append:
            if let clash = loaded.first(where: { libraries[$0.name] != nil }) {
                discard()
                return .failure(ScriptError(message: "ERR Library '\(clash.name)' already exists"))
            }
            replaced = []
        }
        var names = Set<String>()
        for library in loaded {
            for function in library.functions {
                let taken = functions[Key(function.name)].map { !replaced.contains($0.library) } ?? false
                if taken || !names.insert(function.name).inserted {
                    discard()
                    return .failure(ScriptError(message: "ERR Function \(function.name) already exists"))
                }
            }
        }
        for name in replaced { deleteLibrary(name) }
        for library in loaded {
            libraries[library.name] = library
            for function in library.functions { functions[Key(function.name)] = function }
        }
        return .success(loaded.map(\.name))
    }

    /// FUNCTION DELETE: false if there is no such library. O(its functions).
    @discardableResult
    func deleteLibrary(_ name: String) -> Bool {
        guard let library = libraries.removeValue(forKey: name) else { return false }
        for function in library.functions {
            functions[Key(function.name)] = nil
            functionsInterpreter?.release(function.callback)
        }
        return true
    }

    /// FUNCTION FLUSH: no libraries, and a fresh interpreter for them.
    func flushLibraries() {
        libraries = [:]
        functions = [:]
        functionsInterpreter = nil
    }

    /// FCALL and FCALL_RO: runs a registered function with its keys and arguments as
    /// the two tables it receives. O(the function's work).
    func callFunction(_ function: RegisteredFunction, engine: Engine, caller: ClientSession, args: Arguments,
                      firstKey: Int, keyCount: Int, readOnly: Bool, into out: inout ReplyWriter) {
        guard let lua = librariesInterpreter() else {
            out.writeError("ERR Lua could not run the function")
            return
        }
        if engine.outOfMemory, !readOnly, function.flags.isDisjoint(with: [.noWrites, .allowOOM]) {
            out.writeError(Engine.outOfMemoryError)
            return
        }
        execute(in: lua, name: function.name, engine: engine, caller: caller, command: args, isFunction: true,
                readOnly: readOnly || function.flags.contains(.noWrites), allowsOOM: function.flags.contains(.allowOOM),
                into: &out) {
            lua.push(function.callback)
            let stack = lua.stack
            for (start, count) in [(firstKey, keyCount), (firstKey + keyCount, max(0, args.count - firstKey - keyCount))] {
                stack.pushTable(arrayCount: Int32(clamping: count))
                for i in 0..<count {
                    args.withUnsafeBytes(start + i) { stack.pushString($0) }
                    stack.setRawIndex(Int32(clamping: i + 1), of: -2)
                }
            }
            return 2
        }
    }

    // MARK: redis.register_function

    /// `redis.register_function(name, callback)` or `redis.register_function{function_name
    /// = …, callback = …, flags = {…}, description = …}`, only while a library loads.
    func registerFunction(_ stack: LuaStack) -> Int32 {
        guard registering != nil else {
            return fail(stack, "ERR redis.register_function can only be called on FUNCTION LOAD command", raising: true)
        }
        var name: String?
        var hasCallback = false
        var flags: ScriptFlags = []
        var description: String?
        switch stack.top {
        case 1:
            guard stack.type(at: 1) == .table else {
                return fail(stack, "ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).", raising: true)
            }
            stack.pushNil()
            while stack.next(of: 1) {
                // Stack: table, key, value.
                guard stack.type(at: -2) == .string, let key = stack.string(at: -2) else {
                    return fail(stack, "ERR named argument key given to redis.register_function is not a string", raising: true)
                }
                switch key {
                case "function_name":
                    guard let value = stack.type(at: -1) == .string || stack.type(at: -1) == .number ? scalarString(stack, at: -1) : nil else {
                        return fail(stack, "ERR function_name argument given to redis.register_function must be a string", raising: true)
                    }
                    name = value
                    stack.pop()
                case "description":
                    guard let value = stack.type(at: -1) == .string || stack.type(at: -1) == .number ? scalarString(stack, at: -1) : nil else {
                        return fail(stack, "ERR description argument given to redis.register_function must be a string", raising: true)
                    }
                    description = value
                    stack.pop()
                case "callback":
                    guard stack.type(at: -1) == .function else {
                        return fail(stack, "ERR callback argument given to redis.register_function must be a function", raising: true)
                    }
                    // Moved to slot 2, where the two-argument form has it (the key
                    // stays on top for the iteration).
                    stack.insert(at: 2)
                    hasCallback = true
                case "flags":
                    guard stack.type(at: -1) == .table else {
                        return fail(stack, "ERR flags argument to redis.register_function must be a table representing function flags", raising: true)
                    }
                    guard let parsed = functionFlags(stack) else {
                        return fail(stack, "ERR unknown flag given", raising: true)
                    }
                    flags = parsed
                    stack.pop()
                default:
                    return fail(stack, "ERR unknown argument given to redis.register_function", raising: true)
                }
            }
            guard let given = name else {
                return fail(stack, "ERR redis.register_function must get a function name argument", raising: true)
            }
            guard hasCallback else {
                return fail(stack, "ERR redis.register_function must get a callback argument", raising: true)
            }
            name = given
        case 2:
            guard stack.type(at: 1) == .string || stack.type(at: 1) == .number, let given = scalarString(stack, at: 1) else {
                return fail(stack, "ERR first argument to redis.register_function must be a string", raising: true)
            }
            guard stack.type(at: 2) == .function else {
                return fail(stack, "ERR second argument to redis.register_function must be a function", raising: true)
            }
            name = given
        default:
            return fail(stack, "ERR wrong number of arguments to redis.register_function", raising: true)
        }
        guard let name, Self.isValidName(name) else {
            return fail(stack, Self.invalidNameMessage, raising: true)
        }
        guard registering?.contains(where: { $0.name == name }) == false else {
            return fail(stack, "ERR Function already exists in the library", raising: true)
        }
        // The callback is in slot 2; keep it.
        stack.setTop(2)
        let callback = LuaInterpreter.reference(top: stack)
        stack.setTop(0)
        registering?.append(RegisteredFunction(name: name, library: "", callback: callback, flags: flags, description: description))
        return 0
    }

    private func scalarString(_ stack: LuaStack, at index: Int32) -> String? {
        switch stack.type(at: index) {
        case .string: return stack.string(at: index)
        case .number: return LuaInterpreter.formatNumber(stack.number(at: index))
        default: return nil
        }
    }

    /// The flags table on top (strings); nil if any is unknown.
    private func functionFlags(_ stack: LuaStack) -> ScriptFlags? {
        var flags: ScriptFlags = []
        var i: Int32 = 1
        while true {
            stack.rawIndex(i, of: -1)
            defer { i += 1 }
            if stack.type(at: -1) == .nil_ { stack.pop(); return flags }
            guard let name = stack.string(at: -1), let flag = ScriptFlags.names.first(where: { $0.0 == name })?.1 else {
                stack.pop()
                return nil
            }
            flags.insert(flag)
            stack.pop()
        }
    }
}
