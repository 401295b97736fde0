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
        reply.withUnsafeReadableBytes { bytes in
            var reader = Reader(bytes: bytes)
            reader.pushValue(stack, depth: 0)
            return bytes.first == UInt8(ascii: "-") ? .error : .value
        }
    }

    /// A cursor over the reply's bytes.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        /// The bytes up to the next CRLF, which is consumed; nil if there is none.
        mutating func line() -> UnsafeRawBufferPointer? {
            var i = position
            while i + 1 < bytes.count {
                if bytes[i] == 13 && bytes[i + 1] == 10 {
                    let line = UnsafeRawBufferPointer(rebasing: bytes[position..<i])
                    position = i + 2
                    return line
                }
                i += 1
            }
            return nil
        }

        /// `count` bytes and the CRLF after them; nil if the reply is shorter.
        mutating func take(_ count: Int) -> UnsafeRawBufferPointer? {
            guard count >= 0, count <= bytes.count - position else { return nil }
            let out = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
            position = min(bytes.count, position + count + 2)
            return out
        }

        /// Elements left can be no more than a third of the bytes left (each takes 3).
        var elementBound: Int { (bytes.count - position) / 3 }

        mutating func pushValue(_ stack: LuaStack, depth: Int) {
            guard depth < LuaToRESP.maxDepth, stack.reserve(4), position < bytes.count else {
                stack.pushNil()
                return
            }
            let marker = bytes[position]
            position += 1
            guard let line = line() else {
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
                if let body = take(length) { stack.pushString(body) } else { stack.pushNil() }
            case UInt8(ascii: "*"):
                guard let count = integer(line), count >= 0 else { stack.pushBoolean(false); return }
                let elements = min(count, elementBound)
                stack.pushTable(arrayCount: Int32(clamping: elements))
                for i in 0..<elements {
                    pushValue(stack, depth: depth + 1)
                    stack.setRawIndex(Int32(clamping: i + 1), of: -2)
                }
            case UInt8(ascii: "%"):
                stack.pushTable(fieldCount: 1)
                pushPairs(count: integer(line) ?? 0, stack, depth: depth, values: true)
                stack.setRawField("map", of: -2)
            case UInt8(ascii: "~"):
                stack.pushTable(fieldCount: 1)
                pushPairs(count: integer(line) ?? 0, stack, depth: depth, values: false)
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
                guard let length = integer(line), length >= 4, let body = take(length) else { stack.pushNil(); return }
                stack.pushTable(fieldCount: 1)
                stack.pushTable(fieldCount: 2)
                stack.pushString(UnsafeRawBufferPointer(rebasing: body[0..<3]))
                stack.setRawField("format", of: -2)
                stack.pushString(UnsafeRawBufferPointer(rebasing: body[4...]))
                stack.setRawField("string", of: -2)
                stack.setRawField("verbatim_string", of: -2)
            default:
                stack.pushNil()
            }
        }

        private func pushTagged(_ name: String, _ line: UnsafeRawBufferPointer, _ stack: LuaStack) {
            stack.pushTable(fieldCount: 1)
            stack.pushString(line)
            stack.setRawField(name, of: -2)
        }

        /// Map (`values`) or set entries into a new table on top.
        private mutating func pushPairs(count: Int, _ stack: LuaStack, depth: Int, values: Bool) {
            let count = max(0, min(count, elementBound))
            stack.pushTable(fieldCount: Int32(clamping: count))
            for _ in 0..<count {
                pushValue(stack, depth: depth + 1)
                if values { pushValue(stack, depth: depth + 1) } else { stack.pushBoolean(true) }
                // A nil or NaN key cannot index a table (setting one would raise an error).
                let keyType = stack.type(at: -2)
                if keyType == .nil_ || (keyType == .number && stack.number(at: -2).isNaN) {
                    stack.pop(2)
                } else {
                    stack.rawSet(table: -3)
                }
            }
        }

        /// A decimal integer line (optional '-'), nil if malformed or out of range.
        private func integer(_ line: UnsafeRawBufferPointer) -> Int? {
            guard !line.isEmpty, line.count <= 20 else { return nil }
            var negative = false
            var value = 0
            for (i, byte) in line.enumerated() {
                if i == 0 && byte == UInt8(ascii: "-") { negative = true; continue }
                guard byte >= 48 && byte <= 57 else { return nil }
                let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
                // Accumulated with the sign, so the smallest integer parses too.
                let digit = Int(byte - 48)
                let (sum, overflow2) = negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
                guard !overflow1, !overflow2 else { return nil }
                value = sum
            }
            return value
        }
    }
}
