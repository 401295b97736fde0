import CCairnLua
public import CairnProtocol
import NIOCore

/// A script's result as a reply, by Redis 7.0's rules: strings are bulk strings, numbers
/// integers (truncated; out of range or NaN is the smallest integer, as C's conversion
/// gives on the machines Redis runs on), `true` is `:1` and `false` nil, a table with
/// a string `err` an error, with `ok` a status, `double`, `big_number`,
/// `verbatim_string`, `map` and `set` their RESP3 types, and any other table an array
/// of its elements up to the first nil.
public enum LuaToRESP {
    /// Deeper tables than this answer an error element (a self-containing table would
    /// otherwise never end).
    public static let maxDepth = 1000

    /// Writes the value on top of `stack` and pops it. `scriptResp3` is the protocol
    /// the script chose with `redis.setresp` (it decides how booleans are answered).
    /// O(size of the value).
    public static func writeTop(_ stack: LuaStack, into out: inout ReplyWriter, scriptResp3: Bool) {
        write(stack, into: &out, scriptResp3: scriptResp3, depth: 0)
    }

    private static func write(_ stack: LuaStack, into out: inout ReplyWriter, scriptResp3: Bool, depth: Int) {
        defer { stack.pop() }
        guard depth < maxDepth, stack.reserve(4) else {
            out.writeError("ERR reached lua stack limit")
            return
        }
        switch stack.type(at: -1) {
        case .string:
            if let bytes = stack.stringBytes(at: -1) { out.writeBulk(raw: bytes) } else { out.writeNull() }
        case .boolean:
            let value = stack.boolean(at: -1)
            if scriptResp3 {
                writeBoolean(value, into: &out)
            } else if value {
                out.writeIntegerReply(1)
            } else {
                out.writeNull()
            }
        case .number:
            out.writeIntegerReply(truncated(stack.number(at: -1)))
        case .table:
            writeTable(stack, into: &out, scriptResp3: scriptResp3, depth: depth)
        default:
            out.writeNull()
        }
    }

    /// C's `(long long)` conversion as x86-64 performs it.
    public static func truncated(_ value: Double) -> Int64 {
        guard value.isFinite, value >= -9.223372036854775808e18, value < 9.223372036854775808e18 else { return .min }
        return Int64(value)
    }

    private static func writeTable(_ stack: LuaStack, into out: inout ReplyWriter, scriptResp3: Bool, depth: Int) {
        if field("err", of: stack, is: .string) {
            writeLine(UInt8(ascii: "-"), stack, into: &out)
            stack.pop()
            return
        }
        if field("ok", of: stack, is: .string) {
            writeLine(UInt8(ascii: "+"), stack, into: &out)
            stack.pop()
            return
        }
        if field("double", of: stack, is: .number) {
            out.writeDouble(Array(LuaInterpreter.formatNumber(stack.number(at: -1)).utf8))
            stack.pop()
            return
        }
        if field("big_number", of: stack, is: .string) {
            if out.resp3 { writeLine(UInt8(ascii: "("), stack, into: &out) } else if let bytes = stack.stringBytes(at: -1) { out.writeBulk(raw: bytes) }
            stack.pop()
            return
        }
        if field("verbatim_string", of: stack, is: .table) {
            defer { stack.pop() }
            if writeVerbatim(stack, into: &out) { return }
        }
        if field("map", of: stack, is: .table) {
            defer { stack.pop() }
            let count = entryCount(stack)
            out.writeMapHeader(count)
            stack.pushNil()
            while stack.next(of: -2) {
                // Stack: map, key, value. A copy of the key is written (the key stays for
                // the next step), then the value.
                stack.pushValue(at: -2)
                write(stack, into: &out, scriptResp3: scriptResp3, depth: depth + 1)
                write(stack, into: &out, scriptResp3: scriptResp3, depth: depth + 1)
            }
            return
        }
        if field("set", of: stack, is: .table) {
            defer { stack.pop() }
            out.writeSetHeader(entryCount(stack))
            stack.pushNil()
            while stack.next(of: -2) {
                stack.pop()  // the value (true)
                stack.pushValue(at: -1)
                write(stack, into: &out, scriptResp3: scriptResp3, depth: depth + 1)
            }
            return
        }
        var count: Int32 = 0
        while true {
            stack.rawIndex(count + 1, of: -1)
            let isNil = stack.type(at: -1) == .nil_
            stack.pop()
            if isNil { break }
            count += 1
        }
        out.writeArrayHeader(Int(count))
        for i in 0..<count {
            stack.rawIndex(i + 1, of: -1)
            write(stack, into: &out, scriptResp3: scriptResp3, depth: depth + 1)
        }
    }

    /// Pushes `table[name]` and returns true if it has type `type`; otherwise pops it.
    private static func field(_ name: String, of stack: LuaStack, is type: LuaType) -> Bool {
        stack.rawField(name, of: -1)
        if stack.type(at: -1) == type { return true }
        stack.pop()
        return false
    }

    /// Entries of the table on top, by iteration. O(entries).
    private static func entryCount(_ stack: LuaStack) -> Int {
        var count = 0
        stack.pushNil()
        while stack.next(of: -2) {
            stack.pop()
            count += 1
        }
        return count
    }

    /// `-` / `+` / `(` then the string on top with CR and LF turned into spaces.
    private static func writeLine(_ marker: UInt8, _ stack: LuaStack, into out: inout ReplyWriter) {
        out.buffer.writeInteger(marker)
        if let bytes = stack.stringBytes(at: -1) {
            for byte in bytes { out.buffer.writeInteger(byte == 13 || byte == 10 ? 32 : byte) }
        }
        out.buffer.writeStaticString("\r\n")
    }

    private static func writeBoolean(_ value: Bool, into out: inout ReplyWriter) {
        if out.resp3 {
            out.buffer.writeStaticString(value ? "#t\r\n" : "#f\r\n")
        } else {
            out.writeIntegerReply(value ? 1 : 0)
        }
    }

    /// `{format = "txt", string = "..."}` on top; false (nothing written) if malformed.
    private static func writeVerbatim(_ stack: LuaStack, into out: inout ReplyWriter) -> Bool {
        stack.rawField("format", of: -1)
        stack.rawField("string", of: -2)
        defer { stack.pop(2) }
        guard let format = stack.stringBytes(at: -2), let text = stack.stringBytes(at: -1) else { return false }
        guard out.resp3 else {
            out.writeBulk(raw: text)
            return true
        }
        out.buffer.writeStaticString("=")
        out.buffer.writeString(String(text.count + 4))
        out.buffer.writeStaticString("\r\n")
        for i in 0..<3 { out.buffer.writeInteger(i < format.count ? format[i] : UInt8(ascii: " ")) }
        out.buffer.writeStaticString(":")
        out.buffer.writeBytes(text)
        out.buffer.writeStaticString("\r\n")
        return true
    }
}
