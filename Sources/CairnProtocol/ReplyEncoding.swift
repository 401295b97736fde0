public import NIOCore

/// RESP2 reply encoding, appended straight into a connection's output buffer.
/// Every method is O(length of what it writes).
extension ByteBuffer {
    @usableFromInline static let crlf: StaticString = "\r\n"

    /// `+OK\r\n`
    @inlinable public mutating func writeOK() {
        writeConstant("+OK\r\n")
    }

    /// `+<text>\r\n`; `text` must not contain CR or LF.
    @inlinable public mutating func writeSimpleString(_ text: String) {
        writeLine(UInt8(ascii: "+"), text)
    }

    /// `-<message>\r\n`; the message starts with its error code (`ERR`, `WRONGTYPE`, ...).
    /// CR and LF inside the message are replaced by spaces, as Redis does.
    @inlinable public mutating func writeError(_ message: String) {
        if message.utf8.contains(where: { $0 == 13 || $0 == 10 }) {
            writeLine(UInt8(ascii: "-"), String(decoding: message.utf8.map { $0 == 13 || $0 == 10 ? 32 : $0 }, as: UTF8.self))
        } else {
            writeLine(UInt8(ascii: "-"), message)
        }
    }

    /// `<marker><text>\r\n` (a status or an error line), in one write.
    @inlinable public mutating func writeLine(_ marker: UInt8, _ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            writeRESP(reserving: utf8.count &+ 3) { cursor in
                cursor.write(marker)
                cursor.write(UnsafeRawBufferPointer(utf8))
                cursor.write(13)
                cursor.write(10)
            }
        }
    }

    /// `:<n>\r\n`
    @inlinable public mutating func writeIntegerReply(_ value: Int64) {
        writeLine(UInt8(ascii: ":"), value)
    }

    /// `$<len>\r\n<bytes>\r\n`
    @inlinable public mutating func writeBulk(_ bytes: some Collection<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ writeBulk(raw: UnsafeRawBufferPointer($0)) }) != nil { return }
        writeInteger(UInt8(ascii: "$"))
        writeDecimal(Int64(bytes.count))
        writeStaticString("\r\n")
        writeBytes(bytes)
        writeStaticString("\r\n")
    }

    /// `$<len>\r\n<bytes>\r\n` from raw memory.
    @inlinable public mutating func writeBulk(raw bytes: UnsafeRawBufferPointer) {
        var length = DecimalDigits(Int64(bytes.count))
        writeRESP(reserving: RESPCursor.bulkSize(length: bytes.count, digits: length.count)) { cursor in
            cursor.writeBulk(bytes, length: &length)
        }
    }

    /// A bulk string holding the UTF-8 of `text`.
    @inlinable public mutating func writeBulk(_ text: String) {
        writeBulk(text.utf8)
    }

    /// A bulk string holding the decimal form of `value`.
    @inlinable public mutating func writeBulkDecimal(_ value: Int64) {
        var digits = DecimalDigits(value)
        digits.withBytes { writeBulk(raw: $0) }
    }

    /// `$-1\r\n`, RESP2's nil.
    @inlinable public mutating func writeNull() {
        writeConstant("$-1\r\n")
    }

    /// `*-1\r\n`, the nil array.
    @inlinable public mutating func writeNullArray() {
        writeConstant("*-1\r\n")
    }

    /// `*<count>\r\n`; the caller writes the elements after it.
    @inlinable public mutating func writeArrayHeader(_ count: Int) {
        writeLine(UInt8(ascii: "*"), Int64(count))
    }

    /// `<marker><value>\r\n`: an integer reply or an aggregate's header, in one write.
    @inlinable public mutating func writeLine(_ marker: UInt8, _ value: Int64) {
        var digits = DecimalDigits(value)
        writeRESP(reserving: digits.count &+ 3) { cursor in
            cursor.write(marker)
            digits.withBytes { cursor.write($0) }
            cursor.write(13)
            cursor.write(10)
        }
    }

    /// A constant reply such as `+OK\r\n`, in one write.
    @inlinable public mutating func writeConstant(_ text: StaticString) {
        writeRESP(reserving: text.utf8CodeUnitCount) { $0.write(text) }
    }

    /// The decimal digits of `value`, no allocation.
    @inlinable public mutating func writeDecimal(_ value: Int64) {
        var digits = DecimalDigits(value)
        writeRESP(reserving: digits.count) { cursor in digits.withBytes { cursor.write($0) } }
    }
}

/// The decimal representation of an Int64 in a fixed inline buffer.
public struct DecimalDigits {
    @usableFromInline var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
    @usableFromInline var start: Int = 24

    @inlinable public init(_ value: Int64) {
        var magnitude = value.magnitude
        withUnsafeMutableBytes(of: &storage) { buf in
            var i = 24
            repeat {
                i -= 1
                buf[i] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            if value < 0 {
                i -= 1
                buf[i] = UInt8(ascii: "-")
            }
            start = i
        }
    }

    @inlinable public var count: Int { 24 - start }

    @inlinable public mutating func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        let s = start
        return withUnsafeBytes(of: &storage) { body(UnsafeRawBufferPointer(rebasing: $0[s..<24])) }
    }

    /// The digits as a byte array.
    @inlinable public var bytes: [UInt8] {
        var copy = self
        return copy.withBytes { Array($0) }
    }
}
