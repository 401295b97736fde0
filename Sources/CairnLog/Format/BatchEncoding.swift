public import NIOCore
import CairnProtocol

/// The framing around each batch of logged commands (see docs/aof-format.md):
/// an optional `#TS:<seconds>` line, then `#CAIRN:<length>:<crc64>`, then the payload.
public enum BatchEncoding {
    public static let headerPrefix: [UInt8] = Array("#CAIRN:".utf8)
    public static let timestampPrefix: [UInt8] = Array("#TS:".utf8)
    /// Longest annotation line accepted; Redis reads annotation lines with a 1 KiB buffer.
    public static let maxAnnotationLength = 1024

    /// Appends the framed batch to `out`. O(payload). Writes its numbers digit by digit:
    /// a batch goes out every event-loop turn, and text made through `String` cost three
    /// allocations per batch.
    public static func encode(_ payload: ByteBuffer, timestamp: Int64?, into out: inout ByteBuffer) {
        if let timestamp {
            out.writeBytes(timestampPrefix)
            writeDecimal(timestamp, into: &out)
            out.writeStaticString("\r\n")
        }
        let crc = payload.withUnsafeReadableBytes { CRC64.checksum($0) }
        out.writeBytes(headerPrefix)
        writeDecimal(Int64(payload.readableBytes), into: &out)
        out.writeInteger(UInt8(ascii: ":"))
        for shift in stride(from: 60, through: 0, by: -4) {
            out.writeInteger(hexDigits[Int((crc >> UInt64(shift)) & 0xF)])
        }
        out.writeStaticString("\r\n")
        out.writeImmutableBuffer(payload)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The decimal digits of `value` (a sign first if negative). O(digits).
    static func writeDecimal(_ value: Int64, into out: inout ByteBuffer) {
        var digits = DecimalDigits(value)
        digits.withBytes { out.writeBytes($0) }
    }
}
