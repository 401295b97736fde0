public import NIOCore

/// Writes replies in the protocol the client chose with HELLO: RESP2 (the default) or
/// RESP3. The two differ only in a few forms (null, map, set, verbatim text), so
/// commands write one way and the writer picks the encoding.
/// Every method is O(length of what it writes).
public struct ReplyWriter {
    public var buffer: ByteBuffer
    /// Whether the client speaks RESP3 (after `HELLO 3`).
    public var resp3: Bool

    public init(buffer: ByteBuffer, resp3: Bool = false) {
        self.buffer = buffer
        self.resp3 = resp3
    }

    /// Bytes written and not yet taken. O(1).
    @inlinable public var readableBytes: Int { buffer.readableBytes }

    @inlinable public mutating func writeOK() { buffer.writeOK() }
    @inlinable public mutating func writeSimpleString(_ text: String) { buffer.writeSimpleString(text) }
    @inlinable public mutating func writeError(_ message: String) { buffer.writeError(message) }
    @inlinable public mutating func writeIntegerReply(_ value: Int64) { buffer.writeIntegerReply(value) }
    @inlinable public mutating func writeBulk(_ bytes: some Collection<UInt8>) { buffer.writeBulk(bytes) }
    @inlinable public mutating func writeBulk(raw bytes: UnsafeRawBufferPointer) { buffer.writeBulk(raw: bytes) }
    @inlinable public mutating func writeBulk(_ text: String) { buffer.writeBulk(text.utf8) }
    @inlinable public mutating func writeBulkDecimal(_ value: Int64) { buffer.writeBulkDecimal(value) }
    @inlinable public mutating func writeArrayHeader(_ count: Int) { buffer.writeArrayHeader(count) }

    /// A HELP subcommand's answer: each line a simple string. O(total length).
    public mutating func writeHelp(_ lines: [String]) {
        writeArrayHeader(lines.count)
        for line in lines { writeSimpleString(line) }
    }

    /// A push frame of `count` elements (pub/sub messages and confirmations): `>count` in
    /// RESP3, an ordinary array in RESP2.
    @inlinable public mutating func writePushHeader(_ count: Int) {
        if resp3 {
            buffer.writeStaticString(">")
            buffer.writeString(String(count))
            buffer.writeStaticString("\r\n")
        } else {
            buffer.writeArrayHeader(count)
        }
    }

    /// Nil: `$-1` in RESP2, `_` in RESP3.
    @inlinable public mutating func writeNull() {
        if resp3 { buffer.writeConstant("_\r\n") } else { buffer.writeNull() }
    }

    /// A nil array: `*-1` in RESP2, `_` in RESP3.
    @inlinable public mutating func writeNullArray() {
        if resp3 { buffer.writeConstant("_\r\n") } else { buffer.writeNullArray() }
    }

    /// A map of `count` pairs: a flat array of 2×count elements in RESP2, `%count` in RESP3.
    @inlinable public mutating func writeMapHeader(_ count: Int) {
        if resp3 { writeAggregateHeader(UInt8(ascii: "%"), count) } else { buffer.writeArrayHeader(count * 2) }
    }

    /// A set of `count` elements: an array in RESP2, `~count` in RESP3.
    @inlinable public mutating func writeSetHeader(_ count: Int) {
        if resp3 { writeAggregateHeader(UInt8(ascii: "~"), count) } else { buffer.writeArrayHeader(count) }
    }

    /// `<marker><count>\r\n`, the header of a RESP3 aggregate.
    @inlinable mutating func writeAggregateHeader(_ marker: UInt8, _ count: Int) {
        buffer.writeLine(marker, Int64(count))
    }

    /// A floating-point number already formatted (`%.17g`, `inf`, `-inf`): a bulk string
    /// in RESP2, `,text` in RESP3.
    @inlinable public mutating func writeDouble(_ text: [UInt8]) {
        guard resp3 else { buffer.writeBulk(text); return }
        buffer.writeInteger(UInt8(ascii: ","))
        buffer.writeBytes(text)
        buffer.writeStaticString("\r\n")
    }

    /// Human-readable text (INFO, CLIENT LIST): a bulk string in RESP2, a verbatim
    /// string of format `txt` in RESP3.
    @inlinable public mutating func writeVerbatim(_ text: String) {
        guard resp3 else { buffer.writeBulk(text.utf8); return }
        buffer.writeInteger(UInt8(ascii: "="))
        buffer.writeDecimal(Int64(text.utf8.count + 4))
        buffer.writeStaticString("\r\ntxt:")
        buffer.writeString(text)
        buffer.writeStaticString("\r\n")
    }
}
