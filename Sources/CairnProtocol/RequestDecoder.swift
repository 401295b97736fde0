public import NIOCore

/// Incremental decoder for client requests: RESP multibulk arrays and inline commands.
///
/// It keeps its position between calls, so a request split over many reads is scanned
/// once, not re-parsed from its start on each read. Limits and error texts follow Redis
/// (`processMultibulkBuffer` / `processInlineBuffer` in networking.c).
public struct RequestDecoder: Sendable {
    /// Longest inline request or header line accepted without a newline (Redis's PROTO_INLINE_MAX_SIZE).
    public static let inlineMaxSize = 64 * 1024
    /// Largest multibulk element count (Redis accepts up to INT_MAX).
    public static let maxMultibulkLength = Int(Int32.max)

    /// Largest accepted bulk string (`proto-max-bulk-len`).
    public var maxBulkLength: Int

    /// Elements still to read in the current multibulk request; 0 when between requests.
    private var remainingElements = 0
    /// Length of the bulk string whose header was read, or -1 while expecting a header.
    private var pendingBulkLength = -1

    public init(maxBulkLength: Int = 512 * 1024 * 1024) {
        self.maxBulkLength = maxBulkLength
    }

    /// True when a request has been started but not finished.
    public var isMidRequest: Bool { remainingElements > 0 }

    /// Decodes the next request from `buffer` into `args`.
    ///
    /// Returns true when a whole request has been read: `args` then holds it (it may be
    /// empty: an empty inline line or `*0`, which the caller skips). Returns false when
    /// more bytes are needed; what was consumed so far is remembered. Throws on a
    /// protocol violation, after which the connection must be closed.
    /// O(bytes consumed).
    public mutating func decode(_ buffer: inout ByteBuffer, into args: inout Arguments) throws(ProtocolError) -> Bool {
        if remainingElements == 0 {
            args.removeAll()
            guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return false }
            if first != UInt8(ascii: "*") {
                return try decodeInline(&buffer, into: &args)
            }
            guard let count = try readHeaderLine(&buffer, tooLong: .tooBigMultibulkCount) else { return false }
            guard let n = count.value, n <= Self.maxMultibulkLength else { throw .invalidMultibulkLength }
            if n <= 0 { return true }
            remainingElements = Int(n)
            pendingBulkLength = -1
        }
        while remainingElements > 0 {
            if pendingBulkLength < 0 {
                // Like Redis, the marker is checked only once the whole header line is in.
                guard let header = try readHeaderLine(&buffer, tooLong: .tooBigBulkCount) else { return false }
                if header.marker != UInt8(ascii: "$") { throw .expectedDollar(got: header.marker) }
                guard let n = header.value, n >= 0, n <= maxBulkLength else { throw .invalidBulkLength }
                pendingBulkLength = Int(n)
            }
            // Payload plus CRLF; like Redis, the two trailing bytes are skipped unchecked.
            // Compared without adding: proto-max-bulk-len may be set as high as Int.max.
            guard buffer.readableBytes >= 2, buffer.readableBytes - 2 >= pendingBulkLength else { return false }
            buffer.withUnsafeReadableBytes { raw in
                args.append(UnsafeRawBufferPointer(rebasing: raw[0..<pendingBulkLength]))
            }
            buffer.moveReaderIndex(forwardBy: pendingBulkLength + 2)
            pendingBulkLength = -1
            remainingElements -= 1
        }
        return true
    }

    /// Reads a `*<n>\r\n` or `$<n>\r\n` header line. Returns nil while incomplete, else the
    /// marker byte and the number (nil when malformed). Consumes the line when complete.
    private func readHeaderLine(_ buffer: inout ByteBuffer, tooLong: ProtocolError) throws(ProtocolError) -> (marker: UInt8, value: Int64?)? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: UInt8(ascii: "\r")) else {
            if view.count > Self.inlineMaxSize { throw tooLong }
            return nil
        }
        // Redis needs one byte after '\r' (the '\n') before it accepts the line.
        guard cr + 1 < view.endIndex else { return nil }
        let start = view.startIndex
        let result: (UInt8, Int64?) = buffer.withUnsafeReadableBytes { raw in
            // An empty line ("\r\n" where a header belongs) has no marker: its '\r' stands in.
            cr == start ? (raw[0], nil) : (raw[0], parseStrictInt64(UnsafeRawBufferPointer(rebasing: raw[1..<(cr - start)])))
        }
        buffer.moveReaderIndex(to: cr + 2)
        return result
    }

    /// Inline form: one line, split into words with Redis's quoting rules.
    private mutating func decodeInline(_ buffer: inout ByteBuffer, into args: inout Arguments) throws(ProtocolError) -> Bool {
        let view = buffer.readableBytesView
        guard let lf = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > Self.inlineMaxSize { throw .tooBigInlineRequest }
            return false
        }
        var lineEnd = lf
        if lineEnd > view.startIndex, view[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
        let line = Array(view[view.startIndex..<lineEnd])
        buffer.moveReaderIndex(to: lf + 1)
        try InlineSplitter.split(line, into: &args)
        return true
    }
}
