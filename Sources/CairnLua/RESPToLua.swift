public import NIOCore

/// A command's reply as the script sees it, by Redis 7.0's rules: integers are numbers,
/// bulk strings strings, a nil bulk or nil array `false` (RESP2) and RESP3's null `nil`,
/// a status `{ok = …}`, an error `{err = …}`, arrays tables, and RESP3's map, set,
/// double, big number and verbatim string `{map = …}`, `{set = …}`, `{double = …}`,
/// `{big_number = …}`, `{verbatim_string = {format, string}}`, booleans booleans.
///
/// The bytes come from Cairn's own reply encoder; anything unexpected still pushes a
/// value (nil) rather than trusting a length, so a reply can never read out of bounds.
public enum RESPToLua {
    /// What the top-level reply was, for `redis.call` (which raises errors).
    public enum Kind {
        case value
        case error
    }

    /// Pushes the reply in `reply` (one complete reply) onto `stack`. O(reply size).
    @discardableResult
    public static func push(_ reply: ByteBuffer, onto stack: LuaStack) -> Kind {
        var cursor = reply
        let isError = cursor.readableBytesView.first == UInt8(ascii: "-")
        pushValue(&cursor, stack, depth: 0)
        return isError ? .error : .value
    }

    private static func pushValue(_ cursor: inout ByteBuffer, _ stack: LuaStack, depth: Int) {
        guard depth < LuaToRESP.maxDepth, stack.reserve(4), let marker = cursor.readInteger(as: UInt8.self),
              let line = readLine(&cursor) else {
            stack.pushNil()
            return
        }
        switch marker {
        case UInt8(ascii: "+"):
            pushTagged("ok", line, stack)
        case UInt8(ascii: "-"):
            pushTagged("err", line, stack)
        case UInt8(ascii: ":"):
            stack.pushNumber(Double(integer(line) ?? 0))
        case UInt8(ascii: "$"):
            guard let length = integer(line), length >= 0 else { stack.pushBoolean(false); return }
            pushBulk(&cursor, length: length, stack)
        case UInt8(ascii: "*"):
            guard let count = integer(line), count >= 0 else { stack.pushBoolean(false); return }
            pushArray(&cursor, count: count, stack, depth: depth)
        case UInt8(ascii: "%"):
            stack.pushTable(fieldCount: 1)
            pushPairs(&cursor, count: integer(line) ?? 0, stack, depth: depth, values: true)
            stack.setRawField("map", of: -2)
        case UInt8(ascii: "~"):
            stack.pushTable(fieldCount: 1)
            pushPairs(&cursor, count: integer(line) ?? 0, stack, depth: depth, values: false)
            stack.setRawField("set", of: -2)
        case UInt8(ascii: "_"):
            stack.pushNil()
        case UInt8(ascii: "#"):
            stack.pushBoolean(line.first == UInt8(ascii: "t"))
        case UInt8(ascii: ","):
            stack.pushTable(fieldCount: 1)
            stack.pushNumber(Double(String(decoding: line, as: UTF8.self)) ?? .nan)
            stack.setRawField("double", of: -2)
        case UInt8(ascii: "("):
            pushTagged("big_number", line, stack)
        case UInt8(ascii: "="):
            guard let length = integer(line), length >= 4, let bytes = cursor.readBytes(length: length) else {
                stack.pushNil(); return
            }
            _ = cursor.readBytes(length: 2)
            stack.pushTable(fieldCount: 1)
            stack.pushTable(fieldCount: 2)
            bytes.prefix(3).withUnsafeBytes { stack.pushString($0) }
            stack.setRawField("format", of: -2)
            bytes.dropFirst(4).withUnsafeBytes { stack.pushString($0) }
            stack.setRawField("string", of: -2)
            stack.setRawField("verbatim_string", of: -2)
        default:
            stack.pushNil()
        }
    }

    private static func pushTagged(_ name: String, _ line: ArraySlice<UInt8>, _ stack: LuaStack) {
        stack.pushTable(fieldCount: 1)
        line.withUnsafeBytes { stack.pushString($0) }
        stack.setRawField(name, of: -2)
    }

    private static func pushBulk(_ cursor: inout ByteBuffer, length: Int, _ stack: LuaStack) {
        guard length <= cursor.readableBytes else { stack.pushNil(); return }
        cursor.readWithUnsafeReadableBytes { pointer in
            stack.pushString(UnsafeRawBufferPointer(rebasing: pointer[..<length]))
            return length
        }
        _ = cursor.readBytes(length: min(2, cursor.readableBytes))
    }

    private static func pushArray(_ cursor: inout ByteBuffer, count: Int, _ stack: LuaStack, depth: Int) {
        // Each element takes at least 3 bytes: a count beyond that is not trusted.
        let count = min(count, cursor.readableBytes / 3)
        stack.pushTable(arrayCount: Int32(clamping: count))
        for i in 0..<count {
            pushValue(&cursor, stack, depth: depth + 1)
            stack.setRawIndex(Int32(clamping: i + 1), of: -2)
        }
    }

    /// Map (`values`) or set entries into a new table on top.
    private static func pushPairs(_ cursor: inout ByteBuffer, count: Int, _ stack: LuaStack, depth: Int, values: Bool) {
        let count = max(0, min(count, cursor.readableBytes / 3))
        stack.pushTable(fieldCount: Int32(clamping: count))
        for _ in 0..<count {
            pushValue(&cursor, stack, depth: depth + 1)
            if values { pushValue(&cursor, stack, depth: depth + 1) } else { stack.pushBoolean(true) }
            // A nil or NaN key cannot index a table (setting one would raise an error).
            let keyType = stack.type(at: -2)
            if keyType == .nil_ || (keyType == .number && stack.number(at: -2).isNaN) {
                stack.pop(2)
            } else {
                stack.rawSet(table: -3)
            }
        }
    }

    /// The bytes up to CRLF, consumed with it; nil if there is no CRLF.
    private static func readLine(_ cursor: inout ByteBuffer) -> ArraySlice<UInt8>? {
        let view = cursor.readableBytesView
        guard let cr = view.firstIndex(of: 13), view.index(after: cr) < view.endIndex,
              view[view.index(after: cr)] == 10 else { return nil }
        let line = Array(view[view.startIndex..<cr])[...]
        cursor.moveReaderIndex(forwardBy: line.count + 2)
        return line
    }

    private static func integer(_ line: ArraySlice<UInt8>) -> Int? {
        Int(String(decoding: line, as: UTF8.self))
    }
}
