public import NIOCore

/// The framing around each batch of logged commands (see docs/aof-format.md):
/// an optional `#TS:<seconds>` line, then `#CAIRN:<length>:<crc64>`, then the payload.
public enum BatchEncoding {
    public static let headerPrefix: [UInt8] = Array("#CAIRN:".utf8)
    public static let timestampPrefix: [UInt8] = Array("#TS:".utf8)
    /// Longest annotation line accepted; Redis reads annotation lines with a 1 KiB buffer.
    public static let maxAnnotationLength = 1024

    /// Appends the framed batch to `out`. O(payload).
    public static func encode(_ payload: ByteBuffer, timestamp: Int64?, into out: inout ByteBuffer) {
        if let timestamp {
            out.writeBytes(timestampPrefix)
            out.writeString(String(timestamp))
            out.writeStaticString("\r\n")
        }
        let crc = payload.withUnsafeReadableBytes { CRC64.checksum($0) }
        out.writeBytes(headerPrefix)
        out.writeString(String(payload.readableBytes))
        out.writeInteger(UInt8(ascii: ":"))
        out.writeString(hex16(crc))
        out.writeStaticString("\r\n")
        var body = payload
        out.writeBuffer(&body)
    }

    /// 16 lowercase hex digits.
    public static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
