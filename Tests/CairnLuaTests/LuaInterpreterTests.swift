import Testing
import NIOCore
import CairnProtocol
@testable import CairnLua

/// The interpreter as Redis sets it up, without a server: the sandbox, the conversions
/// between Lua values and RESP, and inputs that must never stop the process.
@Suite struct LuaInterpreterTests {
    /// A locked interpreter whose random state lives as long as the test.
    final class Lua {
        let interpreter: LuaInterpreter
        let random = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)

        init() {
            random.initialize(to: LuaInterpreter.initialRandomState)
            guard let lua = LuaInterpreter(version: "7.0.0", versionNumber: 0x070000) else {
                fatalError("Lua could not start")  // the test machine is out of memory
            }
            interpreter = lua
            lua.setRandomState(random)
            _ = lua.lock()
        }

        deinit { random.deallocate() }

        /// Runs `body` and returns its reply as Redis would send it (RESP2 caller).
        func reply(_ body: String, resp3: Bool = false) -> String {
            var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 64), resp3: resp3)
            let compiled = Array(body.utf8).withUnsafeBytes { interpreter.compile($0, chunkName: "@user_script") }
            guard case .success(let function) = compiled else {
                if case .failure(let error) = compiled { return "compile: \(error.message)" }
                return "compile"
            }
            defer { interpreter.release(function) }
            interpreter.push(function)
            switch interpreter.call() {
            case .returned:
                LuaToRESP.writeTop(interpreter.stack, into: &out, scriptResp3: false)
            case .failed:
                interpreter.stack.rawField("err", of: -1)
                out.writeError(interpreter.stack.string(at: -1) ?? "?")
                interpreter.stack.pop(2)
            }
            #expect(interpreter.stack.top == 0, "stack left unbalanced by \(body)")
            return String(decoding: out.buffer.readableBytesView, as: UTF8.self)
        }
    }

    @Test func globalsAndLibrariesAreReadOnly() {
        let lua = Lua()
        #expect(lua.reply("x = 1") == "-ERR user_script:1: Attempt to modify a readonly table\r\n")
        #expect(lua.reply("string.upper = nil") == "-ERR user_script:1: Attempt to modify a readonly table\r\n")
        #expect(lua.reply("rawset(_G, 'x', 1)") == "-ERR Attempt to modify a readonly table\r\n")
        #expect(lua.reply("setmetatable(math, {})") == "-ERR Attempt to modify a readonly table\r\n")
        #expect(lua.reply("getmetatable(_G).__index = nil") == "-ERR user_script:1: Attempt to modify a readonly table\r\n")
        #expect(lua.reply("getmetatable('').__index.upper = nil") == "-ERR user_script:1: Attempt to modify a readonly table\r\n")
        #expect(lua.reply("return y") == "-ERR user_script:1: Script attempted to access nonexistent global variable 'y'\r\n")
        #expect(lua.reply("local t = {} t.x = 1 return t.x") == ":1\r\n")
        #expect(lua.reply("return ('abc'):upper()") == "$3\r\nABC\r\n")
    }

    @Test func filesEnvironmentsAndTheDebuggerAreGone() {
        let lua = Lua()
        for name in ["loadfile", "dofile", "print", "getfenv", "setfenv", "newproxy", "require", "os", "io", "debug", "package", "module"] {
            #expect(lua.reply("return \(name)").contains("nonexistent global variable '\(name)'"), "\(name)")
        }
        #expect(lua.reply("return type(rawget(_G, 'string'))") == "$5\r\ntable\r\n")
        #expect(lua.reply("local n = 0 for _ in pairs(string) do n = n + 1 end return n > 10") == ":1\r\n")
        #expect(lua.reply("return (loadstring('return 6 * 7'))()") == ":42\r\n")
        #expect(lua.reply("local f = loadstring('z = 1') f() return 1").contains("Attempt to modify a readonly table"))
    }

    @Test func resultsConvertAsRedisConvertsThem() {
        let lua = Lua()
        #expect(lua.reply("return 3.99") == ":3\r\n")
        #expect(lua.reply("return -3.99") == ":-3\r\n")
        #expect(lua.reply("return 1e300") == ":-9223372036854775808\r\n")
        #expect(lua.reply("return 0/0") == ":-9223372036854775808\r\n")
        #expect(lua.reply("return true") == ":1\r\n")
        #expect(lua.reply("return false") == "$-1\r\n")
        #expect(lua.reply("return {1, 'a', {2, nil, 3}, nil, 4}") == "*3\r\n:1\r\n$1\r\na\r\n*1\r\n:2\r\n")
        #expect(lua.reply("return {err = 'MY bad\\r\\nline'}") == "-MY bad  line\r\n")
        #expect(lua.reply("return {ok = 'FINE'}") == "+FINE\r\n")
        #expect(lua.reply("return {err = 5}") == "*0\r\n")
        #expect(lua.reply("return {double = 0.5}") == "$3\r\n0.5\r\n")
        #expect(lua.reply("return {map = {a = 1}}") == "*2\r\n$1\r\na\r\n:1\r\n")
        #expect(lua.reply("return {map = {a = 1}}", resp3: true) == "%1\r\n$1\r\na\r\n:1\r\n")
        #expect(lua.reply("return {set = {x = true}}", resp3: true) == "~1\r\n$1\r\nx\r\n")
        #expect(lua.reply("return {big_number = '1\\r\\n2'}", resp3: true) == "(1  2\r\n")
        #expect(lua.reply("return redis.error_reply('oops')") == "-ERR oops\r\n")
        #expect(lua.reply("return redis.error_reply('-CODE text')") == "-CODE text\r\n")
        #expect(lua.reply("return redis.status_reply('QUEUED')") == "+QUEUED\r\n")
        #expect(lua.reply("return function() end") == "$-1\r\n")
    }

    @Test func aTableThatContainsItselfEndsInAnError() {
        let lua = Lua()
        let reply = lua.reply("local t = {} t[1] = t return t")
        #expect(reply.hasPrefix("*1\r\n*1\r\n"))
        #expect(reply.hasSuffix("-ERR reached lua stack limit\r\n"))
        #expect(reply.split(separator: "*1\r\n", omittingEmptySubsequences: false).count == LuaToRESP.maxDepth + 1)
    }

    @Test func errorsCarryWhereTheyHappened() {
        let lua = Lua()
        #expect(lua.reply("\n\nerror('boom')") == "-ERR user_script:3: boom\r\n")
        #expect(lua.reply("error({err = 'CUSTOM x'})") == "-CUSTOM x\r\n")
        #expect(lua.reply("error()") == "-ERR nil\r\n")
        #expect(lua.reply("local a = 1 +") == "compile: user_script:1: unexpected symbol near '<eof>'")
    }

    @Test func mathRandomFollowsRedisSequence() {
        let lua = Lua()
        // Debian's redis-server 7.0.15 answers 40, 85, 36 to its first three
        // math.random(100) calls, and 18, 75 after math.randomseed(0).
        #expect(lua.reply("return {math.random(100), math.random(100), math.random(100)}") == "*3\r\n:40\r\n:85\r\n:36\r\n")
        #expect(lua.reply("math.randomseed(0) return {math.random(100), math.random(100)}") == "*2\r\n:18\r\n:75\r\n")
        #expect(lua.reply("return math.random(0)").contains("interval is empty"))
        #expect(lua.reply("return math.random(1, 2, 3)").contains("wrong number of arguments"))
        #expect(lua.reply("return math.random(-2147483647, 2147483647) ~= nil") == ":1\r\n")
    }

    /// RESP from outside the encoder's control never reads out of bounds and always
    /// leaves exactly one value.
    @Test func damagedRepliesPushOneValue() {
        let lua = Lua()
        var rng = SystemRandomNumberGenerator()
        let samples: [String] = ["$5\r\nab", "*3\r\n:1\r\n", "*99999999999\r\n", "$-7\r\n", "%2\r\n_\r\n:1\r\n",
                                 "=2\r\nx\r\n", ",nope\r\n", "", "*1", ":abc\r\n", "~1\r\n,nan\r\n", "#x\r\n"]
        var inputs = samples.map { Array($0.utf8) }
        for _ in 0..<2000 {
            inputs.append((0..<Int.random(in: 0..<40, using: &rng)).map { _ in
                [UInt8(ascii: "*"), UInt8(ascii: "$"), UInt8(ascii: ":"), 13, 10, UInt8(ascii: "1"), UInt8(ascii: "-"),
                 UInt8(ascii: "%"), UInt8(ascii: "~"), UInt8(ascii: "_"), UInt8(ascii: "9"), UInt8(ascii: "=")].randomElement(using: &rng)!
            })
        }
        for input in inputs {
            var buffer = ByteBufferAllocator().buffer(capacity: input.count)
            buffer.writeBytes(input)
            RESPToLua.push(buffer, onto: lua.interpreter.stack)
            #expect(lua.interpreter.stack.top == 1)
            lua.interpreter.stack.setTop(0)
        }
    }

    /// What each reply of Cairn's encoder becomes in Lua and back.
    @Test func repliesRoundTrip() {
        let lua = Lua()
        let replies = ["+OK\r\n", "-ERR x\r\n", ":42\r\n", "$3\r\nabc\r\n", "*2\r\n:1\r\n$1\r\nz\r\n", "*0\r\n"]
        for reply in replies {
            var buffer = ByteBufferAllocator().buffer(capacity: 16)
            buffer.writeString(reply)
            RESPToLua.push(buffer, onto: lua.interpreter.stack)
            var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 16))
            LuaToRESP.writeTop(lua.interpreter.stack, into: &out, scriptResp3: false)
            #expect(String(decoding: out.buffer.readableBytesView, as: UTF8.self) == reply)
        }
    }
}
