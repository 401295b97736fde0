public import NIOCore

/// Writes RESP into memory reserved for a whole message: one capacity check and one
/// buffer access per message instead of one per part (a bulk string has five parts).
/// Used on the hot paths: bulk replies, logged commands and the base file of a rewrite.
public struct RESPCursor {
    @usableFromInline let out: UnsafeMutableRawBufferPointer
    @usableFromInline var written: Int
    /// Bytes written so far.
    @inlinable public var count: Int { written }

    @inlinable init(_ out: UnsafeMutableRawBufferPointer) {
        self.out = out
        self.written = 0
    }

    /// Bytes `bulk` writes for `length` bytes whose length has `digits` decimal digits.
    @inlinable public static func bulkSize(length: Int, digits: Int) -> Int {
        length &+ digits &+ 5
    }

    /// One byte. O(1). Writing past the reservation stops the process rather than
    /// corrupting memory (sizes are computed next to the writes; a mismatch is a bug).
    @inlinable public mutating func write(_ byte: UInt8) {
        precondition(written < out.count, "RESPCursor: write past the reserved size")
        out[written] = byte
        written &+= 1
    }

    /// Raw bytes. O(n).
    @inlinable public mutating func write(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= out.count &- written, "RESPCursor: write past the reserved size")
        UnsafeMutableRawBufferPointer(rebasing: out[written ..< written &+ bytes.count]).copyMemory(from: bytes)
        written &+= bytes.count
    }

    /// A constant such as `*3\r\n$3\r\nSET\r\n`. O(n).
    @inlinable public mutating func write(_ text: StaticString) {
        write(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// `$<len>\r\n<bytes>\r\n`, where `length` holds the digits of `bytes.count`. O(n).
    @inlinable public mutating func writeBulk(_ bytes: UnsafeRawBufferPointer, length: inout DecimalDigits) {
        write(UInt8(ascii: "$"))
        length.withBytes { write($0) }
        write(13)
        write(10)
        write(bytes)
        write(13)
        write(10)
    }
}

extension ByteBuffer {
    /// Reserves `size` bytes and lets `body` fill them through a cursor; `body` must write
    /// at most `size` bytes (checked in debug builds). O(size).
    @inlinable public mutating func writeRESP(reserving size: Int, _ body: (inout RESPCursor) -> Void) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: size) { out in
            var cursor = RESPCursor(out)
            body(&cursor)
            assert(cursor.count <= size)
            return cursor.count
        }
    }
}
